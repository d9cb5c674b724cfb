from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.certfleet.acme.plugins.module_utils.challenge_manager import ChallengeManager
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

THUMBPRINT = 'Ahk2GDq0dP8h3XKGtKAAzOlvNNbPbU5Oa3yQZoCqb5g'


def item(kind='http-01', token='tokenA', identifier='www.certfleet.test'):
    return {'identifier': identifier, 'identifier_type': 'dns', 'type': kind, 'token': token,
            'key_authorization': token + '.' + THUMBPRINT}


def params(**changes):
    base = {'challenges': None, 'challenge': None, 'state': 'present', 'webroot': None, 'owner': None,
            'group': None, 'responder': None, 'dns_server': None, 'dns_port': 53, 'dns_timeout': 10,
            'tsig_key_name': None, 'tsig_key_secret': None, 'tsig_algorithm': 'hmac-sha256', 'dns_zone': None,
            'dns_ttl': 60, 'follow_cname': True, 'propagation_timeout': 120, 'propagation_nameservers': None}
    base.update(changes)
    return base


def test_webroot_run_and_results(tmp_path):
    result = ChallengeManager(params(challenges=[item(), item(token='tokenB')], webroot=str(tmp_path)), False).run()
    assert result['changed']
    assert [entry['method'] for entry in result['results']] == ['webroot', 'webroot']
    assert len(result['diff']) == 2
    assert sorted(os.listdir(str(tmp_path / '.well-known' / 'acme-challenge'))) == ['tokenA', 'tokenB']
    again = ChallengeManager(params(challenge=item(), webroot=str(tmp_path)), False).run()
    assert not again['changed'] and again['results'][0]['token'] == 'tokenA'


def test_a_bad_item_anywhere_means_nothing_is_written(tmp_path):
    bad = dict(item(token='x'), token='../x', key_authorization='../x.' + THUMBPRINT)
    with pytest.raises(CertfleetError, match=r'challenges\[1\]\.token'):
        ChallengeManager(params(challenges=[item(), bad], webroot=str(tmp_path)), False).run()
    assert os.listdir(str(tmp_path)) == []


def test_missing_method_options_name_the_option(tmp_path):
    with pytest.raises(CertfleetError, match='set webroot .* or responder'):
        ChallengeManager(params(challenges=[item()]), False).run()
    with pytest.raises(CertfleetError, match='dns-01: set dns_server'):
        ChallengeManager(params(challenges=[item(), item('dns-01')], webroot=str(tmp_path)), False).run()
    with pytest.raises(CertfleetError, match='tls-alpn-01: set responder'):
        ChallengeManager(params(challenges=[item('tls-alpn-01')], webroot=str(tmp_path)), False).run()
    assert os.listdir(str(tmp_path)) == []


def test_option_ranges():
    with pytest.raises(CertfleetError, match='dns_ttl must be at least 0'):
        ChallengeManager(params(challenges=[], dns_ttl=-1), False).run()
    responder = {'address': '127.0.0.1', 'port': 70000, 'lifetime': 600, 'state_dir': '/tmp'}
    with pytest.raises(CertfleetError, match='responder.port must be a TCP port'):
        ChallengeManager(params(challenges=[], responder=responder), False).run()
    responder.update(port=80, lifetime=0)
    with pytest.raises(CertfleetError, match='responder.lifetime must be a positive'):
        ChallengeManager(params(challenges=[], responder=responder), False).run()


def test_empty_list_is_no_work():
    result = ChallengeManager(params(challenges=[]), False).run()
    assert result == {'changed': False, 'results': [], 'responders': [], 'diff': []}


def test_tsig_options_are_checked_before_any_update():
    pytest.importorskip('dns.tsig')
    with pytest.raises(CertfleetError, match='tsig_key_secret is not a valid base64') as raised:
        ChallengeManager(params(challenges=[item('dns-01')], dns_server='127.0.0.1', tsig_key_name='k',
                                tsig_key_secret='not base64 !!'), False).run()
    assert 'not base64 !!' not in raised.value.msg
