# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which TLS anchors to trust for the ACME server.

requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` replace ``verify=True``
but never an explicit path passed per request; so the transport always passes
the value computed here per request, and an operator's ``acme_ca_bundle`` wins.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError, TLSTrustError

_PEM_CERTIFICATE = b'-----BEGIN CERTIFICATE-----'


def resolve_verify(ca_bundle, validate_certs):
    """The ``verify`` argument for requests: a bundle path, True (system trust) or False."""
    if not validate_certs:
        return False
    if not ca_bundle:
        return True
    path = os.path.abspath(os.path.expanduser(ca_bundle))
    if os.path.isdir(path):
        raise CertfleetError('acme_ca_bundle %s is a directory; give the path of a PEM file with the CA'
                             ' certificate(s) to trust.' % ca_bundle)
    try:
        with open(path, 'rb') as handle:
            content = handle.read()
    except (IOError, OSError) as exc:
        raise CertfleetError('acme_ca_bundle %s cannot be read (%s); give the path of a PEM file on the ACME'
                             ' controller.' % (ca_bundle, exc.strerror or exc))
    if _PEM_CERTIFICATE not in content:
        raise CertfleetError('acme_ca_bundle %s holds no PEM certificate ("-----BEGIN CERTIFICATE-----").'
                             % ca_bundle)
    return path


def tls_trust_error(url, verify, exc):
    """A TLSTrustError that names the fix for an untrusted server certificate."""
    if verify is True:
        source = 'the system trust store'
        if os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE'):
            source = 'the bundle named by REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE'
    else:
        source = 'acme_ca_bundle %s' % verify
    return TLSTrustError(
        'TLS verification of the ACME server %s failed against %s: %s. Fix: set acme_ca_bundle to a PEM file with'
        ' the CA that issued the server\'s certificate (for a private or test CA), or check that acme_directory'
        ' names the right server. validate_certs: false turns verification off and is unsafe.'
        % (url, source, _short_reason(exc)))


def _short_reason(exc):
    text = str(exc)
    for marker in ('CERTIFICATE_VERIFY_FAILED', 'hostname mismatch', "doesn't match", 'self-signed', 'self signed'):
        index = text.find(marker)
        if index >= 0:
            return text[index:index + 160].split("')", maxsplit=1)[0]
    return text[:200]
