# Ask one DNS server (no recursion) for the TXT and CNAME records at a name; print JSON.
# usage: txt_lookup.py SERVER PORT NAME
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import socket
import sys

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype


def main():
    server, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    address = socket.getaddrinfo(server, port, 0, socket.SOCK_STREAM)[0][4][0]
    owner = dns.name.from_text(name)
    query = dns.message.make_query(owner, 'TXT')
    query.flags &= ~dns.flags.RD
    response = dns.query.tcp(query, address, port=port, timeout=5)
    values, cnames = [], []
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.TXT and rrset.name == owner:
            values.extend(b''.join(rdata.strings).decode('ascii') for rdata in rrset)
        elif rrset.rdtype == dns.rdatatype.CNAME:
            cnames.extend(rdata.target.to_text().rstrip('.') for rdata in rrset)
    print(json.dumps({'rcode': dns.rcode.to_text(response.rcode()), 'txt': sorted(values), 'cnames': cnames}))


if __name__ == '__main__':
    main()
