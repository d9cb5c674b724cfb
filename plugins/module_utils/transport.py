# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP transport to one ACME server: the only file that talks to the network.

One keep-alive requests session per process; the directory fetched once per
process and URL; nonces pooled from every answer; every signed request retried
within one deadline (see retry.py) and every error answer turned into an
ACMEProblem. Nothing above this layer sees requests' exceptions.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import threading
import time

from ansible_collections.certfleet.acme.plugins.module_utils import jws
from ansible_collections.certfleet.acme.plugins.module_utils.errors import (
    ACMEProblem, CertfleetError, TLSTrustError, TransportError, safe_text)
from ansible_collections.certfleet.acme.plugins.module_utils.nonce_pool import NoncePool
from ansible_collections.certfleet.acme.plugins.module_utils.retry import RetryPolicy, parse_retry_after
from ansible_collections.certfleet.acme.plugins.module_utils.trust import tls_trust_error

try:
    import requests
except ImportError:  # reported by deps.require_libraries
    requests = None

COLLECTION_VERSION = '0.1.0'
USER_AGENT = 'certfleet.acme/%s' % COLLECTION_VERSION
JOSE_CONTENT_TYPE = 'application/jose+json'
# No ACME answer is anywhere near this big; a larger one is refused, not buffered.
MAX_BODY_BYTES = 4 * 1024 * 1024
REQUIRED_DIRECTORY_FIELDS = ('newNonce', 'newAccount', 'newOrder')

# Shared by every transport of this process: a batch of certificates in one
# module run fetches each directory once.
_DIRECTORY_CACHE = {}
_DIRECTORY_LOCK = threading.Lock()


class Response(object):
    """An HTTP answer, read whole, with the few accessors ACME needs."""

    def __init__(self, status, headers, body, url):
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url

    def json(self):
        try:
            value = json.loads(self.body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            raise CertfleetError('The ACME server sent malformed JSON from %s (HTTP %s): %s'
                                 % (safe_text(self.url), self.status, safe_text(self.body[:200])))
        return value

    @property
    def location(self):
        return self.headers.get('Location')


class ACMETransport(object):

    def __init__(self, directory_url, verify=True, timeout=30, retry_budget=60.0,
                 session=None, sleep=time.sleep, clock=time.monotonic):
        self.directory_url = directory_url
        self.verify = verify
        self.timeout = timeout
        self.retry_budget = retry_budget
        self.sleep = sleep
        self.clock = clock
        self.nonces = NoncePool()
        self.request_count = 0
        self.bad_nonce_retries = 0
        self.session = session if session is not None else self._new_session()

    @staticmethod
    def _new_session():
        session = requests.Session()
        session.headers['User-Agent'] = '%s python-requests/%s' % (USER_AGENT, requests.__version__)
        return session

    # -- plain HTTP -------------------------------------------------------

    def _http(self, method, url, data=None, content_type=None):
        headers = {'Content-Type': content_type} if content_type else {}
        self.request_count += 1
        try:
            # verify is passed per request so that environment bundles cannot override it.
            answer = self.session.request(method, url, data=data, headers=headers, timeout=self.timeout,
                                          verify=self.verify, allow_redirects=False, stream=True)
            try:
                body = _read_bounded(answer)
            finally:
                answer.close()  # back to the keep-alive pool once fully read
        except requests.exceptions.SSLError as exc:
            raise tls_trust_error(url, self.verify, exc)
        except requests.exceptions.Timeout:
            raise TransportError('The ACME server %s did not answer within request_timeout (%s s).'
                                 % (url, self.timeout))
        except requests.exceptions.RequestException as exc:
            raise TransportError('Cannot reach the ACME server at %s (%s). Check acme_directory and that the CA is'
                                 ' reachable from the ACME controller.' % (url, _reason(exc)))
        if len(body) > MAX_BODY_BYTES:
            raise CertfleetError('The ACME server sent more than %d bytes from %s; refusing the answer.'
                                 % (MAX_BODY_BYTES, url))
        response = Response(answer.status_code, answer.headers, body, url)
        self.nonces.feed(response.headers)
        return response

    def _with_retries(self, send):
        """Call ``send()`` until it gives a non-error Response or the retry policy gives up."""
        policy = RetryPolicy(self.retry_budget, clock=self.clock)
        while True:
            try:
                response = send()
            except TLSTrustError:
                raise  # retrying cannot fix trust
            except TransportError:
                delay = policy.delay_for(connection_error=True)
                if delay is None:
                    raise
                self.sleep(delay)
                continue
            if response.status < 400:
                return response
            problem = ACMEProblem.from_response(
                response.status, response.headers.get('Content-Type'), response.body, response.url)
            delay = policy.delay_for(response.status, problem.acme_type,
                                     parse_retry_after(response.headers.get('Retry-After')))
            if delay is None:
                raise problem
            if problem.is_type('badNonce'):
                self.bad_nonce_retries += 1
            self.sleep(delay)

    def get(self, url):
        return self._with_retries(lambda: self._http('GET', url))

    # -- directory ----------------------------------------------------------

    def directory(self):
        """The CA's directory object, fetched once per process."""
        cache_key = (self.directory_url, self.verify)
        with _DIRECTORY_LOCK:  # the threads of a batch wait for the first fetch instead of repeating it
            return self._cached_directory(cache_key)

    def _cached_directory(self, cache_key):
        if cache_key not in _DIRECTORY_CACHE:
            try:
                response = self.get(self.directory_url)
            except ACMEProblem as problem:
                raise problem.with_hint('acme_directory must be the URL of the CA\'s ACME directory.')
            try:
                document = response.json()
            except CertfleetError:
                document = None
            missing = [name for name in REQUIRED_DIRECTORY_FIELDS
                       if not isinstance(document, dict) or not isinstance(document.get(name), str)]
            if missing:
                raise CertfleetError('acme_directory %s does not answer with an ACME directory (missing %s). Give'
                                     ' the directory URL, for Let\'s Encrypt'
                                     ' https://acme-v02.api.letsencrypt.org/directory.'
                                     % (self.directory_url, ', '.join(missing)))
            _DIRECTORY_CACHE[cache_key] = document
        return _DIRECTORY_CACHE[cache_key]

    def endpoint(self, name):
        url = self.directory().get(name)
        if not url:
            raise CertfleetError('The ACME server at %s does not offer %s.' % (self.directory_url, name))
        return url

    def meta(self):
        meta = self.directory().get('meta')
        return meta if isinstance(meta, dict) else {}

    # -- signed requests ------------------------------------------------------

    def _nonce(self):
        nonce = self.nonces.take()
        if nonce is None:
            new_nonce_url = self.endpoint('newNonce')
            self._with_retries(lambda: self._http('HEAD', new_nonce_url))
            nonce = self.nonces.take()
            if nonce is None:
                raise CertfleetError('The ACME server at %s sent no Replay-Nonce from newNonce.' % new_nonce_url)
        return nonce

    def post(self, url, payload, key, kid=None):
        """Signed POST of ``payload`` (a dict, or None for POST-as-GET); a fresh nonce per attempt."""
        body = b'' if payload is None else json.dumps(payload).encode('utf-8')

        def send():
            signed = jws.sign(body, key.jwk, key.alg, url, nonce=self._nonce(), kid=kid)
            return self._http('POST', url, json.dumps(signed), JOSE_CONTENT_TYPE)

        return self._with_retries(send)

    def stats(self):
        """What this process cost the CA, for results and benchmarks."""
        return {'requests': self.request_count, 'bad_nonce_retries': self.bad_nonce_retries}

    def post_as_get(self, url, key, kid):
        """Fetch a resource the way RFC 8555 section 6.3 wants: signed, with an empty payload."""
        return self.post(url, None, key, kid=kid)


def _read_bounded(answer):
    chunks, size = [], 0
    for chunk in answer.iter_content(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            break
    return b''.join(chunks)


def _reason(exc):
    """The innermost readable reason of a requests/urllib3 connection error."""
    text = str(exc)
    for marker in ('Connection refused', 'Name or service not known', 'Temporary failure in name resolution',
                   'No route to host', 'Network is unreachable', 'Connection reset'):
        if marker in text:
            return marker
    return text[:200]


def clear_directory_cache():
    """Forget cached directories (tests)."""
    _DIRECTORY_CACHE.clear()
