from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib

import pytest

from ansible_collections.certfleet.acme.plugins.module_utils.challenge_material import (
    check_token, dns01_record_name, dns01_record_value, http01_resource, tls_alpn_server_name, validate_all,
    validate_material)
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA'
THUMBPRINT = 'Ahk2GDq0dP8h3XKGtKAAzOlvNNbPbU5Oa3yQZoCqb5g'
KEY_AUTHORIZATION = TOKEN + '.' + THUMBPRINT


def item(**changes):
    base = {'identifier': 'www.certfleet.test', 'identifier_type': 'dns', 'type': 'http-01', 'token': TOKEN,
            'key_authorization': KEY_AUTHORIZATION}
    base.update(changes)
    return base


def test_digest_is_unpadded_base64url_of_sha256():
    expected = base64.urlsafe_b64encode(hashlib.sha256(KEY_AUTHORIZATION.encode()).digest()).decode().rstrip('=')
    assert dns01_record_value(KEY_AUTHORIZATION) == expected
    assert len(expected) == 43 and '=' not in expected
    # a known vector: SHA-256 of the empty string is 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= in base64
    assert dns01_record_value('') == '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'


def test_record_names():
    assert dns01_record_name('www.certfleet.test') == '_acme-challenge.www.certfleet.test'
    assert dns01_record_name('*.certfleet.test') == '_acme-challenge.certfleet.test'
    assert dns01_record_name('certfleet.test.') == '_acme-challenge.certfleet.test'
    assert http01_resource(TOKEN) == '.well-known/acme-challenge/' + TOKEN


def test_tls_alpn_server_names():
    assert tls_alpn_server_name('WWW.certfleet.test', 'dns') == 'www.certfleet.test'
    assert tls_alpn_server_name('127.0.0.1', 'ip') == '1.0.0.127.in-addr.arpa'
    assert tls_alpn_server_name('::1', 'ip').endswith('.ip6.arpa')


@pytest.mark.parametrize('token', ['../x', 'a/b', 'a b', '..', '.', 'x\x00y', 'x\ny', 'a.b', 'a%2fb', 'a\\b',
                                   'tok=', 'äbc', 'x' * 300])
def test_hostile_tokens_are_refused(token):
    with pytest.raises(CertfleetError, match='token'):
        check_token(token)
    with pytest.raises(CertfleetError, match=r'challenges\[3\]\.token'):
        validate_material(item(token=token, key_authorization=token + '.' + THUMBPRINT), 3)


@pytest.mark.parametrize('token', ['', None, 42])
def test_empty_or_missing_token(token):
    with pytest.raises(CertfleetError, match='missing or empty'):
        validate_material(item(token=token))


def test_valid_http01():
    material = validate_material(item(resource='.well-known/acme-challenge/' + TOKEN,
                                      resource_value=KEY_AUTHORIZATION, authorization='https://ca/authz/1'), 0)
    assert material.token == TOKEN
    assert material.resource == '.well-known/acme-challenge/' + TOKEN
    assert material.label == 'challenges[0]'


def test_key_authorization_must_belong_to_token():
    with pytest.raises(CertfleetError, match=r'key_authorization must be "<token>\.<account key thumbprint>"'):
        validate_material(item(key_authorization='other.' + THUMBPRINT))
    with pytest.raises(CertfleetError, match='key_authorization'):
        validate_material(item(key_authorization=TOKEN))  # no thumbprint
    with pytest.raises(CertfleetError, match='thumbprint'):
        validate_material(item(key_authorization=TOKEN + './etc/passwd'))


def test_derived_fields_must_match():
    with pytest.raises(CertfleetError, match=r'challenge\.resource does not match'):
        validate_material(item(resource='.well-known/acme-challenge/../../etc/passwd'))
    with pytest.raises(CertfleetError, match='resource_value does not match'):
        validate_material(item(resource_value='something else'))
    dns = item(type='dns-01', record='_acme-challenge.www.certfleet.test')
    validate_material(dict(dns, record_value=dns01_record_value(KEY_AUTHORIZATION)))
    with pytest.raises(CertfleetError, match='record_value does not match'):
        validate_material(dict(dns, record_value='AAAA'))
    with pytest.raises(CertfleetError, match='record .* does not match the identifier'):
        validate_material(dict(dns, record='_acme-challenge.evil.test'))


def test_types_and_identifiers():
    with pytest.raises(CertfleetError, match="type 'http-02' is not a challenge type"):
        validate_material(item(type='http-02'))
    with pytest.raises(CertfleetError, match='identifier_type'):
        validate_material(item(identifier_type='email'))
    with pytest.raises(CertfleetError, match='wildcards can only be proven with dns-01'):
        validate_material(item(identifier='*.certfleet.test'))
    assert validate_material(item(type='dns-01', identifier='*.certfleet.test')).record == \
        '_acme-challenge.certfleet.test'
    with pytest.raises(CertfleetError, match='A-labels'):
        validate_material(item(identifier=u'bücher.test'))
    with pytest.raises(CertfleetError, match='lower case'):
        validate_material(item(identifier='WWW.certfleet.test'))
    with pytest.raises(CertfleetError, match='not a valid DNS name'):
        validate_material(item(identifier='www..test'))
    with pytest.raises(CertfleetError, match='not an IPv4 or IPv6 address'):
        validate_material(item(identifier='www.certfleet.test', identifier_type='ip'))
    with pytest.raises(CertfleetError, match='cannot be proven with dns-01'):
        validate_material(item(identifier='127.0.0.1', identifier_type='ip', type='dns-01'))
    assert validate_material(item(identifier='::0001', identifier_type='ip')).identifier == '::1'


def test_tls_alpn_pem_fields():
    with pytest.raises(CertfleetError, match='give both'):
        validate_material(item(type='tls-alpn-01', tls_alpn_certificate='-----BEGIN CERTIFICATE-----\n'))
    with pytest.raises(CertfleetError, match='is not PEM text'):
        validate_material(item(type='tls-alpn-01', tls_alpn_certificate='nope', tls_alpn_private_key='nope'))


def test_validate_all_checks_every_item_and_drops_duplicates():
    good = item()
    assert validate_all([]) == []
    assert len(validate_all([good, dict(good)])) == 1
    with pytest.raises(CertfleetError, match=r'challenges\[1\]\.token'):
        validate_all([good, item(token='../x', key_authorization='../x.' + THUMBPRINT)])
    with pytest.raises(CertfleetError, match='must be a dict'):
        validate_all(['www.certfleet.test'])
    with pytest.raises(CertfleetError, match='No challenge given'):
        validate_all(None)
