from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import json

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ansible_collections.certfleet.acme.plugins.module_utils import transport as transport_module
from ansible_collections.certfleet.acme.plugins.module_utils.errors import (
    ACMEProblem, CertfleetError, TLSTrustError, TransportError)
from ansible_collections.certfleet.acme.plugins.module_utils.keys import AccountKey, generate_private_key
from ansible_collections.certfleet.acme.plugins.module_utils.transport import ACMETransport

DIRECTORY_URL = 'https://ca.test/dir'
DIRECTORY = {'newNonce': 'https://ca.test/nonce', 'newAccount': 'https://ca.test/acct',
             'newOrder': 'https://ca.test/order', 'meta': {'termsOfService': 'https://ca.test/tos'}}


class FakeAnswer(object):
    def __init__(self, status, body=b'', headers=None):
        self.status_code = status
        self.headers = CaseInsensitiveDict(headers or {})
        self._body = body if isinstance(body, bytes) else json.dumps(body).encode()

    def iter_content(self, size):
        for start in range(0, len(self._body), size):
            yield self._body[start:start + size]

    def close(self):
        pass


class FakeSession(object):
    """Answers from a script, keyed by (method, url); records every request."""

    def __init__(self, script):
        self.script = script
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        answer = self.script[(method, url)].pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _problem(kind, nonce, status=400, headers=None):
    merged = {'Content-Type': 'application/problem+json', 'Replay-Nonce': nonce}
    merged.update(headers or {})
    return FakeAnswer(status, {'type': 'urn:ietf:params:acme:error:' + kind, 'detail': kind}, merged)


def _sent_nonce(call):
    protected = json.loads(call[2]['data'])['protected']
    return json.loads(base64.urlsafe_b64decode(protected + '=' * (-len(protected) % 4)))['nonce']


@pytest.fixture(autouse=True)
def fresh_cache():
    transport_module.clear_directory_cache()
    yield
    transport_module.clear_directory_cache()


@pytest.fixture(scope='module')
def key():
    return AccountKey(generate_private_key('ec256'))


def _transport(script, sleeps=None):
    session = FakeSession(script)
    sleeps = [] if sleeps is None else sleeps
    return ACMETransport(DIRECTORY_URL, verify='/ca.pem', session=session, sleep=sleeps.append), session


def test_directory_is_fetched_once_per_process():
    first, session = _transport({('GET', DIRECTORY_URL): [FakeAnswer(200, DIRECTORY)]})
    assert first.endpoint('newAccount') == 'https://ca.test/acct'
    second = ACMETransport(DIRECTORY_URL, verify='/ca.pem', session=session)
    assert second.meta()['termsOfService'] == 'https://ca.test/tos'
    assert len(session.calls) == 1


def test_malformed_directory_says_what_is_missing():
    transport = _transport({('GET', DIRECTORY_URL): [FakeAnswer(200, {'hello': 'world'})]})[0]
    with pytest.raises(CertfleetError, match='does not answer with an ACME directory .missing newNonce'):
        transport.directory()


def test_nonce_pool_saves_new_nonce_round_trips_and_bad_nonce_uses_the_error_nonce(key):
    script = {
        ('GET', DIRECTORY_URL): [FakeAnswer(200, DIRECTORY)],
        ('HEAD', 'https://ca.test/nonce'): [FakeAnswer(200, headers={'Replay-Nonce': 'n0'})],
        ('POST', 'https://ca.test/acct'): [
            _problem('badNonce', 'from-error'),
            FakeAnswer(201, {'status': 'valid'}, {'Replay-Nonce': 'n2', 'Location': 'https://ca.test/acct/1'}),
            FakeAnswer(200, {'status': 'valid'}, {'Replay-Nonce': 'n3'}),
        ],
    }
    sleeps = []
    transport, session = _transport(script, sleeps)
    transport.post('https://ca.test/acct', {'x': 1}, key)
    transport.post('https://ca.test/acct', {'x': 2}, key)
    posts = [call for call in session.calls if call[0] == 'POST']
    assert [_sent_nonce(call) for call in posts] == ['n0', 'from-error', 'n2']
    assert [call[0] for call in session.calls].count('HEAD') == 1
    assert sleeps == [0.0]


def test_retry_after_is_capped_and_then_succeeds(key):
    script = {
        ('GET', DIRECTORY_URL): [FakeAnswer(200, DIRECTORY)],
        ('HEAD', 'https://ca.test/nonce'): [FakeAnswer(200, headers={'Replay-Nonce': 'n0'})],
        ('POST', 'https://ca.test/order'): [
            _problem('rateLimited', 'n1', 429, {'Retry-After': str(365 * 86400)}),
            FakeAnswer(201, {'status': 'pending'}, {'Replay-Nonce': 'n2'}),
        ],
    }
    sleeps = []
    transport = _transport(script, sleeps)[0]
    transport.retry_budget = 3600
    assert transport.post('https://ca.test/order', {}, key).status == 201
    assert sleeps == [60.0]


def test_problem_is_raised_typed_without_retry(key):
    script = {
        ('GET', DIRECTORY_URL): [FakeAnswer(200, DIRECTORY)],
        ('HEAD', 'https://ca.test/nonce'): [FakeAnswer(200, headers={'Replay-Nonce': 'n0'})],
        ('POST', 'https://ca.test/acct'): [_problem('accountDoesNotExist', 'n1')],
    }
    transport, session = _transport(script)
    with pytest.raises(ACMEProblem) as caught:
        transport.post('https://ca.test/acct', {'onlyReturnExisting': True}, key)
    assert caught.value.is_type('accountDoesNotExist')
    assert caught.value.status == 400
    assert len(session.calls) == 3


def test_tls_failure_fails_at_once_naming_the_fix():
    transport, session = _transport({('GET', DIRECTORY_URL): [
        requests.exceptions.SSLError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')]})
    with pytest.raises(TLSTrustError, match='set acme_ca_bundle'):
        transport.directory()
    assert len(session.calls) == 1


def test_connection_refused_is_retried_briefly_then_reported():
    refused = requests.exceptions.ConnectionError('[Errno 111] Connection refused')
    sleeps = []
    transport, session = _transport({('GET', DIRECTORY_URL): [refused, refused, refused]}, sleeps)
    with pytest.raises(TransportError, match='Cannot reach the ACME server at https://ca.test/dir .Connection refused'):
        transport.directory()
    assert len(session.calls) == 3
    assert sleeps == [1.0, 2.0]


def test_huge_answer_is_refused():
    huge = FakeAnswer(200, b'{' + b' ' * (transport_module.MAX_BODY_BYTES + 10) + b'}')
    transport = _transport({('GET', DIRECTORY_URL): [huge]})[0]
    with pytest.raises(CertfleetError, match='refusing the answer'):
        transport.directory()


class RecordingAdapter(BaseAdapter):
    """A requests transport adapter that records what ``verify`` really reaches the wire layer."""

    def __init__(self):
        super(RecordingAdapter, self).__init__()
        self.verify_seen = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.verify_seen.append(verify)
        response = requests.Response()
        response.status_code = 200
        response.raw = __import__('io').BytesIO(json.dumps(DIRECTORY).encode())
        response.url = request.url
        return response

    def close(self):
        pass


@pytest.mark.parametrize('verify', ['/explicit/bundle.pem', False])
def test_environment_bundles_never_override_the_explicit_choice(monkeypatch, verify):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/env/requests.pem')
    monkeypatch.setenv('CURL_CA_BUNDLE', '/env/curl.pem')
    session = ACMETransport._new_session()
    adapter = RecordingAdapter()
    session.mount('https://', adapter)
    ACMETransport(DIRECTORY_URL, verify=verify, session=session).directory()
    assert adapter.verify_seen == [verify]
