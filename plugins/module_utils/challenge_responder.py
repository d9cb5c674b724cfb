# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The standalone responder: start, feed and stop a detached challenge server.

Like certbot's "standalone" mode, for hosts without a web server (http-01) and
for tls-alpn-01. One responder per address and port, with its own state
directory ``<state_dir>/responder-<address>-<port>/``::

    responder.json      pid and start time, written by the responder itself
    deadline            epoch seconds after which it exits by itself
    http-01/<token>     key authorizations it serves
    tls-alpn-01/<sni>.pem, <sni>.token   challenge key + certificate, and whose token it is

The listening socket is bound here, in the module, before anything is written:
a port held by another program fails at once with a clear message, and the
port accepts connections before the module returns. The module then forks
twice; the grandchild leaves the module's session, closes every inherited
descriptor but the socket (so Ansible sees the module's output end), and runs
``challenge_server.ChallengeServer`` until its lifetime is over or
``state: absent`` stops it by PID.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import fcntl
import json
import os
import select
import signal
import socket
import time

from ansible_collections.certfleet.acme.plugins.module_utils.challenge_material import HTTP_01, TLS_ALPN_01
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_server import (
    DEADLINE_FILE, HTTP_DIR, STATE_FILE, TLS_DIR, ChallengeServer, tls_file_name)
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.files import write_atomic

DEFAULT_STATE_DIR = '/run/certfleet-acme'
DEFAULT_PORTS = {HTTP_01: 80, TLS_ALPN_01: 443}
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
STATE_MODE = 0o700
FILE_MODE = 0o600


# -- processes ------------------------------------------------------------------------

def process_start_time(pid):
    """The kernel's start time of ``pid`` (clock ticks since boot) as text, or None (no /proc, no process)."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            fields = handle.read().rsplit(')', 1)[1].split()
    except (IOError, OSError, IndexError):
        return None
    return fields[19] if len(fields) > 19 else None


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except OSError as exc:
        if exc.errno == errno.ESRCH:
            return False
    try:
        with open('/proc/%d/stat' % pid) as handle:
            state = handle.read().rsplit(')', 1)[1].split()[0]
        return state != 'Z'
    except (IOError, OSError, IndexError):
        return True  # no /proc: kill(0) said it exists


def read_state(directory):
    try:
        with open(os.path.join(directory, STATE_FILE)) as handle:
            state = json.load(handle)
    except (IOError, OSError, ValueError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get('pid'), int) else None


def running_pid(directory):
    """PID of the live responder of ``directory``, or None (never a reused PID: the start time must match)."""
    state = read_state(directory)
    if state is None:
        return None
    pid = state['pid']
    if not process_alive(pid):
        return None
    start_time = process_start_time(pid)
    if start_time is not None and state.get('start_time') not in (None, start_time):
        return None
    return pid


def connect_address(address):
    """Where to connect to reach a listener bound to ``address``."""
    if address in ('', '0.0.0.0'):
        return '127.0.0.1'
    if address == '::':
        return '::1'
    return address


def port_accepting(address, port, timeout=1.0):
    try:
        connection = socket.create_connection((connect_address(address), port), timeout=timeout)
    except (OSError, socket.timeout):
        return False
    connection.close()
    return True


def bind_listener(address, port):
    """A listening TCP socket on ``address``:``port``; refusals are explained."""
    where = '%s:%d' % (address if ':' not in address else '[%s]' % address, port)
    try:
        infos = socket.getaddrinfo(address or None, port, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise CertfleetError('responder.address %r is not an address of this host (%s).' % (address, exc))
    family, kind, proto, _name, sockaddr = infos[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and address == '::':
            listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        listener.bind(sockaddr)
        listener.listen(64)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise CertfleetError(
                'The responder cannot listen on %s: the port is already in use by another program (no responder of'
                ' this responder.state_dir runs there). Stop that program, set responder.port to a free port, or'
                ' publish http-01 into the webroot of the web server that holds the port.' % where)
        if exc.errno == errno.EACCES:
            raise CertfleetError('The responder cannot listen on %s: ports below 1024 need root; run the task with'
                                 ' become: true, or use a port >= 1024 behind a redirect.' % where)
        if exc.errno == errno.EADDRNOTAVAIL:
            raise CertfleetError('The responder cannot listen on %s: responder.address is not an address of this'
                                 ' host.' % where)
        raise CertfleetError('The responder cannot listen on %s: %s.' % (where, exc.strerror or exc))
    return listener


def _close_other_descriptors(keep):
    try:
        descriptors = [int(name) for name in os.listdir('/proc/self/fd')]
    except OSError:
        try:
            limit = min(os.sysconf('SC_OPEN_MAX'), 65536)
        except (ValueError, OSError):
            limit = 4096
        descriptors = range(3, limit)
    for descriptor in descriptors:
        if descriptor > 2 and descriptor not in keep:
            try:
                os.close(descriptor)
            except OSError:
                pass


def _daemon(listener, ready, directory, deadline):
    """Run in the grandchild: detach, close inherited descriptors, report ready, serve. Never returns."""
    status = 0
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for target in (0, 1, 2):
            os.dup2(null, target)
        _close_other_descriptors(keep=(listener.fileno(), ready))
        os.chdir('/')
        os.umask(0o077)
        server = ChallengeServer(listener, directory, deadline, lock_path=directory + '.lock')

        def stop(_signum, _frame):
            server.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        pid = os.getpid()
        state = {'pid': pid, 'start_time': process_start_time(pid), 'address': listener.getsockname()[0],
                 'port': listener.getsockname()[1], 'started': time.time()}
        write_atomic(os.path.join(directory, STATE_FILE), json.dumps(state).encode('utf-8'), mode=FILE_MODE,
                     dir_mode=STATE_MODE)
        os.write(ready, ('ready %d\n' % pid).encode('ascii'))
        os.close(ready)
        ready = None
        server.serve()
        if (read_state(directory) or {}).get('pid') == pid:
            os.unlink(os.path.join(directory, STATE_FILE))
    except BaseException as exc:  # report to the module if it still listens; never unwind into Ansible's code
        status = 1
        if ready is not None:
            try:
                os.write(ready, ('error %s\n' % (exc,)).encode('utf-8', 'replace'))
            except OSError:
                pass
    finally:
        os._exit(status)


def start_responder(listener, directory, deadline, timeout=START_TIMEOUT):
    """Fork the detached responder on the bound ``listener``; return its PID once it serves."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(read_end)
            os.setsid()
            if os.fork() == 0:
                _daemon(listener, write_end, directory, deadline)
        finally:
            os._exit(0)
    os.close(write_end)
    address, port = listener.getsockname()[:2]
    listener.close()
    os.waitpid(child, 0)
    message = b''
    limit = time.monotonic() + timeout
    try:
        while b'\n' not in message and time.monotonic() < limit:
            readable, _w, _x = select.select([read_end], [], [], max(0.0, limit - time.monotonic()))
            if not readable:
                break
            chunk = os.read(read_end, 4096)
            if not chunk:
                break
            message += chunk
    finally:
        os.close(read_end)
    text = message.decode('utf-8', 'replace').strip()
    if not text.startswith('ready '):
        raise CertfleetError('The responder for %s:%s did not start: %s.'
                             % (address, port, text or 'no word from it within %s s' % timeout))
    pid = int(text.split()[1])
    while not port_accepting(address, port, timeout=0.5):
        if time.monotonic() >= limit or not process_alive(pid):
            raise CertfleetError('The responder (pid %d) for %s:%s does not accept connections; see %s.'
                                 % (pid, address, port, os.path.join(directory, 'responder.log')))
        time.sleep(0.1)
    return pid


def stop_responder(directory, timeout=STOP_TIMEOUT):
    """Stop the responder of ``directory`` by the PID in its state file; True when one was running."""
    pid = running_pid(directory)
    if pid is None:
        _remove(os.path.join(directory, STATE_FILE))
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    limit = time.monotonic() + timeout
    while process_alive(pid) and time.monotonic() < limit:
        time.sleep(0.05)
    if process_alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    _remove(os.path.join(directory, STATE_FILE))
    return True


def _remove(path):
    try:
        os.unlink(path)
        return True
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise CertfleetError('Cannot remove %s: %s.' % (path, exc.strerror or exc))
        return False


def _read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


# -- the publisher --------------------------------------------------------------------------

def responder_directory(state_dir, address, port):
    safe = ''.join(char if char.isalnum() or char in '.-' else '_' for char in (address or 'any'))
    return os.path.join(state_dir, 'responder-%s-%d' % (safe, port))


class Responder(object):
    """One responder (address, port) and what this run does to it."""

    def __init__(self, address, port, lifetime, state_dir, check_mode):
        self.address = address
        self.port = port
        self.lifetime = lifetime
        self.state_dir = os.path.abspath(os.path.expanduser(state_dir))
        self.directory = responder_directory(self.state_dir, address, port)
        self.check_mode = check_mode
        self.pid = running_pid(self.directory)
        self.listener = None
        self.started = False
        self.stopped = False
        self.expires = None
        self.removed = []  # challenge files absent() removed (or would remove, in check mode)
        self._lock = None

    @property
    def where(self):
        host = self.address if ':' not in self.address else '[%s]' % self.address
        return '%s:%d' % (host, self.port)

    def url(self, token):
        return 'http://%s/.well-known/acme-challenge/%s' % (self.where, token)

    def paths(self, material):
        """The state files of one challenge: ``[token file]`` for http-01, ``[pem, token marker]`` for tls-alpn-01."""
        if material.type == HTTP_01:
            return [os.path.join(self.directory, HTTP_DIR, material.token)]
        base = os.path.join(self.directory, TLS_DIR, tls_file_name(material.server_name)[:-len('.pem')])
        return [base + '.pem', base + '.token']

    def lock(self):
        """Serialise runs on this host for this responder (two plays must not start two); not in check mode."""
        if self.check_mode or self._lock is not None:
            return
        self._ensure_directories(only_state_dir=True)
        path = '%s.lock' % self.directory
        try:
            self._lock = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
            fcntl.flock(self._lock, fcntl.LOCK_EX)
        except OSError as exc:
            raise CertfleetError('Cannot lock %s: %s.' % (path, exc.strerror or exc))
        self.pid = running_pid(self.directory)  # as it is now that we hold the lock

    def prepare_present(self):
        """Before anything is written: make sure the port can be had (bind it now if we start the responder)."""
        self.lock()
        if self.pid is not None:
            return
        if self.check_mode:
            if port_accepting(self.address, self.port):
                raise CertfleetError('The responder cannot listen on %s: the port is already in use by another'
                                     ' program (no responder of this responder.state_dir runs there). Stop that'
                                     ' program or set responder.port to a free port.' % self.where)
            return
        self.listener = bind_listener(self.address, self.port)

    def present(self, material, tls_pem_factory):
        """Write this challenge's files; return ``(changed, diff)``."""
        paths = self.paths(material)
        token = material.token.encode('ascii')
        if material.type == HTTP_01:
            wanted = [(paths[0], material.key_authorization.encode('ascii'))]
        else:
            # a certificate built here for this token is kept as it is; one from the material must match
            if _read(paths[1]) == token and _read(paths[0]) and \
                    (material.tls_alpn_certificate is None or _read(paths[0]) == tls_pem_factory(material)):
                return False, None
            wanted = [(paths[0], tls_pem_factory(material)), (paths[1], token)]
        if all(_read(path) == content for path, content in wanted):
            return False, None
        diff = {'before_header': wanted[0][0], 'after_header': wanted[0][0], 'before': '',
                'after': '%s challenge for %s on %s\n' % (material.type, material.identifier, self.where)}
        if not self.check_mode:
            self._ensure_directories()
            for path, content in wanted:
                write_atomic(path, content, mode=FILE_MODE, dir_mode=STATE_MODE)
        return True, diff

    def finish_present(self):
        """Extend the deadline and start the responder when it is not running; True when it was started."""
        if self.check_mode:
            self.started = self.pid is None
            return self.started
        self._ensure_directories()
        deadline = time.time() + self.lifetime
        current = _read(os.path.join(self.directory, DEADLINE_FILE))
        try:
            if self.pid is not None and current is not None:
                deadline = max(deadline, float(current.decode('ascii')))
        except ValueError:
            pass
        write_atomic(os.path.join(self.directory, DEADLINE_FILE), ('%.3f\n' % deadline).encode('ascii'),
                     mode=FILE_MODE, dir_mode=STATE_MODE)
        self.expires = deadline
        if self.pid is None:
            if self.listener is None:
                self.listener = bind_listener(self.address, self.port)
            listener, self.listener = self.listener, None
            self.pid = start_responder(listener, self.directory, deadline)
            self.started = True
        return self.started

    def absent(self, material):
        """Remove this challenge's files (a tls-alpn-01 certificate only when it carries this token)."""
        paths = self.paths(material)
        if material.type == HTTP_01:
            if _read(paths[0]) != material.key_authorization.encode('ascii'):
                return False, None
        elif _read(paths[1]) != material.token.encode('ascii'):
            return False, None
        diff = {'before_header': paths[0], 'after_header': paths[0],
                'before': '%s challenge for %s on %s\n' % (material.type, material.identifier, self.where),
                'after': ''}
        self.removed.extend(paths)
        if not self.check_mode:
            for path in paths:
                _remove(path)
        return True, diff

    def remaining_tokens(self, removed=()):
        """Challenge files left in the state directory (minus ``removed`` in check mode)."""
        left = []
        for sub, suffix in ((HTTP_DIR, ''), (TLS_DIR, '.token')):
            directory = os.path.join(self.directory, sub)
            try:
                names = os.listdir(directory)
            except OSError:
                continue
            left.extend(os.path.join(directory, name) for name in names
                        if name.endswith(suffix) and not name.startswith('.'))
        return [path for path in left if path not in removed]

    def finish_absent(self):
        """Stop the responder and clean its directory when no challenge is left; True when it was stopped."""
        if self.remaining_tokens(self.removed if self.check_mode else ()):
            return False
        if self.check_mode:
            self.stopped = self.pid is not None
            return self.stopped
        self.stopped = stop_responder(self.directory)
        self.pid = None
        for name in (DEADLINE_FILE, 'responder.log'):
            _remove(os.path.join(self.directory, name))
        for sub in (HTTP_DIR, TLS_DIR, ''):
            try:
                os.rmdir(os.path.join(self.directory, sub))
            except OSError:
                pass
        return self.stopped

    def release(self):
        """Close a listener not handed to a responder (on failure) and drop the lock."""
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def _ensure_directories(self, only_state_dir=False):
        paths = [self.state_dir]
        if not only_state_dir:
            paths += [self.directory, os.path.join(self.directory, HTTP_DIR), os.path.join(self.directory, TLS_DIR)]
        for path in paths:
            if not os.path.isdir(path):
                try:
                    os.makedirs(path, STATE_MODE)
                    os.chmod(path, STATE_MODE)
                except OSError as exc:
                    hint = ''
                    if exc.errno == errno.EACCES:
                        hint = ' Run the task with become: true, or set responder.state_dir to a directory you own.'
                    raise CertfleetError('Cannot create the responder state directory %s: %s.%s'
                                         % (path, exc.strerror or exc, hint))

    def to_result(self):
        return {'address': self.address, 'port': self.port, 'pid': self.pid, 'state_dir': self.directory,
                'started': self.started, 'stopped': self.stopped, 'expires': self.expires}
