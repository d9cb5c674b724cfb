# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Typed errors: one base class the modules turn into ``fail_json``.

``ACMEProblem`` carries an RFC 7807 problem document as the CA sent it (type,
detail, subproblems, HTTP status) and renders it as one readable line.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

ACME_ERROR_PREFIX = 'urn:ietf:params:acme:error:'

# Control characters (terminal escapes, NUL, ...) a hostile server could put in a
# problem detail; everything else is shown as sent.
_UNSAFE_TEXT = re.compile(r'[\x00-\x08\x0b-\x1f\x7f-\x9f]')
_MAX_TEXT = 2000


def safe_text(value):
    """Make server-supplied text safe to print: no control characters, bounded length."""
    if value is None:
        return ''
    if not isinstance(value, str):
        value = str(value)
    value = _UNSAFE_TEXT.sub(lambda match: '\\x%02x' % ord(match.group()), value)
    if len(value) > _MAX_TEXT:
        value = value[:_MAX_TEXT] + '...'
    return value


class CertfleetError(Exception):
    """An error the user can act on; ``details`` is merged into the module result."""

    def __init__(self, msg, **details):
        super(CertfleetError, self).__init__(msg)
        self.msg = msg
        self.details = details


class TransportError(CertfleetError):
    """The ACME server could not be reached (connection, DNS, timeout)."""


class TLSTrustError(TransportError):
    """The server's TLS certificate is not trusted; retrying cannot help."""


class Subproblem(object):
    """One entry of a problem document's ``subproblems`` (RFC 8555 section 6.7.1)."""

    def __init__(self, type_, detail, identifier=None):
        self.type = type_
        self.detail = detail
        self.identifier = identifier

    @classmethod
    def from_json(cls, data):
        if not isinstance(data, dict):
            return cls('about:blank', safe_text(data))
        identifier = data.get('identifier')
        if isinstance(identifier, dict):
            identifier = '%s %s' % (safe_text(identifier.get('type')), safe_text(identifier.get('value')))
        elif identifier is not None:
            identifier = safe_text(identifier)
        return cls(safe_text(data.get('type', 'about:blank')), safe_text(data.get('detail')), identifier)

    def to_dict(self):
        return {'type': self.type, 'detail': self.detail, 'identifier': self.identifier}

    def __str__(self):
        prefix = '%s: ' % self.identifier if self.identifier else ''
        return '%s%s: %s' % (prefix, short_type(self.type), self.detail)


def short_type(problem_type):
    """``urn:ietf:params:acme:error:badNonce`` -> ``badNonce``; other URIs stay whole."""
    if problem_type and problem_type.startswith(ACME_ERROR_PREFIX):
        return problem_type[len(ACME_ERROR_PREFIX):]
    return problem_type or 'about:blank'


class ACMEProblem(CertfleetError):
    """An error answer from the ACME server (RFC 7807 / RFC 8555 section 6.7)."""

    def __init__(self, status, type_, detail, subproblems=(), url=None, hint=None):
        self.status = status
        self.type = type_
        self.detail = detail
        self.subproblems = list(subproblems)
        self.url = url
        self.hint = hint
        super(ACMEProblem, self).__init__(self._render(), problem=self.to_dict())

    @classmethod
    def from_response(cls, status, content_type, body, url):
        """Build from an HTTP error answer; a non-problem body is kept as the detail."""
        document = None
        if body:
            try:
                document = json.loads(body)
            except ValueError:
                document = None
        if not isinstance(document, dict):
            text = body.decode('utf-8', 'replace') if isinstance(body, bytes) else (body or '')
            what = 'a non-problem answer (%s)' % safe_text(content_type or 'no content type')
            return cls(status, 'about:blank', '%s: %s' % (what, safe_text(text[:300])), url=url)
        subproblems = document.get('subproblems') or []
        if not isinstance(subproblems, list):
            subproblems = [subproblems]
        return cls(
            status,
            safe_text(document.get('type') or 'about:blank'),
            safe_text(document.get('detail')),
            [Subproblem.from_json(item) for item in subproblems],
            url=url,
        )

    @property
    def acme_type(self):
        """The short ACME error name (``badNonce``, ``rateLimited``, ...)."""
        return short_type(self.type)

    def is_type(self, name):
        return self.acme_type == name

    def to_dict(self):
        return {
            'status': self.status,
            'type': self.type,
            'detail': self.detail,
            'subproblems': [item.to_dict() for item in self.subproblems],
            'url': self.url,
        }

    def _render(self):
        text = 'The ACME server answered HTTP %s %s: %s' % (self.status, self.acme_type, self.detail or '(no detail)')
        if self.url:
            text += ' [%s]' % safe_text(self.url)
        for number, subproblem in enumerate(self.subproblems, start=1):
            text += ' (%d) %s' % (number, subproblem)
        if self.hint:
            text += ' Hint: %s' % self.hint
        return text

    def with_hint(self, hint):
        """A copy of this problem that tells the user what to do about it."""
        return ACMEProblem(self.status, self.type, self.detail, self.subproblems, self.url, hint)
