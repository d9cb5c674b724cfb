# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Certificates: parse PEM chains, describe them, and check them against names and keys.

All X.509 work is cryptography's; this file only says what we need to know about
a certificate to decide renewal and to refuse a bad answer from the CA.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.identifiers import Identifier
from ansible_collections.certfleet.acme.plugins.module_utils.keys import describe_key

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID
except ImportError:  # reported by deps.require_libraries
    pass

_PEM_BLOCK = re.compile(b'-----BEGIN CERTIFICATE-----\r?\n.+?\r?\n-----END CERTIFICATE-----', re.DOTALL)


def split_pem_chain(data):
    """The PEM certificates in ``data`` (bytes), in order."""
    if isinstance(data, str):
        data = data.encode('ascii', 'replace')
    return [block + b'\n' for block in _PEM_BLOCK.findall(data or b'')]


def load_certificate(pem, option='certificate'):
    try:
        return x509.load_pem_x509_certificate(pem if isinstance(pem, bytes) else pem.encode('ascii'))
    except (ValueError, TypeError) as exc:
        raise CertfleetError('%s is not a readable PEM certificate (%s).' % (option, exc))


def _utc(cert, name):
    # cryptography >= 42 has the timezone-aware *_utc properties; older ones only the naive ones.
    value = getattr(cert, name + '_utc', None)
    if value is None:
        value = getattr(cert, name).replace(tzinfo=datetime.timezone.utc)
    return value


def not_before(cert):
    return _utc(cert, 'not_valid_before')


def not_after(cert):
    return _utc(cert, 'not_valid_after')


def certificate_identifiers(cert):
    """The DNS names and IP addresses of the subjectAltName extension, as Identifiers."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    identifiers = [Identifier('dns', name.lower()) for name in san.get_values_for_type(x509.DNSName)]
    identifiers += [Identifier('ip', address.compressed) for address in san.get_values_for_type(x509.IPAddress)]
    return identifiers


def common_name(name):
    attributes = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return attributes[0].value if attributes else None


def public_key_bytes(key):
    """A comparable encoding of a public key (accepts private keys too)."""
    if hasattr(key, 'public_key'):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_matches(cert, private_key):
    return public_key_bytes(cert.public_key()) == public_key_bytes(private_key)


def describe(cert):
    """What the module results say about a certificate: never key material."""
    return {
        'subject': common_name(cert.subject),
        'issuer': common_name(cert.issuer),
        'serial': '%X' % cert.serial_number,
        'names': [identifier.value for identifier in certificate_identifiers(cert)],
        'not_before': not_before(cert).isoformat(),
        'not_after': not_after(cert).isoformat(),
        'key_type': describe_key(cert.public_key()),
    }


def issued_by(child, parent):
    """True when ``parent`` signed ``child`` (names and signature checked)."""
    if child.issuer != parent.subject:
        return False
    try:
        child.verify_directly_issued_by(parent)
    except AttributeError:  # cryptography < 40: the names have to do
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
