# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""dns-01 by RFC 2136 dynamic update, signed with TSIG, through dnspython.

The logic (which zone holds a name, where a CNAME chain ends, which
authoritative servers still lag behind) is written against a small ``Reply``
object and a ``lookup(name, rdtype)`` callable, so it is tested with a fake
resolver; ``DnsServer`` is the only class that speaks DNS on the wire.

* present adds one TXT value to the RRset (RFC 2136 "add to an RRset"), so other
  values at the same name stay: a wildcard and its base name share
  ``_acme-challenge.<name>``;
* absent deletes exactly that value ("delete an RR from an RRset");
* ``_acme-challenge`` names that are CNAMEs are followed, possibly into another
  zone, and the target is updated in its own zone;
* after present, every authoritative server of the zone is asked until each one
  answers the value, within one deadline.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import socket
import time
import traceback

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError, safe_text

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.tsig
    import dns.tsigkeyring
    import dns.update
except ImportError:
    DNSPYTHON_IMPORT_ERROR = traceback.format_exc()
else:
    DNSPYTHON_IMPORT_ERROR = None

TSIG_ALGORITHMS = ('hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'hmac-sha224', 'hmac-sha1', 'hmac-md5')
MAX_CNAME_HOPS = 8
POLL_INTERVAL = 1.0


# -- names ----------------------------------------------------------------------------

def normalize_name(name):
    """Lower case, no trailing dot: the one form names are compared in."""
    return (name or '').strip().rstrip('.').lower()


def is_subdomain(name, zone):
    name, zone = normalize_name(name), normalize_name(zone)
    return name == zone or name.endswith('.' + zone)


def parent_names(name):
    """``a.b.c`` -> ``a.b.c``, ``b.c``, ``c``."""
    labels = normalize_name(name).split('.')
    return ['.'.join(labels[index:]) for index in range(len(labels))]


def parse_server(text, default_port):
    """``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address -> ``(host, port)``."""
    text = (text or '').strip()
    if not text:
        raise CertfleetError('An empty name server was given in propagation_nameservers.')
    host, port = text, default_port
    if text.startswith('['):
        close = text.find(']')
        if close < 0:
            raise CertfleetError('Name server %r: a bracketed IPv6 address needs its "]".' % text)
        host, rest = text[1:close], text[close + 1:]
        if rest:
            if not rest.startswith(':'):
                raise CertfleetError('Name server %r is not host, host:port or [IPv6]:port.' % text)
            port = rest[1:]
    elif text.count(':') == 1:
        host, port = text.split(':')
    try:
        port = int(port)
        if not 0 < port < 65536:
            raise ValueError()
    except ValueError:
        raise CertfleetError('Name server %r has an invalid port; write host or host:port.' % text)
    return host, port


# -- what the logic needs from an answer ----------------------------------------------------

class Reply(object):
    """A DNS answer reduced to what the logic here reads.

    ``answer`` and ``authority`` are lists of ``(owner, rdtype, [values])``; owners are
    normalized names, values text (TXT strings joined, names normalized).
    """

    def __init__(self, rcode='NOERROR', answer=(), authority=(), authoritative=True):
        self.rcode = rcode
        self.answer = [(normalize_name(owner), rdtype, list(values)) for owner, rdtype, values in answer]
        self.authority = [(normalize_name(owner), rdtype, list(values)) for owner, rdtype, values in authority]
        self.authoritative = authoritative

    def values(self, owner, rdtype, section='answer'):
        owner = normalize_name(owner)
        found = []
        for name, kind, values in getattr(self, section):
            if name == owner and kind == rdtype:
                found.extend(values)
        return found

    def owners(self, rdtype, section='answer'):
        return [name for name, kind, _values in getattr(self, section) if kind == rdtype]


def cname_target(name, lookup):
    """The CNAME target of ``name`` (normalized) or None."""
    reply = lookup(name, 'CNAME')
    if reply.rcode != 'NOERROR':
        return None
    targets = reply.values(name, 'CNAME')
    return normalize_name(targets[0]) if targets else None


def follow_cnames(name, lookup, max_hops=MAX_CNAME_HOPS):
    """Follow CNAMEs from ``name``; return ``(final_name, chain)`` (chain starts with ``name``)."""
    chain = [normalize_name(name)]
    for _hop in range(max_hops):
        target = cname_target(chain[-1], lookup)
        if target is None:
            return chain[-1], chain
        if target in chain:
            raise CertfleetError('The CNAME chain %s loops back to %s; fix the DNS records.'
                                 % (' -> '.join(chain), target))
        chain.append(target)
    raise CertfleetError('The CNAME chain %s is longer than %d hops; fix the DNS records.'
                         % (' -> '.join(chain), max_hops))


def find_zone(name, lookup, server_label='dns_server'):
    """The zone holding ``name``, by SOA queries walking up from the name.

    An answer with the SOA of the name itself makes the name the zone; an
    authoritative negative answer names the zone in its authority SOA. A referral
    (NS, no SOA) means the name is delegated to servers ``dns_server`` does not
    speak for.
    """
    tried = []
    for candidate in parent_names(name):
        reply = lookup(candidate, 'SOA')
        tried.append('%s (%s)' % (candidate, reply.rcode))
        if reply.rcode == 'NOERROR' and reply.values(candidate, 'SOA'):
            return candidate
        if reply.rcode in ('NOERROR', 'NXDOMAIN'):
            for owner in reply.owners('SOA', 'authority'):
                if is_subdomain(candidate, owner):
                    return owner
            referral = [owner for owner in reply.owners('NS', 'authority') if is_subdomain(candidate, owner)]
            if referral and not reply.authoritative:
                raise CertfleetError(
                    '%s is in zone %s, which %s delegates to other name servers (%s); send the update to that'
                    ' zone\'s primary: set dns_server to it.'
                    % (name, referral[0], server_label,
                       ', '.join(reply.values(referral[0], 'NS', 'authority')) or 'see its NS records'))
    raise CertfleetError('Could not find the zone of %s at %s (SOA queries: %s). Check that dns_server is the'
                         ' primary of that zone, or set dns_zone.' % (name, server_label, ', '.join(tried)))


def txt_values(name, lookup):
    """The TXT strings at ``name`` according to ``lookup`` (empty when none)."""
    reply = lookup(name, 'TXT')
    if reply.rcode not in ('NOERROR', 'NXDOMAIN'):
        raise CertfleetError('Reading the TXT records of %s failed: the DNS server answered %s.'
                             % (name, reply.rcode))
    return reply.values(name, 'TXT')


# -- propagation bookkeeping ------------------------------------------------------------------

class PropagationTracker(object):
    """Which authoritative servers already answer which (name, value)."""

    def __init__(self):
        self._expected = {}  # server label -> set of (name, value)
        self._servers = {}  # label -> server object (opaque here)
        self._last = {}  # (label, name) -> what the server last said

    def expect(self, label, server, name, value):
        self._servers[label] = server
        self._expected.setdefault(label, set()).add((normalize_name(name), value))

    def observe(self, label, name, values):
        """Record what ``label`` answered for ``name``; values seen are done."""
        name = normalize_name(name)
        self._last[(label, name)] = list(values) if not isinstance(values, str) else values
        if isinstance(values, str):  # an error text
            return
        wanted = self._expected.get(label, set())
        self._expected[label] = set(item for item in wanted if item[0] != name or item[1] not in values)

    def pending(self):
        """``[(label, server, name)]`` still to ask, one per name."""
        todo = []
        for label in sorted(self._expected):
            for name in sorted(set(name for name, _value in self._expected[label])):
                todo.append((label, self._servers[label], name))
        return todo

    def done(self):
        return not any(self._expected.values())

    def lagging(self):
        """Readable lines for the servers still missing a value."""
        lines = []
        for label in sorted(self._expected):
            for name, value in sorted(self._expected[label]):
                last = self._last.get((label, name))
                if last is None:
                    said = 'no answer yet'
                elif isinstance(last, str):
                    said = last
                else:
                    said = 'TXT %s' % (', '.join(last) or 'none')
                lines.append('%s lacks %s TXT "%s" (it answered: %s)' % (label, name, value, said))
        return lines


def wait_for_propagation(tracker, query_txt, timeout, interval=POLL_INTERVAL, clock=time.monotonic,
                         sleep=time.sleep):
    """Ask every pending server until all answer their values, or raise when ``timeout`` runs out.

    ``query_txt(server, name)`` returns the TXT strings or raises CertfleetError.
    """
    deadline = clock() + timeout
    while True:
        for label, server, name in tracker.pending():
            try:
                tracker.observe(label, name, query_txt(server, name))
            except CertfleetError as error:
                tracker.observe(label, name, 'error: %s' % error.msg)
        if tracker.done():
            return
        if clock() >= deadline:
            raise CertfleetError(
                'dns-01 records did not reach every authoritative name server within propagation_timeout (%s s): %s.'
                ' Check that the secondaries get NOTIFY and zone transfers from the primary, or raise'
                ' propagation_timeout.' % (timeout, '; '.join(tracker.lagging())))
        sleep(max(0.0, min(interval, deadline - clock())))


# -- the wire ---------------------------------------------------------------------------

def _require_dnspython():
    if DNSPYTHON_IMPORT_ERROR is not None:
        raise CertfleetError('dns-01 needs the Python library dnspython on this host; install it (pip install'
                             ' dnspython, or the python3-dnspython package).', exception=DNSPYTHON_IMPORT_ERROR)


def check_tsig(key_name, key_secret):
    """Refuse a key name that is no DNS name and a secret that is not base64 (never showing the secret)."""
    try:
        dns.name.from_text(key_name)
    except dns.exception.DNSException as exc:
        raise CertfleetError('tsig_key_name %r is not a valid key name (%s).' % (key_name, exc))
    try:
        if not base64.b64decode(''.join((key_secret or '').split()), validate=True):
            raise ValueError('empty')
    except (ValueError, TypeError, binascii.Error):
        raise CertfleetError('tsig_key_secret is not a valid base64 TSIG secret; give the secret exactly as in'
                             ' the server\'s key statement (tsig-keygen output).')


def resolve_address(host, port):
    """An IP address for ``host`` (itself when it is one)."""
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CertfleetError('Cannot resolve the name server %s (%s).' % (host, exc.strerror or exc))
    return infos[0][4][0]


def _rdata_text(rdtype, rdata):
    if rdtype == 'TXT':
        return b''.join(rdata.strings).decode('utf-8', 'replace')
    if rdtype in ('CNAME', 'NS', 'DNAME'):
        return normalize_name(rdata.target.to_text())
    if rdtype in ('A', 'AAAA'):
        return rdata.address
    return rdata.to_text()


def _section(rrsets):
    result = []
    for rrset in rrsets:
        rdtype = dns.rdatatype.to_text(rrset.rdtype)
        result.append((rrset.name.to_text(), rdtype, [_rdata_text(rdtype, rdata) for rdata in rrset]))
    return result


def to_reply(message):
    return Reply(dns.rcode.to_text(message.rcode()), _section(message.answer), _section(message.authority),
                 bool(message.flags & dns.flags.AA))


class DnsServer(object):
    """One DNS server: queries (UDP, TCP when truncated) and TSIG-signed updates (TCP)."""

    def __init__(self, host, port, timeout=10, key_name=None, key_secret=None, algorithm='hmac-sha256',
                 label=None):
        _require_dnspython()
        self.host = host
        self.port = port
        self.timeout = timeout
        self.address = resolve_address(host, port)
        self.label = label or ('%s:%d' % (host, port) if ':' not in host else '[%s]:%d' % (host, port))
        self.keyring = None
        self.key_name = key_name
        self.algorithm = algorithm
        if key_name:
            check_tsig(key_name, key_secret)
            self.keyring = dns.tsigkeyring.from_text({key_name: (algorithm, key_secret)})

    def lookup(self, name, rdtype):
        query = dns.message.make_query(dns.name.from_text(normalize_name(name) + '.'), rdtype)
        query.flags &= ~dns.flags.RD  # what the server itself holds, not what it would resolve
        try:
            response, _used_tcp = dns.query.udp_with_fallback(
                query, self.address, port=self.port, timeout=self.timeout)
        except dns.exception.Timeout:
            raise CertfleetError('The DNS server %s did not answer a %s query for %s within %s s; check dns_server,'
                                 ' dns_port and that the server is reachable from this host.'
                                 % (self.label, rdtype, name, self.timeout))
        except (OSError, dns.exception.DNSException) as exc:
            raise CertfleetError('Querying the DNS server %s for %s %s failed: %s.'
                                 % (self.label, name, rdtype, safe_text(exc)))
        return to_reply(response)

    def txt(self, name):
        return txt_values(name, self.lookup)

    def update(self, zone, name, action, value, ttl):
        """Add (``action='add'``) or delete (``'delete'``) one TXT value at ``name`` in ``zone``."""
        message = dns.update.UpdateMessage(dns.name.from_text(zone + '.'), keyring=self.keyring,
                                           keyname=dns.name.from_text(self.key_name) if self.key_name else None)
        owner = dns.name.from_text(name + '.')
        rdata = '"%s"' % value.replace('\\', '\\\\').replace('"', '\\"')
        if action == 'add':
            message.add(owner, ttl, 'TXT', rdata)
        else:
            message.delete(owner, 'TXT', rdata)
        what = 'the update of %s TXT in zone %s at %s' % (name, zone, self.label)
        try:
            response = dns.query.tcp(message, self.address, port=self.port, timeout=self.timeout)
        except dns.exception.Timeout:
            raise CertfleetError('The DNS server %s did not answer %s within %s s; check dns_server and dns_port'
                                 ' (updates are sent over TCP).' % (self.label, what, self.timeout))
        except dns.tsig.PeerBadKey:
            raise CertfleetError('The DNS server rejected %s: BADKEY, it knows no TSIG key %r with algorithm %s.'
                                 ' Fix tsig_key_name / tsig_algorithm to match the key statement on the server.'
                                 % (what, self.key_name, self.algorithm))
        except dns.tsig.PeerBadSignature:
            raise CertfleetError('The DNS server rejected %s: BADSIG, the TSIG signature is wrong. tsig_key_secret'
                                 ' (or tsig_algorithm) does not match the secret of key %r on the server.'
                                 % (what, self.key_name))
        except dns.tsig.PeerBadTime:
            raise CertfleetError('The DNS server rejected %s: BADTIME, the clocks of this host and the DNS server'
                                 ' differ by more than the TSIG fudge (300 s); fix the time (NTP).' % what)
        except dns.tsig.PeerError as exc:
            raise CertfleetError('The DNS server rejected the TSIG signature of %s (%s); check tsig_key_name,'
                                 ' tsig_key_secret and tsig_algorithm.' % (what, type(exc).__name__))
        except (OSError, dns.exception.DNSException) as exc:
            raise CertfleetError('Sending %s failed: %s. Check dns_server, dns_port and the TSIG options.'
                                 % (what, safe_text(exc) or type(exc).__name__))
        rcode = dns.rcode.to_text(response.rcode())
        if rcode != 'NOERROR':
            raise CertfleetError('The DNS server answered %s to %s. %s' % (rcode, what, _update_hint(rcode, self)))


def _update_hint(rcode, server):
    signed = ('key %r' % server.key_name) if server.key_name else 'unsigned updates (no tsig_key_name)'
    hints = {
        'REFUSED': 'The server does not allow %s to change this name: check its update-policy / allow-update for'
                   ' the zone, that dns_server is the zone\'s primary (secondaries refuse updates), and set'
                   ' tsig_key_name/tsig_key_secret if it wants signed updates.' % signed,
        'NOTAUTH': 'The server is not authoritative for the zone, or did not accept the TSIG key: check dns_zone,'
                   ' dns_server and the tsig_* options.',
        'NOTZONE': 'The name is not inside the zone: check dns_zone (or leave it out to find the zone by SOA).',
        'SERVFAIL': 'The server failed to apply it: see its log (a zone without a writable journal, or a frozen'
                    ' zone, gives this).',
        'FORMERR': 'The server could not parse the update; check tsig_algorithm.',
        'NOTIMP': 'The server does not support dynamic updates (RFC 2136).',
    }
    return hints.get(rcode, 'See the DNS server\'s log.')


# -- the publisher --------------------------------------------------------------------------

def zone_nameservers(zone, lookup, resolve_all):
    """``[(ns_host, address)]`` of the zone's NS records, addresses from ``lookup`` (glue) or ``resolve_all``."""
    hosts = sorted(set(lookup(zone, 'NS').values(zone, 'NS')))
    if not hosts:
        raise CertfleetError('Zone %s has no NS records at dns_server, so its authoritative servers cannot be'
                             ' checked; set propagation_nameservers (or propagation_timeout: 0).' % zone)
    servers = []
    for host in hosts:
        addresses = []
        for rdtype in ('A', 'AAAA'):
            reply = lookup(host, rdtype)
            if reply.rcode == 'NOERROR':
                addresses.extend(reply.values(host, rdtype))
        if not addresses:
            addresses = resolve_all(host)
        if not addresses:
            raise CertfleetError('The name server %s of zone %s has no address (A/AAAA); set propagation_nameservers'
                                 ' to the servers to check.' % (host, zone))
        servers.extend((host, address) for address in addresses)
    return servers


def _resolve_all(host):
    try:
        infos = socket.getaddrinfo(host, None, 0, socket.SOCK_DGRAM)
    except socket.gaierror:
        return []
    return sorted(set(info[4][0] for info in infos))


class DnsPublisher(object):
    """Present / absent of dns-01 TXT values through one primary server."""

    def __init__(self, params, check_mode, server=None, server_factory=None, clock=time.monotonic, sleep=time.sleep,
                 resolve_all=_resolve_all):
        self.params = params
        self.check_mode = check_mode
        self.server_factory = server_factory or DnsServer
        self.server = server or self.server_factory(
            params['dns_server'], params['dns_port'], timeout=params['dns_timeout'],
            key_name=params.get('tsig_key_name'), key_secret=params.get('tsig_key_secret'),
            algorithm=params['tsig_algorithm'])
        self.clock = clock
        self.sleep = sleep
        self.resolve_all = resolve_all
        self._located = {}
        self._published = []  # (zone, name, value) after present

    def locate(self, record):
        """``(name_to_update, zone)`` for a ``_acme-challenge`` record, following CNAMEs when asked."""
        record = normalize_name(record)
        if record in self._located:
            return self._located[record]
        lookup = self.server.lookup
        if self.params['follow_cname']:
            target, chain = follow_cnames(record, lookup)
        else:
            target, chain = record, [record]
            alias = cname_target(record, lookup)
            if alias:
                raise CertfleetError('%s is a CNAME to %s, and follow_cname is false: a TXT record cannot sit beside'
                                     ' a CNAME. Set follow_cname: true to publish at %s.' % (record, alias, alias))
        zone = normalize_name(self.params.get('dns_zone'))
        if zone and not is_subdomain(target, zone):
            if len(chain) == 1:
                raise CertfleetError('%s is not inside dns_zone %s; fix dns_zone or leave it out to find the zone by'
                                     ' SOA queries.' % (record, zone))
            zone = None  # the CNAME leads into another zone: find that one
        if not zone:
            zone = find_zone(target, lookup, 'dns_server %s' % self.server.label)
        self._located[record] = (target, zone, chain)
        return self._located[record]

    def present(self, material):
        """Add the value (keeping others at the name); return ``(changed, name, zone, diff)``."""
        target, zone, chain = self.locate(material.record)
        before = self.server.txt(target)
        value = material.record_value
        self._published.append((zone, target, value))
        if value in before:
            return False, target, zone, chain, None
        diff = _diff(target, before, before + [value])
        if not self.check_mode:
            self.server.update(zone, target, 'add', value, self.params['dns_ttl'])
        return True, target, zone, chain, diff

    def absent(self, material):
        """Delete exactly this value; return ``(changed, name, zone, diff)``."""
        target, zone, chain = self.locate(material.record)
        before = self.server.txt(target)
        value = material.record_value
        if value not in before:
            return False, target, zone, chain, None
        diff = _diff(target, before, [item for item in before if item != value])
        if not self.check_mode:
            self.server.update(zone, target, 'delete', value, self.params['dns_ttl'])
        return True, target, zone, chain, diff

    def propagation_servers(self, zone):
        """``[(label, DnsServer)]`` to check for ``zone``."""
        port = self.params['dns_port']
        timeout = self.params['dns_timeout']
        configured = self.params.get('propagation_nameservers')
        servers = []
        if configured:
            for text in configured:
                host, server_port = parse_server(text, port)
                servers.append(('%s:%d' % (host, server_port) if ':' not in host else '[%s]:%d' % (host, server_port),
                                host, server_port))
        else:
            for host, address in zone_nameservers(zone, self.server.lookup, self.resolve_all):
                shown = address if ':' not in address else '[%s]' % address
                servers.append(('%s (%s:%d)' % (host, shown, port), address, port))
        return [(label, self.server_factory(host, server_port, timeout=timeout, label=label))
                for label, host, server_port in servers]

    def wait(self):
        """After present: block until every authoritative server answers every value, or raise."""
        timeout = self.params['propagation_timeout']
        if self.check_mode or not self._published or timeout <= 0:
            return []
        tracker = PropagationTracker()
        checked = {}
        for zone, name, value in self._published:
            if zone not in checked:
                checked[zone] = self.propagation_servers(zone)
            for label, server in checked[zone]:
                tracker.expect(label, server, name, value)
        wait_for_propagation(tracker, lambda server, name: server.txt(name), timeout, clock=self.clock,
                             sleep=self.sleep)
        return sorted(set(label for servers in checked.values() for label, _server in servers))


def _diff(name, before, after):
    def render(values):
        return ''.join('%s TXT "%s"\n' % (name, value) for value in sorted(values))
    return {'before_header': '%s TXT' % name, 'after_header': '%s TXT' % name,
            'before': render(before), 'after': render(after)}
