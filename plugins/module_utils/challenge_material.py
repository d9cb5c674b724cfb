# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Challenge material: what ``acme_order`` hands over and ``acme_challenge`` publishes.

One item per identifier that needs proof (RFC 8555 section 8, RFC 8737, RFC 8738)::

    identifier, identifier_type (dns|ip), type (http-01|dns-01|tls-alpn-01),
    token, key_authorization,
    resource, resource_value                       (http-01)
    record, record_value                           (dns-01)
    tls_alpn_certificate, tls_alpn_private_key     (tls-alpn-01)

Everything here is pure: ``validate_material`` checks an item completely (no
file system, no network) so a module can refuse bad input before it writes
anything. The token ends up in a file name and in a URL path, so it must be
base64url and nothing else.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib
import ipaddress
import re

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

HTTP_01 = 'http-01'
DNS_01 = 'dns-01'
TLS_ALPN_01 = 'tls-alpn-01'
CHALLENGE_TYPES = (HTTP_01, DNS_01, TLS_ALPN_01)

IDENTIFIER_DNS = 'dns'
IDENTIFIER_IP = 'ip'
IDENTIFIER_TYPES = (IDENTIFIER_DNS, IDENTIFIER_IP)

HTTP_01_PREFIX = '.well-known/acme-challenge/'
DNS_01_LABEL = '_acme-challenge'

# RFC 8555 section 8.1: tokens (and thumbprints) are base64url without padding.
_BASE64URL = re.compile(r'^[A-Za-z0-9_-]+$')
# Tokens carry at least 128 bits of entropy (22 characters); anything past a
# few hundred characters is not a token but an attack on a file name.
MAX_TOKEN_LENGTH = 256
# An A-label host name: LDH labels of 1-63 characters, 253 characters in all.
_LABEL = re.compile(r'^(?!-)[a-z0-9-]{1,63}(?<!-)$')


def b64url(data):
    """base64url without padding (RFC 8555 section 6.1)."""
    return base64.urlsafe_b64encode(data).decode('ascii').rstrip('=')


def key_authorization_digest(key_authorization):
    """SHA-256 of the key authorization, raw bytes (the tls-alpn-01 acmeIdentifier value)."""
    return hashlib.sha256(key_authorization.encode('utf-8')).digest()


def dns01_record_value(key_authorization):
    """The dns-01 TXT value: base64url(sha256(key_authorization)), no padding (RFC 8555 section 8.4)."""
    return b64url(key_authorization_digest(key_authorization))


def dns01_record_name(identifier):
    """``_acme-challenge.<name>``; a wildcard ``*.x`` is proven at ``_acme-challenge.x``."""
    name = identifier[2:] if identifier.startswith('*.') else identifier
    return '%s.%s' % (DNS_01_LABEL, name.rstrip('.'))


def http01_resource(token):
    return HTTP_01_PREFIX + token


def tls_alpn_server_name(identifier, identifier_type):
    """The TLS SNI a validator sends: the name itself, or for an IP its reverse-DNS name (RFC 8738 section 6)."""
    if identifier_type == IDENTIFIER_IP:
        return ipaddress.ip_address(identifier).reverse_pointer
    return identifier.lower()


def is_base64url(value):
    return isinstance(value, str) and bool(_BASE64URL.match(value))


def check_token(token, where='token'):
    """Refuse anything but a plain base64url token: no ``/``, ``..``, spaces, NUL or empty string."""
    if not isinstance(token, str) or not token:
        raise CertfleetError('%s is missing or empty; give the token of the challenge exactly as acme_order'
                             ' returned it.' % where)
    if len(token) > MAX_TOKEN_LENGTH:
        raise CertfleetError('%s is %d characters long; an ACME token is base64url of about 43 characters.'
                             ' Refusing it.' % (where, len(token)))
    if not _BASE64URL.match(token):
        raise CertfleetError('%s %r is not base64url (only A-Z, a-z, 0-9, "-" and "_"); refusing it, since it'
                             ' would become a file name and a URL path. Give the token exactly as the CA sent'
                             ' it.' % (where, token))
    return token


def check_dns_name(name, where, allow_wildcard):
    if not isinstance(name, str) or not name:
        raise CertfleetError('%s is missing or empty.' % where)
    text = name[:-1] if name.endswith('.') else name
    wildcard = text.startswith('*.')
    if wildcard:
        if not allow_wildcard:
            raise CertfleetError('%s %r is a wildcard; wildcards can only be proven with dns-01 (RFC 8555'
                                 ' section 7.1.3).' % (where, name))
        text = text[2:]
    if len(text) > 253 or not all(_LABEL.match(label) for label in text.split('.')):
        hint = ''
        if any(ord(char) > 127 for char in text):
            hint = ' Give internationalized names as A-labels (xn--...).'
        elif text != text.lower():
            hint = ' Write it in lower case.'
        raise CertfleetError('%s %r is not a valid DNS name (letters, digits and "-" in dot-separated labels of'
                             ' 1-63 characters).%s' % (where, name, hint))
    return ('*.' if wildcard else '') + text


def check_ip(value, where):
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise CertfleetError('%s %r is not an IPv4 or IPv6 address, but identifier_type is ip.' % (where, value))


class ChallengeMaterial(object):
    """One validated challenge item; built only by ``validate_material``."""

    def __init__(self, item, index):
        self.index = index
        self.identifier = item['identifier']
        self.identifier_type = item['identifier_type']
        self.type = item['type']
        self.token = item['token']
        self.key_authorization = item['key_authorization']
        self.tls_alpn_certificate = item.get('tls_alpn_certificate')
        self.tls_alpn_private_key = item.get('tls_alpn_private_key')

    @property
    def label(self):
        return 'challenges[%d]' % self.index if self.index is not None else 'challenge'

    @property
    def resource(self):
        return http01_resource(self.token)

    @property
    def record(self):
        return dns01_record_name(self.identifier)

    @property
    def record_value(self):
        return dns01_record_value(self.key_authorization)

    @property
    def server_name(self):
        return tls_alpn_server_name(self.identifier, self.identifier_type)

    def describe(self):
        return '%s %s for %s' % (self.label, self.type, self.identifier)


def validate_material(item, index=None):
    """Check one challenge item completely; return a ChallengeMaterial or raise CertfleetError.

    ``index`` is the item's position in ``challenges`` (None for the single ``challenge`` option),
    used to name the item in messages.
    """
    label = 'challenges[%d]' % index if index is not None else 'challenge'
    if not isinstance(item, dict):
        raise CertfleetError('%s must be a dict (one item of acme_order\'s challenge_data), not %s.'
                             % (label, type(item).__name__))
    item = dict(item)

    challenge_type = item.get('type')
    if challenge_type not in CHALLENGE_TYPES:
        raise CertfleetError('%s.type %r is not a challenge type this module publishes; use one of %s.'
                             % (label, challenge_type, ', '.join(CHALLENGE_TYPES)))

    identifier_type = item.get('identifier_type') or IDENTIFIER_DNS
    if identifier_type not in IDENTIFIER_TYPES:
        raise CertfleetError('%s.identifier_type %r is unknown; use dns or ip.' % (label, identifier_type))
    item['identifier_type'] = identifier_type
    if identifier_type == IDENTIFIER_IP:
        item['identifier'] = check_ip(item.get('identifier'), '%s.identifier' % label)
        if challenge_type == DNS_01:
            raise CertfleetError('%s: an IP address identifier (%s) cannot be proven with dns-01 (RFC 8738);'
                                 ' use http-01 or tls-alpn-01.' % (label, item['identifier']))
    else:
        item['identifier'] = check_dns_name(item.get('identifier'), '%s.identifier' % label,
                                            allow_wildcard=challenge_type == DNS_01)

    token = check_token(item.get('token'), '%s.token' % label)

    key_authorization = item.get('key_authorization')
    if not isinstance(key_authorization, str) or not key_authorization.startswith(token + '.'):
        raise CertfleetError('%s.key_authorization must be "<token>.<account key thumbprint>" (RFC 8555 section'
                             ' 8.1) and start with this item\'s token; pass the material from acme_order'
                             ' unchanged.' % label)
    if not is_base64url(key_authorization[len(token) + 1:]):
        raise CertfleetError('%s.key_authorization: the part after "<token>." must be the base64url thumbprint'
                             ' of the account key.' % label)

    if challenge_type == HTTP_01:
        _expect_equal(item, 'resource', http01_resource(token), label)
        _expect_equal(item, 'resource_value', key_authorization, label)
    elif challenge_type == DNS_01:
        expected = dns01_record_name(item['identifier'])
        record = item.get('record')
        if record is not None and record.rstrip('.').lower() != expected:
            raise CertfleetError('%s.record %r does not match the identifier; dns-01 for %s is published at %s.'
                                 % (label, record, item['identifier'], expected))
        _expect_equal(item, 'record_value', dns01_record_value(key_authorization), label,
                      'it must be base64url(sha256(key_authorization)) without padding')
    else:
        for key in ('tls_alpn_certificate', 'tls_alpn_private_key'):
            value = item.get(key)
            if value is not None and (not isinstance(value, str) or '-----BEGIN ' not in value):
                raise CertfleetError('%s.%s is not PEM text.' % (label, key))
        if bool(item.get('tls_alpn_certificate')) != bool(item.get('tls_alpn_private_key')):
            raise CertfleetError('%s: give both tls_alpn_certificate and tls_alpn_private_key, or neither (then'
                                 ' the challenge certificate is built here).' % label)
    return ChallengeMaterial(item, index)


def _expect_equal(item, key, expected, label, why=None):
    value = item.get(key)
    if value is not None and value != expected:
        raise CertfleetError('%s.%s does not match the token and key authorization (%s); pass the material from'
                             ' acme_order unchanged.' % (label, key, why or 'expected %r' % expected))


def validate_all(items):
    """Validate every item first, so nothing is written when any one is bad; duplicates are dropped.

    An empty list is valid: acme_order returns no material when every authorization is already valid.
    """
    if items is None:
        raise CertfleetError('No challenge given: set challenges (a list, for example acme_order\'s'
                             ' challenge_data) or challenge (one item).')
    if not isinstance(items, list):
        raise CertfleetError('challenges must be a list of challenge items (acme_order\'s challenge_data).')
    materials = []
    seen = set()
    for index, item in enumerate(items):
        material = validate_material(item, index)
        key = (material.type, material.identifier, material.token)
        if key not in seen:
            seen.add(key)
            materials.append(material)
    return materials
