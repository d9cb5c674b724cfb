# A TLS client for the web server role tests, loopback only. It verifies the chain the server sends against
# a root (cafile) and the name (SNI + hostname check), sends "GET / HTTP/1.1", and prints JSON.
#
#   tls_client.py once HOST PORT SNI CAFILE
#       one connection: {"ok", "error", "serial", "names", "version", "cipher", "status", "headers", "alpn"}
#   tls_client.py loop HOST PORT SNI CAFILE STOP_FILE MAX_SECONDS [THREADS]
#       connections back to back from THREADS threads (default 4) until STOP_FILE exists or MAX_SECONDS pass:
#       {"attempts", "failures", "errors" (the first 20), "serials" (serial -> count), "last_serials", "seconds"}
#       A connection fails when it cannot connect, the handshake or the verification fails, or the answer's
#       status is not 200.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import json
import os
import socket
import ssl
import sys
import threading
import time

from cryptography import x509


def connect(host, port, sni, cafile):
    context = ssl.create_default_context(cafile=cafile)
    context.set_alpn_protocols(['http/1.1'])
    result = {'ok': False, 'error': None}
    try:
        with socket.create_connection((host, port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname=sni) as tls:
                der = tls.getpeercert(binary_form=True)
                certificate = x509.load_der_x509_certificate(der)
                result['serial'] = '%X' % certificate.serial_number
                try:
                    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                    result['names'] = sorted(san.get_values_for_type(x509.DNSName))
                except x509.ExtensionNotFound:
                    result['names'] = []
                result['version'] = tls.version()
                result['cipher'] = tls.cipher()[0]
                result['alpn'] = tls.selected_alpn_protocol()
                tls.sendall(('GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' % sni).encode('ascii'))
                answer = b''
                while b'\r\n\r\n' not in answer:
                    chunk = tls.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
                head = answer.split(b'\r\n\r\n', 1)[0].decode('latin-1').split('\r\n')
                result['status'] = head[0]
                result['headers'] = dict(
                    (line.split(':', 1)[0].strip().lower(), line.split(':', 1)[1].strip())
                    for line in head[1:] if ':' in line)
                result['ok'] = head[0].split(' ')[1:2] == ['200']
                if not result['ok']:
                    result['error'] = 'answer: %s' % head[0]
    except (OSError, ssl.SSLError, ValueError) as error:
        result['error'] = '%s: %s' % (type(error).__name__, error)
    return result


def loop(host, port, sni, cafile, stop_file, max_seconds, threads):
    stats = {'attempts': 0, 'failures': 0, 'errors': [], 'serials': {}, 'last_serials': []}
    lock = threading.Lock()
    start = time.time()

    def worker():
        last = None
        while not os.path.exists(stop_file) and time.time() - start < max_seconds:
            result = connect(host, port, sni, cafile)
            with lock:
                stats['attempts'] += 1
                if result['ok']:
                    last = result['serial']
                    stats['serials'][last] = stats['serials'].get(last, 0) + 1
                else:
                    stats['failures'] += 1
                    if len(stats['errors']) < 20:
                        stats['errors'].append('%.3fs %s' % (time.time() - start, result['error']))
        with lock:
            stats['last_serials'].append(last)

    workers = [threading.Thread(target=worker) for dummy in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    stats['seconds'] = round(time.time() - start, 3)
    stats['stopped_by_file'] = os.path.exists(stop_file)
    return stats


def main():
    mode, host, port, sni, cafile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit('%s is not a loopback address: this client only talks to the local test servers' % host)
    if mode == 'once':
        print(json.dumps(connect(host, port, sni, cafile)))
    elif mode == 'loop':
        stop_file, max_seconds = sys.argv[6], min(float(sys.argv[7]), 600.0)
        threads = int(sys.argv[8]) if len(sys.argv) > 8 else 4
        print(json.dumps(loop(host, port, sni, cafile, stop_file, max_seconds, threads)))
    else:
        sys.exit('unknown mode %s' % mode)


if __name__ == '__main__':
    main()
