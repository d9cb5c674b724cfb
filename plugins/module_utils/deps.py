# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Guarded imports of the third-party libraries the ACME code relies on.

Modules are imported by ansible-test's import sanity test with ansible-core's
own dependencies only, and on managed hosts that may lack them; so nothing here
may raise at import time. ``require_libraries`` turns a missing library into the
collection-wide ``missing_required_lib`` message.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import josepy  # noqa: F401, pylint: disable=unused-import
except ImportError:
    JOSEPY_IMPORT_ERROR = traceback.format_exc()
else:
    JOSEPY_IMPORT_ERROR = None

try:
    import cryptography  # noqa: F401, pylint: disable=unused-import
except ImportError:
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    CRYPTOGRAPHY_IMPORT_ERROR = None

try:
    import requests  # noqa: F401, pylint: disable=unused-import
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

_LIBRARIES = (
    ('josepy', 'josepy >= 2.0', lambda: JOSEPY_IMPORT_ERROR),
    ('cryptography', 'cryptography >= 3.4', lambda: CRYPTOGRAPHY_IMPORT_ERROR),
    ('requests', 'requests', lambda: REQUESTS_IMPORT_ERROR),
)


def require_libraries(module, names=('josepy', 'cryptography', 'requests')):
    """Fail the module with an install hint when a needed library is missing."""
    for name, requirement, error in _LIBRARIES:
        if name in names and error() is not None:
            module.fail_json(msg=missing_required_lib(requirement), exception=error())
