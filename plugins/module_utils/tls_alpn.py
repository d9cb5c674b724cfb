# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The tls-alpn-01 challenge certificate (RFC 8737, RFC 8738 for IP addresses).

A self-signed certificate whose only subjectAltName is the identifier and which
carries the critical ``acmeIdentifier`` extension (1.3.6.1.5.5.7.1.31): the DER
OCTET STRING of SHA-256 of the key authorization. The validator connects with
ALPN ``acme-tls/1`` and SNI = the name (or, for an IP, its reverse-DNS name).

``acme_order`` builds the material with ``build_challenge_certificate``;
``acme_challenge`` checks it with ``inspect_challenge_certificate``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import ipaddress
import traceback

from ansible_collections.certfleet.acme.plugins.module_utils.challenge_material import (
    IDENTIFIER_DNS, IDENTIFIER_IP, key_authorization_digest)
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID, ObjectIdentifier
except ImportError:
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
    ACME_IDENTIFIER_OID = None
else:
    CRYPTOGRAPHY_IMPORT_ERROR = None
    ACME_IDENTIFIER_OID = ObjectIdentifier('1.3.6.1.5.5.7.1.31')

ACME_TLS_ALPN_PROTOCOL = 'acme-tls/1'
# The certificate only has to live until the CA has looked.
VALIDITY = datetime.timedelta(days=7)


def _require_cryptography():
    if CRYPTOGRAPHY_IMPORT_ERROR is not None:
        raise CertfleetError('tls-alpn-01 needs the Python library cryptography (>= 3.4) on this host; install'
                             ' it (pip install cryptography, or the python3-cryptography package).',
                             exception=CRYPTOGRAPHY_IMPORT_ERROR)


def acme_identifier_value(key_authorization):
    """DER of ``Authorization ::= OCTET STRING (SIZE (32))`` holding sha256(key_authorization)."""
    return b'\x04\x20' + key_authorization_digest(key_authorization)


def _san(identifier, identifier_type):
    if identifier_type == IDENTIFIER_IP:
        return x509.IPAddress(ipaddress.ip_address(identifier))
    if identifier_type == IDENTIFIER_DNS:
        return x509.DNSName(identifier)
    raise CertfleetError('identifier_type %r is unknown; use dns or ip.' % (identifier_type,))


def build_challenge_certificate(identifier, identifier_type, key_authorization):
    """Build the tls-alpn-01 certificate: returns ``(cert_pem, key_pem)`` as text.

    ``identifier``: an A-label DNS name or an IP address; ``identifier_type``: ``dns`` or ``ip``;
    ``key_authorization``: ``<token>.<thumbprint>``. The key is a fresh EC P-256 key, unencrypted PKCS#8.
    """
    _require_cryptography()
    key = ec.generate_private_key(ec.SECP256R1())
    # A common name is optional and limited to 64 characters; keep a fixed, short one.
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u'ACME tls-alpn-01 challenge')])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName([_san(identifier, identifier_type)]), critical=False)
        .add_extension(x509.UnrecognizedExtension(ACME_IDENTIFIER_OID, acme_identifier_value(key_authorization)),
                       critical=True)
    )
    certificate = builder.sign(key, hashes.SHA256())
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode('ascii')
    return cert_pem, key_pem


def inspect_challenge_certificate(cert_pem):
    """What a validator looks at: ``{'dns_names', 'ip_addresses', 'acme_identifier', 'critical'}``.

    ``acme_identifier`` is the raw extension value (DER) or None when the extension is missing.
    """
    _require_cryptography()
    data = cert_pem.encode('ascii') if isinstance(cert_pem, str) else cert_pem
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise CertfleetError('The tls-alpn-01 certificate is not a readable PEM certificate (%s).' % exc)
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = san.get_values_for_type(x509.DNSName)
        ip_addresses = [str(value) for value in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns_names, ip_addresses = [], []
    try:
        extension = certificate.extensions.get_extension_for_oid(ACME_IDENTIFIER_OID)
        acme_identifier, critical = extension.value.value, extension.critical
    except x509.ExtensionNotFound:
        acme_identifier, critical = None, False
    return {'dns_names': dns_names, 'ip_addresses': ip_addresses, 'acme_identifier': acme_identifier,
            'critical': critical}


def check_challenge_certificate(cert_pem, key_pem, identifier, identifier_type, key_authorization, where):
    """Refuse a certificate/key pair a validator would reject, naming ``where`` (the item) in the message."""
    shape = inspect_challenge_certificate(cert_pem)
    if shape['acme_identifier'] != acme_identifier_value(key_authorization) or not shape['critical']:
        raise CertfleetError('%s.tls_alpn_certificate has no critical acmeIdentifier extension holding'
                             ' sha256(key_authorization); pass the material from acme_order unchanged, or leave'
                             ' both tls_alpn_* keys out to have it built here.' % where)
    if identifier_type == IDENTIFIER_IP:
        expected_ok = shape['ip_addresses'] == [str(ipaddress.ip_address(identifier))] and not shape['dns_names']
    else:
        expected_ok = [name.lower() for name in shape['dns_names']] == [identifier.lower()] \
            and not shape['ip_addresses']
    if not expected_ok:
        raise CertfleetError('%s.tls_alpn_certificate must name exactly %s in its subjectAltName (RFC 8737'
                             ' section 3).' % (where, identifier))
    try:
        private_key = serialization.load_pem_private_key(key_pem.encode('ascii'), password=None)
    except (ValueError, TypeError) as exc:
        raise CertfleetError('%s.tls_alpn_private_key is not an unencrypted PEM private key (%s).' % (where, exc))
    certificate = x509.load_pem_x509_certificate(cert_pem.encode('ascii'))
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if private_key.public_key().public_bytes(serialization.Encoding.DER, public) != \
            certificate.public_key().public_bytes(serialization.Encoding.DER, public):
        raise CertfleetError('%s.tls_alpn_private_key is not the key of tls_alpn_certificate.' % where)
