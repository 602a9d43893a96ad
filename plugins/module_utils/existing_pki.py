# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates that another PKI issued: checked on the controller before any host is touched.

Two ways in: a certificate and key pushed as they are (PEM or PKCS#12), or a certificate an external signer returned
for a host's CSR. Either way the certificate must follow the leaf rules of ``pki``, belong to the expected key, chain up
to a CA of the trust anchor's bundle and not be revoked by a CRL the caller knows of.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import local_ca, pki
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.pki import CertificateRuleError

try:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
except ImportError:  # pki.HAS_CRYPTOGRAPHY tells the callers
    pass

# A chain longer than this is a loop or a mistake, not a PKI.
MAX_CHAIN_LENGTH = 8


def _subjects(certs):
    return ", ".join("'%s'" % cert.subject.rfc4514_string() for cert in certs) or "none"


def anchor_certificates(bundle_pem, field):
    """The trust anchor's CA bundle; every certificate in it must be a valid CA."""
    if not bundle_pem or not str(bundle_pem).strip():
        raise CertificateRuleError(
            "%s is empty: give the PEM bundle of the CA certificates the trust anchor holds" % field,
            rule="trust_anchor",
            field=field,
        )
    anchors = pki.load_certificates(bundle_pem, field=field)
    for cert in anchors:
        pki.validate_ca_certificate(cert)
    return anchors


def check_key_matches(cert, public_key, label):
    if not local_ca.same_public_key(cert.public_key(), public_key):
        raise CertificateRuleError(
            "%s does not belong to its private key (the public keys differ); give the key the certificate "
            "was issued for" % label,
            rule="key_mismatch",
        )


def chain_to_anchor(leaf, offered, anchors, label):
    """Intermediates (leaf side first) that lead from ``leaf`` to a CA of ``anchors``, and that CA.

    The path runs up to a self-signed root of the bundle when it can: an intermediate the bundle also holds is sent along
    as part of the chain, so the host presents the same chain whether the anchor trusts the root alone or both.
    """
    roots = [cert for cert in anchors if cert.issuer == cert.subject]
    candidates = list(offered) + [cert for cert in anchors if cert not in roots]
    path, current = [], leaf
    for _step in range(MAX_CHAIN_LENGTH):
        for root in roots:
            if pki.verify_issued_by(current, root):
                return path, root
        issuers = [
            cert for cert in candidates if cert not in path and cert != current and pki.verify_issued_by(current, cert)
        ]
        if not issuers:
            break
        current = issuers[0]
        pki.validate_ca_certificate(current)
        path.append(current)
    # No root reached: an anchor that is an intermediate CA is an anchor all the same.
    for index, cert in enumerate(path):
        if cert in anchors:
            return path[:index], cert
    raise CertificateRuleError(
        "%s (issued by '%s') does not chain up to a CA of the trust anchor (%s) through the chain given (%s); give the "
        "intermediate CA certificates of your PKI, or add its CA to the trust anchor's bundle"
        % (label, leaf.issuer.rfc4514_string(), _subjects(anchors), _subjects(offered)),
        rule="chain",
    )


def check_not_revoked(cert, crls, anchors, label):
    """``crls``: CRL objects; only those a CA of the trust anchor (or the chain) signed count."""
    for crl in crls:
        pki.verify_crl_issued_by(crl, anchors)
        if crl.issuer != cert.issuer:
            continue
        if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
            raise CertificateRuleError(
                "%s (serial %s) is revoked by the CRL of '%s'; issue a new certificate"
                % (label, pki.serial_hex(cert.serial_number), crl.issuer.rfc4514_string()),
                rule="revoked",
            )


def load_crls(crl_pem, field):
    if not crl_pem or not str(crl_pem).strip():
        return []
    return [pki.load_crl(block, field=field) for block in _pem_blocks(crl_pem, pki.PEM_CRL_MARKER)]


def _pem_blocks(text, marker):
    end = marker.replace("BEGIN", "END")
    text = text.decode("ascii") if isinstance(text, bytes) else text
    blocks = []
    for part in text.split(marker)[1:]:
        blocks.append(marker + part.split(end)[0] + end + "\n")
    return blocks


def check_leaf(cert, chain, anchors, crls, label):
    """Leaf rules, chain to the anchor, revocation. Returns (intermediates PEM, anchor PEM)."""
    try:
        pki.validate_leaf_certificate(cert)
    except CertificateRuleError as exc:
        raise CertificateRuleError("%s: %s" % (label, exc), rule=exc.rule)
    path, anchor = chain_to_anchor(cert, chain, anchors, label)
    check_not_revoked(cert, crls, anchors + path, label)
    # The host keeps the anchor CA the chain ends at as ca.pem, and sends only the intermediates along.
    return "".join(local_ca.pem_of(c) for c in path), local_ca.pem_of(anchor)


def load_private_key_pem(pem, field):
    data = pem.encode("ascii") if not isinstance(pem, bytes) else pem
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise CertificateRuleError(
            "%s is encrypted; give the key unencrypted (from Ansible Vault) or as a PKCS#12 bundle with its "
            "password" % field,
            rule="private_key",
            field=field,
        )
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CertificateRuleError(
            "%s is not a readable PEM private key (%s)" % (field, exc), rule="private_key", field=field
        )


def load_pkcs12(data, password, field):
    """(private key, certificate, extra certificates) from a PKCS#12 bundle; a wrong password is named as such."""
    secret = password.encode("utf-8") if password else None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
    except (ValueError, TypeError) as exc:
        raise CertificateRuleError(
            "%s cannot be opened: the password (rolesanywhere_push_pkcs12_password) is wrong or the file is "
            "not a PKCS#12 bundle (%s)" % (field, exc),
            rule="pkcs12",
            field=field,
        )
    if key is None or cert is None:
        raise CertificateRuleError(
            "%s holds no %s; the bundle must carry the host's certificate and its private key"
            % (field, "private key" if key is None else "certificate"),
            rule="pkcs12",
            field=field,
        )
    return key, cert, list(extra or [])


def private_key_pem(key):
    """PKCS#8, unencrypted: what the credential helper reads on the host, like a host-born key."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
