# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host side of enrolment: the private key, the CSR, and what the installed certificate looks like.

This runs on managed hosts, where only the Python standard library can be assumed, plus EITHER the
``cryptography`` package OR the ``openssl`` command: the backends and their selection rule are host_crypto's,
which imports ``cryptography`` only when that backend is chosen, so the file imports on a bare host.
Private key bytes stay inside this process: they are written to their file and never returned.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import os

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import host_crypto

# The names callers use from here; the implementations live in host_crypto, shared with inspection and signing.
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.host_crypto import (  # noqa: F401 pylint: disable=unused-import
    KEY_TYPES,
    first_pem_certificate,
    key_type_of_spki,
    pem_to_der,
)

# host_crypto's backends raise this one error, so catching HostKeyError catches what they raise.
HostKeyError = host_crypto.CryptoError


def select_backend(preference="auto"):
    """'cryptography' or 'openssl' when forced; 'auto' prefers cryptography and falls back to openssl."""
    return host_crypto.select_backend(preference, option="backend")


# --- the decisions ----------------------------------------------------------------------------------------------------


def key_decision(backend, key_pem, key_type, rotate):
    """(generate?, reason) for the private key."""
    if rotate:
        return True, "rotation requested"
    if key_pem is None:
        return True, "no private key yet"
    actual = key_type_of_spki(backend.public_key_der(key_pem))
    if actual != key_type:
        return True, "the key is %s but %s is requested" % (actual, key_type)
    return False, None


def expires_within(not_after, days, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return not_after - now <= datetime.timedelta(days=days)


def installed_state(backend, cert_pem, key_pem, issuer_pem, renew_before_days, subject, dns_names, now=None):
    """What the installed certificate looks like and why, if at all, a new one is needed."""
    if cert_pem is None:
        return {"exists": False}, ["no certificate installed"]
    try:
        info = backend.certificate_info(cert_pem)
    except (HostKeyError, ValueError) as exc:
        return {"exists": True, "readable": False}, ["the installed certificate cannot be read (%s)" % exc]
    now = now or datetime.datetime.now(datetime.timezone.utc)
    matches_key = key_pem is not None and info["public_key_der"] == backend.public_key_der(key_pem)
    issued_by = backend.issued_by(cert_pem, issuer_pem) if issuer_pem else None
    state = {
        "exists": True,
        "readable": True,
        "serial": info["serial"],
        "not_before": info["not_before"].isoformat(),
        "not_after": info["not_after"].isoformat(),
        "subject": info["subject"],
        "issuer": info["issuer"],
        "dns_names": info["dns_names"],
        "fingerprint": hashlib.sha256(pem_to_der(cert_pem, "CERTIFICATE")).hexdigest().upper(),
        "matches_key": matches_key,
        "issued_by": issued_by,
        "expires_within": expires_within(info["not_after"], renew_before_days, now),
        "certificate": cert_pem,
    }
    reasons = []
    if not matches_key:
        reasons.append("the certificate does not match the private key")
    if issued_by is False:
        reasons.append("the certificate was issued by a different CA")
    if info["not_before"] > now:
        reasons.append("the certificate is not valid yet")
    if state["expires_within"]:
        reasons.append("the certificate expires within %d days (%s)" % (renew_before_days, state["not_after"]))
    if info["subject"] != dict(subject):
        reasons.append("the certificate subject %s differs from the requested %s" % (info["subject"], dict(subject)))
    if sorted(dns_names) != info["dns_names"]:
        reasons.append(
            "the certificate DNS names %s differ from the requested %s" % (info["dns_names"], sorted(dns_names))
        )
    return state, reasons


# --- the key/certificate pair on disk -------------------------------------------------------------------------------
#
# A rotation must never leave a key next to a certificate of another key. The new key is written beside the working
# one as private-key.pem.next, the CSR is made from it, and only the certificate install puts key and certificate in
# place, one rename after the other in the same directory. A run that stops anywhere in between leaves the working
# pair untouched; the next run reuses the pending key (or removes it when no new key is wanted any more) and completes
# an install that was stopped between its two renames.

KEY_FILE = "private-key.pem"
CERT_FILE = "certificate.pem"
CHAIN_FILE = "chain.pem"
CA_FILE = "ca.pem"
PENDING_SUFFIX = ".next"
# The host file layout: a user's files live in ~/.aws/rolesanywhere unless cert_dir says otherwise.
DEFAULT_CERT_SUBDIR = os.path.join(".aws", "rolesanywhere")


def default_cert_dir(home):
    """The directory of a user's key, certificate, chain and CA file when no cert_dir is given."""
    return os.path.join(home, DEFAULT_CERT_SUBDIR)


class PairFiles:
    """The paths of one host's pair, the pending key and certificate included, in ``cert_dir``."""

    def __init__(self, cert_dir):
        self.cert_dir = cert_dir
        self.key = os.path.join(cert_dir, KEY_FILE)
        self.certificate = os.path.join(cert_dir, CERT_FILE)
        self.chain = os.path.join(cert_dir, CHAIN_FILE)
        self.ca_certificate = os.path.join(cert_dir, CA_FILE)
        self.pending_key = self.key + PENDING_SUFFIX
        self.pending_certificate = self.certificate + PENDING_SUFFIX

    def swap_renames(self):
        """The renames that put a pending pair in place: the key first, so a stop between the two leaves a pending
        certificate that matches the live key, which the next run recognises and completes."""
        return [(KEY_FILE + PENDING_SUFFIX, KEY_FILE), (CERT_FILE + PENDING_SUFFIX, CERT_FILE)]


def public_key_or_none(backend, key_pem):
    """The DER public key of a private key, or None when there is no key or it cannot be read."""
    if key_pem is None:
        return None
    try:
        return backend.public_key_der(key_pem)
    except HostKeyError:
        return None


def certificate_key_or_none(backend, cert_pem):
    """The DER public key inside a certificate, or None when there is none or it cannot be read."""
    if cert_pem is None:
        return None
    try:
        return backend.certificate_info(cert_pem)["public_key_der"]
    except (HostKeyError, ValueError):
        return None


def interrupted_install_step(live_public, pending_public, pending_cert_public):
    """What to do with a pending certificate left by an install that stopped: 'complete' (rename the pending key and
    certificate into place), 'certificate' (the key was renamed already: rename the certificate) or 'discard'."""
    if pending_cert_public is None:
        return "discard"
    if pending_public is not None and pending_cert_public == pending_public:
        return "complete"
    if live_public is not None and pending_cert_public == live_public:
        return "certificate"
    return "discard"


def pending_key_reusable(backend, pending_pem, key_type):
    """A pending key left by an interrupted rotation is reused when it is readable and of the requested type."""
    public = public_key_or_none(backend, pending_pem)
    return public is not None and key_type_of_spki(public) == key_type
