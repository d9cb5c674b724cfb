# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every ACME-side module shares: the common options, and turning them into objects.

The argument spec here is mirrored by the doc fragment ``certfleet.acme.acme``;
validate-modules keeps the two honest.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.acme.plugins.module_utils.deps import require_libraries
from ansible_collections.certfleet.acme.plugins.module_utils.directories import resolve_directory
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.files import read_source
from ansible_collections.certfleet.acme.plugins.module_utils.keys import AccountKey, load_private_key
from ansible_collections.certfleet.acme.plugins.module_utils.transport import ACMETransport
from ansible_collections.certfleet.acme.plugins.module_utils.trust import resolve_verify


def acme_argument_spec():
    """The options every module that talks to an ACME server takes."""
    return dict(
        acme_directory=dict(type='str', required=True),
        acme_ca_bundle=dict(type='path'),
        validate_certs=dict(type='bool', default=True),
        request_timeout=dict(type='int', default=30),
        account_key_src=dict(type='path', no_log=False),
        account_key_content=dict(type='str', no_log=True),
        account_key_passphrase=dict(type='str', no_log=True),
    )


ACME_MUTUALLY_EXCLUSIVE = [('account_key_src', 'account_key_content')]
ACME_REQUIRED_ONE_OF = [('account_key_src', 'account_key_content')]


def new_transport(params):
    if params['request_timeout'] <= 0:
        raise CertfleetError('request_timeout must be a positive number of seconds, not %s.'
                             % params['request_timeout'])
    return ACMETransport(
        resolve_directory(params['acme_directory']),
        verify=resolve_verify(params['acme_ca_bundle'], params['validate_certs']),
        timeout=params['request_timeout'],
    )


def load_key_option(params, src_option, content_option, passphrase_option):
    """The AccountKey named by a src/content pair, or None when the src file does not exist yet."""
    passphrase = params.get(passphrase_option)
    if params.get(content_option):
        return AccountKey(load_private_key(params[content_option], passphrase, content_option))
    path = params.get(src_option)
    if not path:
        return None
    pem = read_source(path, src_option)
    if pem is None:
        return None
    return AccountKey(load_private_key(pem, passphrase, '%s %s' % (src_option, path)))


def run_module(module, operation):
    """Run ``operation()`` and exit with its result dict; a CertfleetError becomes fail_json."""
    require_libraries(module)
    try:
        result = operation()
    except CertfleetError as error:
        module.fail_json(msg=error.msg, **error.details)
    module.exit_json(**result)
