from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib
import hmac
import json

import josepy as jose
import pytest

from ansible_collections.certfleet.acme.plugins.module_utils import eab, jws
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.keys import AccountKey, generate_private_key


def _b64decode(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def _protected(flattened):
    return json.loads(_b64decode(flattened['protected']))


@pytest.fixture(scope='module', params=['ec256', 'ec384', 'rsa2048'])
def account_key(request):
    return AccountKey(generate_private_key(request.param))


def test_jwk_request_embeds_the_public_key_and_no_kid(account_key):
    signed = jws.sign(b'{"a": 1}', account_key.jwk, account_key.alg, 'https://ca/new-acct', nonce='n1')
    header = _protected(signed)
    assert set(header) == {'alg', 'jwk', 'nonce', 'url'}
    assert header['url'] == 'https://ca/new-acct'
    assert header['nonce'] == 'n1'
    assert header['alg'] == account_key.alg.name
    assert 'd' not in header['jwk'] and 'p' not in header['jwk']  # public part only
    assert set(signed) == {'protected', 'payload', 'signature'}  # flattened, no unprotected header
    assert jose.JWS.from_json(signed).verify(account_key.jwk.public_key())


def test_kid_request_names_the_account_and_omits_the_jwk(account_key):
    signed = jws.sign(b'', account_key.jwk, account_key.alg, 'https://ca/order/1', nonce='n2', kid='https://ca/acct/7')
    header = _protected(signed)
    assert set(header) == {'alg', 'kid', 'nonce', 'url'}
    assert header['kid'] == 'https://ca/acct/7'
    assert signed['payload'] == ''  # POST-as-GET


def test_thumbprint_matches_rfc7638():
    key = AccountKey(generate_private_key('ec256'))
    public = key.public_jwk()
    canonical = json.dumps({name: public[name] for name in ('crv', 'kty', 'x', 'y')}, sort_keys=True,
                           separators=(',', ':')).encode()
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b'=').decode()
    assert key.thumbprint() == expected


@pytest.mark.parametrize('alg,digest', [('HS256', hashlib.sha256), ('HS384', hashlib.sha384),
                                        ('HS512', hashlib.sha512)])
def test_eab_is_a_mac_over_the_account_jwk(alg, digest):
    key = AccountKey(generate_private_key('ec256'))
    mac_key = b'0123456789abcdef0123456789abcdef'
    mac_text = base64.urlsafe_b64encode(mac_key).rstrip(b'=').decode()
    binding = eab.binding(key, 'kid-1', mac_text, alg, 'https://ca/new-acct')
    header = _protected(binding)
    assert header == {'alg': alg, 'kid': 'kid-1', 'url': 'https://ca/new-acct'}
    assert json.loads(_b64decode(binding['payload'])) == key.public_jwk()
    signing_input = ('%s.%s' % (binding['protected'], binding['payload'])).encode()
    assert _b64decode(binding['signature']) == hmac.new(mac_key, signing_input, digest).digest()


def test_eab_key_accepts_standard_base64_and_rejects_garbage():
    assert eab.decode_mac_key('YWJj') == b'abc'
    assert eab.decode_mac_key('+/8=') == b'\xfb\xff'
    for bad in ('', 'not base64!', '   '):
        with pytest.raises(CertfleetError, match='external_account_binding.key'):
            eab.decode_mac_key(bad)


def test_eab_rejects_unknown_algorithm_and_missing_kid():
    key = AccountKey(generate_private_key('ec256'))
    with pytest.raises(CertfleetError, match='alg'):
        eab.binding(key, 'kid', 'YWJj', 'RS256', 'https://ca/new-acct')
    with pytest.raises(CertfleetError, match='kid'):
        eab.binding(key, '', 'YWJj', 'HS256', 'https://ca/new-acct')
