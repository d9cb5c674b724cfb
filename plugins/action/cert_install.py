# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""cert_install's controller side: ``*_src`` files are read on the controller and sent as content.

The certificate usually comes from acme_order on the controller while the module
runs on each serving host; this keeps playbooks free of lookup('file') calls.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

SOURCES = ('cert', 'chain', 'fullchain', 'private_key')


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def _inline(self, options):
        """Replace each ``<kind>_src`` by ``<kind>_content`` read from the controller."""
        options = dict(options)
        for kind in SOURCES:
            source = options.pop('%s_src' % kind, None)
            if source is None:
                continue
            if options.get('%s_content' % kind) is not None:
                raise AnsibleActionFail('%s_src and %s_content are mutually exclusive.' % (kind, kind))
            try:
                path = self._find_needle('files', source)
                with open(path, 'rb') as handle:
                    options['%s_content' % kind] = to_text(handle.read(), errors='surrogate_or_strict')
            except Exception as exc:  # the user gets the file and the reason, not a traceback
                raise AnsibleActionFail('%s_src %s cannot be read on the controller: %s' % (kind, source, exc))
        return options

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        try:
            if not args.get('remote_src'):
                args = self._inline(args)
                if isinstance(args.get('certificates'), list):
                    args['certificates'] = [self._inline(item) if isinstance(item, dict) else item
                                            for item in args['certificates']]
        except AnsibleActionFail as exc:
            result.update(failed=True, msg=to_text(exc.message))
            return result
        result.update(self._execute_module(module_name='certfleet.acme.cert_install', module_args=args,
                                           task_vars=task_vars))
        return result
