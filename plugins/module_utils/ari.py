# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ACME Renewal Information (RFC 9773): the certificate id and the CA's suggested window."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import random

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

try:
    import josepy as jose
    from cryptography import x509
except ImportError:  # reported by deps.require_libraries
    pass


def certificate_id(cert):
    """base64url(AKI keyIdentifier) "." base64url(serial as DER INTEGER content), RFC 9773 section 4.1."""
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        aki = None
    if not aki:
        return None
    serial = cert.serial_number
    # DER INTEGER content: big-endian, with a leading zero byte when the top bit is set.
    serial_bytes = serial.to_bytes((serial.bit_length() + 8) // 8 or 1, 'big')
    return '%s.%s' % (jose.b64.b64encode(aki).decode('ascii'), jose.b64.b64encode(serial_bytes).decode('ascii'))


def _parse_time(value):
    if not isinstance(value, str):
        raise ValueError('not a string')
    text = value.strip().replace('Z', '+00:00')
    # Python < 3.11 fromisoformat accepts at most 6 fraction digits.
    if '.' in text:
        head, tail = text.split('.', 1)
        digits = ''.join(char for char in tail if char.isdigit())
        zone = tail[len(digits):]
        text = '%s.%s%s' % (head, digits[:6].ljust(6, '0'), zone)
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


class RenewalWindow(object):

    def __init__(self, start, end, explanation_url=None):
        self.start = start
        self.end = end
        self.explanation_url = explanation_url

    @classmethod
    def from_json(cls, document):
        """Parse a renewalInfo answer; a malformed one raises CertfleetError."""
        try:
            window = document['suggestedWindow']
            start, end = _parse_time(window['start']), _parse_time(window['end'])
        except (KeyError, TypeError, ValueError) as exc:
            raise CertfleetError('malformed renewalInfo answer (%s)' % exc)
        if end < start:
            raise CertfleetError('malformed renewalInfo answer (window ends before it starts)')
        explanation = document.get('explanationURL')
        return cls(start, end, explanation if isinstance(explanation, str) else None)

    def pick(self, rng=random):
        """A uniformly random moment in the window, so a fleet does not renew all at once (RFC 9773 4.2)."""
        span = (self.end - self.start).total_seconds()
        return self.start + datetime.timedelta(seconds=rng.uniform(0, span))

    def to_result(self):
        result = {'start': self.start.isoformat(), 'end': self.end.isoformat()}
        if self.explanation_url:
            result['explanation_url'] = self.explanation_url
        return result
