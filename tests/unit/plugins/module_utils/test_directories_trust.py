from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.certfleet.acme.plugins.module_utils.directories import PUBLIC_CAS, resolve_directory
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.trust import resolve_verify


def test_presets_and_urls():
    assert resolve_directory('letsencrypt') == 'https://acme-v02.api.letsencrypt.org/directory'
    assert resolve_directory('LetsEncrypt-Staging') == PUBLIC_CAS['letsencrypt-staging']
    assert resolve_directory('https://127.0.0.1:14000/dir') == 'https://127.0.0.1:14000/dir'
    assert all(url.startswith('https://') for url in PUBLIC_CAS.values())


@pytest.mark.parametrize('value', ['', 'lets-encrypt', 'ftp://ca/dir', 'https://', 'https://a b/dir'])
def test_bad_directory_names_the_option_and_the_choices(value):
    with pytest.raises(CertfleetError, match='acme_directory .* neither an http.s. URL nor a known CA name.*zerossl'):
        resolve_directory(value)


def test_resolve_verify(tmp_path):
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    assert resolve_verify(str(bundle), True) == str(bundle)
    assert resolve_verify(None, True) is True
    assert resolve_verify(str(bundle), False) is False
    with pytest.raises(CertfleetError, match='cannot be read'):
        resolve_verify(str(tmp_path / 'missing.pem'), True)
    with pytest.raises(CertfleetError, match='is a directory'):
        resolve_verify(str(tmp_path), True)
    junk = tmp_path / 'junk.pem'
    junk.write_text('hello')
    with pytest.raises(CertfleetError, match='holds no PEM certificate'):
        resolve_verify(str(junk), True)
