# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""When is a certificate due: pure decisions from what is on disk and the clock.

Local reasons come first and cost no request. The CA's renewal window (ARI), when
it offers one, replaces only the lifetime rule: a missing, mismatched or
renamed certificate is due whatever the CA suggests.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.certfleet.acme.plugins.module_utils import certificate as certs
from ansible_collections.certfleet.acme.plugins.module_utils.keys import describe_key

# certbot and lego renew in the last third of the lifetime.
DEFAULT_RENEW_FRACTION = 1.0 / 3


class Decision(object):
    """``due`` and a sentence saying why, plus when the lifetime window opens."""

    def __init__(self, due, reason, window_start=None, lifetime_rule=False):
        self.due = due
        self.reason = reason
        self.window_start = window_start
        # True when only the lifetime rule decided: ARI may overrule it.
        self.lifetime_rule = lifetime_rule


def lifetime_window_start(cert, remaining_days=None):
    start, end = certs.not_before(cert), certs.not_after(cert)
    if remaining_days is not None:
        return end - datetime.timedelta(days=remaining_days)
    return end - (end - start) * DEFAULT_RENEW_FRACTION


def half_life(cert):
    start, end = certs.not_before(cert), certs.not_after(cert)
    return start + (end - start) / 2


def decide(cert, identifiers, now, private_key=None, key_type=None, remaining_days=None, force=False):
    """Decide from the certificate currently installed (``cert`` may be None or an exception)."""
    if force:
        return Decision(True, 'force is set')
    if cert is None:
        return Decision(True, 'no certificate yet')
    if isinstance(cert, Exception):
        return Decision(True, 'the current certificate cannot be read (%s)' % cert)
    have = set(item.key() for item in certs.certificate_identifiers(cert))
    want = set(item.key() for item in identifiers)
    if have != want:
        added = sorted(value for kind, value in want - have)
        dropped = sorted(value for kind, value in have - want)
        detail = '; '.join(part for part in (
            'added %s' % ', '.join(added) if added else '', 'removed %s' % ', '.join(dropped) if dropped else '') if part)
        return Decision(True, 'the names changed (%s)' % detail)
    if private_key is not None and not certs.key_matches(cert, private_key):
        return Decision(True, 'the certificate does not match its private key')
    current_type = describe_key(cert.public_key())
    if key_type is not None and current_type != key_type:
        return Decision(True, 'the key type changed (%s -> %s)' % (current_type, key_type))
    end = certs.not_after(cert)
    if now >= end:
        return Decision(True, 'the certificate expired on %s' % end.isoformat())
    window = lifetime_window_start(cert, remaining_days)
    days_left = (end - now).total_seconds() / 86400
    if now >= window:
        return Decision(True, 'inside the renewal window (%.1f days left, window opened %s)'
                        % (days_left, window.isoformat()), window, lifetime_rule=True)
    return Decision(False, 'valid until %s; renewal window opens %s' % (end.isoformat(), window.isoformat()),
                    window, lifetime_rule=True)


def decide_with_ari(local, window, chosen, now):
    """Let the CA's suggested window overrule the lifetime rule (RFC 9773 section 4.2)."""
    if not local.lifetime_rule:
        return local
    if now >= chosen:
        return Decision(True, 'the CA suggests renewing between %s and %s (chosen time %s has come)'
                        % (window.start.isoformat(), window.end.isoformat(), chosen.isoformat()), local.window_start)
    return Decision(False, 'the CA suggests renewing between %s and %s (chosen time %s)'
                    % (window.start.isoformat(), window.end.isoformat(), chosen.isoformat()), local.window_start)
