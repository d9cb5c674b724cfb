# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The standalone challenge responder's serving loop (what runs in the detached process).

One listening socket serves both challenge kinds; the first byte of each
connection tells them apart (0x16 starts a TLS handshake):

* http-01: ``GET /.well-known/acme-challenge/<token>`` answers the key
  authorization from ``<state>/http-01/<token>``;
* tls-alpn-01: a TLS handshake with ALPN ``acme-tls/1`` presents
  ``<state>/tls-alpn-01/<SNI>.pem`` (key and certificate) for the SNI the
  validator sends (the name, or the reverse-DNS name of an IP address).

Everything is read from the state directory per connection, so a running
responder picks up new tokens without a restart. It stops when told (SIGTERM),
when its deadline (``<state>/deadline``, epoch seconds) has passed, or when its
state file no longer names it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fcntl
import json
import os
import re
import select
import socket
import ssl
import threading
import time

from ansible_collections.certfleet.acme.plugins.module_utils.challenge_material import HTTP_01_PREFIX, is_base64url

ACME_TLS_1 = 'acme-tls/1'
HTTP_DIR = 'http-01'
TLS_DIR = 'tls-alpn-01'
STATE_FILE = 'responder.json'
DEADLINE_FILE = 'deadline'
LOG_FILE = 'responder.log'

MAX_REQUEST = 8192
CONNECTION_TIMEOUT = 10
MAX_CONNECTIONS = 32
MAX_LOG = 256 * 1024
# SNI values we look up as file names: host names and reverse-DNS names only.
_SERVER_NAME = re.compile(r'^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$')


def tls_file_name(server_name):
    """The state file for an SNI value, or None when the value cannot be a challenge name."""
    name = (server_name or '').rstrip('.').lower()
    if len(name) > 253 or not _SERVER_NAME.match(name):
        return None
    return name + '.pem'


def read_deadline(directory, default):
    try:
        with open(os.path.join(directory, DEADLINE_FILE)) as handle:
            return float(handle.read().strip())
    except (IOError, OSError, ValueError):
        return default


def http_response(status, reason, body=b'', head=False):
    lines = ['HTTP/1.1 %d %s' % (status, reason), 'Content-Type: text/plain', 'Content-Length: %d' % len(body),
             'Connection: close', 'Cache-Control: no-store', 'Server: certfleet-acme-responder']
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('ascii') + (b'' if head else body)


def http_token(request_line):
    """``(method, token or None)`` from an HTTP request line; only the challenge path yields a token."""
    parts = request_line.split(' ')
    if len(parts) != 3 or not parts[2].startswith('HTTP/'):
        return None, None
    method, target = parts[0], parts[1]
    if '://' in target:  # absolute form
        target = '/' + target.split('://', 1)[1].partition('/')[2]
    path = target.split('?', 1)[0].split('#', 1)[0]
    prefix = '/' + HTTP_01_PREFIX
    if not path.startswith(prefix):
        return method, None
    token = path[len(prefix):]
    return method, token if is_base64url(token) and len(token) <= 256 else None


class ChallengeServer(object):

    def __init__(self, listener, directory, deadline, clock=time.time, lock_path=None):
        self.listener = listener
        self.directory = directory
        self.deadline = deadline
        self.lock_path = lock_path
        self._lock = None
        self.clock = clock
        self.stopping = False
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.pid = os.getpid()
        self._log_lock = threading.Lock()

    # -- housekeeping -------------------------------------------------------------

    def log(self, text):
        path = os.path.join(self.directory, LOG_FILE)
        line = '%s %s\n' % (time.strftime('%Y-%m-%dT%H:%M:%S'), text)
        with self._log_lock:
            try:
                mode = 'w' if os.path.exists(path) and os.path.getsize(path) > MAX_LOG else 'a'
                with open(path, mode) as handle:
                    handle.write(line)
            except (IOError, OSError):
                pass

    def still_wanted(self):
        if self.stopping:
            return False
        if self.clock() >= read_deadline(self.directory, self.deadline) and self._may_leave():
            self.log('lifetime is over; exiting')
            return False
        try:
            with open(os.path.join(self.directory, STATE_FILE)) as handle:
                state = json.load(handle)
        except (IOError, OSError, ValueError):
            self.log('state file is gone; exiting')
            return False
        if state.get('pid') != self.pid:
            self.log('state file names pid %s; exiting' % state.get('pid'))
            return False
        return True

    def _may_leave(self):
        """True unless a module run holds the responder's lock right now (it may be extending the lifetime).

        Once this returns True the lock stays held until the process exits, so no run can count on a
        responder that is about to go; the deadline is read again under the lock.
        """
        if self.lock_path is None:
            return True
        try:
            descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return True
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            return False
        if self.clock() < read_deadline(self.directory, self.deadline):
            os.close(descriptor)  # extended meanwhile
            return False
        self._lock = descriptor
        try:
            os.unlink(os.path.join(self.directory, STATE_FILE))  # leaving: new runs start a new responder
        except OSError:
            pass
        return True

    def serve(self):
        self.log('serving on %s' % (self.listener.getsockname(),))
        while self.still_wanted():
            try:
                readable, _w, _x = select.select([self.listener], [], [], 0.5)
            except (OSError, ValueError):
                break
            if not readable:
                continue
            try:
                connection, peer = self.listener.accept()
            except OSError:
                continue
            if not self.slots.acquire(False):
                connection.close()
                continue
            worker = threading.Thread(target=self._handle, args=(connection, peer))
            worker.daemon = True
            worker.start()
        self.listener.close()

    # -- connections --------------------------------------------------------------

    def _handle(self, connection, peer):
        try:
            connection.settimeout(CONNECTION_TIMEOUT)
            first = connection.recv(1, socket.MSG_PEEK)
            if not first:
                return
            if first == b'\x16':
                self._tls(connection, peer)
            else:
                self._http(connection, peer)
        except (OSError, ssl.SSLError, ValueError) as exc:
            self.log('%s: %s' % (peer[0], exc))
        finally:
            try:
                connection.close()
            finally:
                self.slots.release()

    def _http(self, connection, peer):
        data = b''
        while b'\r\n\r\n' not in data and b'\n\n' not in data and len(data) < MAX_REQUEST:
            chunk = connection.recv(MAX_REQUEST - len(data))
            if not chunk:
                break
            data += chunk
        request_line = data.split(b'\n', 1)[0].rstrip(b'\r').decode('latin-1')
        method, token = http_token(request_line)
        if method not in ('GET', 'HEAD'):
            connection.sendall(http_response(405, 'Method Not Allowed') if method else
                               http_response(400, 'Bad Request'))
            status = 405 if method else 400
        else:
            body = self._token_content(token)
            if body is None:
                connection.sendall(http_response(404, 'Not Found', b'', method == 'HEAD'))
                status = 404
            else:
                connection.sendall(http_response(200, 'OK', body, method == 'HEAD'))
                status = 200
        self.log('http %s %r -> %d' % (peer[0], request_line[:120], status))

    def _token_content(self, token):
        if not token:
            return None
        try:
            with open(os.path.join(self.directory, HTTP_DIR, token), 'rb') as handle:
                return handle.read()
        except (IOError, OSError):
            return None

    def _tls(self, connection, peer):
        chosen = {}

        def choose(ssl_socket, server_name, _context):
            file_name = tls_file_name(server_name)
            path = os.path.join(self.directory, TLS_DIR, file_name) if file_name else None
            if not path or not os.path.isfile(path):
                chosen['name'] = server_name
                return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
            context = self._context()
            context.load_cert_chain(path)
            ssl_socket.context = context
            chosen['name'] = server_name
            chosen['served'] = True
            return None

        context = self._context()
        context.sni_callback = choose
        try:
            tls = context.wrap_socket(connection, server_side=True)
        except ssl.SSLError as exc:
            self.log('tls %s SNI %r: handshake failed (%s)' % (peer[0], chosen.get('name'), exc.reason or exc))
            return
        try:
            self.log('tls %s SNI %r ALPN %r -> %s' % (peer[0], chosen.get('name'), tls.selected_alpn_protocol(),
                                                      'challenge certificate' if chosen.get('served') else 'none'))
            # RFC 8737 section 3: the validator closes the connection once the handshake is done.
            tls.settimeout(2)
            try:
                tls.recv(1)
            except (OSError, ssl.SSLError):
                pass
        finally:
            tls.close()

    @staticmethod
    def _context():
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_alpn_protocols([ACME_TLS_1])
        return context
