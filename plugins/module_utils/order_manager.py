# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The declarative side of ``acme_order``: for each certificate, decide, order, prove, finalize, write.

Two steps, as operators run them: ``pending`` creates (or resumes) the order and
returns what to publish; ``valid`` answers the challenges, waits, finalizes,
downloads and writes. Renewal is decided from the files first, so a certificate
that is not due costs nothing at the CA but the directory (and ARI, when offered).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import random
import threading
import time

from ansible_collections.certfleet.acme.plugins.module_utils import ari, renewal
from ansible_collections.certfleet.acme.plugins.module_utils import certificate as certs
from ansible_collections.certfleet.acme.plugins.module_utils.account import AccountService, STATUS_VALID
from ansible_collections.certfleet.acme.plugins.module_utils.chain import Chain, select_chain
from ansible_collections.certfleet.acme.plugins.module_utils.validation_hints import hint_for
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_material import (
    dns01_record_name, dns01_record_value, http01_resource)
from ansible_collections.certfleet.acme.plugins.module_utils.csr import build_csr, csr_der
from ansible_collections.certfleet.acme.plugins.module_utils.errors import ACMEProblem, CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.files import read_source, write_atomic
from ansible_collections.certfleet.acme.plugins.module_utils.keys import (
    generate_private_key, load_private_key, private_key_to_pem, describe_key)
from ansible_collections.certfleet.acme.plugins.module_utils.order import (
    IN_FLIGHT, INVALID, PENDING, READY, VALID, Authorization, Order, OrderService, problem_text)
from ansible_collections.certfleet.acme.plugins.module_utils.tls_alpn import build_challenge_certificate

CERT_MODE = 0o644
CERT_DIR_MODE = 0o755


class ValidationFailed(CertfleetError):
    """One or more authorizations became invalid; ``failures`` says which and why."""


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


class OrderManager(object):
    """Runs certificate specs for one account; safe to share between the threads of a batch."""

    def __init__(self, transport, account_key, check_mode, validation_timeout=120, renewal_info='auto',
                 clock=time.monotonic, sleep=time.sleep, now=_now, rng=None):
        self.transport = transport
        self.key = account_key
        self.check_mode = check_mode
        self.validation_timeout = validation_timeout
        self.renewal_info = renewal_info
        self.clock = clock
        self.sleep = sleep
        self.now = now
        self.rng = rng or random.SystemRandom()
        self.warnings = []
        self._account = None
        self._account_lock = threading.Lock()
        self._in_flight = None
        self._in_flight_lock = threading.Lock()

    # -- the account --------------------------------------------------------------

    def account(self):
        """The account, looked up once per module run however many certificates need it."""
        with self._account_lock:
            if self._account is None:
                account = AccountService(self.transport, self.key).find()
                if account is None or account.status != STATUS_VALID:
                    raise CertfleetError('No valid ACME account exists for this account key at %s. Create it first'
                                         ' with certfleet.acme.acme_account (same acme_directory and account key).'
                                         % self.transport.directory_url)
                self._account = account
        return self._account

    def _orders(self):
        return OrderService(self.transport, self.key, self.account().uri, self.clock, self.sleep)

    # -- renewal --------------------------------------------------------------------

    def _current(self, spec):
        """The installed certificate (None when missing, the exception when unreadable) and its key."""
        pem = read_source(spec.current_cert_path, spec.option('cert_dest'))
        cert = None
        if pem is not None:
            try:
                cert = certs.load_certificate(certs.split_pem_chain(pem)[0] if certs.split_pem_chain(pem) else pem,
                                              spec.current_cert_path)
            except CertfleetError as exc:
                cert = exc
        key = spec.private_key
        if spec.csr is not None:
            key = spec.csr.public_key()
        elif spec.generates_key and spec.key_dest:
            key_pem = read_source(spec.key_dest, spec.option('private_key_dest'))
            if key_pem is not None:
                try:
                    key = load_private_key(key_pem, spec.values.get('private_key_passphrase'),
                                           spec.option('private_key_dest'))
                except CertfleetError:
                    key = None  # an unreadable key is replaced with the next issuance
        return cert, key

    def decide(self, spec):
        """(Decision, replaces certificate id or None, ARI window or None)."""
        cert, key = self._current(spec)
        key_type = spec.key_type if spec.generates_key else None
        decision = renewal.decide(cert, spec.identifiers, self.now(), private_key=key, key_type=key_type,
                                  remaining_days=spec.remaining_days, force=spec.force)
        if cert is None or isinstance(cert, Exception) or self.renewal_info == 'never':
            return decision, None, None
        if self.renewal_info == 'auto' and not decision.due and self.now() < renewal.half_life(cert):
            # A certificate in the first half of its life costs no request; CA windows come later.
            return decision, None, None
        if not self.transport.directory().get('renewalInfo'):
            return decision, None, None
        cert_id = ari.certificate_id(cert)
        if cert_id is None:
            return decision, None, None
        window = self._renewal_window(spec, cert_id)
        if window is None:
            return decision, cert_id, None
        return renewal.decide_with_ari(decision, window, window.pick(self.rng), self.now()), cert_id, window

    def _renewal_window(self, spec, cert_id):
        url = self.transport.directory()['renewalInfo'].rstrip('/') + '/' + cert_id
        try:
            response = self.transport.get(url)
            return ari.RenewalWindow.from_json(response.json())
        except CertfleetError as exc:
            self.warnings.append('%s: ignoring the CA\'s renewal information and using the lifetime rule: %s'
                                 % (spec.name, exc.msg))
            return None

    # -- one certificate ---------------------------------------------------------------

    def run(self, spec, state):
        result = {'name': spec.name, 'names': [item.value for item in spec.identifiers], 'changed': False,
                  'challenge_data': [], 'issued': False, 'order_uri': None, 'order_status': None}
        decision, replaces, window = self.decide(spec)
        result['renewal_due'] = decision.due
        result['renewal_reason'] = decision.reason
        if window is not None:
            result['renewal_window'] = window.to_result()
        if not decision.due:
            return result
        if self.check_mode:
            result['changed'] = True
            return result
        self._check_profile(spec)
        orders = self._orders()
        order, created, replaced = self._find_or_create(orders, spec, replaces)
        result['changed'] = created
        result['order_uri'] = order.url
        result['replaces'] = replaced
        authorizations = [orders.authorization(url) for url in order.authorizations]
        if state == PENDING:
            result['challenge_data'] = self._material(spec, authorizations)
            result['order_status'] = order.status
            return result
        order = self._complete(orders, spec, order, authorizations, created)
        result.update(self._install(orders, spec, order))
        result['changed'] = True
        result['issued'] = True
        result['order_status'] = order.status
        return result

    def _check_profile(self, spec):
        if not spec.profile:
            return
        profiles = self.transport.meta().get('profiles')
        if not isinstance(profiles, dict) or not profiles:
            raise CertfleetError('%s: the CA at %s offers no ACME profiles; remove profile.'
                                 % (spec.option('profile'), self.transport.directory_url))
        if spec.profile not in profiles:
            raise CertfleetError('%s %r is not offered by the CA; it offers: %s.'
                                 % (spec.option('profile'), spec.profile, ', '.join(sorted(profiles))))

    def _find_or_create(self, orders, spec, replaces):
        if spec.order_uri:
            order = orders.order(spec.order_uri)
            if order.status in IN_FLIGHT and order.identifier_keys() == sorted(i.key() for i in spec.identifiers):
                return order, False, None
        order = self._take_in_flight(orders, spec.identifiers)
        if order is not None:
            return order, False, None
        try:
            return orders.new_order(spec.identifiers, replaces=replaces, profile=spec.profile), True, replaces
        except ACMEProblem as problem:
            # RFC 9773: a CA that says the certificate was already replaced, or does not take the field,
            # gets the order again without it.
            if replaces and (problem.is_type('alreadyReplaced') or 'replaces' in (problem.detail or '').lower()):
                self.warnings.append('%s: the CA refused replaces=%s (%s); ordering without it.'
                                     % (spec.name, replaces, problem.acme_type))
                return orders.new_order(spec.identifiers, profile=spec.profile), True, None
            raise

    def _take_in_flight(self, orders, identifiers):
        """An in-flight order for exactly these identifiers; the account's list is read once per run."""
        wanted = sorted(item.key() for item in identifiers)
        with self._in_flight_lock:
            if self._in_flight is None:
                orders_url = self.account().data.get('orders')
                self._in_flight = orders.in_flight(orders_url) if orders_url else []
            for order in self._in_flight:
                if order.identifier_keys() == wanted:
                    self._in_flight.remove(order)
                    return order
        return None

    def _material(self, spec, authorizations):
        """What acme_challenge publishes, for every authorization that is not valid yet."""
        thumbprint = self.key.thumbprint()
        material = []
        for authz in authorizations:
            if authz.status == VALID:
                continue
            challenge = authz.challenge(spec.challenge)
            if challenge is None:
                raise CertfleetError('%s: the CA does not offer %s for %s; it offers %s. Set challenge to one of them.'
                                     % (spec.option('challenge'), spec.challenge, authz.identifier.value,
                                        ', '.join(authz.offered()) or 'nothing'))
            key_authorization = '%s.%s' % (challenge.token, thumbprint)
            item = {'identifier': authz.identifier.value, 'identifier_type': authz.identifier.type,
                    'type': spec.challenge, 'token': challenge.token, 'key_authorization': key_authorization,
                    'certificate': spec.name}
            if spec.challenge == 'http-01':
                item['resource'] = http01_resource(challenge.token)
                item['resource_value'] = key_authorization
            elif spec.challenge == 'dns-01':
                item['record'] = dns01_record_name(authz.identifier.value)
                item['record_value'] = dns01_record_value(key_authorization)
            else:
                identifier = authz.identifier.value
                item['tls_alpn_certificate'], item['tls_alpn_private_key'] = build_challenge_certificate(
                    identifier, authz.identifier.type, key_authorization)
            material.append(item)
        return material

    def _complete(self, orders, spec, order, authorizations, created):
        """Answer the challenges, wait for the authorizations and the order, finalize."""
        deadline = self.clock() + self.validation_timeout
        waiting = [authz for authz in authorizations if authz.status == PENDING]
        if created and waiting:
            raise CertfleetError('%s: there is no order in flight for these names, so nothing can have been published'
                                 ' yet. Run acme_order with state=pending first, publish its challenge_data with'
                                 ' acme_challenge, then run state=valid. (Order %s is kept for that.)'
                                 % (spec.name, order.url), order_uri=order.url)
        self._material(spec, waiting)  # the same checks as the pending step: offered challenge type
        for authz in waiting:
            challenge = authz.challenge(spec.challenge)
            if challenge.status == PENDING:
                orders.respond(challenge)
        failures = []
        for authz in waiting:
            final = orders.poll(authz.url, lambda a: a.status not in (PENDING,), deadline,
                                'the authorization of %s' % authz.identifier.value, Authorization)
            if final.status != VALID:
                failures.append(self._failure(spec, final))
        if failures:
            details = ' '.join('[%s] %s Hint: %s' % (f['identifier'], f['error'], f['hint']) for f in failures)
            raise ValidationFailed('Validation failed for %s. %s' % (', '.join(f['identifier'] for f in failures),
                                                                     details),
                                   validation_errors=failures, order_uri=order.url)
        order = orders.poll(order.url, lambda o: o.status != PENDING, deadline, 'the order to become ready',
                            Order)
        if order.status == READY:
            order = self._finalize(orders, spec, order, deadline)
        elif order.status not in (VALID,) and order.status != 'processing':
            raise CertfleetError('%s: the order became %s: %s' % (spec.name, order.status, problem_text(order.error)),
                                 order_uri=order.url)
        if order.status != VALID:
            order = orders.poll(order.url, lambda o: o.status in (VALID, INVALID), deadline,
                                'the certificate to be issued', Order)
        if order.status != VALID or not order.certificate_url:
            raise CertfleetError('%s: the order became %s: %s' % (spec.name, order.status, problem_text(order.error)),
                                 order_uri=order.url)
        return order

    def _failure(self, spec, authz):
        challenge = authz.challenge(spec.challenge)
        error = challenge.error if challenge is not None and challenge.error else authz.data.get('error')
        detail = problem_text(error) if error else 'the authorization became %s' % authz.status
        where = authz.identifier.value
        if spec.challenge == 'dns-01':
            where = 'TXT %s' % dns01_record_name(authz.identifier.value)
        elif spec.challenge == 'http-01' and challenge is not None:
            where = 'http://%s/%s' % (authz.identifier.value, http01_resource(challenge.token or ''))
        return {'identifier': authz.identifier.value, 'status': authz.status, 'error': detail,
                'hint': hint_for(detail, authz.identifier.value, spec.challenge, where)}

    def _finalize(self, orders, spec, order, deadline):
        if spec.csr is not None:
            der = csr_der(spec.csr)
        else:
            key = spec.private_key
            if key is None:
                key = self._key_for_issuance(spec)
            der = build_csr(spec.identifiers, key)
        return orders.finalize(order, der)

    def _key_for_issuance(self, spec):
        """A fresh key by default; the existing one when private_key_reuse is set and it fits."""
        if spec.reuse_key:
            pem = read_source(spec.key_dest, spec.option('private_key_dest'))
            if pem is not None:
                key = load_private_key(pem, spec.values.get('private_key_passphrase'), spec.option('private_key_dest'))
                if describe_key(key) == spec.key_type:
                    spec.issuance_key = key
                    return key
        spec.issuance_key = generate_private_key(spec.key_type)
        spec.new_key = True
        return spec.issuance_key

    # -- the certificate ---------------------------------------------------------------

    def _install(self, orders, spec, order):
        pem, alternate_urls = orders.download(order.certificate_url)
        default = Chain(pem, order.certificate_url)
        alternates = []
        if spec.preferred_chain and alternate_urls:
            for url in alternate_urls:
                alternates.append(Chain(orders.download(url)[0], url))
        chosen = select_chain(default, alternates, spec.preferred_chain)
        if spec.preferred_chain and spec.preferred_chain not in chosen.issuer_names():
            self.warnings.append('%s: no chain matches preferred_chain %r; using the default chain (issuers: %s).'
                                 % (spec.name, spec.preferred_chain, ', '.join(default.issuer_names())))
        self._verify(spec, chosen)
        self._write(spec, chosen)
        described = certs.describe(chosen.leaf)
        described['chain_issuer'] = chosen.top_issuer()
        return {'certificate': described, 'chain_url': chosen.url,
                'alternate_chains': [default.url] + alternate_urls if alternate_urls else []}

    def _verify(self, spec, chain):
        """Never write a certificate that does not fit what was asked."""
        chain.check_links()
        have = set(item.key() for item in certs.certificate_identifiers(chain.leaf))
        missing = [value for kind, value in (item.key() for item in spec.identifiers) if (kind, value) not in have]
        if missing:
            raise CertfleetError('%s: the CA issued a certificate without %s; nothing was written.'
                                 % (spec.name, ', '.join(missing)))
        key = getattr(spec, 'issuance_key', None) or spec.private_key
        public = key if key is not None else spec.csr.public_key()
        if not certs.key_matches(chain.leaf, public):
            raise CertfleetError('%s: the CA issued a certificate for another key; nothing was written.' % spec.name)

    def _write(self, spec, chain):
        if getattr(spec, 'new_key', False):
            # The key goes first: a crash before the certificate leaves a mismatch the next run repairs.
            write_atomic(spec.key_dest, private_key_to_pem(spec.issuance_key, spec.values.get('private_key_passphrase')))
        if spec.chain_dest:
            write_atomic(spec.chain_dest, chain.intermediates_pem, CERT_MODE, CERT_DIR_MODE)
        if spec.fullchain_dest:
            write_atomic(spec.fullchain_dest, chain.fullchain_pem, CERT_MODE, CERT_DIR_MODE)
        if spec.cert_dest:
            write_atomic(spec.cert_dest, chain.leaf_pem, CERT_MODE, CERT_DIR_MODE)
