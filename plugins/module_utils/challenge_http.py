# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""http-01 into a web server's document root (RFC 8555 section 8.3).

``<webroot>/.well-known/acme-challenge/<token>`` holds the key authorization,
mode 0644 in 0755 directories, written atomically (a web server never serves
half a file). The path is built from a token that ``challenge_material`` has
already restricted to base64url, and is then checked again against the real
path of the webroot, so neither a hostile token nor a symbolic link inside the
webroot can make this code write or delete anything outside it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import grp
import os
import pwd
import stat

from ansible_collections.certfleet.acme.plugins.module_utils.challenge_material import HTTP_01_PREFIX, check_token
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.files import write_atomic

FILE_MODE = 0o644
DIR_MODE = 0o755


def is_within(path, root):
    """True when ``path`` is ``root`` or below it (both already real, absolute paths)."""
    root = root.rstrip(os.sep) or os.sep
    return path == root or path.startswith(root if root == os.sep else root + os.sep)


def real_webroot(webroot):
    """The real path of the webroot; it must exist and be a directory."""
    if not webroot:
        raise CertfleetError('webroot is empty; give the document root the web server serves for these names.')
    path = os.path.realpath(os.path.abspath(os.path.expanduser(webroot)))
    if not os.path.isdir(path):
        raise CertfleetError('webroot %s does not exist or is not a directory; give the document root the web'
                             ' server serves for these names (it is not created here).' % webroot)
    return path


def challenge_path(root, token):
    """The file for ``token`` below the real webroot ``root``, refusing any way out of it.

    Every part of the path that already exists is resolved; if a symbolic link
    (for example ``.well-known`` -> ``/etc``) leads outside ``root``, this raises.
    """
    check_token(token)
    path = os.path.join(root, HTTP_01_PREFIX, token)
    if not is_within(os.path.normpath(path), root) or os.path.basename(path) != token:
        raise CertfleetError('The http-01 file for token %r would be outside webroot %s; refusing.' % (token, root))
    parent = os.path.dirname(path)
    existing = parent
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    real_existing = os.path.realpath(existing)
    if not is_within(real_existing, root):
        raise CertfleetError('%s resolves to %s, outside webroot %s (a symbolic link?); refusing to write the'
                             ' http-01 file there. Remove the link or point webroot at the real document root.'
                             % (existing, real_existing, root))
    if not os.path.isdir(real_existing):
        raise CertfleetError('%s exists and is not a directory; cannot publish http-01 below it.' % existing)
    return os.path.normpath(os.path.join(real_existing, os.path.relpath(parent, existing), token))


def resolve_owner(owner, group):
    """``(uid, gid)`` for the owner/group options (names or numbers); -1 means "leave as is"."""
    uid = gid = -1
    if owner not in (None, ''):
        try:
            uid = int(owner) if str(owner).isdigit() else pwd.getpwnam(owner).pw_uid
        except KeyError:
            raise CertfleetError('owner %r is not a user on this host.' % owner)
    if group not in (None, ''):
        try:
            gid = int(group) if str(group).isdigit() else grp.getgrnam(group).gr_gid
        except KeyError:
            raise CertfleetError('group %r is not a group on this host.' % group)
    return uid, gid


def read_regular_file(path):
    """``(kind, content, stat)``: kind is 'missing', 'file', 'link' or 'other'; content only for a file.

    Never follows a symbolic link at ``path`` itself.
    """
    try:
        info = os.lstat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return 'missing', None, None
        raise CertfleetError('Cannot inspect %s: %s.' % (path, exc.strerror or exc))
    if stat.S_ISLNK(info.st_mode):
        return 'link', None, info
    if not stat.S_ISREG(info.st_mode):
        return 'other', None, info
    flags = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise CertfleetError('Cannot read %s: %s.' % (path, exc.strerror or exc))
    with os.fdopen(descriptor, 'rb') as handle:
        return 'file', handle.read(), info


def make_directories(root, directory, uid=-1, gid=-1):
    """Create ``directory`` (below ``root``) level by level with mode 0755; return the ones created."""
    created = []
    relative = os.path.relpath(directory, root)
    current = root
    for part in relative.split(os.sep):
        if part in ('', '.'):
            continue
        current = os.path.join(current, part)
        if os.path.isdir(current) and not os.path.islink(current):
            continue
        if os.path.lexists(current) and not os.path.isdir(current):
            raise CertfleetError('%s exists and is not a directory; cannot publish http-01 below it.' % current)
        if os.path.islink(current):
            if not is_within(os.path.realpath(current), root):
                raise CertfleetError('%s is a link out of webroot %s; refusing.' % (current, root))
            continue
        try:
            os.mkdir(current, DIR_MODE)
            os.chmod(current, DIR_MODE)  # mkdir's mode is masked by the umask
            if uid != -1 or gid != -1:
                os.chown(current, uid, gid)
        except OSError as exc:
            raise CertfleetError('Cannot create directory %s: %s.' % (current, exc.strerror or exc))
        created.append(current)
    return created


class WebrootPublisher(object):
    """Present / absent of http-01 files in one webroot."""

    def __init__(self, webroot, owner=None, group=None, check_mode=False):
        self.webroot = webroot
        self.root = real_webroot(webroot)
        self.uid, self.gid = resolve_owner(owner, group)
        self.check_mode = check_mode

    def path_for(self, material):
        return challenge_path(self.root, material.token)

    def _ownership_differs(self, info):
        return (self.uid != -1 and info.st_uid != self.uid) or (self.gid != -1 and info.st_gid != self.gid)

    def present(self, material, path):
        """Make the file hold the key authorization; return ``(changed, diff)``."""
        content = material.key_authorization.encode('ascii')
        kind, before, info = read_regular_file(path)
        if kind == 'other':
            raise CertfleetError('%s exists and is not a regular file; remove it to publish http-01 there.' % path)
        if kind == 'file' and before == content:
            fix_mode = stat.S_IMODE(info.st_mode) != FILE_MODE
            fix_owner = self._ownership_differs(info)
            if not fix_mode and not fix_owner:
                return False, None
            if not self.check_mode:
                os.chmod(path, FILE_MODE)
                if fix_owner:
                    os.chown(path, self.uid, self.gid)
            return True, None
        diff = {'before_header': path, 'after_header': path,
                'before': _text(before) if kind == 'file' else '', 'after': material.key_authorization + '\n'}
        if self.check_mode:
            return True, diff
        make_directories(self.root, os.path.dirname(path), self.uid, self.gid)
        # rename() replaces a symbolic link at the path itself, never its target.
        write_atomic(path, content, mode=FILE_MODE, dir_mode=DIR_MODE)
        if self.uid != -1 or self.gid != -1:
            try:
                os.chown(path, self.uid, self.gid)
            except OSError as exc:
                raise CertfleetError('Cannot set owner/group of %s: %s.' % (path, exc.strerror or exc))
        return True, diff

    def absent(self, material, path):
        """Remove exactly this token's file; return ``(changed, diff)``."""
        kind, before, _info = read_regular_file(path)
        if kind == 'missing':
            return False, None
        if kind == 'other':
            raise CertfleetError('%s is not a regular file; not removing it.' % path)
        diff = {'before_header': path, 'after_header': path,
                'before': _text(before) if kind == 'file' else '(symbolic link)\n', 'after': ''}
        if not self.check_mode:
            try:
                os.unlink(path)  # a link itself, never what it points to
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    raise CertfleetError('Cannot remove %s: %s.' % (path, exc.strerror or exc))
        return True, diff


def _text(content):
    text = content.decode('utf-8', 'replace') if content is not None else ''
    return text if text.endswith('\n') or not text else text + '\n'
