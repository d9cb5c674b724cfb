#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: acme_account
short_description: Create, update, roll over and deactivate ACME accounts
version_added: 0.1.0
description:
  - Makes the account at an ACME CA (RFC 8555) match the options given. The account is identified by
    its key alone, so a fresh execution environment with only the key (for example from a vault-encrypted
    variable) finds the same account again.
  - Creates the account key file (mode 0600, in a 0700 directory when the directory is new) when
    O(account_key_src) does not exist yet and O(state=present).
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
      - Only read-only lookups are sent to the CA; no account is created, changed or deactivated,
        and no key file is written.
  diff_mode:
    support: full
    details:
      - Shows the account's status and contacts before and after, or the key thumbprints for O(state=changed_key).
options:
  state:
    description:
      - V(present) creates the account when missing and updates its contacts when they differ.
      - V(absent) deactivates the account. Deactivation cannot be undone; the key can never be used for
        an account at this CA again.
      - V(changed_key) rolls the account over to the key in O(new_account_key_src) or O(new_account_key_content).
        Once done, the old key no longer finds the account and the new key finds the same account URL.
    type: str
    choices: [present, absent, changed_key]
    default: present
  contact:
    description:
      - Contact URIs for the account, each C(mailto:) with one address.
      - When given, the account's contacts are set to exactly this list; V([]) removes all of them.
        When omitted, existing contacts are left as they are.
    type: list
    elements: str
  terms_agreed:
    description:
      - Agree to the CA's terms of service, which most CAs require to create an account.
    type: bool
    default: false
  allow_creation:
    description:
      - Create the account when none exists for the key. With V(false), a missing account is an error,
        which makes a play fail instead of registering a second account by mistake.
    type: bool
    default: true
  account_key_type:
    description:
      - Type of the key generated when O(account_key_src) or O(new_account_key_src) does not exist yet.
    type: str
    choices: [ec256, ec384, rsa2048, rsa3072, rsa4096]
    default: ec256
  new_account_key_src:
    description:
      - For O(state=changed_key), path of the new account key; generated (O(account_key_type)) when missing.
    type: path
  new_account_key_content:
    description:
      - For O(state=changed_key), the new account key as PEM text.
    type: str
  new_account_key_passphrase:
    description:
      - Passphrase of the new account key; also used to encrypt a new key generated at O(new_account_key_src).
    type: str
  external_account_binding:
    description:
      - External Account Binding credentials for CAs that require them to create an account
        (ZeroSSL, Google Trust Services, Sectigo, DigiCert, SSL.com, many private CAs).
      - Only used when an account is created.
    type: dict
    suboptions:
      kid:
        description: The key identifier the CA gave you.
        type: str
        required: true
      key:
        description: The MAC key the CA gave you, base64url-encoded as CAs hand it out.
        type: str
        required: true
      alg:
        description: The MAC algorithm.
        type: str
        choices: [HS256, HS384, HS512]
        default: HS256
notes:
  - When O(account_key_src) is created, O(account_key_passphrase) encrypts it.
seealso:
  - name: RFC 8555 section 7.3
    description: Account management in the ACME protocol.
    link: https://www.rfc-editor.org/rfc/rfc8555#section-7.3
'''

EXAMPLES = r'''
- name: Make sure an account exists at Let's Encrypt staging (the key is created when missing)
  certfleet.acme.acme_account:
    acme_directory: letsencrypt-staging
    account_key_src: /etc/certfleet/account.key
    contact:
      - mailto:ops@example.com
    terms_agreed: true

- name: Use a vault-encrypted key and set the CA once for the whole play
  module_defaults:
    group/certfleet.acme.acme:
      acme_directory: https://acme.internal.example.com/acme/directory
      acme_ca_bundle: /etc/pki/internal-root.pem
      account_key_content: "{{ vault_acme_account_key }}"
  block:
    - name: Find the account again; fail rather than create a second one
      certfleet.acme.acme_account:
        allow_creation: false
      register: account

- name: Create an account at a CA that wants External Account Binding
  certfleet.acme.acme_account:
    acme_directory: zerossl
    account_key_src: /etc/certfleet/zerossl.key
    terms_agreed: true
    contact: [mailto:ops@example.com]
    external_account_binding:
      kid: "{{ zerossl_eab_kid }}"
      key: "{{ zerossl_eab_hmac_key }}"

- name: Roll the account over to a new key
  certfleet.acme.acme_account:
    acme_directory: letsencrypt
    account_key_src: /etc/certfleet/account.key
    state: changed_key
    new_account_key_src: /etc/certfleet/account-2026.key

- name: Deactivate the account for good
  certfleet.acme.acme_account:
    acme_directory: letsencrypt
    account_key_src: /etc/certfleet/account.key
    state: absent
'''

RETURN = r'''
account_uri:
  description: The account URL at the CA (its C(kid)); null in check mode when the account would be created.
  returned: when an account exists or was created
  type: str
  sample: https://acme-v02.api.letsencrypt.org/acme/acct/123456
account:
  description: The account object as the CA describes it.
  returned: when an account exists or was created
  type: dict
  contains:
    status:
      description: V(valid), V(deactivated) or V(revoked).
      type: str
      sample: valid
    contact:
      description: The account's contact URIs.
      type: list
      elements: str
      sample: [mailto:ops@example.com]
    orders:
      description: URL of the account's order list, when the CA gives one.
      type: str
      returned: when the CA gives it
    terms_of_service_agreed:
      description: Whether the terms of service were agreed, when the CA says.
      type: bool
      returned: when the CA gives it
account_key_thumbprint:
  description: RFC 7638 thumbprint of the (new) account key's public part; safe to log.
  returned: when a key was loaded or created
  type: str
  sample: 2p2oWjnK2lY4XHbzOu7LXgkVBDoZ8bE1mTPDa7WZoCk
key_created:
  description: Whether an account key file was (or, in check mode, would be) created.
  returned: always
  type: bool
acme_stats:
  description: What the run cost the CA.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent to the ACME server, retries included.
      type: int
      sample: 3
    bad_nonce_retries:
      description: Requests repeated because the CA rejected the nonce (C(badNonce)).
      type: int
      sample: 0
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.acme.plugins.module_utils.acme_module import (
    ACME_MUTUALLY_EXCLUSIVE, ACME_REQUIRED_ONE_OF, acme_argument_spec, new_transport, run_module)
from ansible_collections.certfleet.acme.plugins.module_utils.account_manager import AccountManager


def argument_spec():
    spec = acme_argument_spec()
    spec.update(
        state=dict(type='str', choices=['present', 'absent', 'changed_key'], default='present'),
        contact=dict(type='list', elements='str'),
        terms_agreed=dict(type='bool', default=False),
        allow_creation=dict(type='bool', default=True),
        account_key_type=dict(type='str', choices=['ec256', 'ec384', 'rsa2048', 'rsa3072', 'rsa4096'],
                              default='ec256', no_log=False),
        new_account_key_src=dict(type='path', no_log=False),
        new_account_key_content=dict(type='str', no_log=True),
        new_account_key_passphrase=dict(type='str', no_log=True),
        external_account_binding=dict(type='dict', options=dict(
            kid=dict(type='str', required=True, no_log=False),
            key=dict(type='str', required=True, no_log=True),
            alg=dict(type='str', choices=['HS256', 'HS384', 'HS512'], default='HS256'),
        )),
    )
    return spec


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=ACME_MUTUALLY_EXCLUSIVE + [('new_account_key_src', 'new_account_key_content')],
        required_one_of=ACME_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )

    def operation():
        manager = AccountManager(module.params, new_transport(module.params), module.check_mode)
        return getattr(manager, module.params['state'])()

    run_module(module, operation)


if __name__ == '__main__':
    main()
