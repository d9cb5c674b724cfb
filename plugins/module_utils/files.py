# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Local files: read with errors that name the option, write atomically with safe modes.

A reader (a web server, a second playbook run) must see either the old file or
the new one, never half of one; and a key must never exist, even for a moment,
with a mode wider than asked.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import tempfile

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def read_source(path, option):
    """The bytes of ``path``, or None when it does not exist; other problems name ``option``."""
    path = os.path.expanduser(path)
    if os.path.isdir(path):
        raise CertfleetError('%s %s is a directory; give the path of a file.' % (option, path))
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if not os.path.lexists(path):
            return None
        raise CertfleetError('%s %s cannot be read: %s.' % (option, path, exc.strerror or exc))


def check_writable(path, option):
    """Fail now, naming ``option``, when ``path`` could not be written later."""
    if os.path.isdir(path):
        raise CertfleetError('%s %s is a directory; give the path of the file to write.' % (option, path))
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(parent):
        if os.path.exists(parent):
            raise CertfleetError('%s %s: %s is not a directory.' % (option, path, parent))
        parent = os.path.dirname(parent)
    # access() says yes to root everywhere; only a real attempt tells (read-only or pseudo file systems).
    try:
        handle, probe = tempfile.mkstemp(dir=parent, prefix='.certfleet-probe-')
    except OSError as exc:
        raise CertfleetError('%s %s cannot be written: %s in %s.' % (option, path, exc.strerror or exc, parent))
    os.close(handle)
    os.unlink(probe)


def ensure_directory(path, mode=PRIVATE_DIR_MODE):
    """Create ``path`` (and parents) with ``mode`` if missing; an existing directory keeps its mode."""
    if path and not os.path.isdir(path):
        try:
            os.makedirs(path, mode)
            os.chmod(path, mode)  # makedirs' mode is masked by the umask
        except OSError as exc:
            raise CertfleetError('Cannot create directory %s: %s.' % (path, exc.strerror or exc))


def write_atomic(path, content, mode=PRIVATE_FILE_MODE, dir_mode=PRIVATE_DIR_MODE):
    """Replace ``path`` with ``content`` (bytes): temp file beside it, fsync, rename."""
    path = os.path.abspath(os.path.expanduser(path))
    directory = os.path.dirname(path)
    ensure_directory(directory, dir_mode)
    try:
        handle, temp_path = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    except OSError as exc:
        raise CertfleetError('Cannot write in %s: %s.' % (directory, exc.strerror or exc))
    try:
        os.fchmod(handle, mode)  # before any byte is written
        with os.fdopen(handle, 'wb') as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.rename(temp_path, path)
    except BaseException:
        if os.path.exists(temp_path):
            os.unlink(temp_path)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
