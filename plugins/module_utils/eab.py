# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""External Account Binding (RFC 8555 section 7.3.4).

The CA hands out a key identifier and a MAC key; the newAccount request then
carries a JWS over the account's public JWK, MACed with that key (HS256/384/512).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import json
import re

from ansible_collections.certfleet.acme.plugins.module_utils import jws
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

try:
    import josepy as jose
except ImportError:  # reported by deps.require_libraries
    jose = None

EAB_ALGORITHMS = ('HS256', 'HS384', 'HS512')
_BASE64 = re.compile(r'^[A-Za-z0-9+/_-]+={0,2}$')


def decode_mac_key(text):
    """The MAC key bytes from the base64url text CAs hand out (standard base64 also accepted)."""
    text = (text or '').strip()
    if not text or not _BASE64.match(text):
        raise CertfleetError('external_account_binding.key must be the base64url MAC key your CA gave you'
                             ' (letters, digits, "-" and "_").')
    padded = text.replace('+', '-').replace('/', '_').rstrip('=')
    padded += '=' * (-len(padded) % 4)
    try:
        key = base64.urlsafe_b64decode(padded)
    except (binascii.Error, ValueError):
        raise CertfleetError('external_account_binding.key is not valid base64url.')
    if not key:
        raise CertfleetError('external_account_binding.key decodes to an empty key.')
    return key


def binding(account_key, kid, mac_key_text, alg, new_account_url):
    """The ``externalAccountBinding`` value for a newAccount payload."""
    if alg not in EAB_ALGORITHMS:
        raise CertfleetError('external_account_binding.alg must be one of %s, not %r.'
                             % (', '.join(EAB_ALGORITHMS), alg))
    if not kid:
        raise CertfleetError('external_account_binding.kid is required: the key identifier your CA gave you.')
    mac_jwk = jose.JWKOct(key=decode_mac_key(mac_key_text))
    payload = json.dumps(account_key.public_jwk(), sort_keys=True).encode('utf-8')
    return jws.sign(payload, mac_jwk, getattr(jose, alg), new_account_url, kid=kid)
