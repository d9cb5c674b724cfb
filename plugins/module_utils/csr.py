# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Certificate signing requests: build one for identifiers and a key, or read and check a given one."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.identifiers import Identifier

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID
except ImportError:  # reported by deps.require_libraries
    pass

MAX_COMMON_NAME = 64


def build_csr(identifiers, private_key, pem=False):
    """A CSR for ``identifiers``, every one in the subjectAltName: DER bytes, or PEM text with ``pem``."""
    alt_names = []
    for identifier in identifiers:
        if identifier.type == 'ip':
            alt_names.append(x509.IPAddress(ipaddress.ip_address(identifier.value)))
        else:
            alt_names.append(x509.DNSName(identifier.value))
    builder = x509.CertificateSigningRequestBuilder().add_extension(x509.SubjectAlternativeName(alt_names),
                                                                    critical=False)
    # The CN is legacy, but some servers still log it; only a short DNS name fits.
    first_dns = next((item.value for item in identifiers if item.type == 'dns'), None)
    if first_dns and len(first_dns) <= MAX_COMMON_NAME:
        builder = builder.subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, first_dns)]))
    else:
        builder = builder.subject_name(x509.Name([]))
    csr = builder.sign(private_key, hashes.SHA256())
    if pem:
        return csr.public_bytes(serialization.Encoding.PEM).decode('ascii')
    return csr.public_bytes(serialization.Encoding.DER)


def load_csr(pem, option='csr'):
    if isinstance(pem, str):
        pem = pem.encode('ascii', 'replace')
    try:
        csr = x509.load_pem_x509_csr(pem) if b'-----BEGIN' in pem else x509.load_der_x509_csr(pem)
    except (ValueError, TypeError) as exc:
        raise CertfleetError('%s is not a readable PEM certificate signing request (%s).' % (option, exc))
    if not csr.is_signature_valid:
        raise CertfleetError('%s has an invalid signature; create it again with its private key.' % option)
    return csr


def csr_identifiers(csr):
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    identifiers = []
    if san is not None:
        identifiers = [Identifier('dns', name.lower()) for name in san.get_values_for_type(x509.DNSName)]
        identifiers += [Identifier('ip', address.compressed) for address in san.get_values_for_type(x509.IPAddress)]
    common = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if common and Identifier('dns', common[0].value.lower()) not in identifiers:
        identifiers.append(Identifier('dns', common[0].value.lower()))
    return identifiers


def csr_der(csr):
    return csr.public_bytes(serialization.Encoding.DER)
