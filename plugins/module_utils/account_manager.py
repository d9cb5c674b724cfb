# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The declarative side of ``acme_account``: make the CA's account match the options.

Each ``state`` is one method. Nothing is written, locally or at the CA, before
every option has been checked; in check mode nothing is written at all, and the
prediction comes from the same read-only lookups a real run makes.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.certfleet.acme.plugins.module_utils.account import (
    STATUS_DEACTIVATED, STATUS_VALID, AccountService)
from ansible_collections.certfleet.acme.plugins.module_utils.acme_module import load_key_option
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.files import write_atomic
from ansible_collections.certfleet.acme.plugins.module_utils.keys import (
    AccountKey, generate_private_key, private_key_to_pem)

# mailto: and one address; RFC 8555 section 7.3 leaves the rest to the CA.
_MAILTO = re.compile(r'^mailto:[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$')


def validate_contact(contact):
    for index, uri in enumerate(contact or []):
        if not _MAILTO.match(uri or ''):
            fix = ' Write it as "mailto:%s".' % uri if uri and '@' in uri and ':' not in uri else ''
            raise CertfleetError('contact[%d] %r is not a mailto: URI with one e-mail address.%s' % (index, uri, fix))


class AccountManager(object):

    def __init__(self, params, transport, check_mode):
        self.params = params
        self.transport = transport
        self.check_mode = check_mode
        self.result = {'changed': False, 'account_uri': None, 'account': None, 'key_created': False}
        self.before = {}
        self.after = {}
        self._new_key_files = []

    # -- helpers --------------------------------------------------------------

    def _key(self, src, content, passphrase, create_if_missing):
        """Load a key option; create its file when asked and it does not exist yet."""
        key = load_key_option(self.params, src, content, passphrase)
        if key is not None or not create_if_missing:
            return key, False
        if not self.params.get(src):
            return None, False
        private_key = generate_private_key(self.params['account_key_type'])
        # Written only once every check has passed and the CA has answered (see _save_new_keys).
        self._new_key_files.append((self.params[src], private_key_to_pem(private_key, self.params.get(passphrase))))
        return AccountKey(private_key), True

    def _save_new_keys(self):
        """Write generated key files, just before the first request that changes anything at the CA."""
        if self.check_mode:
            return
        for path, pem in self._new_key_files:
            write_atomic(path, pem)
        self._new_key_files = []

    def _account_state(self, account):
        return {'status': account.status, 'contact': sorted(account.contact)} if account else {}

    def _finish(self, account, key):
        if account is not None:
            self.result['account_uri'] = account.uri
            self.result['account'] = account.to_result()
        if key is not None:
            self.result['account_key_thumbprint'] = key.thumbprint()
        self.result['diff'] = {'before': self.before, 'after': self.after}
        self.result['acme_stats'] = self.transport.stats()
        return self.result

    def _binding(self):
        binding = self.params.get('external_account_binding')
        if not binding:
            return None
        return binding['kid'], binding['key'], binding['alg']

    # -- states ---------------------------------------------------------------

    def present(self):
        contact = self.params['contact']
        validate_contact(contact)
        key, created = self._key('account_key_src', 'account_key_content', 'account_key_passphrase',
                                 create_if_missing=True)
        if key is None:
            raise CertfleetError('account_key_src %s does not exist.' % self.params['account_key_src'])
        self.result['key_created'] = created
        self.result['changed'] = created
        service = AccountService(self.transport, key)
        # A key made a moment ago cannot have an account: skip the lookup.
        account = None if created else service.find()
        self.before = self._account_state(account)
        if account is None:
            return self._finish(self._create(service, contact), key)
        if account.status != STATUS_VALID:
            raise CertfleetError('The account for this key is %s at the CA and cannot be used again; give a new'
                                 ' account key.' % account.status, account_uri=account.uri)
        if contact is not None and sorted(contact) != sorted(account.contact):
            self.result['changed'] = True
            if not self.check_mode:
                account = service.update_contact(account, contact)
            else:
                account.contact = list(contact)
        self.after = self._account_state(account)
        return self._finish(account, key)

    def _create(self, service, contact):
        if not self.params['allow_creation']:
            raise CertfleetError('No account exists at the CA for this account key, and allow_creation is false.'
                                 ' Set allow_creation: true to register one, or give the key of an existing account.')
        meta = self.transport.meta()
        if meta.get('termsOfService') and not self.params['terms_agreed']:
            raise CertfleetError('The CA requires agreeing to its terms of service (%s) to create an account: read'
                                 ' them and set terms_agreed: true.' % meta['termsOfService'])
        if meta.get('externalAccountRequired') and not self.params.get('external_account_binding'):
            raise CertfleetError('This CA requires External Account Binding (EAB) to create an account: set'
                                 ' external_account_binding with the kid and key (HMAC) your CA account gave you.')
        self.result['changed'] = True
        self.after = {'status': STATUS_VALID, 'contact': sorted(contact or [])}
        if self.check_mode:
            return None
        self._save_new_keys()
        account = service.create(contact, self.params['terms_agreed'], self._binding())
        self.after = self._account_state(account)
        return account

    def absent(self):
        key = load_key_option(self.params, 'account_key_src', 'account_key_content', 'account_key_passphrase')
        if key is None:  # no key file: there is no account it could name
            return self._finish(None, None)
        service = AccountService(self.transport, key)
        account = service.find()
        if account is None or account.status == STATUS_DEACTIVATED:
            return self._finish(account, key)
        self.before = self._account_state(account)
        self.after = {'status': STATUS_DEACTIVATED, 'contact': self.before['contact']}
        self.result['changed'] = True
        if not self.check_mode:
            account = service.deactivate(account)
            self.after = self._account_state(account)
        else:
            account.status = STATUS_DEACTIVATED
        return self._finish(account, key)

    def changed_key(self):
        if not (self.params.get('new_account_key_src') or self.params.get('new_account_key_content')):
            raise CertfleetError('state=changed_key needs the new key: set new_account_key_src (created when missing)'
                                 ' or new_account_key_content.')
        old_key = load_key_option(self.params, 'account_key_src', 'account_key_content', 'account_key_passphrase')
        if old_key is None:
            raise CertfleetError('account_key_src %s does not exist; state=changed_key needs the current key.'
                                 % self.params['account_key_src'])
        new_key, created = self._key('new_account_key_src', 'new_account_key_content', 'new_account_key_passphrase',
                                     create_if_missing=True)
        if new_key.thumbprint() == old_key.thumbprint():
            raise CertfleetError('The new account key is the same key as the current one; give a different key.')
        self.result['key_created'] = created
        account = AccountService(self.transport, old_key).find()
        if account is None or account.status != STATUS_VALID:
            # Already rolled over (a second run), or nothing to roll over.
            rolled = None if created else AccountService(self.transport, new_key).find()
            if rolled is None or rolled.status != STATUS_VALID:
                raise CertfleetError('No valid account at the CA for either account key; nothing to roll over.')
            return self._finish(rolled, new_key)
        self.before = {'account_key_thumbprint': old_key.thumbprint()}
        self.after = {'account_key_thumbprint': new_key.thumbprint()}
        self.result['changed'] = True
        if not self.check_mode:
            self._save_new_keys()
            account = AccountService(self.transport, old_key).change_key(account, new_key)
        return self._finish(account, new_key)
