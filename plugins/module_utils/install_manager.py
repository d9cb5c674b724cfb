# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The declarative side of ``cert_install``: make the files on the host hold the given set."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import grp
import os
import pwd

from ansible_collections.certfleet.acme.plugins.module_utils import certificate as certs
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.files import check_writable, read_source, write_atomic
from ansible_collections.certfleet.acme.plugins.module_utils.install import (
    PUBLIC_MODE, SECRET_FILES, CertificateSet, read_host_key)


def check_account(owner, group):
    if owner is not None:
        try:
            pwd.getpwnam(owner)
        except KeyError:
            raise CertfleetError('owner %r does not exist on this host; create the user first or name another one.'
                                 % owner)
    if group is not None:
        try:
            grp.getgrnam(group)
        except KeyError:
            raise CertfleetError('group %r does not exist on this host; create the group first or name another one.'
                                 % group)


class InstallManager(object):

    def __init__(self, module):
        self.module = module
        self.check_mode = module.check_mode

    def prepare(self, label, values):
        """A verified CertificateSet; raises before anything is written."""
        check_account(values.get('owner'), values.get('group'))
        host_key = None if values.get('private_key_content') else read_host_key(values, values['base_dir'])
        cert_set = CertificateSet(label, values, host_key)
        cert_set.verify()
        for kind, path in cert_set.paths.items():
            check_writable(path, '%s%s_dest' % (label, kind))
        return cert_set

    def _modes(self, values):
        secret = 0o640 if values.get('group') else 0o600
        directory = 0o750 if values.get('group') else 0o700
        return secret, directory

    def apply(self, cert_set):
        values = cert_set.values
        secret_mode, dir_mode = self._modes(values)
        before = self._describe_current(cert_set)
        changed_files = []
        for kind, content in cert_set.contents().items():
            path = cert_set.paths[kind]
            mode = secret_mode if kind in SECRET_FILES else PUBLIC_MODE
            current = read_source(path, kind)
            if current != content:
                changed_files.append(path)
                if not self.check_mode:
                    if current is not None and values.get('backup'):
                        self.module.backup_local(path)
                    write_atomic(path, content, mode, dir_mode)
            if os.path.exists(path) or not self.check_mode:
                if self._attributes(path, mode, values):
                    if path not in changed_files:
                        changed_files.append(path)
        # Only the layout's own directory is ours to chmod; a directory named by an explicit *_dest is shared.
        layout_dir = os.path.join(values['base_dir'], cert_set.name)
        if os.path.isdir(layout_dir) and self._attributes(layout_dir, dir_mode, values):
            changed_files.append(layout_dir)
        after = certs.describe(cert_set.chain.leaf)
        return {
            'name': cert_set.name,
            'changed': bool(changed_files),
            'changed_files': changed_files,
            'paths': cert_set.paths,
            'certificate': after,
            'key_from_host': cert_set.key_from_host,
            'diff': {'before': before, 'after': after,
                     'before_header': '%s (installed)' % cert_set.name, 'after_header': '%s (new)' % cert_set.name},
        }

    def _attributes(self, path, mode, values):
        """Owner, group and (for files) mode; True when something was (or would be) changed."""
        changed = False
        if values.get('owner') is not None:
            changed = self.module.set_owner_if_different(path, values['owner'], changed)
        if values.get('group') is not None:
            changed = self.module.set_group_if_different(path, values['group'], changed)
        if mode is not None:
            changed = self.module.set_mode_if_different(path, mode, changed)
        return changed

    @staticmethod
    def _describe_current(cert_set):
        for kind in ('cert', 'fullchain'):
            path = cert_set.paths.get(kind)
            pem = read_source(path, kind) if path else None
            blocks = certs.split_pem_chain(pem) if pem else []
            if blocks:
                try:
                    return certs.describe(certs.load_certificate(blocks[0]))
                except CertfleetError:
                    return {'unreadable': path}
        return {}
