#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: acme_challenge
short_description: Publish and clean up ACME challenge proofs (http-01, dns-01, tls-alpn-01)
version_added: 0.1.0
description:
  - Publishes the challenge material that M(certfleet.acme.acme_order) returns (its C(challenge_data)) where
    the CA will look for it, and removes it again with O(state=absent).
  - "B(http-01) into a web server's document root: C(<webroot>/.well-known/acme-challenge/<token>), written
    atomically, mode 0644 in 0755 directories. Nothing is ever written or removed outside O(webroot)."
  - "B(http-01) and B(tls-alpn-01) without a web server: a standalone responder (O(responder)) that runs as a
    detached background process, serves every token in its state directory (new tokens need no restart), answers
    tls-alpn-01 handshakes (ALPN C(acme-tls/1)) with the challenge certificate chosen by SNI, and exits by itself
    after O(responder.lifetime) seconds or when O(state=absent) removes its last token."
  - "B(dns-01) by RFC 2136 dynamic update, signed with TSIG: adds the TXT value at C(_acme-challenge.<name>)
    (other values at that name stay, so a wildcard and its base name can be proven together), follows a CNAME
    at that name into its target zone, and waits until every authoritative name server of the zone answers the
    value. O(state=absent) deletes exactly that value."
  - Every item and option is checked before anything is written; a token that is not base64url (for example one
    with C(/) or C(..)) is refused.
  - Runs on every host that may be asked for the proof (each backend of a load-balanced name), or on the
    controller for dns-01. It does not talk to the ACME server.
author:
  - certfleet.acme developers (@certfleet)
extends_documentation_fragment:
  - certfleet.acme.attributes
attributes:
  check_mode:
    support: full
    details:
      - Nothing is written, no DNS update is sent and no responder is started or stopped. DNS is read (zone,
        CNAME and the current TXT values) to predict the change.
  diff_mode:
    support: full
    details:
      - Shows the http-01 files and TXT values added or removed, and responders started or stopped.
options:
  challenges:
    description:
      - The challenge items to publish, as M(certfleet.acme.acme_order) returns them in C(challenge_data).
      - "Each item is a dict with C(identifier), C(identifier_type) (V(dns) or V(ip)), C(type) (V(http-01),
        V(dns-01) or V(tls-alpn-01)), C(token) and C(key_authorization); C(resource) and C(resource_value) for
        http-01, C(record) and C(record_value) for dns-01, and C(tls_alpn_certificate) and C(tls_alpn_private_key)
        for tls-alpn-01. The derived fields are checked against the token and key authorization."
      - For tls-alpn-01 without C(tls_alpn_certificate), the challenge certificate is built on the host (needs
        the Python library cryptography there).
      - An empty list does nothing.
      - Mutually exclusive with O(challenge); one of them is required.
    type: list
    elements: dict
  challenge:
    description:
      - One challenge item, as in O(challenges).
    type: dict
  state:
    description:
      - V(present) publishes the proofs; V(absent) removes exactly these proofs (other tokens and other TXT values
        stay) and stops a responder that has no token left.
    type: str
    choices: [present, absent]
    default: present
  webroot:
    description:
      - The document root the web server serves for the names, for http-01. The file goes to
        C(<webroot>/.well-known/acme-challenge/<token>); missing directories are created with mode 0755.
      - The webroot itself must exist. Its real path is resolved, and a symbolic link inside it that leads
        elsewhere is refused.
      - When both O(webroot) and O(responder) are set, http-01 goes to the webroot and tls-alpn-01 to the responder.
    type: path
  owner:
    description:
      - Owner (name or uid) of the http-01 files and of the directories created in O(webroot).
      - By default the user running the module.
    type: str
  group:
    description:
      - Group (name or gid) of the http-01 files and of the directories created in O(webroot).
    type: str
  responder:
    description:
      - Serve http-01 and tls-alpn-01 from a standalone responder process on this host instead of a web server.
      - One responder runs per address and port; it serves both challenge types on the same port (it tells
        a TLS handshake from an HTTP request by the first byte).
      - The module binds the port itself before it writes anything, so it fails at once when another program
        holds the port, and it returns only when the port accepts connections.
    type: dict
    suboptions:
      address:
        description:
          - The address to listen on. V(0.0.0.0) is every IPv4 address, V(::) every IPv4 and IPv6 address.
        type: str
        default: 0.0.0.0
      port:
        description:
          - The TCP port. The CA connects to 80 for http-01 and 443 for tls-alpn-01, which are the defaults
            (per challenge type). Ports below 1024 need root (C(become)).
        type: int
      lifetime:
        description:
          - Seconds after which the responder exits by itself, even if O(state=absent) never runs.
          - Each O(state=present) run extends the lifetime of a running responder to at least this many seconds
            from now.
        type: int
        default: 600
      state_dir:
        description:
          - Directory for the responders' state (PID, tokens, challenge certificates, log), one subdirectory per
            address and port, mode 0700.
        type: path
        default: /run/certfleet-acme
  dns_server:
    description:
      - For dns-01, the name server that takes the RFC 2136 updates (the zone's primary), as an address or
        host name.
      - Zone and CNAME lookups are also sent to this server.
    type: str
  dns_port:
    description:
      - Port of O(dns_server), and the port on which the zone's authoritative servers are asked during the
        propagation check (unless O(propagation_nameservers) names another).
    type: int
    default: 53
  dns_timeout:
    description:
      - Seconds to wait for each DNS answer.
    type: int
    default: 10
  tsig_key_name:
    description:
      - Name of the TSIG key that signs the updates, as in the server's C(key) statement.
      - Without it, updates are sent unsigned (only for servers that allow updates by address).
    type: str
  tsig_key_secret:
    description:
      - The TSIG key's secret, base64 as the server's C(key) statement (C(tsig-keygen)) has it.
    type: str
  tsig_algorithm:
    description:
      - The TSIG algorithm of the key.
    type: str
    choices: [hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1, hmac-md5]
    default: hmac-sha256
  dns_zone:
    description:
      - The zone that holds the C(_acme-challenge) records.
      - By default it is found by SOA queries at O(dns_server), walking up from the record name. When a CNAME
        leads out of this zone, the target's zone is found that way.
    type: str
  dns_ttl:
    description:
      - TTL of the TXT records added. Adding a value to a name that has others sets the TTL of all of them.
    type: int
    default: 60
  follow_cname:
    description:
      - When the C(_acme-challenge) name is a CNAME (the common way to delegate only the challenge to another
        zone or server), follow it, possibly across zones, and update the target name in the target's zone.
      - With V(false), a CNAME at the name is an error.
    type: bool
    default: true
  propagation_timeout:
    description:
      - After O(state=present), seconds to wait until every authoritative name server of the zone answers each
        new TXT value; the error names the servers that lag behind.
      - V(0) does not wait.
    type: int
    default: 120
  propagation_nameservers:
    description:
      - The name servers to check during the propagation wait, each C(host), C(host:port) or C([IPv6]:port).
      - By default the zone's NS records (from O(dns_server)), resolved to addresses and asked on O(dns_port).
    type: list
    elements: str
requirements:
  - python >= 3.9
  - dnspython (for dns-01)
  - cryptography >= 3.4 (for tls-alpn-01 when the material has no certificate)
notes:
  - The responder's state directory default is under C(/run), which only root can write; set
    O(responder.state_dir) when running without C(become).
  - For load-balanced names, run the http-01 task on every backend that could be asked.
  - The dns-01 propagation check asks each authoritative server directly (no recursion), so a stale cache in a
    resolver is not a reason to wait; it does not wait after O(state=absent).
seealso:
  - module: certfleet.acme.acme_order
  - name: RFC 8555 section 8
    description: The http-01 and dns-01 challenges.
    link: https://www.rfc-editor.org/rfc/rfc8555#section-8
  - name: RFC 8737
    description: The tls-alpn-01 challenge.
    link: https://www.rfc-editor.org/rfc/rfc8737
  - name: RFC 2136
    description: Dynamic updates in the DNS.
    link: https://www.rfc-editor.org/rfc/rfc2136
'''

EXAMPLES = r'''
- name: Publish the http-01 proofs in the web server's document root
  certfleet.acme.acme_challenge:
    challenges: "{{ order.challenge_data | selectattr('type', 'eq', 'http-01') }}"
    webroot: /var/www/html
    owner: www-data
    group: www-data

- name: Remove them again once the order is valid (always, also on failure)
  certfleet.acme.acme_challenge:
    challenges: "{{ order.challenge_data | selectattr('type', 'eq', 'http-01') }}"
    webroot: /var/www/html
    state: absent

- name: Publish dns-01 TXT records through RFC 2136 on the primary name server
  certfleet.acme.acme_challenge:
    challenges: "{{ order.challenge_data | selectattr('type', 'eq', 'dns-01') }}"
    dns_server: ns1.example.com
    tsig_key_name: acme-update
    tsig_key_secret: "{{ vault_tsig_secret }}"
    tsig_algorithm: hmac-sha256
    propagation_timeout: 300
  delegate_to: localhost

- name: Answer http-01 without a web server (standalone responder on port 80)
  become: true
  certfleet.acme.acme_challenge:
    challenges: "{{ order.challenge_data | selectattr('type', 'eq', 'http-01') }}"
    responder:
      port: 80
      lifetime: 900

- name: Answer tls-alpn-01 on port 443 while nothing else listens there
  become: true
  certfleet.acme.acme_challenge:
    challenges: "{{ order.challenge_data | selectattr('type', 'eq', 'tls-alpn-01') }}"
    responder:
      address: "::"
      port: 443

- name: Stop the responder (removes its tokens; it stops when none is left)
  become: true
  certfleet.acme.acme_challenge:
    challenges: "{{ order.challenge_data | selectattr('type', 'eq', 'tls-alpn-01') }}"
    responder:
      address: "::"
      port: 443
    state: absent
'''

RETURN = r'''
results:
  description: One entry per challenge item (duplicates given twice appear once).
  returned: always
  type: list
  elements: dict
  contains:
    identifier:
      description: The identifier the item proves.
      type: str
      sample: www.example.com
    identifier_type:
      description: V(dns) or V(ip).
      type: str
      sample: dns
    type:
      description: The challenge type.
      type: str
      sample: http-01
    token:
      description: The challenge token.
      type: str
      sample: LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0
    method:
      description: How it was published, V(webroot), V(responder) or V(dns).
      type: str
      sample: webroot
    published_at:
      description: Where the proof is (or was), the file path, the responder URL or the TXT record name.
      type: str
      sample: /var/www/html/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0
    changed:
      description: Whether this item changed anything.
      type: bool
    record:
      description: For dns-01, the C(_acme-challenge) name of the identifier.
      type: str
      returned: for dns-01
      sample: _acme-challenge.www.example.com
    record_value:
      description: For dns-01, the TXT value.
      type: str
      returned: for dns-01
      sample: 3Fm4BvCbJ-RAk3nNC2tGbv4QBrmOl1uAmFv8_Xy51BQ
    zone:
      description: For dns-01, the zone the update was sent to.
      type: str
      returned: for dns-01
      sample: example.com
    cname_chain:
      description: For dns-01, the CNAME targets followed from the record, empty when it is no CNAME.
      type: list
      elements: str
      returned: for dns-01
      sample: [www.acme.example.net]
responders:
  description: The responders this run used.
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: The address it listens on.
      type: str
      sample: 0.0.0.0
    port:
      description: The port it listens on.
      type: int
      sample: 80
    pid:
      description: Its process id, null when it is not running (or in check mode, not yet).
      type: int
      sample: 4242
    state_dir:
      description: Its state directory.
      type: str
      sample: /run/certfleet-acme/responder-0.0.0.0-80
    started:
      description: Whether this run started it (or would, in check mode).
      type: bool
    stopped:
      description: Whether this run stopped it (or would, in check mode).
      type: bool
    expires:
      description: When it exits by itself, in seconds since the epoch.
      type: float
      returned: after O(state=present), not in check mode
      sample: 1767225600.0
nameservers_checked:
  description: The authoritative name servers that were asked for the dns-01 values and answered them.
  returned: when dns-01 records were published and the propagation check ran
  type: list
  elements: str
  sample: [ns1.example.com (192.0.2.53:53)]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.acme.plugins.module_utils.challenge_dns import TSIG_ALGORITHMS
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_manager import ChallengeManager
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_responder import DEFAULT_STATE_DIR
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError


def argument_spec():
    return dict(
        challenges=dict(type='list', elements='dict'),
        challenge=dict(type='dict'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        webroot=dict(type='path'),
        owner=dict(type='str'),
        group=dict(type='str'),
        responder=dict(type='dict', options=dict(
            address=dict(type='str', default='0.0.0.0'),
            port=dict(type='int'),
            lifetime=dict(type='int', default=600),
            state_dir=dict(type='path', default=DEFAULT_STATE_DIR),
        )),
        dns_server=dict(type='str'),
        dns_port=dict(type='int', default=53),
        dns_timeout=dict(type='int', default=10),
        tsig_key_name=dict(type='str', no_log=False),
        tsig_key_secret=dict(type='str', no_log=True),
        tsig_algorithm=dict(type='str', choices=list(TSIG_ALGORITHMS), default='hmac-sha256'),
        dns_zone=dict(type='str'),
        dns_ttl=dict(type='int', default=60),
        follow_cname=dict(type='bool', default=True),
        propagation_timeout=dict(type='int', default=120),
        propagation_nameservers=dict(type='list', elements='str'),
    )


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[('challenges', 'challenge')],
        required_one_of=[('challenges', 'challenge')],
        required_together=[('tsig_key_name', 'tsig_key_secret')],
        supports_check_mode=True,
    )
    try:
        result = ChallengeManager(module.params, module.check_mode).run()
    except CertfleetError as error:
        module.fail_json(msg=error.msg, **error.details)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
