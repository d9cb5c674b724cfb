# A TLS client that verifies what a server serves, independently of the collection's code.
#
#   tls_client.py probe HOST PORT SNI CAFILE [PATH]
#       one handshake with SNI, chain and host name verified against CAFILE (and with PATH one GET); prints
#       JSON: {"ok": true, "serial": "<hex>", "names": [...], "issuer": "...", "protocol": "TLSv1.3",
#       "status": "HTTP/1.1 200 OK", "headers": {...}, "body": "..."} or {"ok": false, "error": "..."}
#   tls_client.py version HOST PORT SNI CAFILE 1.1|1.2
#       one verified handshake limited to that TLS version (1.1 with OpenSSL's security level 0, so that only
#       the server can refuse it); prints {"ok": ..., "protocol": ..., "cipher": ...} or the error
#   tls_client.py loop HOST PORT SNI CAFILE OUT_FILE STOP_FILE MAX_SECONDS
#       handshakes (plus one HTTP request each) one after the other until STOP_FILE exists or MAX_SECONDS
#       have passed (at most 20000); writes OUT_FILE.started after the first success and JSON to OUT_FILE:
#       {"attempts": n, "failures": n, "errors": [...], "serials": [in order of first appearance]}
#
# Only loopback addresses are accepted.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import json
import os
import socket
import ssl
import sys
import time
import warnings

from cryptography import x509

MAX_ATTEMPTS = 20000


def handshake(host, port, sni, context, path=None):
    """One TLS connection; with ``path``, also one HTTP/1.1 GET, whose status line, headers and body come back."""
    status, headers, body = None, {}, None
    with socket.create_connection((host, port), timeout=5) as connection:
        with context.wrap_socket(connection, server_hostname=sni) as tls:
            der = tls.getpeercert(binary_form=True)
            protocol = tls.version()
            if path:
                tls.sendall(('GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' % (path, sni)).encode('ascii'))
                response = b''
                while len(response) < 65536:
                    chunk = tls.recv(4096)
                    if not chunk:
                        break
                    response += chunk
                head, _sep, rest = response.partition(b'\r\n\r\n')
                lines = head.decode('iso-8859-1').split('\r\n')
                status = lines[0]
                headers = dict((k.strip().lower(), v.strip()) for k, _c, v in (line.partition(':') for line in lines[1:]))
                body = rest.decode('utf-8', 'replace')
    certificate = x509.load_der_x509_certificate(der)
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    return {'serial': '%X' % certificate.serial_number, 'names': names,
            'issuer': certificate.issuer.rfc4514_string(), 'protocol': protocol,
            'status': status, 'headers': headers, 'body': body}


def make_context(cafile):
    context = ssl.create_default_context(cafile=cafile)  # verifies the chain and the host name
    context.set_alpn_protocols(['http/1.1'])
    return context


def probe(host, port, sni, cafile, path=None):
    try:
        result = handshake(host, port, sni, make_context(cafile), path)
    except (ssl.SSLError, ssl.CertificateError, OSError) as exc:
        print(json.dumps({'ok': False, 'error': '%s: %s' % (type(exc).__name__, exc)}))
        return
    result['ok'] = True
    print(json.dumps(result))


def version(host, port, sni, cafile, wanted):
    warnings.simplefilter('ignore', DeprecationWarning)  # TLSVersion.TLSv1_1, on purpose
    context = make_context(cafile)
    tls_version = {'1.1': ssl.TLSVersion.TLSv1_1, '1.2': ssl.TLSVersion.TLSv1_2}[wanted]
    if wanted == '1.1':
        context.set_ciphers('DEFAULT:@SECLEVEL=0')
    context.minimum_version = tls_version
    context.maximum_version = tls_version
    try:
        with socket.create_connection((host, port), timeout=5) as connection:
            with context.wrap_socket(connection, server_hostname=sni) as tls:
                print(json.dumps({'ok': True, 'protocol': tls.version(), 'cipher': tls.cipher()[0]}))
    except (ssl.SSLError, ssl.CertificateError, OSError) as exc:
        print(json.dumps({'ok': False, 'error': '%s: %s' % (type(exc).__name__, exc)}))


def loop(host, port, sni, cafile, out_file, stop_file, max_seconds):
    context = make_context(cafile)
    deadline = time.monotonic() + min(float(max_seconds), 300.0)
    attempts = failures = 0
    errors = []
    serials = []
    started = False
    while attempts < MAX_ATTEMPTS and time.monotonic() < deadline and not os.path.exists(stop_file):
        attempts += 1
        try:
            result = handshake(host, port, sni, context, '/.well-known/acme-challenge/certfleet-apache-loop')
            if not (result['status'] or '').startswith('HTTP/1.1 '):
                raise OSError('no HTTP answer: %r' % result['status'])
        except (ssl.SSLError, ssl.CertificateError, OSError) as exc:
            failures += 1
            if len(errors) < 20:
                errors.append('%.3f %s: %s' % (time.time(), type(exc).__name__, exc))
            time.sleep(0.01)
            continue
        if result['serial'] not in serials:
            serials.append(result['serial'])
        if not started:
            started = True
            with open(out_file + '.started', 'w') as handle:
                handle.write('started\n')
    with open(out_file, 'w') as handle:
        json.dump({'attempts': attempts, 'failures': failures, 'errors': errors, 'serials': serials,
                   'stopped_by': 'stop file' if os.path.exists(stop_file) else 'limit'}, handle)
    print(json.dumps({'attempts': attempts, 'failures': failures}))


def main():
    mode, host, port, sni, cafile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit('only loopback addresses, not %s' % host)
    if mode == 'probe':
        probe(host, port, sni, cafile, sys.argv[6] if len(sys.argv) > 6 else None)
    elif mode == 'version':
        version(host, port, sni, cafile, sys.argv[6])
    elif mode == 'loop':
        loop(host, port, sni, cafile, sys.argv[6], sys.argv[7], sys.argv[8])
    else:
        sys.exit('unknown mode %s' % mode)


if __name__ == '__main__':
    main()
