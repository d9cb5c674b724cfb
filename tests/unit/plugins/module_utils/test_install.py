from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.identifiers import Identifier
from ansible_collections.certfleet.acme.plugins.module_utils.install import CertificateSet, covers
from ansible_collections.certfleet.acme.tests.unit.plugins.module_utils.certs_for_tests import UTC, make_cert

NOW = datetime.datetime.now(UTC)


def _pem(obj):
    if hasattr(obj, 'private_bytes'):
        return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    return obj.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope='module')
def material():
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = make_cert([], NOW - datetime.timedelta(days=1), NOW + datetime.timedelta(days=90), key=ca_key,
                   subject='Test CA')[0]
    leaf, key = make_cert(['www.example.com', '*.example.org'], NOW - datetime.timedelta(days=1),
                          NOW + datetime.timedelta(days=30), issuer_key=ca_key)
    return {'leaf': _pem(leaf), 'ca': _pem(ca), 'key': _pem(key)}


def _set(tmp_path, material, **extra):
    values = {'name': 'www', 'base_dir': str(tmp_path), 'combined': True,
              'fullchain_content': material['leaf'] + material['ca'], 'private_key_content': material['key']}
    values.update(extra)
    return CertificateSet('', values)


def test_wildcard_coverage():
    have = [Identifier('dns', '*.example.org'), Identifier('dns', 'www.example.com')]
    assert covers(have, Identifier('dns', 'a.example.org'))
    assert not covers(have, Identifier('dns', 'a.b.example.org'))
    assert not covers(have, Identifier('dns', 'example.org'))
    assert covers(have, Identifier('dns', 'www.example.com'))


def test_a_good_set_verifies_and_lays_out_every_file(tmp_path, material):
    cert_set = _set(tmp_path, material, expected_names=['www.example.com', 'shop.example.org'])
    cert_set.verify()
    contents = cert_set.contents()
    assert sorted(contents) == ['cert', 'chain', 'combined', 'fullchain', 'private_key']
    assert contents['combined'] == contents['private_key'] + contents['fullchain']
    assert cert_set.paths['private_key'] == str(tmp_path / 'www' / 'privkey.pem')


def test_refusals_name_the_problem(tmp_path, material):
    other_key = _pem(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(CertfleetError, match='private key does not match'):
        _set(tmp_path, material, private_key_content=other_key).verify()
    with pytest.raises(CertfleetError, match='does not cover api.example.com'):
        _set(tmp_path, material, expected_names=['api.example.com']).verify()
    with pytest.raises(CertfleetError, match='no chain was given'):
        _set(tmp_path, material, fullchain_content=material['leaf'])
    with pytest.raises(CertfleetError, match='expired'):
        _set(tmp_path, material).verify(now=NOW + datetime.timedelta(days=31))
    with pytest.raises(CertfleetError, match='not valid before'):
        _set(tmp_path, material).verify(now=NOW - datetime.timedelta(days=2))


def test_key_on_the_host_is_used_and_not_rewritten(tmp_path, material):
    values = {'name': 'www', 'base_dir': str(tmp_path), 'combined': True,
              'fullchain_content': material['leaf'] + material['ca']}
    cert_set = CertificateSet('', values, host_key_pem=material['key'].encode())
    cert_set.verify()
    assert 'private_key' not in cert_set.contents()
    with pytest.raises(CertfleetError, match='no key on the host'):
        CertificateSet('', values, host_key_pem=None)
