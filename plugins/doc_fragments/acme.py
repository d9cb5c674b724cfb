# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Mirrors acme_argument_spec() in plugins/module_utils/acme_module.py.
    DOCUMENTATION = r'''
options:
  acme_directory:
    description:
      - The ACME directory URL of the CA, or the name of a well-known public ACME CA.
      - "Names: V(letsencrypt), V(letsencrypt-staging), V(zerossl), V(google), V(google-staging),
        V(sslcom-rsa), V(sslcom-ecc), V(sectigo), V(actalis), V(digicert), V(globalsign)."
      - Set it once for a play with C(module_defaults) and the action group C(group/certfleet.acme.acme).
    type: str
    required: true
  acme_ca_bundle:
    description:
      - A PEM file on the ACME controller with the CA certificate(s) to trust for the ACME server's own
        TLS certificate, for private CAs and test CAs such as Pebble.
      - It always wins over the environment variables E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE).
      - When not set, the system trust store is used.
    type: path
  validate_certs:
    description:
      - Verify the ACME server's TLS certificate.
      - Only set to V(false) for throw-away tests; prefer O(acme_ca_bundle).
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for each HTTP answer from the ACME server.
      - Failed requests are retried (bad nonce, rate limit, server errors) within one bounded deadline.
    type: int
    default: 30
  account_key_src:
    description:
      - Path on the ACME controller of the account's PEM private key (RSA 2048-4096, EC P-256 or P-384).
      - Mutually exclusive with O(account_key_content); one of them is required.
    type: path
  account_key_content:
    description:
      - The account's PEM private key as text, for example from a vault-encrypted variable.
      - Never written to disk and never logged.
    type: str
  account_key_passphrase:
    description:
      - Passphrase of an encrypted account key.
    type: str
requirements:
  - python >= 3.9
  - cryptography >= 3.4
  - josepy >= 2.0
  - requests
'''
