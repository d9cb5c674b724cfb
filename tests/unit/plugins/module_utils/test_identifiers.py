from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.identifiers import (
    Identifier, check_challenge_fits, parse_identifier, parse_identifiers)


@pytest.mark.parametrize('text,kind,value', [
    ('www.Example.COM', 'dns', 'www.example.com'),
    ('*.example.com', 'dns', '*.example.com'),
    ('bücher.example', 'dns', 'xn--bcher-kva.example'),
    ('127.0.0.1', 'ip', '127.0.0.1'),
    ('2001:DB8::1', 'ip', '2001:db8::1'),
    ('[::1]', 'ip', '::1'),
])
def test_valid_identifiers_are_normalised(text, kind, value):
    identifier = parse_identifier(text)
    assert (identifier.type, identifier.value) == (kind, value)


@pytest.mark.parametrize('text,message', [
    ('', 'empty name'),
    ('has space.example.com', 'contains a space'),
    ('example.com.', 'ends with a dot'),
    ('*.*.example.com', 'wildcard is only allowed as the whole leftmost label'),
    ('www.*.example.com', 'wildcard is only allowed'),
    ('a' * 64 + '.example.com', 'longer than 63'),
    ('a..example.com', 'empty label'),
    ('-bad.example.com', "label '-bad'"),
    ('localhost', 'not a fully qualified'),
    ('under_score.example.com', "label 'under_score'"),
    ('.'.join(['a' * 60] * 5), 'longer than 253'),
])
def test_invalid_identifiers_name_the_entry(text, message):
    with pytest.raises(CertfleetError, match=r'^names\[0\]: .*' + message):
        parse_identifiers([text])


def test_duplicates_after_normalisation_are_refused():
    with pytest.raises(CertfleetError, match=r"names\[1\]: 'WWW.example.com' is listed twice"):
        parse_identifiers(['www.example.com', 'WWW.example.com'])


def test_empty_list_is_refused():
    with pytest.raises(CertfleetError, match='at least one'):
        parse_identifiers([])


def test_challenge_fit():
    check_challenge_fits([Identifier('dns', '*.example.com')], 'dns-01')
    with pytest.raises(CertfleetError, match='wildcard .* only be validated with dns-01'):
        check_challenge_fits([Identifier('dns', '*.example.com')], 'http-01')
    with pytest.raises(CertfleetError, match='IP address 127.0.0.1 cannot be validated with dns-01'):
        check_challenge_fits([Identifier('ip', '127.0.0.1')], 'dns-01')
