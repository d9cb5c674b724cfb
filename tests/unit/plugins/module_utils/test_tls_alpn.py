from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib

import pytest

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.tls_alpn import (
    acme_identifier_value, build_challenge_certificate, check_challenge_certificate, inspect_challenge_certificate)

x509 = pytest.importorskip('cryptography.x509')

KEY_AUTHORIZATION = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.Ahk2GDq0dP8h3XKGtKAAzOlvNNbPbU5Oa3yQZoCqb5g'


def test_extension_value_is_der_octet_string_of_sha256():
    value = acme_identifier_value(KEY_AUTHORIZATION)
    assert value[:2] == b'\x04\x20'
    assert value[2:] == hashlib.sha256(KEY_AUTHORIZATION.encode()).digest()


def test_dns_certificate_shape():
    cert_pem, key_pem = build_challenge_certificate('www.certfleet.test', 'dns', KEY_AUTHORIZATION)
    assert cert_pem.startswith('-----BEGIN CERTIFICATE-----')
    assert 'PRIVATE KEY' in key_pem and 'ENCRYPTED' not in key_pem
    shape = inspect_challenge_certificate(cert_pem)
    assert shape['dns_names'] == ['www.certfleet.test']
    assert shape['ip_addresses'] == []
    assert shape['critical'] is True
    assert shape['acme_identifier'] == acme_identifier_value(KEY_AUTHORIZATION)
    check_challenge_certificate(cert_pem, key_pem, 'www.certfleet.test', 'dns', KEY_AUTHORIZATION, 'challenge')
    certificate = x509.load_pem_x509_certificate(cert_pem.encode())
    assert certificate.issuer == certificate.subject  # self-signed


def test_ip_certificate_has_ip_san_only():
    cert_pem, key_pem = build_challenge_certificate('127.0.0.1', 'ip', KEY_AUTHORIZATION)
    shape = inspect_challenge_certificate(cert_pem)
    assert shape['ip_addresses'] == ['127.0.0.1']
    assert shape['dns_names'] == []
    check_challenge_certificate(cert_pem, key_pem, '127.0.0.1', 'ip', KEY_AUTHORIZATION, 'challenge')
    cert6, _key6 = build_challenge_certificate('2001:db8::1', 'ip', KEY_AUTHORIZATION)
    assert inspect_challenge_certificate(cert6)['ip_addresses'] == ['2001:db8::1']


def test_check_refuses_mismatches():
    cert_pem, key_pem = build_challenge_certificate('www.certfleet.test', 'dns', KEY_AUTHORIZATION)
    with pytest.raises(CertfleetError, match='acmeIdentifier'):
        check_challenge_certificate(cert_pem, key_pem, 'www.certfleet.test', 'dns', 'other.key', 'challenges[0]')
    with pytest.raises(CertfleetError, match='must name exactly api.certfleet.test'):
        check_challenge_certificate(cert_pem, key_pem, 'api.certfleet.test', 'dns', KEY_AUTHORIZATION, 'x')
    _other_cert, other_key = build_challenge_certificate('www.certfleet.test', 'dns', KEY_AUTHORIZATION)
    with pytest.raises(CertfleetError, match='is not the key of tls_alpn_certificate'):
        check_challenge_certificate(cert_pem, other_key, 'www.certfleet.test', 'dns', KEY_AUTHORIZATION, 'x')
    with pytest.raises(CertfleetError, match='not a readable PEM certificate'):
        inspect_challenge_certificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')
