from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import socket
import ssl
import threading
import time

import pytest

from ansible_collections.certfleet.acme.plugins.module_utils.challenge_material import validate_material
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_responder import (
    Responder, bind_listener, process_alive, process_start_time, responder_directory, running_pid, start_responder,
    stop_responder)
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_server import (
    ChallengeServer, http_token, tls_file_name)
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

THUMBPRINT = 'Ahk2GDq0dP8h3XKGtKAAzOlvNNbPbU5Oa3yQZoCqb5g'


def material(kind, identifier='www.certfleet.test', token='tokenA', identifier_type='dns'):
    return validate_material({'identifier': identifier, 'identifier_type': identifier_type, 'type': kind,
                              'token': token, 'key_authorization': token + '.' + THUMBPRINT})


def test_http_request_parsing():
    assert http_token('GET /.well-known/acme-challenge/abc_-9 HTTP/1.1') == ('GET', 'abc_-9')
    assert http_token('HEAD /.well-known/acme-challenge/abc?x=1 HTTP/1.0') == ('HEAD', 'abc')
    assert http_token('GET http://host/.well-known/acme-challenge/abc HTTP/1.1') == ('GET', 'abc')
    assert http_token('GET /.well-known/acme-challenge/../../etc/passwd HTTP/1.1') == ('GET', None)
    assert http_token('GET /.well-known/acme-challenge/a%2Fb HTTP/1.1') == ('GET', None)
    assert http_token('GET /index.html HTTP/1.1') == ('GET', None)
    assert http_token('garbage') == (None, None)


def test_sni_file_names():
    assert tls_file_name('WWW.certfleet.test.') == 'www.certfleet.test.pem'
    assert tls_file_name('1.0.0.127.in-addr.arpa') == '1.0.0.127.in-addr.arpa.pem'
    for bad in (None, '', '../etc', 'a/b', '*.x.test', 'a..b', '-a.test'):
        assert tls_file_name(bad) is None


def test_responder_directory_is_per_address_and_port():
    assert responder_directory('/run/certfleet-acme', '127.0.0.1', 80) == '/run/certfleet-acme/responder-127.0.0.1-80'
    assert responder_directory('/s', '::', 443) == '/s/responder-__-443'
    assert responder_directory('/s', '../x', 1) == '/s/responder-.._x-1'


def test_process_helpers():
    assert process_alive(os.getpid())
    if os.path.exists('/proc/self/stat'):
        assert process_start_time(os.getpid()) is not None


def test_taken_port_fails_clearly():
    holder = socket.socket()
    holder.bind(('127.0.0.1', 0))
    holder.listen(1)
    try:
        with pytest.raises(CertfleetError, match='already in use by another program'):
            bind_listener('127.0.0.1', holder.getsockname()[1])
    finally:
        holder.close()


@pytest.fixture
def serving(tmp_path):
    """A ChallengeServer in a thread of this process, on a free port."""
    listener = bind_listener('127.0.0.1', 0)
    port = listener.getsockname()[1]
    directory = str(tmp_path)
    for sub in ('http-01', 'tls-alpn-01'):
        os.mkdir(os.path.join(directory, sub))
    with open(os.path.join(directory, 'responder.json'), 'w') as handle:
        json.dump({'pid': os.getpid()}, handle)
    server = ChallengeServer(listener, directory, time.time() + 60)
    thread = threading.Thread(target=server.serve)
    thread.start()
    yield directory, port
    server.stopping = True
    thread.join(5)


def http_get(port, path):
    connection = socket.create_connection(('127.0.0.1', port), timeout=5)
    connection.sendall(('GET %s HTTP/1.1\r\nHost: www.certfleet.test\r\n\r\n' % path).encode('ascii'))
    data = b''
    while True:
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    connection.close()
    head, _sep, body = data.partition(b'\r\n\r\n')
    return int(head.split()[1]), body


def test_http_tokens_are_read_live(serving):
    directory, port = serving
    assert http_get(port, '/.well-known/acme-challenge/tokenA')[0] == 404
    with open(os.path.join(directory, 'http-01', 'tokenA'), 'wb') as handle:
        handle.write(b'tokenA.' + THUMBPRINT.encode())
    assert http_get(port, '/.well-known/acme-challenge/tokenA') == (200, b'tokenA.' + THUMBPRINT.encode())
    assert http_get(port, '/.well-known/acme-challenge/../responder.json')[0] == 404


def test_tls_alpn_chooses_the_certificate_by_sni(serving):
    tls_alpn = pytest.importorskip(
        'ansible_collections.certfleet.acme.plugins.module_utils.tls_alpn')
    x509 = pytest.importorskip('cryptography.x509')
    directory, port = serving
    cert_pem, key_pem = tls_alpn.build_challenge_certificate('www.certfleet.test', 'dns', 'tokenA.' + THUMBPRINT)
    with open(os.path.join(directory, 'tls-alpn-01', 'www.certfleet.test.pem'), 'w') as handle:
        handle.write(key_pem + cert_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(['acme-tls/1'])
    with socket.create_connection(('127.0.0.1', port), timeout=5) as connection:
        with context.wrap_socket(connection, server_hostname='www.certfleet.test') as tls:
            assert tls.selected_alpn_protocol() == 'acme-tls/1'
            der = tls.getpeercert(binary_form=True)
    certificate = x509.load_der_x509_certificate(der)
    assert certificate.public_bytes(tls_alpn.serialization.Encoding.PEM).decode() == cert_pem
    with pytest.raises((ssl.SSLError, OSError)):
        with socket.create_connection(('127.0.0.1', port), timeout=5) as connection:
            with context.wrap_socket(connection, server_hostname='unknown.certfleet.test'):
                pass


def test_responder_files_and_cleanup_in_check_mode(tmp_path):
    responder = Responder('127.0.0.1', 1, 60, str(tmp_path), check_mode=True)
    assert responder.pid is None
    changed, diff = responder.present(material('http-01'), None)
    assert changed and 'http-01 challenge for www.certfleet.test' in diff['after']
    assert responder.finish_present() is True  # would start
    assert os.listdir(str(tmp_path)) == []


def test_start_feed_and_stop_a_detached_responder(tmp_path):
    responder = Responder('127.0.0.1', 0, 30, str(tmp_path), check_mode=False)
    listener = bind_listener('127.0.0.1', 0)
    responder.port = listener.getsockname()[1]
    responder.directory = responder_directory(responder.state_dir, '127.0.0.1', responder.port)
    responder.listener = listener
    try:
        first, second = material('http-01', token='tokenA'), material('http-01', token='tokenB')
        assert responder.present(first, None)[0] is True
        assert responder.finish_present() is True
        pid = responder.pid
        assert running_pid(responder.directory) == pid != os.getpid()
        assert http_get(responder.port, '/.well-known/acme-challenge/tokenA')[0] == 200
        assert responder.present(first, None) == (False, None)
        responder.present(second, None)  # no restart needed
        assert http_get(responder.port, '/.well-known/acme-challenge/tokenB')[0] == 200
        assert responder.absent(first)[0] is True
        assert responder.finish_absent() is False  # tokenB is left
        assert responder.absent(second)[0] is True
        assert responder.finish_absent() is True
        assert not process_alive(pid) or running_pid(responder.directory) is None
        assert not os.path.exists(responder.directory)
    finally:
        responder.release()
        stop_responder(responder.directory)


def test_start_responder_reports_a_dead_start(tmp_path):
    listener = bind_listener('127.0.0.1', 0)
    (tmp_path / 'file').write_text(u'not a directory')
    with pytest.raises(CertfleetError, match='did not start: .*Cannot create directory'):
        # a directory that cannot hold the state file: the daemon fails and says so through the pipe
        start_responder(listener, os.path.join(str(tmp_path), 'file', 'sub'), time.time() + 5)


def test_lifetime_ends_only_when_no_run_holds_the_lock(tmp_path):
    import fcntl
    directory = str(tmp_path / 'responder')
    os.mkdir(directory)
    with open(os.path.join(directory, 'responder.json'), 'w') as handle:
        json.dump({'pid': os.getpid()}, handle)
    lock_path = directory + '.lock'
    held = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)  # a module run is working on this responder
    listener = bind_listener('127.0.0.1', 0)
    server = ChallengeServer(listener, directory, time.time() - 1, lock_path=lock_path)
    thread = threading.Thread(target=server.serve)
    thread.start()
    try:
        time.sleep(1.2)
        assert thread.is_alive()  # past its deadline, but the run may be extending it
        with open(os.path.join(directory, 'deadline'), 'w') as handle:
            handle.write('%f' % (time.time() + 1.5))
        os.close(held)
        time.sleep(0.8)
        assert thread.is_alive()  # extended
        thread.join(5)
        assert not thread.is_alive()  # and then over
        assert not os.path.exists(os.path.join(directory, 'responder.json'))
    finally:
        server.stopping = True
        thread.join(5)
        if server._lock is not None:
            os.close(server._lock)
