# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Well-known public ACME CAs, so ``acme_directory: letsencrypt`` is enough."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.six.moves.urllib.parse import urlparse

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

PUBLIC_CAS = {
    'letsencrypt': 'https://acme-v02.api.letsencrypt.org/directory',
    'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
    'zerossl': 'https://acme.zerossl.com/v2/DV90',
    'google': 'https://dv.acme-v02.api.pki.goog/directory',
    'google-staging': 'https://dv.acme-v02.test-api.pki.goog/directory',
    'sslcom-rsa': 'https://acme.ssl.com/sslcom-dv-rsa',
    'sslcom-ecc': 'https://acme.ssl.com/sslcom-dv-ecc',
    'sectigo': 'https://acme.sectigo.com/v2/DV',
    'actalis': 'https://acme-api.actalis.com/acme/directory',
    'digicert': 'https://one.digicert.com/mpki/api/v1/acme/v2/directory',
    'globalsign': 'https://emea.acme.atlas.globalsign.com/directory',
}


def resolve_directory(value):
    """The directory URL for a preset name or a URL; anything else is a clear error."""
    text = (value or '').strip()
    if text.lower() in PUBLIC_CAS:
        return PUBLIC_CAS[text.lower()]
    parsed = urlparse(text)
    if parsed.scheme in ('https', 'http') and parsed.netloc and ' ' not in text:
        return text
    raise CertfleetError(
        'acme_directory %r is neither an http(s) URL nor a known CA name. Give the CA\'s directory URL'
        ' (for example https://acme-v02.api.letsencrypt.org/directory) or one of: %s.'
        % (value, ', '.join(sorted(PUBLIC_CAS))))
