from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest
from cryptography.hazmat.primitives import serialization

from ansible_collections.certfleet.acme.plugins.module_utils.certificate_spec import build_spec
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_material import validate_material
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.keys import AccountKey, generate_private_key
from ansible_collections.certfleet.acme.plugins.module_utils.order import Authorization
from ansible_collections.certfleet.acme.plugins.module_utils.order_manager import OrderManager
from ansible_collections.certfleet.acme.tests.unit.plugins.module_utils.certs_for_tests import UTC, make_cert

TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA'


def _authz(value, challenges, status='pending', wildcard=False, kind='dns'):
    data = {'status': status, 'identifier': {'type': kind, 'value': value},
            'challenges': [{'type': name, 'url': 'https://ca/chall/' + name, 'token': TOKEN, 'status': 'pending'}
                           for name in challenges]}
    if wildcard:
        data['wildcard'] = True
    return Authorization('https://ca/authz/' + value, data)


@pytest.fixture(scope='module')
def manager():
    return OrderManager(transport=None, account_key=AccountKey(generate_private_key('ec256')), check_mode=False)


def _spec(tmp_path, **options):
    values = {'names': ['www.example.com'], 'private_key_dest': str(tmp_path / 'key.pem'),
              'cert_dest': str(tmp_path / 'cert.pem')}
    values.update(options)
    return build_spec('', values)


@pytest.mark.parametrize('challenge', ['http-01', 'dns-01', 'tls-alpn-01'])
def test_material_is_what_acme_challenge_accepts(manager, tmp_path, challenge):
    spec = _spec(tmp_path, challenge=challenge)
    material = manager._material(spec, [_authz('www.example.com', ['http-01', 'dns-01', 'tls-alpn-01'])])
    assert len(material) == 1
    assert material[0]['key_authorization'] == '%s.%s' % (TOKEN, manager.key.thumbprint())
    validate_material(material[0])  # the consumer's own checks


def test_valid_authorizations_need_nothing(manager, tmp_path):
    spec = _spec(tmp_path)
    assert manager._material(spec, [_authz('www.example.com', ['http-01'], status='valid')]) == []


def test_wildcard_authorization_maps_to_the_base_record(manager, tmp_path):
    spec = _spec(tmp_path, names=['*.example.com'], challenge='dns-01')
    material = manager._material(spec, [_authz('example.com', ['dns-01'], wildcard=True)])
    assert material[0]['identifier'] == '*.example.com'
    assert material[0]['record'] == '_acme-challenge.example.com'


def test_a_challenge_the_ca_does_not_offer_is_named(manager, tmp_path):
    spec = _spec(tmp_path, names=['127.0.0.1'], challenge='tls-alpn-01')
    with pytest.raises(CertfleetError, match='does not offer tls-alpn-01 for 127.0.0.1; it offers http-01'):
        manager._material(spec, [_authz('127.0.0.1', ['http-01'], kind='ip')])


def test_spec_needs_a_key_source_and_a_destination(tmp_path):
    with pytest.raises(CertfleetError, match='give private_key_dest'):
        build_spec('', {'names': ['www.example.com'], 'cert_dest': str(tmp_path / 'c.pem')})
    with pytest.raises(CertfleetError, match='give cert_dest or fullchain_dest'):
        build_spec('', {'names': ['www.example.com'], 'private_key_dest': str(tmp_path / 'k.pem')})
    with pytest.raises(CertfleetError, match=r'^certificates\[2\]\.names\[0\]'):
        build_spec('certificates[2].', {'names': ['bad name.example.com'], 'private_key_dest': str(tmp_path / 'k'),
                                        'cert_dest': str(tmp_path / 'c')})


class NoNetwork(object):
    directory_url = 'https://ca.test/dir'

    def directory(self):
        raise AssertionError('a young certificate must cost no request')


def test_young_certificate_costs_no_request_with_auto(tmp_path):
    now = datetime.datetime.now(UTC)
    cert, key = make_cert(['www.example.com'], now - datetime.timedelta(days=10), now + datetime.timedelta(days=80))
    (tmp_path / 'cert.pem').write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / 'key.pem').write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    spec = _spec(tmp_path)
    manager = OrderManager(NoNetwork(), AccountKey(generate_private_key('ec256')), check_mode=True)
    decision, replaces, window = manager.decide(spec)
    assert not decision.due and replaces is None and window is None
    manager.renewal_info = 'always'
    with pytest.raises(AssertionError, match='no request'):
        manager.decide(spec)
