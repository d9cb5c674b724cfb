# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The declarative side of ``acme_challenge``: publish or clean up challenge material.

Three phases, so that a bad item or a bad option never leaves half a change:

1. check every item and every option, and pick the method for each item
   (http-01: ``webroot``, else the responder; dns-01: RFC 2136; tls-alpn-01: the responder);
2. prepare: resolve the webroot and every file path in it, read what DNS holds,
   bind the responder ports that need a new responder;
3. apply, then finish (start/stop responders, wait for DNS propagation).

In check mode phases 1 and 2 run read-only and phase 3 only predicts.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.acme.plugins.module_utils import tls_alpn
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_dns import (
    DnsPublisher, _require_dnspython)
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_http import WebrootPublisher
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_material import (
    DNS_01, HTTP_01, TLS_ALPN_01, validate_all, validate_material)
from ansible_collections.certfleet.acme.plugins.module_utils.challenge_responder import DEFAULT_PORTS, Responder
from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

METHOD_WEBROOT = 'webroot'
METHOD_RESPONDER = 'responder'
METHOD_DNS = 'dns'


def check_options(params):
    """Option values the argument spec cannot check."""
    for name, minimum in (('dns_ttl', 0), ('propagation_timeout', 0), ('dns_timeout', 1), ('dns_port', 1)):
        if params.get(name) is not None and params[name] < minimum:
            raise CertfleetError('%s must be at least %d, not %s.' % (name, minimum, params[name]))
    if params.get('dns_port') and params['dns_port'] > 65535:
        raise CertfleetError('dns_port must be a TCP/UDP port (1-65535), not %s.' % params['dns_port'])
    responder = params.get('responder')
    if responder:
        port = responder.get('port')
        if port is not None and not 0 < port < 65536:
            raise CertfleetError('responder.port must be a TCP port (1-65535), not %s.' % port)
        if responder['lifetime'] <= 0:
            raise CertfleetError('responder.lifetime must be a positive number of seconds, not %s.'
                                 % responder['lifetime'])
        if not responder.get('state_dir'):
            raise CertfleetError('responder.state_dir must not be empty.')


def method_for(material, params):
    if material.type == HTTP_01:
        if params.get('webroot'):
            return METHOD_WEBROOT
        if params.get('responder'):
            return METHOD_RESPONDER
        raise CertfleetError('%s is http-01: set webroot (the document root the web server serves for %s) or'
                             ' responder (a standalone responder on port 80).'
                             % (material.describe(), material.identifier))
    if material.type == DNS_01:
        if not params.get('dns_server'):
            raise CertfleetError('%s is dns-01: set dns_server (the primary name server that takes RFC 2136'
                                 ' updates) and the tsig_* options.' % material.describe())
        return METHOD_DNS
    if not params.get('responder'):
        raise CertfleetError('%s is tls-alpn-01: set responder (a standalone responder, usually on port 443).'
                             % material.describe())
    return METHOD_RESPONDER


class ChallengeManager(object):

    def __init__(self, params, check_mode, dns_publisher_factory=DnsPublisher):
        self.params = params
        self.check_mode = check_mode
        self.state = params['state']
        self.dns_publisher_factory = dns_publisher_factory
        self.diffs = []
        self._pems = {}

    # -- phase 1 --------------------------------------------------------------------

    def _materials(self):
        if self.params.get('challenge') is not None:
            return [validate_material(self.params['challenge'])]
        return validate_all(self.params.get('challenges'))

    def _check_tls(self, material):
        if self.state != 'present':
            return
        if material.tls_alpn_certificate:
            if tls_alpn.CRYPTOGRAPHY_IMPORT_ERROR is None:
                tls_alpn.check_challenge_certificate(material.tls_alpn_certificate, material.tls_alpn_private_key,
                                                     material.identifier, material.identifier_type,
                                                     material.key_authorization, material.label)
        else:
            tls_alpn._require_cryptography()

    def tls_pem(self, material):
        """Key + certificate for the responder; built here when the material has none."""
        key = (material.identifier, material.token)
        if key not in self._pems:
            if material.tls_alpn_certificate:
                cert_pem, key_pem = material.tls_alpn_certificate, material.tls_alpn_private_key
            else:
                cert_pem, key_pem = tls_alpn.build_challenge_certificate(
                    material.identifier, material.identifier_type, material.key_authorization)
            self._pems[key] = (key_pem.strip() + '\n' + cert_pem.strip() + '\n').encode('ascii')
        return self._pems[key]

    # -- run ------------------------------------------------------------------------

    def run(self):
        check_options(self.params)
        materials = self._materials()
        plan = [(material, method_for(material, self.params)) for material in materials]
        for material, _method in plan:
            if material.type == TLS_ALPN_01:
                self._check_tls(material)
        methods = set(method for _material, method in plan)
        if METHOD_DNS in methods:
            _require_dnspython()

        webroot = None
        if METHOD_WEBROOT in methods:
            webroot = WebrootPublisher(self.params['webroot'], self.params.get('owner'), self.params.get('group'),
                                       self.check_mode)
        paths = {}
        for material, method in plan:  # every path checked before the first write
            if method == METHOD_WEBROOT:
                paths[material.token] = webroot.path_for(material)
        dns = self.dns_publisher_factory(self.params, self.check_mode) if METHOD_DNS in methods else None
        responders = {}
        for material, method in plan:
            if method == METHOD_RESPONDER:
                self._responder(responders, material)

        try:
            for responder in responders.values():
                if self.state == 'present':
                    responder.prepare_present()
                else:
                    responder.lock()
            if dns is not None:
                for material, method in plan:
                    if method == METHOD_DNS:
                        dns.locate(material.record)  # all zones and CNAMEs found before the first update
            results = [self._apply(material, method, webroot, paths, dns, responders) for material, method in plan]
            responder_results = self._finish_responders(responders, results)
            nameservers = dns.wait() if dns is not None and self.state == 'present' else []
        finally:
            for responder in responders.values():
                responder.release()

        result = {
            'changed': any(item['changed'] for item in results) or any(
                item['started'] or item['stopped'] for item in responder_results),
            'results': results,
            'responders': responder_results,
            'diff': self.diffs,
        }
        if nameservers:
            result['nameservers_checked'] = nameservers
        return result

    def _responder(self, responders, material):
        options = self.params['responder']
        port = options.get('port') or DEFAULT_PORTS[material.type]
        key = (options['address'], port)
        if key not in responders:
            responders[key] = Responder(options['address'], port, options['lifetime'], options['state_dir'],
                                        self.check_mode)
        return responders[key]

    def _apply(self, material, method, webroot, paths, dns, responders):
        result = {'identifier': material.identifier, 'identifier_type': material.identifier_type,
                  'type': material.type, 'token': material.token, 'method': method}
        if method == METHOD_WEBROOT:
            path = paths[material.token]
            changed, diff = getattr(webroot, self.state)(material, path)
            result.update(published_at=path)
        elif method == METHOD_DNS:
            changed, name, zone, chain, diff = getattr(dns, self.state)(material)
            result.update(published_at='%s TXT' % name, record=material.record, record_value=material.record_value,
                          zone=zone, cname_chain=chain[1:])
        else:
            responder = self._responder(responders, material)
            if self.state == 'present':
                changed, diff = responder.present(material, self.tls_pem)
            else:
                changed, diff = responder.absent(material)
            if material.type == HTTP_01:
                result.update(published_at=responder.url(material.token))
            else:
                result.update(published_at='tls-alpn-01 on %s, SNI %s' % (responder.where, material.server_name))
        if diff:
            self.diffs.append(diff)
        result['changed'] = changed
        return result

    def _finish_responders(self, responders, results):
        summaries = []
        for responder in responders.values():
            if self.state == 'present':
                if responder.finish_present():
                    self.diffs.append({'before_header': 'responder %s' % responder.where, 'before': 'stopped\n',
                                       'after_header': 'responder %s' % responder.where, 'after': 'running\n'})
            elif responder.finish_absent():
                self.diffs.append({'before_header': 'responder %s' % responder.where, 'before': 'running\n',
                                   'after_header': 'responder %s' % responder.where, 'after': 'stopped\n'})
            summaries.append(responder.to_result())
        return summaries
