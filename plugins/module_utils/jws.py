# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ACME's flavour of JWS (RFC 8555 section 6.2), built on josepy.

josepy's header knows ``alg``, ``jwk`` and ``kid`` but not ACME's ``nonce`` and
``url``; the subclasses below add those two fields and nothing else. Every ACME
request is a flattened JWS whose protected header holds alg, nonce, url and
either jwk (new accounts, key change) or kid (the account URL).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

try:
    import josepy as jose
except ImportError:  # reported by deps.require_libraries
    jose = None

if jose is not None:

    class ACMEHeader(jose.Header):
        """JOSE header with the ACME fields ``nonce`` and ``url``."""

        # josepy 2 builds its fields from these annotations.
        nonce: str = jose.field('nonce', omitempty=True)
        url: str = jose.field('url', omitempty=True)

    class ACMESignature(jose.Signature):
        __slots__ = jose.Signature._orig_slots  # pylint: disable=protected-access
        header_cls = ACMEHeader
        header: ACMEHeader = jose.field('header', omitempty=True, default=ACMEHeader(), decoder=ACMEHeader.from_json)

    class ACMEJWS(jose.JWS):
        __slots__ = jose.JWS._orig_slots  # pylint: disable=protected-access
        signature_cls = ACMESignature


def sign(payload, jwk, alg, url, nonce=None, kid=None):
    """Sign ``payload`` (bytes) for ``url``; the result is the flattened JSON dict.

    With ``kid`` the account URL identifies the key; without, the public JWK is
    embedded (newAccount, the inner keyChange JWS, EAB).
    """
    protect = {'alg', 'url'}
    extra = {'url': url}
    if nonce is not None:
        protect.add('nonce')
        extra['nonce'] = nonce
    if kid is not None:
        protect.add('kid')
        extra['kid'] = kid
    else:
        protect.add('jwk')
    signed = ACMEJWS.sign(payload, key=jwk, alg=alg, include_jwk=kid is None, protect=frozenset(protect), **extra)
    return signed.to_partial_json(flat=True)


def protected_header(flattened):
    """The decoded protected header of a flattened JWS dict (for tests and debugging)."""
    return ACMEJWS.from_json(flattened).signature.combined.to_partial_json()
