# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The certificate chain the CA sent: split it, check it, pick the preferred one of its alternates."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.acme.plugins.module_utils import certificate as certs
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError


class Chain(object):
    """A leaf and the intermediates the CA sent after it (PEM bytes kept as sent)."""

    def __init__(self, pem, url=None):
        blocks = certs.split_pem_chain(pem)
        if not blocks:
            raise CertfleetError('The CA sent no PEM certificate from %s.' % url)
        self.url = url
        self.pems = blocks
        self.certificates = [certs.load_certificate(block, 'the certificate from the CA') for block in blocks]

    @property
    def leaf(self):
        return self.certificates[0]

    @property
    def leaf_pem(self):
        return self.pems[0]

    @property
    def intermediates_pem(self):
        return b''.join(self.pems[1:])

    @property
    def fullchain_pem(self):
        return b''.join(self.pems)

    def issuer_names(self):
        """Common names that can identify this chain: every issuer and subject along it."""
        names = []
        for cert in self.certificates:
            for name in (certs.common_name(cert.issuer), certs.common_name(cert.subject)):
                if name and name not in names:
                    names.append(name)
        return names

    def top_issuer(self):
        return certs.common_name(self.certificates[-1].issuer)

    def check_links(self):
        """Each certificate must be signed by the next one: a broken chain is never installed."""
        for child, parent in zip(self.certificates, self.certificates[1:]):
            if not certs.issued_by(child, parent):
                raise CertfleetError('The chain does not link: "%s" is not issued by "%s".'
                                     % (certs.common_name(child.subject), certs.common_name(parent.subject)))


def select_chain(default, alternates, preferred):
    """The chain whose top issuer (or any issuer/subject) is ``preferred``; the default otherwise."""
    if not preferred:
        return default
    candidates = [default] + list(alternates)
    for chain in candidates:
        if chain.top_issuer() == preferred:
            return chain
    for chain in candidates:
        if preferred in chain.issuer_names():
            return chain
    return default
