# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private keys: load (file or content, with passphrase), generate, describe.

cryptography does the key work and josepy the JWK work; this file only adds
the policy (which key types we accept) and errors that name the option to fix.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.acme.plugins.module_utils.errors import CertfleetError

try:
    import josepy as jose
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
except ImportError:  # reported by deps.require_libraries
    pass

# The key types a CA accepts for accounts and certificates (Let's Encrypt, Pebble,
# and the other public ACME CAs): RSA 2048-4096 and the NIST curves P-256/P-384.
KEY_TYPES = ('ec256', 'ec384', 'rsa2048', 'rsa3072', 'rsa4096')
RSA_MIN_BITS = 2048
RSA_MAX_BITS = 4096


def _curves():
    return {'ec256': ec.SECP256R1(), 'ec384': ec.SECP384R1()}


def generate_private_key(key_type):
    """A new private key of ``key_type`` (one of KEY_TYPES)."""
    if key_type in ('ec256', 'ec384'):
        return ec.generate_private_key(_curves()[key_type])
    if key_type in ('rsa2048', 'rsa3072', 'rsa4096'):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[3:]))
    raise CertfleetError('Unsupported key type %r; choose one of %s.' % (key_type, ', '.join(KEY_TYPES)))


def describe_key(key):
    """The KEY_TYPES name of a private or public key, or None for an unsupported one."""
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        if RSA_MIN_BITS <= key.key_size <= RSA_MAX_BITS:
            return 'rsa%d' % key.key_size
        return None
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return {'secp256r1': 'ec256', 'secp384r1': 'ec384'}.get(key.curve.name)
    return None


def _key_label(key):
    if isinstance(key, rsa.RSAPrivateKey):
        return 'an RSA %d-bit key' % key.key_size
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return 'an EC key on curve %s' % key.curve.name
    return 'a %s' % type(key).__name__.lstrip('_')


def load_private_key(pem, passphrase=None, option='private key'):
    """Parse a PEM private key; errors name ``option`` and say how to fix it."""
    if isinstance(pem, str):
        pem = pem.encode('utf-8')
    password = passphrase.encode('utf-8') if passphrase else None
    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except TypeError as exc:
        if password is None:
            raise CertfleetError(
                '%s is encrypted: give its passphrase in the matching *_passphrase option.' % option)
        raise CertfleetError('%s is not encrypted, but a passphrase was given: drop the passphrase. (%s)'
                             % (option, exc))
    except ValueError as exc:
        # cryptography says "Bad decrypt. Incorrect password?" for a wrong passphrase; about one wrong
        # passphrase in 256 passes the padding check and fails later as undecodable data instead.
        if password is not None and ('password' in str(exc).lower() or b'ENCRYPTED' in pem):
            raise CertfleetError('%s could not be decrypted: the passphrase is wrong.' % option)
        raise CertfleetError('%s is not a readable PEM private key (%s). Give a PEM file such as one written by'
                             ' "openssl genpkey".' % (option, exc.__class__.__name__))
    except Exception as exc:  # cryptography raises its own types for odd keys
        raise CertfleetError('%s could not be loaded: %s' % (option, exc))
    if describe_key(key) is None:
        raise CertfleetError('%s is %s, which ACME CAs do not accept. Use one of: %s.'
                             % (option, _key_label(key), ', '.join(KEY_TYPES)))
    return key


def private_key_to_pem(key, passphrase=None):
    """PKCS#8 PEM bytes, encrypted with ``passphrase`` when one is given."""
    if passphrase:
        encryption = serialization.BestAvailableEncryption(passphrase.encode('utf-8'))
    else:
        encryption = serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


class AccountKey(object):
    """An account key as a JWK, with the JWS algorithm the CA expects for it."""

    def __init__(self, private_key):
        self.private_key = private_key
        self.key_type = describe_key(private_key)
        if isinstance(private_key, rsa.RSAPrivateKey):
            self.jwk = jose.JWKRSA(key=private_key)
            self.alg = jose.RS256
        else:
            self.jwk = jose.JWKEC(key=private_key)
            self.alg = {'ec256': jose.ES256, 'ec384': jose.ES384}[self.key_type]

    def public_jwk(self):
        """The public JWK as a JSON-ready dict."""
        return self.jwk.public_key().to_partial_json()

    def thumbprint(self):
        """RFC 7638 SHA-256 thumbprint, base64url: the tail of every key authorization."""
        return jose.b64.b64encode(self.jwk.thumbprint()).decode('ascii')
