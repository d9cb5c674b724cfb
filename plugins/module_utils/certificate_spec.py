# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One certificate to order, checked as a whole before any request or write.

``acme_order`` takes one certificate (top-level options) or a list
(``certificates``, each item overriding the top-level defaults); every item
becomes a CertificateSpec here, and every error names the item and the option.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.acme.plugins.module_utils import csr as csrs
from ansible_collections.certfleet.acme.plugins.module_utils.certificate import public_key_bytes
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.files import check_writable, read_source
from ansible_collections.certfleet.acme.plugins.module_utils.identifiers import (
    check_challenge_fits, parse_identifiers)
from ansible_collections.certfleet.acme.plugins.module_utils.keys import KEY_TYPES, load_private_key

CHALLENGE_TYPES = ('http-01', 'dns-01', 'tls-alpn-01')

# The per-certificate options: what an item of ``certificates`` may set.
CERTIFICATE_OPTIONS = dict(
    name=dict(type='str'),
    names=dict(type='list', elements='str'),
    challenge=dict(type='str', choices=list(CHALLENGE_TYPES)),
    csr_src=dict(type='path'),
    csr_content=dict(type='str'),
    private_key_src=dict(type='path', no_log=False),
    private_key_content=dict(type='str', no_log=True),
    private_key_passphrase=dict(type='str', no_log=True),
    private_key_type=dict(type='str', choices=list(KEY_TYPES), no_log=False),
    private_key_dest=dict(type='path', no_log=False),
    private_key_reuse=dict(type='bool'),
    cert_dest=dict(type='path'),
    chain_dest=dict(type='path'),
    fullchain_dest=dict(type='path'),
    remaining_days=dict(type='int'),
    force=dict(type='bool'),
    preferred_chain=dict(type='str'),
    profile=dict(type='str'),
    order_uri=dict(type='str'),
)

DEFAULTS = dict(challenge='http-01', private_key_type='ec256', private_key_reuse=False, force=False)


class CertificateSpec(object):
    """The checked options of one certificate."""

    def __init__(self, label, values):
        self.label = label
        self.values = values
        self.name = values.get('name')
        self.challenge = values['challenge']
        self.identifiers = []
        self.csr = None
        self.private_key = None  # a given key (src/content)
        self.key_type = values['private_key_type']
        self.key_dest = values.get('private_key_dest')
        self.reuse_key = values['private_key_reuse']
        self.cert_dest = values.get('cert_dest')
        self.chain_dest = values.get('chain_dest')
        self.fullchain_dest = values.get('fullchain_dest')
        self.remaining_days = values.get('remaining_days')
        self.force = values['force']
        self.preferred_chain = values.get('preferred_chain')
        self.profile = values.get('profile')
        self.order_uri = values.get('order_uri')

    @property
    def generates_key(self):
        return self.csr is None and self.private_key is None

    @property
    def current_cert_path(self):
        return self.cert_dest or self.fullchain_dest

    def option(self, name):
        return '%s%s' % (self.label, name)


def _merge(defaults, item):
    values = dict(DEFAULTS)
    for name in CERTIFICATE_OPTIONS:
        if defaults.get(name) is not None:
            values[name] = defaults[name]
    for name, value in (item or {}).items():
        if value is not None:
            values[name] = value
    return values


def _read_pem(values, src, content, spec):
    if values.get(content):
        return values[content], spec.option(content)
    if values.get(src):
        data = read_source(values[src], spec.option(src))
        if data is None:
            return None, '%s %s' % (spec.option(src), values[src])
        return data, '%s %s' % (spec.option(src), values[src])
    return None, None


def build_spec(label, defaults, item=None):
    """A CertificateSpec from top-level ``defaults`` and one ``item``; CertfleetError on any bad option."""
    values = _merge(defaults, item)
    spec = CertificateSpec(label, values)
    for pair in (('csr_src', 'csr_content'), ('private_key_src', 'private_key_content')):
        if values.get(pair[0]) and values.get(pair[1]):
            raise CertfleetError('%s and %s are mutually exclusive.' % (spec.option(pair[0]), spec.option(pair[1])))

    csr_pem, csr_label = _read_pem(values, 'csr_src', 'csr_content', spec)
    if csr_label and csr_pem is None:
        raise CertfleetError('%s does not exist.' % csr_label)
    if csr_pem is not None:
        spec.csr = csrs.load_csr(csr_pem, csr_label)
    key_pem, key_label = _read_pem(values, 'private_key_src', 'private_key_content', spec)
    if key_label and key_pem is None:
        raise CertfleetError('%s does not exist. To have a key generated, set private_key_dest instead.' % key_label)
    if key_pem is not None:
        spec.private_key = load_private_key(key_pem, values.get('private_key_passphrase'), key_label)

    names = values.get('names')
    if spec.csr is not None:
        csr_ids = csrs.csr_identifiers(spec.csr)
        if names:
            spec.identifiers = parse_identifiers(names, spec.option('names'))
            if set(csr_ids) != set(spec.identifiers):
                raise CertfleetError('%s names %s, but %s lists %s: make them the same, or omit names to use the'
                                     ' CSR\'s.' % (csr_label, ', '.join(sorted(i.value for i in csr_ids)),
                                                   spec.option('names'),
                                                   ', '.join(sorted(i.value for i in spec.identifiers))))
        else:
            spec.identifiers = parse_identifiers([i.value for i in csr_ids], csr_label)
        if spec.private_key is not None:
            if public_key_bytes(spec.private_key) != public_key_bytes(spec.csr.public_key()):
                raise CertfleetError('%s does not match the key of %s.' % (key_label, csr_label))
    else:
        spec.identifiers = parse_identifiers(names, spec.option('names'))

    check_challenge_fits(spec.identifiers, spec.challenge, spec.option('challenge'))
    if spec.generates_key and not spec.key_dest:
        raise CertfleetError('%s: give private_key_dest (where the generated key is written), or a key'
                             ' (private_key_src/private_key_content), or a CSR (csr_src/csr_content).'
                             % (spec.name or label.rstrip('.') or 'the certificate'))
    if not spec.generates_key and spec.key_dest:
        raise CertfleetError('%s is only for generated keys; with a CSR or a given key, leave it out.'
                             % spec.option('private_key_dest'))
    if not (spec.cert_dest or spec.fullchain_dest):
        raise CertfleetError('%s: give cert_dest or fullchain_dest (where the certificate is written and where'
                             ' renewal looks for the current one).' % (spec.name or label.rstrip('.') or 'the certificate'))
    if spec.remaining_days is not None and spec.remaining_days < 0:
        raise CertfleetError('%s must be zero or more days.' % spec.option('remaining_days'))
    for option in ('cert_dest', 'chain_dest', 'fullchain_dest', 'private_key_dest'):
        if values.get(option):
            check_writable(values[option], spec.option(option))
    if spec.name is None:
        spec.name = spec.identifiers[0].value
    return spec
