from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.keys import (
    describe_key, generate_private_key, load_private_key, private_key_to_pem)


@pytest.mark.parametrize('key_type', ['ec256', 'ec384', 'rsa2048'])
def test_generate_and_load_round_trip(key_type):
    key = generate_private_key(key_type)
    assert describe_key(key) == key_type
    loaded = load_private_key(private_key_to_pem(key), option='account_key_content')
    assert describe_key(loaded) == key_type


def test_passphrase_handling_names_the_problem():
    pem = private_key_to_pem(generate_private_key('ec256'), passphrase='s3cret')
    assert describe_key(load_private_key(pem, 's3cret')) == 'ec256'
    with pytest.raises(CertfleetError, match='encrypted: give its passphrase'):
        load_private_key(pem, None, option='account_key_src /k')
    with pytest.raises(CertfleetError, match='passphrase is wrong'):
        load_private_key(pem, 'wrong', option='account_key_src /k')
    plain = private_key_to_pem(generate_private_key('ec256'))
    with pytest.raises(CertfleetError, match='not encrypted'):
        load_private_key(plain, 'unneeded')


def test_malformed_key_names_the_option():
    with pytest.raises(CertfleetError, match='^account_key_content is not a readable PEM private key'):
        load_private_key('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n',
                         option='account_key_content')


@pytest.mark.parametrize('key', [
    ec.generate_private_key(ec.SECP521R1()),
    ed25519.Ed25519PrivateKey.generate(),
    rsa.generate_private_key(public_exponent=65537, key_size=1024),
], ids=['p521', 'ed25519', 'rsa1024'])
def test_unsupported_key_types_are_refused(key):
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    with pytest.raises(CertfleetError, match='which ACME CAs do not accept'):
        load_private_key(pem, option='account_key_src /k')


def test_unknown_key_type_name():
    with pytest.raises(CertfleetError, match='Unsupported key type'):
        generate_private_key('dsa1024')
