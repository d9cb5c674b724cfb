# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A pool of anti-replay nonces (RFC 8555 section 6.5).

Every ACME answer carries a fresh ``Replay-Nonce``; keeping them means a signed
request needs no extra ``newNonce`` round trip. Nonces are used newest first
(older ones are likelier to have expired at the server) and each only once.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import re

# base64url characters only (RFC 8555 section 6.5.1); anything else is ignored.
_NONCE_SYNTAX = re.compile(r'^[A-Za-z0-9_-]+$')


class NoncePool(object):

    def __init__(self, capacity=32):
        self._nonces = collections.deque(maxlen=capacity)
        self.fed = 0

    def feed(self, headers):
        """Keep the ``Replay-Nonce`` of an HTTP answer, if it has a valid one."""
        nonce = headers.get('Replay-Nonce') if headers is not None else None
        if nonce and _NONCE_SYNTAX.match(nonce) and nonce not in self._nonces:
            self._nonces.append(nonce)
            self.fed += 1

    def take(self):
        """The newest unused nonce, or None when the pool is empty."""
        if not self._nonces:
            return None
        return self._nonces.pop()

    def __len__(self):
        return len(self._nonces)
