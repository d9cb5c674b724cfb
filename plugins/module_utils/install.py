# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Installing a certificate set on a serving host: check everything, then swap files atomically.

A set is the leaf, the chain, the full chain, the key and (for HAProxy and the
like) key + full chain in one file. Nothing is written unless the whole set is
right: the key matches, the names are covered, the chain links, the dates hold.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import os

from ansible_collections.certfleet.acme.plugins.module_utils import certificate as certs
from ansible_collections.certfleet.acme.plugins.module_utils.chain import Chain
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.files import read_source
from ansible_collections.certfleet.acme.plugins.module_utils.identifiers import parse_identifiers
from ansible_collections.certfleet.acme.plugins.module_utils.keys import load_private_key

LAYOUT = (('cert', 'cert.pem'), ('chain', 'chain.pem'), ('fullchain', 'fullchain.pem'),
          ('private_key', 'privkey.pem'), ('combined', 'combined.pem'))
PUBLIC_MODE = 0o644
SECRET_FILES = ('private_key', 'combined')


def covers(cert_identifiers, wanted):
    """True when a certificate's names cover ``wanted`` (an Identifier), wildcards included."""
    for have in cert_identifiers:
        if have.type != wanted.type:
            continue
        if have.value == wanted.value:
            return True
        if have.type == 'dns' and have.value.startswith('*.') and not wanted.value.startswith('*.'):
            head, _dot, rest = wanted.value.partition('.')
            if head and rest == have.value[2:]:
                return True
    return False


class CertificateSet(object):
    """The checked material and destinations of one certificate to install."""

    def __init__(self, label, values, host_key_pem=None):
        self.label = label
        self.values = values
        self.name = values['name']
        self.paths = self._paths()
        self.chain = self._chain()
        self.key_pem = self._key_pem(host_key_pem)
        self.key = load_private_key(self.key_pem, values.get('private_key_passphrase'), self._opt('private_key'))

    def _opt(self, name):
        return '%s%s' % (self.label, name)

    def _paths(self):
        base = os.path.join(self.values['base_dir'], self.name)
        paths = {}
        for kind, filename in LAYOUT:
            explicit = self.values.get('%s_dest' % kind)
            paths[kind] = explicit or os.path.join(base, filename)
        if not self.values['combined'] and not self.values.get('combined_dest'):
            paths.pop('combined')
        for kind, path in paths.items():
            if os.path.isdir(path):
                raise CertfleetError('%s: %s is a directory; give the path of a file.' % (self._opt(kind + '_dest'), path))
        return paths

    def _chain(self):
        values = self.values
        if values.get('fullchain_content'):
            pem = values['fullchain_content']
        elif values.get('cert_content'):
            pem = values['cert_content'] + '\n' + (values.get('chain_content') or '')
        else:
            raise CertfleetError('%s: give fullchain_content (or fullchain_src), or cert_content and chain_content.'
                                 % (self.name,))
        chain = Chain(pem.encode('ascii', 'replace') if isinstance(pem, str) else pem, self._opt('certificate'))
        if len(chain.certificates) < 2:
            raise CertfleetError('%s: no chain was given (only the certificate); give fullchain_content or'
                                 ' chain_content so clients can build the path to a root.' % self.name)
        return chain

    def _key_pem(self, host_key_pem):
        if self.values.get('private_key_content'):
            return self.values['private_key_content'].encode('ascii', 'replace')
        if host_key_pem is None:
            raise CertfleetError('%s: no private_key_content (or private_key_src) was given, and there is no key on'
                                 ' the host at %s. Give the key, or create it on the host with'
                                 ' certfleet.acme.cert_request.' % (self.name, self.paths['private_key']))
        return host_key_pem

    @property
    def key_from_host(self):
        return not self.values.get('private_key_content')

    def verify(self, now=None):
        """Refuse a set that a client would reject, naming what is wrong."""
        now = now or datetime.datetime.now(datetime.timezone.utc)
        leaf = self.chain.leaf
        if not certs.key_matches(leaf, self.key):
            raise CertfleetError('%s: the private key does not match the certificate (serial %X); nothing was'
                                 ' installed.' % (self.name, leaf.serial_number))
        try:
            self.chain.check_links()
        except CertfleetError as exc:
            raise CertfleetError('%s: %s Nothing was installed.' % (self.name, exc.msg))
        if now < certs.not_before(leaf):
            raise CertfleetError('%s: the certificate is not valid before %s; nothing was installed.'
                                 % (self.name, certs.not_before(leaf).isoformat()))
        if now >= certs.not_after(leaf):
            raise CertfleetError('%s: the certificate expired on %s; nothing was installed.'
                                 % (self.name, certs.not_after(leaf).isoformat()))
        expected = self.values.get('expected_names')
        if expected:
            have = certs.certificate_identifiers(leaf)
            missing = [item.value for item in parse_identifiers(expected, self._opt('expected_names'))
                       if not covers(have, item)]
            if missing:
                raise CertfleetError('%s: the certificate does not cover %s (it has %s); nothing was installed.'
                                     % (self.name, ', '.join(missing), ', '.join(i.value for i in have)))

    def contents(self):
        """What each file should hold, in bytes."""
        key = self.key_pem if self.key_pem.endswith(b'\n') else self.key_pem + b'\n'
        wanted = {'cert': self.chain.leaf_pem, 'chain': self.chain.intermediates_pem,
                  'fullchain': self.chain.fullchain_pem, 'private_key': key,
                  'combined': key + self.chain.fullchain_pem}
        if self.key_from_host:
            wanted.pop('private_key')  # it is already there, and stays as it is
        return {kind: data for kind, data in wanted.items() if kind in self.paths}


def read_host_key(values, base_dir):
    path = values.get('private_key_dest') or os.path.join(base_dir, values['name'], 'privkey.pem')
    return read_source(path, 'private_key_dest')
