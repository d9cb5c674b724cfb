# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What to do about a failed validation: the CA's detail mapped to a fix."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

_HINTS = (
    (('connection refused',), 'Nothing accepted the CA\'s connection to {identifier}: make sure a web server or the'
                              ' acme_challenge responder listens on the port the CA validates on ({port}).'),
    (('timeout', 'timed out'), 'The CA could not connect to {identifier} in time: check firewalls and that the name'
                               ' resolves to the right address.'),
    (('404', 'not found'), 'The CA got no file at {where}: publish challenge_data with acme_challenge on every host'
                           ' that serves {identifier}, in the webroot the server uses for /.well-known/acme-challenge/.'),
    (('no txt record', 'txt record', 'no valid txt'), 'Publish the TXT record {where} and wait until every'
                                                      ' authoritative server answers it before state=valid.'),
    (('nxdomain', 'no valid a records', 'no valid ip addresses', 'could not resolve'),
     '{identifier} does not resolve for the CA: check its DNS records.'),
    (('acme-tls/1', 'alpn'), 'Serve the tls-alpn-01 certificate with ALPN acme-tls/1 on the port the CA validates'
                             ' on ({port}).'),
    (('incorrect', 'does not match', 'mismatch', 'wrong'), 'The CA found a proof with the wrong value at {where}:'
                                                           ' publish the challenge_data of this order, not an older one.'),
)

_PORTS = {'http-01': '80, or the CA\'s configured HTTP port', 'tls-alpn-01': '443', 'dns-01': 'DNS'}


def hint_for(detail, identifier, challenge_type, where):
    text = (detail or '').lower()
    for needles, hint in _HINTS:
        if any(needle in text for needle in needles):
            return hint.format(identifier=identifier, where=where, port=_PORTS.get(challenge_type, '?'))
    return 'Check that the proof for %s is published at %s and reachable by the CA.' % (identifier, where)
