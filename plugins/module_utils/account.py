# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ACME account resource (RFC 8555 section 7.3) and its verbs.

An account is found again by its key alone (``onlyReturnExisting``), which is
what lets a fresh AWX container with only a vaulted key carry on.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.certfleet.acme.plugins.module_utils import eab, jws
from ansible_collections.certfleet.acme.plugins.module_utils.errors import ACMEProblem, CertfleetError

STATUS_VALID = 'valid'
STATUS_DEACTIVATED = 'deactivated'
STATUS_REVOKED = 'revoked'


class Account(object):

    def __init__(self, uri, data):
        self.uri = uri
        self.data = data if isinstance(data, dict) else {}
        self.status = self.data.get('status')
        self.contact = list(self.data.get('contact') or [])

    def to_result(self):
        """The account as modules return it: no key material, only what the CA says."""
        result = {'status': self.status, 'contact': self.contact}
        if self.data.get('orders'):
            result['orders'] = self.data['orders']
        if self.data.get('termsOfServiceAgreed') is not None:
            result['terms_of_service_agreed'] = self.data['termsOfServiceAgreed']
        return result


class AccountService(object):
    """Account verbs for one account key over one transport."""

    def __init__(self, transport, key):
        self.transport = transport
        self.key = key

    def _from_response(self, response, uri=None):
        uri = response.location or uri
        if not uri:
            raise CertfleetError('The ACME server sent no account URL (Location header) from %s.' % response.url)
        data = response.json() if response.body else None
        if not isinstance(data, dict):
            return self.fetch(uri)
        return Account(uri, data)

    def find(self):
        """The account registered for this key, or None; never creates one."""
        try:
            response = self.transport.post(self.transport.endpoint('newAccount'), {'onlyReturnExisting': True},
                                           self.key)
        except ACMEProblem as problem:
            if problem.is_type('accountDoesNotExist'):
                return None
            if problem.is_type('unauthorized') and 'deactivated' in (problem.detail or '').lower():
                # Some servers refuse a deactivated account outright instead of returning it.
                return Account(None, {'status': STATUS_DEACTIVATED})
            raise
        return self._from_response(response)

    def fetch(self, uri):
        return Account(uri, self.transport.post_as_get(uri, self.key, uri).json())

    def create(self, contact, terms_agreed, binding=None):
        """Register a new account; ``binding`` is an (kid, key, alg) EAB triple or None."""
        url = self.transport.endpoint('newAccount')
        payload = {'termsOfServiceAgreed': bool(terms_agreed)}
        if contact:
            payload['contact'] = list(contact)
        if binding is not None:
            kid, mac_key, alg = binding
            payload['externalAccountBinding'] = eab.binding(self.key, kid, mac_key, alg, url)
        try:
            response = self.transport.post(url, payload, self.key)
        except ACMEProblem as problem:
            raise problem.with_hint(_creation_hint(problem, binding))
        return self._from_response(response)

    def update_contact(self, account, contact):
        response = self.transport.post(account.uri, {'contact': list(contact)}, self.key, kid=account.uri)
        return self._from_response(response, account.uri)

    def deactivate(self, account):
        response = self.transport.post(account.uri, {'status': STATUS_DEACTIVATED}, self.key, kid=account.uri)
        return self._from_response(response, account.uri)

    def change_key(self, account, new_key):
        """Roll the account over to ``new_key`` (RFC 8555 section 7.3.5)."""
        url = self.transport.endpoint('keyChange')
        inner_payload = json.dumps({'account': account.uri, 'oldKey': self.key.public_jwk()}).encode('utf-8')
        inner = jws.sign(inner_payload, new_key.jwk, new_key.alg, url)
        try:
            self.transport.post(url, inner, self.key, kid=account.uri)
        except ACMEProblem as problem:
            raise problem.with_hint('The new account key may already belong to another account at this CA;'
                                    ' use a key that was never registered.')
        return AccountService(self.transport, new_key).find()


def _creation_hint(problem, binding):
    if problem.is_type('externalAccountRequired'):
        return 'This CA requires External Account Binding: set external_account_binding with the kid and key it gave you.'
    if binding is not None and (problem.is_type('unauthorized') or problem.is_type('malformed')):
        return 'Check external_account_binding: the CA did not accept its kid, key or alg.'
    if problem.is_type('invalidContact') or problem.is_type('unsupportedContact'):
        return 'Check contact: each entry must be a mailto: URI with an address the CA accepts.'
    return None
