from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import random

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.certfleet.acme.plugins.module_utils import ari, renewal
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.identifiers import parse_identifiers

from ansible_collections.certfleet.acme.tests.unit.plugins.module_utils.certs_for_tests import UTC, make_cert

START = datetime.datetime(2026, 1, 1, tzinfo=UTC)
END = datetime.datetime(2026, 4, 1, tzinfo=UTC)  # 90 days
NAMES = parse_identifiers(['www.example.com', 'example.com'])


@pytest.fixture(scope='module')
def cert_and_key():
    return make_cert(['www.example.com', 'example.com'], START, END)


def test_missing_unreadable_forced(cert_and_key):
    assert renewal.decide(None, NAMES, START).reason == 'no certificate yet'
    assert renewal.decide(ValueError('junk'), NAMES, START).due
    assert renewal.decide(cert_and_key[0], NAMES, START, force=True).reason == 'force is set'


def test_lifetime_rule_last_third(cert_and_key):
    cert = cert_and_key[0]
    early = renewal.decide(cert, NAMES, START + datetime.timedelta(days=59))
    late = renewal.decide(cert, NAMES, START + datetime.timedelta(days=61))
    assert not early.due and early.lifetime_rule
    assert 'renewal window opens 2026-03-02' in early.reason
    assert late.due and 'inside the renewal window' in late.reason
    expired = renewal.decide(cert, NAMES, END + datetime.timedelta(seconds=1))
    assert expired.due and 'expired' in expired.reason


def test_remaining_days(cert_and_key):
    cert = cert_and_key[0]
    assert not renewal.decide(cert, NAMES, START + datetime.timedelta(days=70), remaining_days=10).due
    assert renewal.decide(cert, NAMES, START + datetime.timedelta(days=81), remaining_days=10).due


def test_names_key_and_type_changes(cert_and_key):
    cert, key = cert_and_key
    now = START + datetime.timedelta(days=1)
    changed = renewal.decide(cert, parse_identifiers(['www.example.com', 'api.example.com']), now)
    assert changed.due and changed.reason == 'the names changed (added api.example.com; removed example.com)'
    assert not renewal.decide(cert, NAMES, now, private_key=key).due
    other = ec.generate_private_key(ec.SECP256R1())
    assert renewal.decide(cert, NAMES, now, private_key=other).reason == \
        'the certificate does not match its private key'
    assert renewal.decide(cert, NAMES, now, key_type='rsa2048').reason == 'the key type changed (ec256 -> rsa2048)'


def test_ari_certificate_id_matches_rfc9773_example():
    aki = bytes.fromhex('69885B6B87464041E1B37B847BA0AE2CDE01C8D4')
    cert = make_cert(['a.example'], START, END, serial=0x87654321, aki=aki)[0]
    assert ari.certificate_id(cert) == 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE'
    assert ari.certificate_id(make_cert(['a.example'], START, END)[0]) is None  # no AKI


def test_ari_window_parsing_and_pick():
    window = ari.RenewalWindow.from_json({'suggestedWindow': {'start': '2026-03-01T00:00:00Z',
                                                              'end': '2026-03-03T00:00:00.123456789Z'}})
    picks = [window.pick(random.Random(seed)) for seed in range(50)]
    assert all(window.start <= pick <= window.end for pick in picks)
    assert len(set(picks)) > 40
    backwards = {'suggestedWindow': {'start': '2026-03-03T00:00:00Z', 'end': '2026-03-01T00:00:00Z'}}
    for bad in ({}, {'suggestedWindow': {'start': 'soon'}}, backwards):
        with pytest.raises(CertfleetError, match='malformed renewalInfo'):
            ari.RenewalWindow.from_json(bad)


def test_ari_overrules_only_the_lifetime_rule(cert_and_key):
    cert = cert_and_key[0]
    now = START + datetime.timedelta(days=10)
    window = ari.RenewalWindow(now - datetime.timedelta(days=1), now + datetime.timedelta(days=1))
    local = renewal.decide(cert, NAMES, now)
    assert not local.due
    assert renewal.decide_with_ari(local, window, now - datetime.timedelta(hours=1), now).due
    assert not renewal.decide_with_ari(local, window, now + datetime.timedelta(hours=1), now).due
    renamed = renewal.decide(cert, parse_identifiers(['x.example.com']), now)
    assert renewal.decide_with_ari(renamed, window, now + datetime.timedelta(hours=1), now).due
