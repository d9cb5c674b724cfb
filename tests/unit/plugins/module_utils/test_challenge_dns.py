from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.certfleet.acme.plugins.module_utils.challenge_dns import (
    DnsPublisher, PropagationTracker, Reply, find_zone, follow_cnames, is_subdomain, parent_names, parse_server,
    wait_for_propagation, zone_nameservers)
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_material import validate_material
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

THUMBPRINT = 'Ahk2GDq0dP8h3XKGtKAAzOlvNNbPbU5Oa3yQZoCqb5g'


class FakeDns(object):
    """An authoritative server for a few zones, answering like BIND: SOA/NS/CNAME/TXT/A, REFUSED elsewhere."""

    def __init__(self, zones, records=None, delegations=None):
        self.zones = zones  # zone -> list of NS host names
        self.records = dict(records or {})  # (name, rdtype) -> [values]
        self.delegations = delegations or {}  # child zone -> NS hosts, not served here
        self.queries = []
        self.updates = []
        self.label = 'fake:53'

    def _zone_of(self, name):
        for candidate in parent_names(name):
            if candidate in self.delegations:
                return None, candidate
            if candidate in self.zones:
                return candidate, None
        return None, None

    def lookup(self, name, rdtype):
        self.queries.append((name, rdtype))
        zone, delegated = self._zone_of(name)
        if delegated:
            return Reply('NOERROR', [], [(delegated, 'NS', self.delegations[delegated])], authoritative=False)
        if zone is None:
            return Reply('REFUSED')
        if rdtype == 'SOA' and name == zone:
            return Reply('NOERROR', [(zone, 'SOA', ['ns1.%s. hostmaster.%s. 1 60 60 600 60' % (zone, zone)])])
        if rdtype == 'NS' and name == zone:
            return Reply('NOERROR', [(zone, 'NS', self.zones[zone])])
        values = self.records.get((name, rdtype))
        if values:
            return Reply('NOERROR', [(name, rdtype, values)])
        cname = self.records.get((name, 'CNAME'))
        if cname:
            return Reply('NOERROR', [(name, 'CNAME', cname)])
        exists = any(key[0] == name or key[0].endswith('.' + name) for key in self.records)
        return Reply('NOERROR' if exists else 'NXDOMAIN', [], [(zone, 'SOA', ['...'])])

    def txt(self, name):
        reply = self.lookup(name, 'TXT')
        return reply.values(name, 'TXT')

    def update(self, zone, name, action, value, ttl):
        self.updates.append((zone, name, action, value, ttl))
        values = self.records.setdefault((name, 'TXT'), [])
        if action == 'add' and value not in values:
            values.append(value)
        elif action == 'delete' and value in values:
            values.remove(value)


def material(identifier, token):
    return validate_material({'identifier': identifier, 'type': 'dns-01', 'token': token,
                              'key_authorization': token + '.' + THUMBPRINT})


def params(**changes):
    base = {'dns_server': '127.0.0.1', 'dns_port': 53, 'dns_timeout': 5, 'tsig_key_name': 'k', 'tsig_key_secret': 's',
            'tsig_algorithm': 'hmac-sha256', 'dns_zone': None, 'dns_ttl': 60, 'follow_cname': True,
            'propagation_timeout': 10, 'propagation_nameservers': None}
    base.update(changes)
    return base


def test_names():
    assert parent_names('_acme-challenge.www.certfleet.test.') == [
        '_acme-challenge.www.certfleet.test', 'www.certfleet.test', 'certfleet.test', 'test']
    assert is_subdomain('a.b.test', 'B.test.')
    assert not is_subdomain('ab.test', 'b.test')


def test_parse_server():
    assert parse_server('ns1.example.com', 53) == ('ns1.example.com', 53)
    assert parse_server('127.0.0.1:5353', 53) == ('127.0.0.1', 5353)
    assert parse_server('[::1]:5353', 53) == ('::1', 5353)
    assert parse_server('[::1]', 53) == ('::1', 53)
    assert parse_server('2001:db8::53', 53) == ('2001:db8::53', 53)
    for bad in ('host:0', 'host:http', '[::1', ''):
        with pytest.raises(CertfleetError):
            parse_server(bad, 53)


def test_find_zone_walks_up_by_soa():
    fake = FakeDns({'certfleet.test': ['ns1.certfleet.test']}, {('www.certfleet.test', 'A'): ['127.0.0.1']})
    assert find_zone('_acme-challenge.www.certfleet.test', fake.lookup) == 'certfleet.test'
    assert find_zone('certfleet.test', fake.lookup) == 'certfleet.test'


def test_find_zone_prefers_the_deepest_zone():
    fake = FakeDns({'certfleet.test': ['ns1'], 'sub.certfleet.test': ['ns1']})
    assert find_zone('_acme-challenge.sub.certfleet.test', fake.lookup) == 'sub.certfleet.test'


def test_find_zone_walks_past_refusals():
    # a server that answers only for the apex (no authority SOA in negative answers)
    def lookup(name, rdtype):
        if name == 'certfleet.test' and rdtype == 'SOA':
            return Reply('NOERROR', [('certfleet.test.', 'SOA', ['x'])])
        return Reply('REFUSED')
    assert find_zone('_acme-challenge.a.b.certfleet.test', lookup) == 'certfleet.test'


def test_find_zone_errors():
    fake = FakeDns({'certfleet.test': ['ns1']})
    with pytest.raises(CertfleetError, match='Could not find the zone of _acme-challenge.www.other.test.*set dns_zone'):
        find_zone('_acme-challenge.www.other.test', fake.lookup)
    delegated = FakeDns({'certfleet.test': ['ns1']}, delegations={'child.certfleet.test': ['ns.elsewhere.test']})
    with pytest.raises(CertfleetError, match='delegates to other name servers .ns.elsewhere.test.'):
        find_zone('_acme-challenge.www.child.certfleet.test', delegated.lookup)


def test_follow_cnames_across_zones_and_loops():
    fake = FakeDns({'certfleet.test': ['ns1'], 'delegated.test': ['ns1']}, {
        ('_acme-challenge.cname.certfleet.test', 'CNAME'): ['hop.certfleet.test.'],
        ('hop.certfleet.test', 'CNAME'): ['Cname.Delegated.Test.'],
    })
    target, chain = follow_cnames('_acme-challenge.cname.certfleet.test', fake.lookup)
    assert target == 'cname.delegated.test'
    assert chain == ['_acme-challenge.cname.certfleet.test', 'hop.certfleet.test', 'cname.delegated.test']
    assert follow_cnames('plain.certfleet.test', fake.lookup) == ('plain.certfleet.test', ['plain.certfleet.test'])
    looping = FakeDns({'t': []}, {('a.t', 'CNAME'): ['b.t'], ('b.t', 'CNAME'): ['a.t']})
    with pytest.raises(CertfleetError, match='loops back to a.t'):
        follow_cnames('a.t', looping.lookup)
    long_chain = FakeDns({'t': []}, dict((('n%d.t' % i, 'CNAME'), ['n%d.t' % (i + 1)]) for i in range(20)))
    with pytest.raises(CertfleetError, match='longer than 8 hops'):
        follow_cnames('n0.t', long_chain.lookup)


def test_zone_nameservers_from_glue_or_resolver():
    fake = FakeDns({'certfleet.test': ['ns1.certfleet.test', 'ns.outside.test']},
                   {('ns1.certfleet.test', 'A'): ['192.0.2.1'], ('ns1.certfleet.test', 'AAAA'): ['2001:db8::1']})
    servers = zone_nameservers('certfleet.test', fake.lookup, lambda host: ['198.51.100.7'])
    assert servers == [('ns.outside.test', '198.51.100.7'), ('ns1.certfleet.test', '192.0.2.1'),
                       ('ns1.certfleet.test', '2001:db8::1')]
    with pytest.raises(CertfleetError, match='ns.outside.test of zone certfleet.test has no address'):
        zone_nameservers('certfleet.test', fake.lookup, lambda host: [])


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_propagation_waits_for_every_server():
    tracker = PropagationTracker()
    for label in ('ns1', 'ns2'):
        tracker.expect(label, label, '_acme-challenge.x.test', 'v1')
        tracker.expect(label, label, '_acme-challenge.x.test', 'v2')
    answers = {'ns1': [['v1', 'v2']], 'ns2': [[], ['v1'], ['v1', 'v2', 'other']]}
    asked = []

    def query(server, name):
        asked.append(server)
        queue = answers[server]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    clock = Clock()
    wait_for_propagation(tracker, query, 30, interval=1, clock=clock, sleep=clock.sleep)
    assert tracker.done()
    assert asked == ['ns1', 'ns2', 'ns2', 'ns2']  # a server that answered is not asked again
    assert clock.now == 2


def test_propagation_timeout_names_the_lagging_servers():
    tracker = PropagationTracker()
    tracker.expect('ns1 (192.0.2.1:53)', 'a', 'n.test', 'v')
    tracker.expect('ns2 (192.0.2.2:53)', 'b', 'n.test', 'v')

    def query(server, name):
        if server == 'a':
            return ['v']
        raise CertfleetError('timed out')

    clock = Clock()
    with pytest.raises(CertfleetError) as raised:
        wait_for_propagation(tracker, query, 5, interval=1, clock=clock, sleep=clock.sleep)
    message = raised.value.msg
    assert 'ns2 (192.0.2.2:53) lacks n.test TXT "v"' in message
    assert 'error: timed out' in message
    assert 'ns1' not in message
    assert 'propagation_timeout (5 s)' in message
    assert clock.now == 5


def test_publisher_present_absent_keeps_other_values():
    fake = FakeDns({'certfleet.test': ['ns1.certfleet.test']}, {('ns1.certfleet.test', 'A'): ['127.0.0.1']})
    publisher = DnsPublisher(params(propagation_timeout=0), False, server=fake)
    wildcard, base = material('*.certfleet.test', 'tokenWILD'), material('certfleet.test', 'tokenBASE')
    assert publisher.present(wildcard)[0] is True
    changed, name, zone, chain, diff = publisher.present(base)
    assert (changed, name, zone, chain) == (True, '_acme-challenge.certfleet.test', 'certfleet.test',
                                            ['_acme-challenge.certfleet.test'])
    assert diff['before'].count('TXT') == 1 and diff['after'].count('TXT') == 2
    assert fake.records[('_acme-challenge.certfleet.test', 'TXT')] == [wildcard.record_value, base.record_value]
    assert publisher.present(base)[0] is False  # idempotent
    assert publisher.absent(wildcard)[0] is True
    assert fake.records[('_acme-challenge.certfleet.test', 'TXT')] == [base.record_value]
    assert publisher.absent(wildcard)[0] is False
    assert [update[2] for update in fake.updates] == ['add', 'add', 'delete']
    assert fake.updates[0][4] == 60


def test_publisher_check_mode_sends_no_update():
    fake = FakeDns({'certfleet.test': ['ns1']})
    publisher = DnsPublisher(params(), True, server=fake)
    assert publisher.present(material('www.certfleet.test', 'tok'))[0] is True
    assert fake.updates == []
    assert publisher.wait() == []


def test_publisher_follows_cname_into_the_target_zone():
    fake = FakeDns({'certfleet.test': ['ns1'], 'delegated.test': ['ns1']},
                   {('_acme-challenge.cname.certfleet.test', 'CNAME'): ['cname.delegated.test.']})
    publisher = DnsPublisher(params(dns_zone='certfleet.test', propagation_timeout=0), False, server=fake)
    changed, name, zone, chain, _diff = publisher.present(material('cname.certfleet.test', 'tok'))
    assert (changed, name, zone) == (True, 'cname.delegated.test', 'delegated.test')
    assert chain[1:] == ['cname.delegated.test']
    assert fake.updates[0][:2] == ('delegated.test', 'cname.delegated.test')
    no_follow = DnsPublisher(params(follow_cname=False), False, server=fake)
    with pytest.raises(CertfleetError, match='is a CNAME to cname.delegated.test, and follow_cname is false'):
        no_follow.present(material('cname.certfleet.test', 'tok'))


def test_publisher_dns_zone_must_hold_the_name():
    fake = FakeDns({'certfleet.test': ['ns1']})
    publisher = DnsPublisher(params(dns_zone='other.test'), False, server=fake)
    with pytest.raises(CertfleetError, match='is not inside dns_zone other.test'):
        publisher.present(material('www.certfleet.test', 'tok'))


def test_publisher_waits_on_the_zone_servers():
    fake = FakeDns({'certfleet.test': ['ns1.certfleet.test']}, {('ns1.certfleet.test', 'A'): ['192.0.2.1']})
    made = []

    class Secondary(object):
        def __init__(self, host, port, timeout=None, label=None, **_kwargs):
            made.append((host, port, label))

        def txt(self, name):
            return fake.txt(name)

    publisher = DnsPublisher(params(dns_port=5353), False, server=fake, server_factory=Secondary)
    publisher.present(material('www.certfleet.test', 'tok'))
    assert publisher.wait() == ['ns1.certfleet.test (192.0.2.1:5353)']
    assert made == [('192.0.2.1', 5353, 'ns1.certfleet.test (192.0.2.1:5353)')]
    made[:] = []
    configured = DnsPublisher(params(propagation_nameservers=['10.0.0.1', '[::1]:54']), False, server=fake,
                              server_factory=Secondary)
    configured.present(material('www.certfleet.test', 'tok'))
    assert configured.wait() == ['10.0.0.1:53', '[::1]:54']


def test_wire_errors_are_explained(monkeypatch):
    pytest.importorskip('dns.tsig')
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode
    from ansible_collections.certfleet.acme.plugins.module_utils.challenge_dns import DnsServer

    secret = 'hoJHGD206h4ArxSXy+WV32ZhkoblNTUDjdn+4ujwZRY='
    server = DnsServer('127.0.0.1', 5300, timeout=3, key_name='certfleet-update', key_secret=secret)

    def raising(exc):
        def tcp(*_args, **_kwargs):
            raise exc
        return tcp

    cases = [
        (dns.tsig.PeerBadKey(), r'BADKEY, it knows no TSIG key .certfleet-update. with algorithm hmac-sha256.*tsig_key_name'),
        (dns.tsig.PeerBadSignature(), r'BADSIG.*tsig_key_secret .or tsig_algorithm. does not match'),
        (dns.tsig.PeerBadTime(), r'BADTIME.*NTP'),
        (dns.exception.Timeout(), r'did not answer the update .* within 3 s; check dns_server and dns_port'),
        (ConnectionRefusedError(111, 'Connection refused'), r'Connection refused.*Check dns_server, dns_port'),
    ]
    for exc, expected in cases:
        monkeypatch.setattr(dns.query, 'tcp', raising(exc))
        with pytest.raises(CertfleetError, match=expected) as raised:
            server.update('certfleet.test', '_acme-challenge.www.certfleet.test', 'add', 'value', 60)
        assert secret not in raised.value.msg

    for rcode, expected in (('REFUSED', 'update-policy'), ('NOTAUTH', 'not authoritative'),
                            ('NOTZONE', 'check dns_zone'), ('SERVFAIL', 'journal')):
        def answer(message, *_args, **_kwargs):
            response = dns.message.make_response(message)
            response.set_rcode(dns.rcode.from_text(rcode))
            return response
        monkeypatch.setattr(dns.query, 'tcp', answer)
        with pytest.raises(CertfleetError, match='answered %s to the update.*%s' % (rcode, expected)):
            server.update('certfleet.test', '_acme-challenge.www.certfleet.test', 'delete', 'value', 60)


def test_tsig_option_checks():
    pytest.importorskip('dns.tsig')
    from ansible_collections.certfleet.acme.plugins.module_utils.challenge_dns import check_tsig
    check_tsig('certfleet-update', 'hoJHGD206h4ArxSXy+WV32ZhkoblNTUDjdn+4ujwZRY=')
    for secret in ('', 'not base64 !!', 'abc'):
        with pytest.raises(CertfleetError, match='tsig_key_secret is not a valid base64'):
            check_tsig('k', secret)
    with pytest.raises(CertfleetError, match='tsig_key_name'):
        check_tsig('a..b', 'aGVsbG8=')
