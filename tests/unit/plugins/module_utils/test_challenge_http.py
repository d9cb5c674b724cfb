from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.certfleet.acme.plugins.module_utils.challenge_http import (
    WebrootPublisher, challenge_path, is_within, real_webroot, resolve_owner)
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_material import validate_material
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA'
KEY_AUTHORIZATION = TOKEN + '.Ahk2GDq0dP8h3XKGtKAAzOlvNNbPbU5Oa3yQZoCqb5g'


def material(token=TOKEN):
    return validate_material({'identifier': 'www.certfleet.test', 'type': 'http-01', 'token': token,
                              'key_authorization': token + '.Ahk2GDq0dP8h3XKGtKAAzOlvNNbPbU5Oa3yQZoCqb5g'})


def tree(tmp_path):
    """Every path below tmp_path, relative, sorted."""
    return sorted(os.path.relpath(os.path.join(root, name), str(tmp_path))
                  for root, dirs, files in os.walk(str(tmp_path)) for name in dirs + files)


def test_is_within():
    assert is_within('/srv/www', '/srv/www')
    assert is_within('/srv/www/a', '/srv/www')
    assert not is_within('/srv/www2', '/srv/www')
    assert not is_within('/srv', '/srv/www')
    assert is_within('/anything', '/')


def test_path_is_below_the_real_webroot(tmp_path):
    root = real_webroot(str(tmp_path))
    assert challenge_path(root, TOKEN) == os.path.join(root, '.well-known', 'acme-challenge', TOKEN)


@pytest.mark.parametrize('token', ['../x', 'a/b', '..', '', '/etc/passwd', 'a b'])
def test_hostile_tokens_never_make_a_path(tmp_path, token):
    with pytest.raises(CertfleetError):
        challenge_path(str(tmp_path), token)


def test_symlink_out_of_the_webroot_is_refused(tmp_path):
    webroot, outside = tmp_path / 'www', tmp_path / 'outside'
    webroot.mkdir()
    outside.mkdir()
    os.symlink(str(outside), str(webroot / '.well-known'))
    with pytest.raises(CertfleetError, match='outside webroot'):
        challenge_path(real_webroot(str(webroot)), TOKEN)
    (webroot / '.well-known').unlink()
    (webroot / '.well-known').mkdir()
    os.symlink('/', str(webroot / '.well-known' / 'acme-challenge'))
    with pytest.raises(CertfleetError, match='outside webroot'):
        challenge_path(real_webroot(str(webroot)), TOKEN)


def test_symlink_inside_the_webroot_is_followed(tmp_path):
    webroot = tmp_path / 'www'
    (webroot / 'shared').mkdir(parents=True)
    os.symlink(str(webroot / 'shared'), str(webroot / '.well-known'))
    root = real_webroot(str(webroot))
    assert challenge_path(root, TOKEN) == os.path.join(root, 'shared', 'acme-challenge', TOKEN)


def test_webroot_itself_may_be_a_link(tmp_path):
    (tmp_path / 'real').mkdir()
    os.symlink(str(tmp_path / 'real'), str(tmp_path / 'link'))
    assert real_webroot(str(tmp_path / 'link')) == os.path.realpath(str(tmp_path / 'real'))


def test_missing_webroot(tmp_path):
    with pytest.raises(CertfleetError, match='does not exist'):
        real_webroot(str(tmp_path / 'nope'))
    (tmp_path / 'file').write_text(u'x')
    with pytest.raises(CertfleetError, match='not a directory'):
        real_webroot(str(tmp_path / 'file'))


def test_present_absent_idempotent_with_modes(tmp_path):
    old_umask = os.umask(0o077)  # the modes must not depend on the umask
    try:
        _present_absent(tmp_path)
    finally:
        os.umask(old_umask)


def _present_absent(tmp_path):
    publisher = WebrootPublisher(str(tmp_path))
    item = material()
    path = publisher.path_for(item)
    assert publisher.present(item, path)[0] is True
    assert open(path).read() == KEY_AUTHORIZATION
    assert oct(os.stat(path).st_mode & 0o777) == '0o644'
    assert oct(os.stat(os.path.dirname(path)).st_mode & 0o777) == '0o755'
    assert oct(os.stat(str(tmp_path / '.well-known')).st_mode & 0o777) == '0o755'
    assert publisher.present(item, path) == (False, None)
    os.chmod(path, 0o600)
    assert publisher.present(item, path)[0] is True  # mode fixed
    assert oct(os.stat(path).st_mode & 0o777) == '0o644'
    changed, diff = publisher.absent(item, path)
    assert changed and diff['before'] == KEY_AUTHORIZATION + '\n'
    assert not os.path.exists(path)
    assert publisher.absent(item, path) == (False, None)


def test_absent_removes_only_its_own_file(tmp_path):
    publisher = WebrootPublisher(str(tmp_path))
    mine, other = material(), material('otherTOKEN_-123')
    for item in (mine, other):
        publisher.present(item, publisher.path_for(item))
    publisher.absent(mine, publisher.path_for(mine))
    assert os.path.exists(publisher.path_for(other))
    assert not os.path.exists(publisher.path_for(mine))


def test_check_mode_writes_nothing(tmp_path):
    publisher = WebrootPublisher(str(tmp_path), check_mode=True)
    item = material()
    changed, diff = publisher.present(item, publisher.path_for(item))
    assert changed and diff['after'] == KEY_AUTHORIZATION + '\n'
    assert tree(tmp_path) == []


def test_content_change_is_rewritten(tmp_path):
    publisher = WebrootPublisher(str(tmp_path))
    item = material()
    path = publisher.path_for(item)
    os.makedirs(os.path.dirname(path))
    with open(path, 'w') as handle:
        handle.write('stale')
    changed, diff = publisher.present(item, path)
    assert changed and diff['before'] == 'stale\n'
    assert open(path).read() == KEY_AUTHORIZATION


def test_a_link_at_the_token_path_is_replaced_not_followed(tmp_path):
    webroot, victim = tmp_path / 'www', tmp_path / 'victim'
    victim.write_text(u'keep me')
    publisher = WebrootPublisher(str(webroot.mkdir() or webroot))
    item = material()
    path = publisher.path_for(item)
    os.makedirs(os.path.dirname(path))
    os.symlink(str(victim), path)
    publisher.present(item, path)
    assert victim.read_text() == u'keep me'
    assert not os.path.islink(path) and open(path).read() == KEY_AUTHORIZATION


def test_a_directory_at_the_token_path_is_an_error(tmp_path):
    publisher = WebrootPublisher(str(tmp_path))
    item = material()
    path = publisher.path_for(item)
    os.makedirs(path)
    with pytest.raises(CertfleetError, match='not a regular file'):
        publisher.present(item, path)


def test_owner_and_group_lookup():
    assert resolve_owner(None, None) == (-1, -1)
    assert resolve_owner('0', '0') == (0, 0)
    with pytest.raises(CertfleetError, match='owner .* is not a user'):
        resolve_owner('no-such-user-certfleet', None)
    with pytest.raises(CertfleetError, match='group .* is not a group'):
        resolve_owner(None, 'no-such-group-certfleet')
