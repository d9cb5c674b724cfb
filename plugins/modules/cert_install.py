#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: cert_install
short_description: Install a certificate, its chain and its key on a serving host, safely
version_added: 0.1.0
description:
  - Writes the certificate set of one or more certificates on the host the task runs on, by default in the layout
    C(<base_dir>/<name>/) with C(cert.pem), C(chain.pem), C(fullchain.pem), C(privkey.pem) and C(combined.pem)
    (key followed by the full chain, for servers such as HAProxy).
  - Verifies before it writes anything that the key matches the certificate, that the chain links, that the
    certificate is valid now, and that it covers O(expected_names); otherwise it fails, naming what is wrong, and
    leaves the current files as they are.
  - Every file is replaced atomically (written beside, synced, renamed), so a server never reads half a file.
    The task reports a change only when a file's content, owner, group or mode really changes.
  - O(cert_src), O(chain_src), O(fullchain_src) and O(private_key_src) are files on the controller (read by the
    action plugin), unless O(remote_src=true).
  - With the key made on the host (M(certfleet.acme.cert_request)), leave the key options out; the key already at
    the destination is used for the checks and the combined file and is never touched.
author:
  - certfleet.acme developers (@certfleet)
extends_documentation_fragment:
  - certfleet.acme.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - Shows subject, names, serial, issuer and dates of the installed and the new certificate, never key material.
options:
  name:
    description:
      - The certificate's name; the files go to C(<base_dir>/<name>/) unless explicit destinations are given.
    type: str
  base_dir:
    description: Directory of the default layout.
    type: path
    default: /etc/certfleet/live
  cert_content:
    description: The certificate (leaf) as PEM; give the chain with O(chain_content).
    type: str
  chain_content:
    description: The intermediate certificates as PEM.
    type: str
  fullchain_content:
    description: The certificate followed by its intermediates, as PEM (what acme_order writes to C(fullchain_dest)).
    type: str
  private_key_content:
    description: The private key as PEM.
    type: str
  private_key_passphrase:
    description: Passphrase of an encrypted private key.
    type: str
  cert_src:
    description: Path of the certificate on the controller (on the host with O(remote_src=true)).
    type: path
  chain_src:
    description: Path of the chain on the controller (on the host with O(remote_src=true)).
    type: path
  fullchain_src:
    description: Path of the full chain on the controller (on the host with O(remote_src=true)).
    type: path
  private_key_src:
    description: Path of the private key on the controller (on the host with O(remote_src=true)).
    type: path
  remote_src:
    description: The C(*_src) paths are on the managed host, not on the controller.
    type: bool
    default: false
  cert_dest:
    description: Where the certificate goes, instead of C(<base_dir>/<name>/cert.pem).
    type: path
  chain_dest:
    description: Where the chain goes, instead of C(<base_dir>/<name>/chain.pem).
    type: path
  fullchain_dest:
    description: Where the full chain goes, instead of C(<base_dir>/<name>/fullchain.pem).
    type: path
  private_key_dest:
    description: Where the key goes (or is, when made on the host), instead of C(<base_dir>/<name>/privkey.pem).
    type: path
  combined_dest:
    description: Where key + full chain go, instead of C(<base_dir>/<name>/combined.pem).
    type: path
  combined:
    description: Write the combined key + full chain file.
    type: bool
    default: true
  expected_names:
    description: Names the certificate must cover (wildcards count); the set is refused otherwise.
    type: list
    elements: str
  owner:
    description: Owner of the files and directories.
    type: str
  group:
    description:
      - Group of the files and directories. With a group, key files are 0640 and directories 0750 (for a server
        that reads its key as that group); without, 0600 and 0700. Certificates are 0644.
    type: str
  backup:
    description: Keep a copy of every file that is replaced, beside it, with a timestamp.
    type: bool
    default: false
  certificates:
    description:
      - Several certificates in one task; each item takes the per-certificate options (O(name), the content and
        source options, the destinations, O(expected_names)); top-level options are defaults for every item.
    type: list
    elements: dict
seealso:
  - module: certfleet.acme.acme_order
  - module: certfleet.acme.cert_request
'''

EXAMPLES = r'''
- name: Install what acme_order wrote on the controller, on every web server
  certfleet.acme.cert_install:
    name: www.example.com
    fullchain_src: /etc/certfleet/www/fullchain.pem
    private_key_src: /etc/certfleet/www/privkey.pem
    expected_names: [www.example.com, example.com]
    group: www-data
  notify: certfleet nginx reload

- name: Install beside a key that was made on the host and never left it
  certfleet.acme.cert_install:
    name: "{{ inventory_hostname }}"
    fullchain_content: "{{ hostvars['localhost'].issued[inventory_hostname] }}"
'''

RETURN = r'''
certificates:
  description: One result per certificate.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The certificate's name.
      type: str
    changed:
      description: Whether any file of this certificate changed.
      type: bool
    changed_files:
      description: The files (and directories) whose content or attributes changed.
      type: list
      elements: str
    paths:
      description: Where each file of the set is, by kind (cert, chain, fullchain, private_key, combined).
      type: dict
    certificate:
      description: Subject, issuer, serial, names and dates of the installed certificate.
      type: dict
    key_from_host:
      description: Whether the key already on the host was used.
      type: bool
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.acme.plugins.module_utils.deps import require_libraries
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.install_manager import InstallManager

PER_CERTIFICATE = dict(
    name=dict(type='str'),
    cert_content=dict(type='str'),
    chain_content=dict(type='str'),
    fullchain_content=dict(type='str'),
    private_key_content=dict(type='str', no_log=True),
    private_key_passphrase=dict(type='str', no_log=True),
    cert_src=dict(type='path'),
    chain_src=dict(type='path'),
    fullchain_src=dict(type='path'),
    private_key_src=dict(type='path', no_log=False),
    cert_dest=dict(type='path'),
    chain_dest=dict(type='path'),
    fullchain_dest=dict(type='path'),
    private_key_dest=dict(type='path', no_log=False),
    combined_dest=dict(type='path'),
    expected_names=dict(type='list', elements='str'),
)
SHARED = dict(
    base_dir=dict(type='path', default='/etc/certfleet/live'),
    remote_src=dict(type='bool', default=False),
    combined=dict(type='bool', default=True),
    owner=dict(type='str'),
    group=dict(type='str'),
    backup=dict(type='bool', default=False),
)


def argument_spec():
    spec = dict(PER_CERTIFICATE)
    spec.update(SHARED)
    # Items are free-form dicts merged over the top level, checked by the same code.
    spec['certificates'] = dict(type='list', elements='dict')
    return spec


def _read_remote_sources(values):
    for kind in ('cert', 'chain', 'fullchain', 'private_key'):
        path = values.get('%s_src' % kind)
        if path:
            with open(path, 'rb') as handle:
                values['%s_content' % kind] = handle.read().decode('ascii', 'replace')


def certificate_values(params):
    """(label, values) per certificate: top-level options as defaults, items over them."""
    items = params['certificates']
    if items is None:
        items, labels = [{}], ['']
    else:
        if not items:
            raise CertfleetError('certificates is empty; list at least one certificate.')
        labels = ['certificates[%d].' % index for index in range(len(items))]
    result = []
    for label, item in zip(labels, items):
        unknown = sorted(set(item) - set(PER_CERTIFICATE))
        if unknown:
            raise CertfleetError('%s has unknown options: %s.' % (label.rstrip('.'), ', '.join(unknown)))
        values = {key: value for key, value in params.items() if key != 'certificates'}
        values.update({key: value for key, value in item.items() if value is not None})
        if not values.get('name'):
            raise CertfleetError('%sname is required: it names the certificate and its directory.' % label)
        if values.get('remote_src'):
            _read_remote_sources(values)
        result.append((label, values))
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    require_libraries(module, names=('cryptography',))
    manager = InstallManager(module)
    try:
        prepared = [manager.prepare(label, values) for label, values in certificate_values(module.params)]
        results = [manager.apply(cert_set) for cert_set in prepared]
    except (CertfleetError, OSError) as error:
        module.fail_json(msg=getattr(error, 'msg', None) or str(error), **getattr(error, 'details', {}))
    diffs = [item.pop('diff') for item in results]
    outcome = {'changed': any(item['changed'] for item in results), 'certificates': results}
    if len(results) == 1:
        outcome['diff'] = diffs[0]
    else:
        outcome['diff'] = {'before': dict((item['name'], diff['before']) for item, diff in zip(results, diffs)),
                           'after': dict((item['name'], diff['after']) for item, diff in zip(results, diffs))}
    module.exit_json(**outcome)


if __name__ == '__main__':
    main()
