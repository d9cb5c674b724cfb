from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.certfleet.acme.plugins.module_utils.account_manager import validate_contact
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError
from ansible_collections.certfleet.acme.plugins.module_utils.files import read_source, write_atomic


def test_contact_validation():
    validate_contact(None)
    validate_contact(['mailto:ops@example.com', 'mailto:a.b+c@sub.example.org'])
    with pytest.raises(CertfleetError, match=r'contact\[0\] .ops@example.com. is not a mailto: URI.*"mailto:ops@'):
        validate_contact(['ops@example.com'])
    for bad in ['tel:+1555', 'mailto:', 'mailto:a@b.c,d@e.f', 'mailto:nobody']:
        with pytest.raises(CertfleetError, match='contact'):
            validate_contact([bad])


def test_write_atomic_creates_private_file_in_private_directory(tmp_path):
    target = tmp_path / 'new' / 'key.pem'
    write_atomic(str(target), b'secret')
    assert target.read_bytes() == b'secret'
    assert oct(target.stat().st_mode & 0o777) == '0o600'
    assert oct(target.parent.stat().st_mode & 0o777) == '0o700'
    write_atomic(str(target), b'second', mode=0o640)
    assert target.read_bytes() == b'second'
    assert [path.name for path in target.parent.iterdir()] == ['key.pem']  # no temp file left


def test_read_source(tmp_path):
    assert read_source(str(tmp_path / 'missing'), 'account_key_src') is None
    with pytest.raises(CertfleetError, match='account_key_src .* is a directory'):
        read_source(str(tmp_path), 'account_key_src')
