# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""When to try an ACME request again, and how long to wait first.

Pure decisions, no I/O: the transport asks ``RetryPolicy.delay_for`` after each
failed attempt and either sleeps the returned seconds or gives up (``None``).
Every retry is bounded by one deadline per logical request, so a flaky or
overloaded CA costs at most ``budget`` seconds, never minutes of blind retries.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import time

# A server may ask for a pause (Retry-After); we honour it up to this cap so that
# a hostile or confused answer ("one year") cannot hang a playbook.
RETRY_AFTER_CAP = 60.0

# Pebble rejects a share of good nonces on purpose, and so may any CA; a fresh
# nonce comes with the error, so these retries are immediate and cheap.
MAX_BAD_NONCE_RETRIES = 30
MAX_SERVER_ERROR_RETRIES = 4
MAX_CONNECTION_RETRIES = 2

RETRYABLE_STATUS = frozenset([429, 500, 502, 503, 504])


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class RetryPolicy(object):
    """Decides retries for one logical request, within ``budget`` seconds."""

    def __init__(self, budget=60.0, clock=time.monotonic, backoff_base=1.0, backoff_cap=10.0):
        self.budget = budget
        self.clock = clock
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.started = clock()
        self.counts = {'bad_nonce': 0, 'server': 0, 'connection': 0}

    def remaining(self):
        return self.budget - (self.clock() - self.started)

    def _backoff(self, attempt):
        return min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))

    def _within_deadline(self, delay):
        return delay if delay <= self.remaining() else None

    def delay_for(self, status=None, problem_type=None, retry_after=None, connection_error=False):
        """Seconds to sleep before the next attempt, or None to give up.

        ``problem_type`` is the short ACME error name (``badNonce``), ``retry_after``
        the parsed header in seconds.
        """
        if connection_error:
            self.counts['connection'] += 1
            if self.counts['connection'] > MAX_CONNECTION_RETRIES:
                return None
            return self._within_deadline(self._backoff(self.counts['connection']))
        if problem_type == 'badNonce':
            self.counts['bad_nonce'] += 1
            if self.counts['bad_nonce'] > MAX_BAD_NONCE_RETRIES:
                return None
            return self._within_deadline(0.0)
        if status not in RETRYABLE_STATUS:
            return None
        self.counts['server'] += 1
        if self.counts['server'] > MAX_SERVER_ERROR_RETRIES:
            return None
        if retry_after is not None and status in (429, 503):
            return self._within_deadline(min(RETRY_AFTER_CAP, retry_after))
        return self._within_deadline(self._backoff(self.counts['server']))
