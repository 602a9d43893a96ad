# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CA custody: never swap the CA an existing trust anchor trusts by accident.

Every host certificate chains to a CA in the trust anchor's bundle. A controller that lost its CA directory (or an
execution environment that starts empty) would otherwise create a fresh CA and overwrite the bundle, and every
enrolled host would be locked out at its next credential request. So a CA that is missing, or differs from what the
anchor trusts, stops the run before any change, and replacing the anchor's CAs takes an explicit ``replace``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from cryptography.hazmat.primitives.serialization import Encoding
except ImportError:
    Encoding = None  # pki.HAS_CRYPTOGRAPHY tells the callers

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.pki import CertificateRuleError

WAYS_FORWARD = (
    "Nothing was changed. Either restore the CA the trust anchor trusts (its certificate and key into the CA "
    "directory rolesanywhere_ca_path, or into rolesanywhere_ca_certificate_pem and rolesanywhere_ca_private_key_pem), "
    "or rotate on purpose: with overlap (the hybridcloud.rolesanywhere.rotate_ca playbook adds the new CA next to "
    "the old one, re-enrolls the hosts and removes the old CA last), or at once with rolesanywhere_ca_replace: true (replace: "
    "true on the modules), which locks out every host until it is enrolled again."
)


def describe_ca(cert):
    """Subject and SHA-256 fingerprint: what a person compares against ``openssl x509 -fingerprint -sha256``."""
    return "'%s' (SHA-256 %s)" % (cert.subject.rfc4514_string(), pki.fingerprint_sha256(cert))


def _identity(cert):
    return pki.fingerprint_sha256(cert)


def missing_from(certificates, bundle):
    """The certificates of ``certificates`` that ``bundle`` does not hold (compared by fingerprint)."""
    held = set(_identity(cert) for cert in bundle)
    return [cert for cert in certificates if _identity(cert) not in held]


class CustodyCheck:
    """What an existing trust anchor trusts, and whether the caller may replace it.

    ``trusted_pem`` is the anchor's certificate bundle as the service returns it (None or empty: no anchor yet, so
    there is nothing to protect).
    """

    def __init__(self, anchor_name, trusted_pem, replace=False):
        self.anchor_name = anchor_name or "(unnamed)"
        self.replace = bool(replace)
        self.trusted = pki.load_certificates(trusted_pem, field="trusted_certificates") if trusted_pem else []

    def applies(self):
        return bool(self.trusted) and not self.replace

    def check_found(self, found_cert, where):
        """Fail unless ``found_cert`` (the CA about to sign, None when there is none) is one the anchor trusts."""
        if not self.applies():
            return
        if found_cert is not None and not missing_from([found_cert], self.trusted):
            return
        found = (
            "the CA found in %s is %s" % (where, describe_ca(found_cert))
            if found_cert is not None
            else "no CA was found in %s, and a new one would not be trusted" % where
        )
        raise CertificateRuleError(
            "trust anchor '%s' trusts %s; %s. %s"
            % (self.anchor_name, ", ".join(describe_ca(cert) for cert in self.trusted), found, WAYS_FORWARD),
            rule="ca_custody",
            field="trusted_certificates",
        )

    def merged_bundle(self, own_pem):
        """The bundle to upload: what the anchor trusts, plus this CA's certificates it lacks (an intermediate added
        later), in that order. Keeping the other CAs is what lets a rotation overlap: while hosts move to the new CA,
        the anchor still trusts the old one. Only ``replace`` uploads this CA's certificates alone."""
        if not self.applies():
            return own_pem
        added = missing_from(pki.load_certificates(own_pem, field="trust_bundle"), self.trusted)
        return "".join(_pem(cert) for cert in self.trusted + added)


def _pem(cert):
    return cert.public_bytes(Encoding.PEM).decode("ascii")


def check_bundle_keeps_trust(anchor_name, current_pem, desired_pem, replace):
    """A new certificate bundle may add CAs (the first step of a rotation) but may not drop one unless ``replace``."""
    if replace or not current_pem or desired_pem is None:
        return
    current = pki.load_certificates(current_pem, field="the trust anchor's current bundle")
    dropped = missing_from(current, pki.load_certificates(desired_pem, field="certificate_bundle"))
    if dropped:
        raise CertificateRuleError(
            "certificate_bundle would remove %s from trust anchor '%s'; every host certificate issued by it would be refused. %s"
            % (", ".join(describe_ca(cert) for cert in dropped), anchor_name, WAYS_FORWARD),
            rule="ca_custody",
            field="certificate_bundle",
        )


def union_bundle(current_pem, extra_pem):
    """``current_pem`` followed by the certificates of ``extra_pem`` it lacks (idempotent: adding twice adds once)."""
    current = pki.load_certificates(current_pem, field="the trust anchor's current bundle") if current_pem else []
    added = missing_from(pki.load_certificates(extra_pem, field="certificate_bundle"), current)
    return "".join(_pem(cert) for cert in current + added)
