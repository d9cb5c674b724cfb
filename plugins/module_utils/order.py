# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Orders, authorizations and challenges (RFC 8555 sections 7.1.3-7.1.6, 7.4, 7.5) and their verbs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.certfleet.acme.plugins.module_utils.errors import ACMEProblem, CertfleetError, safe_text
from ansible_collections.certfleet.acme.plugins.module_utils.identifiers import identifier_from_json
from ansible_collections.certfleet.acme.plugins.module_utils.retry import RETRY_AFTER_CAP, parse_retry_after

try:
    import josepy as jose
except ImportError:  # reported by deps.require_libraries
    jose = None

PENDING, READY, PROCESSING, VALID, INVALID = 'pending', 'ready', 'processing', 'valid', 'invalid'
IN_FLIGHT = (PENDING, READY, PROCESSING)
PEM_CHAIN = 'application/pem-certificate-chain'
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')
# At most this many pages of an account's order list are read when resuming.
MAX_ORDER_LIST_PAGES = 5


def parse_links(headers, rel):
    """Every URL of a ``Link`` header with relation ``rel`` (there can be several alternates)."""
    values = headers.get('Link') or ''
    return [url for url, relation in _LINK.findall(values) if relation == rel]


class Challenge(object):

    def __init__(self, data):
        self.data = data
        self.type = data.get('type')
        self.url = data.get('url')
        self.status = data.get('status')
        self.token = data.get('token')
        self.error = data.get('error')


class Authorization(object):

    def __init__(self, url, data):
        self.url = url
        self.data = data
        self.status = data.get('status')
        self.identifier = identifier_from_json(data.get('identifier') or {})
        if data.get('wildcard') and not self.identifier.value.startswith('*.'):
            self.identifier.value = '*.' + self.identifier.value
        self.challenges = [Challenge(item) for item in data.get('challenges') or []]

    def challenge(self, challenge_type):
        for challenge in self.challenges:
            if challenge.type == challenge_type:
                return challenge
        return None

    def offered(self):
        return sorted(challenge.type for challenge in self.challenges if challenge.type)


class Order(object):

    def __init__(self, url, data):
        self.url = url
        self.data = data
        self.status = data.get('status')
        self.identifiers = [identifier_from_json(item) for item in data.get('identifiers') or []]
        self.authorizations = list(data.get('authorizations') or [])
        self.finalize_url = data.get('finalize')
        self.certificate_url = data.get('certificate')
        self.error = data.get('error')

    def identifier_keys(self):
        return sorted(item.key() for item in self.identifiers)


def problem_text(problem):
    """One line for a problem document embedded in an order, authorization or challenge."""
    if not isinstance(problem, dict):
        return safe_text(problem)
    text = '%s: %s' % (safe_text(problem.get('type', '')).replace('urn:ietf:params:acme:error:', ''),
                       safe_text(problem.get('detail')))
    for sub in problem.get('subproblems') or []:
        if isinstance(sub, dict):
            text += '; %s' % safe_text(sub.get('detail'))
    return text


class OrderService(object):
    """Order verbs for one account (key + kid) over one transport."""

    def __init__(self, transport, key, account_uri, clock, sleep):
        self.transport = transport
        self.key = key
        self.kid = account_uri
        self.clock = clock
        self.sleep = sleep

    def _get(self, url):
        return self.transport.post_as_get(url, self.key, self.kid)

    def new_order(self, identifiers, replaces=None, profile=None):
        payload = {'identifiers': [item.to_json() for item in identifiers]}
        if replaces:
            payload['replaces'] = replaces
        if profile:
            payload['profile'] = profile
        response = self.transport.post(self.transport.endpoint('newOrder'), payload, self.key, kid=self.kid)
        if not response.location:
            raise CertfleetError('The ACME server sent no order URL (Location header) for the new order.')
        return Order(response.location, response.json())

    def order(self, url):
        return Order(url, self._get(url).json())

    def authorization(self, url):
        return Authorization(url, self._get(url).json())

    def in_flight(self, account_orders_url):
        """The account's orders that can still be completed, newest first."""
        found = []
        url, pages = account_orders_url, 0
        while url and pages < MAX_ORDER_LIST_PAGES:
            response = self._get(url)
            pages += 1
            for order_url in reversed(response.json().get('orders') or []):
                order = self.order(order_url)
                if order.status in IN_FLIGHT:
                    found.append(order)
            next_pages = parse_links(response.headers, 'next')
            url = next_pages[0] if next_pages else None
        return found

    def respond(self, challenge):
        """Tell the CA the proof is published (RFC 8555 section 7.5.1)."""
        return Challenge(self.transport.post(challenge.url, {}, self.key, kid=self.kid).json())

    def poll(self, url, done, deadline, what, parse):
        """POST-as-GET ``url`` until ``done(resource)``; honours Retry-After (capped), stops at ``deadline``."""
        delay = 0.5
        while True:
            response = self._get(url)
            resource = parse(url, response.json())
            if done(resource):
                return resource
            wait = parse_retry_after(response.headers.get('Retry-After'))
            wait = min(RETRY_AFTER_CAP, wait) if wait is not None else delay
            delay = min(delay * 2, 5.0)
            if self.clock() + wait > deadline:
                raise CertfleetError('Timed out waiting for %s (still %s). Raise validation_timeout, or look at the'
                                     ' CA: %s' % (what, resource.status, url))
            self.sleep(wait)

    def finalize(self, order, csr_der_bytes):
        payload = {'csr': jose.b64.b64encode(csr_der_bytes).decode('ascii')}
        try:
            response = self.transport.post(order.finalize_url, payload, self.key, kid=self.kid)
        except ACMEProblem as problem:
            raise problem.with_hint('The CA refused the CSR: check that it lists exactly the names of the order'
                                    ' and uses a key type the CA accepts.')
        return Order(order.url, response.json())

    def download(self, url):
        """The PEM chain at ``url`` and the URLs of its alternate chains."""
        response = self.transport.post_as_get(url, self.key, self.kid)
        return response.body, parse_links(response.headers, 'alternate')
