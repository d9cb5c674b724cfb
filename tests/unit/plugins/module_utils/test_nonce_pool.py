from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.acme.plugins.module_utils.nonce_pool import NoncePool


def test_pool_returns_newest_first_and_each_once():
    pool = NoncePool()
    pool.feed({'Replay-Nonce': 'first'})
    pool.feed({'Replay-Nonce': 'second'})
    assert pool.take() == 'second'
    assert pool.take() == 'first'
    assert pool.take() is None


def test_pool_ignores_missing_duplicate_and_malformed_nonces():
    pool = NoncePool()
    pool.feed({})
    pool.feed(None)
    pool.feed({'Replay-Nonce': 'not base64url!'})
    pool.feed({'Replay-Nonce': 'abc_-1'})
    pool.feed({'Replay-Nonce': 'abc_-1'})
    assert len(pool) == 1
    assert pool.fed == 1


def test_pool_is_bounded():
    pool = NoncePool(capacity=3)
    for index in range(10):
        pool.feed({'Replay-Nonce': 'n%d' % index})
    assert len(pool) == 3
    assert pool.take() == 'n9'
