# Do what a tls-alpn-01 validator does (RFC 8737): connect with ALPN acme-tls/1 and an SNI, print JSON
# about the certificate presented (SAN, acmeIdentifier extension and whether it is critical).
# usage: tls_probe.py HOST PORT SNI
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import binascii
import json
import socket
import ssl
import sys

from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier

ACME_IDENTIFIER = ObjectIdentifier('1.3.6.1.5.5.7.1.31')


def main():
    host, port, sni = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the challenge certificate is self-signed by design
    context.set_alpn_protocols(['acme-tls/1'])
    try:
        with socket.create_connection((host, port), timeout=5) as connection:
            with context.wrap_socket(connection, server_hostname=sni) as tls:
                der = tls.getpeercert(binary_form=True)
                alpn = tls.selected_alpn_protocol()
    except (ssl.SSLError, OSError) as exc:
        print(json.dumps({'handshake': 'failed', 'error': str(exc)}))
        return
    certificate = x509.load_der_x509_certificate(der)
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = san.get_values_for_type(x509.DNSName)
        ip_addresses = [str(value) for value in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns_names, ip_addresses = [], []
    try:
        extension = certificate.extensions.get_extension_for_oid(ACME_IDENTIFIER)
        acme_identifier = binascii.hexlify(extension.value.value).decode('ascii')
        critical = extension.critical
    except x509.ExtensionNotFound:
        acme_identifier, critical = None, False
    print(json.dumps({'handshake': 'ok', 'alpn': alpn, 'dns_names': dns_names, 'ip_addresses': ip_addresses,
                      'acme_identifier': acme_identifier, 'critical': critical}))


if __name__ == '__main__':
    main()
