from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.certfleet.acme.plugins.module_utils.chain import Chain, select_chain
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.order import parse_links

from ansible_collections.certfleet.acme.tests.unit.plugins.module_utils.certs_for_tests import UTC, make_cert

START = datetime.datetime(2026, 1, 1, tzinfo=UTC)
END = datetime.datetime(2027, 1, 1, tzinfo=UTC)


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _chain(root_name):
    root_key = ec.generate_private_key(ec.SECP256R1())
    inter_key = ec.generate_private_key(ec.SECP256R1())
    inter = make_cert([], START, END, key=inter_key, issuer_key=root_key, issuer_name=root_name,
                      subject='Intermediate of ' + root_name)[0]
    leaf = make_cert(['www.example.com'], START, END, issuer_key=inter_key,
                     issuer_name='Intermediate of ' + root_name)[0]
    return Chain(_pem(leaf) + _pem(inter), 'https://ca/cert/' + root_name)


def test_chain_parts_and_links():
    chain = _chain('Root X')
    chain.check_links()
    assert chain.top_issuer() == 'Root X'
    assert chain.fullchain_pem == chain.leaf_pem + chain.intermediates_pem
    assert chain.intermediates_pem.count(b'BEGIN CERTIFICATE') == 1


def test_broken_chain_is_refused():
    good, other = _chain('Root X'), _chain('Root Y')
    broken = Chain(good.leaf_pem + other.intermediates_pem)
    with pytest.raises(CertfleetError, match='does not link'):
        broken.check_links()


def test_preferred_chain_selection():
    default, alternate = _chain('Root X'), _chain('Root Y')
    assert select_chain(default, [alternate], 'Root Y') is alternate
    assert select_chain(default, [alternate], None) is default
    assert select_chain(default, [alternate], 'Nobody') is default


def test_link_header_with_several_alternates():
    headers = {'Link': '<https://ca/a/1>;rel="alternate", <https://ca/dir>;rel="index", <https://ca/a/2>; rel=alternate'}
    assert parse_links(headers, 'alternate') == ['https://ca/a/1', 'https://ca/a/2']
    assert parse_links({}, 'alternate') == []


def test_no_certificate_in_answer():
    with pytest.raises(CertfleetError, match='no PEM certificate'):
        Chain(b'<html>oops</html>', 'https://ca/cert/1')
