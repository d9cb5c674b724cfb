#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: acme_order
short_description: Order certificates from an ACME CA, in two steps, and renew them when due
version_added: 0.1.0
description:
  - Gets a certificate for a set of identifiers (DNS names, wildcards, IP addresses) from an ACME CA (RFC 8555).
  - Step one, O(state=pending), creates the order (or resumes the one already in flight for the same names) and
    returns RV(challenge_data), the proof to publish with M(certfleet.acme.acme_challenge). Step two,
    O(state=valid), tells the CA the proof is published, waits for validation, finalizes, downloads the chain and
    writes the files atomically.
  - Renewal is decided from the files first; a certificate that is not due costs no order. When the CA offers ACME
    Renewal Information (RFC 9773), its suggested window replaces the lifetime rule, and the new order names the
    certificate it replaces.
  - One task can handle many certificates (O(certificates)); they are processed concurrently, with one directory
    fetch and one account lookup for all of them.
  - The account must exist; create it with M(certfleet.acme.acme_account).
  - Runs on the ACME controller, usually C(localhost).
author:
  - certfleet.acme developers (@certfleet)
extends_documentation_fragment:
  - certfleet.acme.acme
  - certfleet.acme.attributes
  - certfleet.acme.attributes.ACME
attributes:
  check_mode:
    support: full
    details:
      - Creates no order and writes nothing; returns which certificates are due and why (RV(certificates[].renewal_due),
        RV(certificates[].renewal_reason)).
  diff_mode:
    support: none
options:
  state:
    description:
      - V(pending) creates or resumes the order and returns RV(challenge_data).
      - V(valid) completes the order and writes the certificate files.
    type: str
    choices: [pending, valid]
    default: valid
  names:
    description:
      - The identifiers of the certificate, DNS names (C(*.example.com) wildcards allowed, internationalized names
        are converted to A-labels) and IP addresses.
      - Can be omitted with a CSR; then the CSR's names are used. When both are given they must be the same.
    type: list
    elements: str
  name:
    description:
      - A label for the certificate in results and messages; defaults to the first name.
    type: str
  challenge:
    description:
      - How control of the names is proven. Wildcards need V(dns-01); IP addresses cannot use V(dns-01).
      - Default V(http-01).
    type: str
    choices: [http-01, dns-01, tls-alpn-01]
  csr_src:
    description: Path of a CSR (PEM) to finalize the order with; the key is not touched.
    type: path
  csr_content:
    description: A CSR (PEM) as text.
    type: str
  private_key_src:
    description: Path of an existing private key for the certificate (reused on every issuance).
    type: path
  private_key_content:
    description: An existing private key for the certificate, as PEM text.
    type: str
  private_key_passphrase:
    description: Passphrase of the given private key, or to encrypt a generated one.
    type: str
  private_key_type:
    description:
      - Type of a generated key; when it differs from the current certificate's, the certificate is renewed.
      - Default V(ec256).
    type: str
    choices: [ec256, ec384, rsa2048, rsa3072, rsa4096]
  private_key_dest:
    description:
      - Where a generated key is written (mode 0600, directory 0700 when created). Needed when neither a CSR nor a key
        is given.
    type: path
  private_key_reuse:
    description:
      - Keep the key at O(private_key_dest) across renewals. By default a fresh key is generated for every issuance.
    type: bool
  cert_dest:
    description: Where the certificate (leaf only) is written; renewal reads the current certificate here.
    type: path
  chain_dest:
    description: Where the intermediate certificates are written.
    type: path
  fullchain_dest:
    description: Where the certificate followed by the intermediates is written.
    type: path
  remaining_days:
    description:
      - Renew when fewer than this many days are left. By default the last third of the lifetime is the renewal window.
    type: int
  force:
    description: Issue a new certificate even when the current one is not due.
    type: bool
  preferred_chain:
    description:
      - Common name of the issuer (root) of the chain to install, when the CA offers alternate chains.
    type: str
  profile:
    description: The ACME profile to order with, where the CA offers profiles (its directory's C(meta.profiles)).
    type: str
  order_uri:
    description:
      - The order to complete, as returned by the O(state=pending) step. Optional; without it the account's in-flight
        order for the same names is found again.
    type: str
  certificates:
    description:
      - Several certificates in one task. Each item takes the per-certificate options above (O(names), O(challenge),
        O(cert_dest), ...); options given at the top level are defaults for every item.
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(name).
        type: str
      names:
        description: See O(names).
        type: list
        elements: str
      challenge:
        description: See O(challenge).
        type: str
        choices: [http-01, dns-01, tls-alpn-01]
      csr_src:
        description: See O(csr_src).
        type: path
      csr_content:
        description: See O(csr_content).
        type: str
      private_key_src:
        description: See O(private_key_src).
        type: path
      private_key_content:
        description: See O(private_key_content).
        type: str
      private_key_passphrase:
        description: See O(private_key_passphrase).
        type: str
      private_key_type:
        description: See O(private_key_type).
        type: str
        choices: [ec256, ec384, rsa2048, rsa3072, rsa4096]
      private_key_dest:
        description: See O(private_key_dest).
        type: path
      private_key_reuse:
        description: See O(private_key_reuse).
        type: bool
      cert_dest:
        description: See O(cert_dest).
        type: path
      chain_dest:
        description: See O(chain_dest).
        type: path
      fullchain_dest:
        description: See O(fullchain_dest).
        type: path
      remaining_days:
        description: See O(remaining_days).
        type: int
      force:
        description: See O(force).
        type: bool
      preferred_chain:
        description: See O(preferred_chain).
        type: str
      profile:
        description: See O(profile).
        type: str
      order_uri:
        description: See O(order_uri).
        type: str
  validation_timeout:
    description: Seconds to wait in O(state=valid) for validation, finalization and issuance, per certificate.
    type: int
    default: 120
  renewal_info:
    description:
      - When to ask the CA for its suggested renewal window (ACME Renewal Information, RFC 9773), where it offers it.
      - V(auto) asks from the second half of a certificate's life on, so a young certificate costs no request at all.
      - V(always) asks on every run (one request per certificate), which also catches a renewal the CA wants early,
        for example before a mass revocation.
      - V(never) uses the lifetime rule only.
    type: str
    choices: [auto, always, never]
    default: auto
  concurrency:
    description: How many certificates of O(certificates) are processed at the same time.
    type: int
    default: 4
seealso:
  - module: certfleet.acme.acme_account
  - module: certfleet.acme.acme_challenge
'''

EXAMPLES = r'''
- name: Step 1, order (or find the order again) and get the proof to publish
  certfleet.acme.acme_order:
    acme_directory: letsencrypt
    account_key_content: "{{ vault_acme_account_key }}"
    names: [www.example.com, example.com]
    private_key_dest: /etc/certfleet/www/privkey.pem
    cert_dest: /etc/certfleet/www/cert.pem
    fullchain_dest: /etc/certfleet/www/fullchain.pem
    state: pending
  register: order

- name: Publish the http-01 files on every web server that serves the names
  certfleet.acme.acme_challenge:
    challenges: "{{ order.challenge_data }}"
    webroot: /var/www/acme
  delegate_to: "{{ item }}"
  loop: "{{ groups['web'] }}"
  when: order.challenge_data | length > 0

- name: Step 2, validate, finalize and write the files
  certfleet.acme.acme_order:
    acme_directory: letsencrypt
    account_key_content: "{{ vault_acme_account_key }}"
    names: [www.example.com, example.com]
    private_key_dest: /etc/certfleet/www/privkey.pem
    cert_dest: /etc/certfleet/www/cert.pem
    fullchain_dest: /etc/certfleet/www/fullchain.pem
    state: valid
  when: order.renewal_due

- name: Many certificates in one task, with shared defaults
  certfleet.acme.acme_order:
    acme_directory: letsencrypt
    account_key_src: /etc/certfleet/account.key
    challenge: dns-01
    state: pending
    certificates:
      - names: ['*.example.com', example.com]
        private_key_dest: /etc/certfleet/wild/privkey.pem
        fullchain_dest: /etc/certfleet/wild/fullchain.pem
      - names: [api.example.net]
        private_key_dest: /etc/certfleet/api/privkey.pem
        fullchain_dest: /etc/certfleet/api/fullchain.pem
  register: batch
'''

RETURN = r'''
changed:
  description: Whether an order was created (O(state=pending)) or a certificate was issued (O(state=valid)).
  returned: always
  type: bool
certificates:
  description: One result per certificate, in the order given. With a single certificate its fields are also
    returned at the top level.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The certificate's label.
      type: str
    names:
      description: The normalized identifiers.
      type: list
      elements: str
    renewal_due:
      description: Whether the certificate is due for (re)issuance.
      type: bool
    renewal_reason:
      description: Why it is or is not due.
      type: str
      sample: inside the renewal window (20.1 days left, window opened 2026-11-20T10:00:00+00:00)
    renewal_window:
      description: The CA's suggested renewal window (ARI), when it offered one.
      type: dict
      returned: when the CA offers ARI
    order_uri:
      description: URL of the order.
      type: str
    order_status:
      description: Status of the order at the end of the step.
      type: str
    challenge_data:
      description:
        - The proof to publish, one item per identifier whose authorization is not valid yet; give it to
          M(certfleet.acme.acme_challenge).
        - Each item has C(identifier), C(identifier_type), C(type), C(token), C(key_authorization), and per type
          C(resource) and C(resource_value) (http-01), C(record) and C(record_value) (dns-01), or
          C(tls_alpn_certificate) and C(tls_alpn_private_key) (tls-alpn-01).
      type: list
      elements: dict
    issued:
      description: Whether a certificate was issued and written in this run.
      type: bool
    certificate:
      description: Subject, issuer, serial, names, validity and key type of the issued certificate.
      type: dict
      returned: when issued
    validation_errors:
      description: Per identifier, the CA's error and a hint, when validation failed.
      type: list
      elements: dict
      returned: on validation failure
challenge_data:
  description: With a single certificate, its RV(certificates[].challenge_data).
  returned: with a single certificate
  type: list
  elements: dict
renewal_due:
  description: With a single certificate, whether it is due.
  returned: with a single certificate
  type: bool
acme_stats:
  description: What the run cost the CA (HTTP requests, retries because of rejected nonces).
  returned: always
  type: dict
'''

import concurrent.futures

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.acme.plugins.module_utils.acme_module import (
    ACME_MUTUALLY_EXCLUSIVE, ACME_REQUIRED_ONE_OF, acme_argument_spec, load_key_option, new_transport, run_module)
from ansible_collections.certfleet.acme.plugins.module_utils.certificate_spec import CERTIFICATE_OPTIONS, build_spec
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.order_manager import OrderManager


def argument_spec():
    spec = acme_argument_spec()
    spec.update({name: dict(option) for name, option in CERTIFICATE_OPTIONS.items()})
    spec.update(
        state=dict(type='str', choices=['pending', 'valid'], default='valid'),
        certificates=dict(type='list', elements='dict',
                          options={name: dict(option) for name, option in CERTIFICATE_OPTIONS.items()}),
        validation_timeout=dict(type='int', default=120),
        renewal_info=dict(type='str', choices=['auto', 'always', 'never'], default='auto'),
        concurrency=dict(type='int', default=4),
    )
    return spec


def specs_from(params):
    """Every certificate's spec, all checked before the first request."""
    if params['certificates'] is None:
        return [build_spec('', params)], True
    if not params['certificates']:
        raise CertfleetError('certificates is empty; list at least one certificate, or use names for one.')
    if params.get('names'):
        raise CertfleetError('names goes in each item of certificates, not at the top level, when certificates is'
                             ' given.')
    specs = [build_spec('certificates[%d].' % index, params, item) for index, item in enumerate(params['certificates'])]
    seen = {}
    for spec in specs:
        for path in (spec.cert_dest, spec.fullchain_dest, spec.key_dest):
            if path and path in seen:
                raise CertfleetError('%s and %s write the same file %s.' % (seen[path], spec.label.rstrip('.'), path))
            if path:
                seen[path] = spec.label.rstrip('.')
    return specs, False


def run(module):
    params = module.params
    if params['validation_timeout'] <= 0 or params['concurrency'] <= 0:
        raise CertfleetError('validation_timeout and concurrency must be positive numbers.')
    specs, single = specs_from(params)
    account_key = load_key_option(params, 'account_key_src', 'account_key_content', 'account_key_passphrase')
    if account_key is None:
        raise CertfleetError('account_key_src %s does not exist; create the account (and its key) with'
                             ' certfleet.acme.acme_account first.' % params['account_key_src'])
    transport = new_transport(params)
    manager = OrderManager(transport, account_key, module.check_mode, params['validation_timeout'],
                           params['renewal_info'])

    def one(spec):
        try:
            return manager.run(spec, params['state'])
        except CertfleetError as error:
            failed = {'name': spec.name, 'names': [item.value for item in spec.identifiers], 'failed': True,
                      'changed': False, 'msg': error.msg}
            failed.update(error.details)
            return failed

    with concurrent.futures.ThreadPoolExecutor(max_workers=min(params['concurrency'], len(specs))) as pool:
        results = list(pool.map(one, specs))
    for warning in manager.warnings:
        module.warn(warning)
    outcome = {'changed': any(item.get('changed') for item in results), 'certificates': results,
               'acme_stats': transport.stats()}
    if single:
        outcome.update({key: value for key, value in results[0].items() if key not in ('failed', 'msg')})
    failures = [item for item in results if item.get('failed')]
    if failures:
        if single:
            raise CertfleetError(failures[0]['msg'], **{k: v for k, v in outcome.items() if k != 'msg'})
        raise CertfleetError('%d of %d certificates failed: %s' % (
            len(failures), len(results), ' | '.join('%s: %s' % (item['name'], item['msg']) for item in failures)),
            **outcome)
    return outcome


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=ACME_MUTUALLY_EXCLUSIVE + [('csr_src', 'csr_content'),
                                                      ('private_key_src', 'private_key_content')],
        required_one_of=ACME_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    run_module(module, lambda: run(module))


if __name__ == '__main__':
    main()
