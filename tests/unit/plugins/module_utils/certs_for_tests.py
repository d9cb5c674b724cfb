"""Helpers that make throw-away certificates for the unit tests."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

UTC = datetime.timezone.utc


def make_cert(names, not_before, not_after, key=None, issuer_key=None, issuer_name='Test CA', serial=1000,
              aki=None, subject=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    issuer_key = issuer_key or key
    alt = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject or (names[0] if names else 'x'))]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
               .public_key(key.public_key())
               .serial_number(serial)
               .not_valid_before(not_before)
               .not_valid_after(not_after))
    if alt:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    if aki is not None:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier(aki, None, None), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key
