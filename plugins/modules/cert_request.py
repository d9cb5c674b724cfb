#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: cert_request
short_description: Make a certificate's private key on the serving host, and a CSR for it
version_added: 0.1.0
description:
  - For the key policy where the key never leaves the host. Creates the private key on the host when it does not
    exist (mode 0600, or 0640 with O(group); directory 0700, or 0750 with O(group)) and returns a CSR for O(names)
    signed with it.
  - Give RV(csr) to M(certfleet.acme.acme_order) (O(certfleet.acme.acme_order#module:csr_content)) on the
    controller, then install the certificate with M(certfleet.acme.cert_install) without key options; it uses the
    key already on the host.
  - The key is never returned and never leaves the host.
author:
  - certfleet.acme developers (@certfleet)
extends_documentation_fragment:
  - certfleet.acme.attributes
attributes:
  check_mode:
    support: full
    details:
      - No key is created; RV(csr) is returned only when the key already exists.
  diff_mode:
    support: none
options:
  name:
    description: The certificate's name, as for M(certfleet.acme.cert_install); the key goes to C(<base_dir>/<name>/privkey.pem).
    type: str
    required: true
  base_dir:
    description: Directory of the layout shared with M(certfleet.acme.cert_install).
    type: path
    default: /etc/certfleet/live
  private_key_dest:
    description: Where the key is, instead of C(<base_dir>/<name>/privkey.pem).
    type: path
  private_key_type:
    description: Type of the key to create. An existing key of another type is replaced only with O(force).
    type: str
    choices: [ec256, ec384, rsa2048, rsa3072, rsa4096]
    default: ec256
  private_key_passphrase:
    description: Passphrase to encrypt a new key with, or to read the existing one.
    type: str
  names:
    description: The names (DNS names, wildcards, IP addresses) for the CSR.
    type: list
    elements: str
    required: true
  force:
    description: Make a new key even when one exists (for example to change its type, or after a compromise).
    type: bool
    default: false
  owner:
    description: Owner of the key file and its directory.
    type: str
  group:
    description: Group of the key file and its directory.
    type: str
seealso:
  - module: certfleet.acme.acme_order
  - module: certfleet.acme.cert_install
'''

EXAMPLES = r'''
- name: Key on each host, CSR back to the controller
  certfleet.acme.cert_request:
    name: "{{ inventory_hostname }}"
    names: ["{{ inventory_hostname }}"]
  register: request

- name: Order from the CSR on the controller
  certfleet.acme.acme_order:
    acme_directory: letsencrypt
    account_key_content: "{{ vault_acme_account_key }}"
    csr_content: "{{ request.csr }}"
    fullchain_dest: "/srv/certs/{{ inventory_hostname }}/fullchain.pem"
    state: pending
  delegate_to: localhost
'''

RETURN = r'''
csr:
  description: The CSR (PEM) for O(names), signed with the host's key.
  returned: unless in check mode with no key yet
  type: str
private_key_path:
  description: Where the key is.
  returned: always
  type: str
key_type:
  description: The key's type.
  returned: always
  type: str
key_created:
  description: Whether a key was (or would be) created.
  returned: always
  type: bool
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.acme.plugins.module_utils.csr import build_csr
from ansible_collections.certfleet.acme.plugins.module_utils.deps import require_libraries
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.files import read_source, write_atomic
from ansible_collections.certfleet.acme.plugins.module_utils.identifiers import parse_identifiers
from ansible_collections.certfleet.acme.plugins.module_utils.install_manager import check_account
from ansible_collections.certfleet.acme.plugins.module_utils.keys import (
    describe_key, generate_private_key, load_private_key, private_key_to_pem)


def run(module):
    params = module.params
    identifiers = parse_identifiers(params['names'])
    check_account(params['owner'], params['group'])
    path = params['private_key_dest'] or os.path.join(params['base_dir'], params['name'], 'privkey.pem')
    pem = read_source(path, 'private_key_dest')
    key = load_private_key(pem, params['private_key_passphrase'], 'the key at %s' % path) if pem else None
    create = key is None or params['force']
    if key is not None and not params['force'] and describe_key(key) != params['private_key_type']:
        module.warn('The key at %s is %s, not %s; it is kept. Use force to replace it.'
                    % (path, describe_key(key), params['private_key_type']))
    result = {'changed': create, 'key_created': create, 'private_key_path': path}
    if create:
        if module.check_mode:
            result['key_type'] = params['private_key_type']
            return result
        key = generate_private_key(params['private_key_type'])
        secret_mode = 0o640 if params['group'] else 0o600
        write_atomic(path, private_key_to_pem(key, params['private_key_passphrase']), secret_mode,
                     0o750 if params['group'] else 0o700)
    for target in (path, os.path.dirname(path)):
        if params['owner'] and module.set_owner_if_different(target, params['owner'], False):
            result['changed'] = True
        if params['group'] and module.set_group_if_different(target, params['group'], False):
            result['changed'] = True
    result['key_type'] = describe_key(key)
    result['csr'] = build_csr(identifiers, key, pem=True)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            base_dir=dict(type='path', default='/etc/certfleet/live'),
            private_key_dest=dict(type='path', no_log=False),
            private_key_type=dict(type='str', choices=['ec256', 'ec384', 'rsa2048', 'rsa3072', 'rsa4096'],
                                  default='ec256', no_log=False),
            private_key_passphrase=dict(type='str', no_log=True),
            names=dict(type='list', elements='str', required=True),
            force=dict(type='bool', default=False),
            owner=dict(type='str'),
            group=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    require_libraries(module, names=('cryptography',))
    try:
        result = run(module)
    except CertfleetError as error:
        module.fail_json(msg=error.msg, **error.details)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
