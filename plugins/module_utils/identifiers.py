# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ACME identifiers: DNS names (wildcards, IDNs as A-labels) and IP addresses (RFC 8738).

Names are checked and normalised here, before anything is sent, so that a typo
fails with the option's name instead of a CA rejection or a wasted order.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

try:
    import idna  # IDNA 2008, as CAs apply it; requests depends on it
except ImportError:
    idna = None

_LABEL = re.compile(r'^(?!-)[a-z0-9-]{1,63}(?<!-)$')
MAX_NAME_LENGTH = 253


class Identifier(object):
    """One identifier of an order: ``type`` is ``dns`` or ``ip``, ``value`` normalised."""

    def __init__(self, type_, value, given=None):
        self.type = type_
        self.value = value
        self.given = given if given is not None else value

    @property
    def is_wildcard(self):
        return self.type == 'dns' and self.value.startswith('*.')

    def to_json(self):
        return {'type': self.type, 'value': self.value}

    def key(self):
        return (self.type, self.value)

    def __eq__(self, other):
        return isinstance(other, Identifier) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())

    def __repr__(self):
        return 'Identifier(%s, %s)' % (self.type, self.value)


def _to_a_label(label, option):
    if all(ord(char) < 128 for char in label):
        return label
    try:
        if idna is not None:
            return idna.encode(label, uts46=True).decode('ascii')
        return label.encode('idna').decode('ascii')
    except (UnicodeError, ValueError) as exc:
        raise CertfleetError('%s: the label %r cannot be converted to an IDNA A-label (%s).' % (option, label, exc))


def parse_identifier(text, option='names'):
    """An Identifier from one entry of ``names``; the error names the entry and the fix."""
    if not isinstance(text, str) or not text.strip():
        raise CertfleetError('%s: empty name; give a DNS name or an IP address.' % option)
    given = text
    text = text.strip()
    try:
        address = ipaddress.ip_address(text.strip('[]'))
    except ValueError:
        address = None
    if address is not None:
        return Identifier('ip', address.compressed, given)
    if text.endswith('.'):
        raise CertfleetError('%s: %r ends with a dot; write the name without the trailing dot.' % (option, given))
    if ' ' in text:
        raise CertfleetError('%s: %r contains a space.' % (option, given))
    labels = text.lower().split('.')
    wildcard = labels[0] == '*'
    if wildcard:
        labels = labels[1:]
    if '*' in '.'.join(labels):
        raise CertfleetError('%s: %r: a wildcard is only allowed as the whole leftmost label, as in "*.example.com".'
                             % (option, given))
    if len(labels) < 2:
        raise CertfleetError('%s: %r is not a fully qualified domain name.' % (option, given))
    labels = [_to_a_label(label, option) for label in labels]
    for label in labels:
        if not _LABEL.match(label):
            if len(label) > 63:
                problem = 'has a label longer than 63 characters'
            elif not label:
                problem = 'has an empty label (two dots in a row)'
            else:
                problem = 'has the label %r; use letters, digits and inner hyphens only' % label
            raise CertfleetError('%s: %r %s.' % (option, given, problem))
    value = '.'.join((['*'] if wildcard else []) + labels)
    if len(value) > MAX_NAME_LENGTH:
        raise CertfleetError('%s: %r is longer than %d characters.' % (option, given, MAX_NAME_LENGTH))
    return Identifier('dns', value, given)


def parse_identifiers(names, option='names'):
    """Identifiers for a ``names`` list: at least one, no duplicates (after normalisation)."""
    if not names:
        raise CertfleetError('%s must list at least one DNS name or IP address.' % option)
    identifiers = []
    for index, text in enumerate(names):
        identifier = parse_identifier(text, '%s[%d]' % (option, index))
        if identifier in identifiers:
            raise CertfleetError('%s[%d]: %r is listed twice (as %r).'
                                 % (option, index, text, identifiers[identifiers.index(identifier)].given))
        identifiers.append(identifier)
    return identifiers


def identifier_from_json(data):
    return Identifier(data.get('type'), data.get('value'))


def check_challenge_fits(identifiers, challenge, option='challenge'):
    """Refuse combinations no CA can validate, before any request (RFC 8555 7.1.3, RFC 8738)."""
    for identifier in identifiers:
        if identifier.is_wildcard and challenge != 'dns-01':
            raise CertfleetError('%s: the wildcard %s can only be validated with dns-01, not %s. Set challenge: dns-01.'
                                 % (option, identifier.value, challenge))
        if identifier.type == 'ip' and challenge == 'dns-01':
            raise CertfleetError('%s: the IP address %s cannot be validated with dns-01 (RFC 8738); use http-01 or'
                                 ' tls-alpn-01.' % (option, identifier.value))
