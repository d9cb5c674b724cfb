from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils

from ansible_collections.certfleet.acme.plugins.module_utils import retry
from ansible_collections.certfleet.acme.plugins.module_utils.retry import RetryPolicy, parse_retry_after


class FakeClock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_parse_retry_after_seconds_and_date():
    assert parse_retry_after('120') == 120.0
    assert parse_retry_after(None) is None
    assert parse_retry_after('soon') is None
    date = email.utils.formatdate(1000.0 + 30, usegmt=True)
    assert parse_retry_after(date, now=1000.0) == 30.0
    past = email.utils.formatdate(500.0, usegmt=True)
    assert parse_retry_after(past, now=1000.0) == 0.0


def test_bad_nonce_is_retried_at_once_but_bounded():
    policy = RetryPolicy(budget=60, clock=FakeClock())
    delays = [policy.delay_for(400, 'badNonce') for attempt in range(retry.MAX_BAD_NONCE_RETRIES)]
    assert delays == [0.0] * retry.MAX_BAD_NONCE_RETRIES
    assert policy.delay_for(400, 'badNonce') is None


def test_client_errors_are_not_retried():
    policy = RetryPolicy(budget=60, clock=FakeClock())
    assert policy.delay_for(400, 'malformed') is None
    assert policy.delay_for(403, 'unauthorized') is None
    assert policy.delay_for(404, None) is None


def test_retry_after_is_honoured_and_capped():
    policy = RetryPolicy(budget=3600, clock=FakeClock())
    assert policy.delay_for(429, 'rateLimited', retry_after=5) == 5
    assert policy.delay_for(503, None, retry_after=365 * 86400) == retry.RETRY_AFTER_CAP


def test_server_errors_back_off_exponentially_then_give_up():
    policy = RetryPolicy(budget=3600, clock=FakeClock(), backoff_base=1, backoff_cap=10)
    delays = [policy.delay_for(500, 'serverInternal') for attempt in range(retry.MAX_SERVER_ERROR_RETRIES)]
    assert delays == [1, 2, 4, 8][:retry.MAX_SERVER_ERROR_RETRIES]
    assert policy.delay_for(500, 'serverInternal') is None


def test_deadline_bounds_every_retry():
    clock = FakeClock()
    policy = RetryPolicy(budget=10, clock=clock)
    clock.now = 9.5
    assert policy.delay_for(429, None, retry_after=5) is None
    assert policy.delay_for(400, 'badNonce') == 0.0
    clock.now = 10.5
    assert policy.delay_for(400, 'badNonce') is None


def test_connection_errors_are_retried_a_few_times():
    policy = RetryPolicy(budget=60, clock=FakeClock())
    assert policy.delay_for(connection_error=True) == 1
    assert policy.delay_for(connection_error=True) == 2
    assert policy.delay_for(connection_error=True) is None
