# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signing the CSRs of a whole play on the controller, with the local CA or ACM Private CA.

Each host is judged on its own: a bad CSR or a refused certificate fails that host and nobody else.
The issuers below share one interface: ``issue(csr, csr_pem, validity_days) -> (certificate, chain PEM)``
plus the certificates hosts need (``issuer_certificate``, ``ca_certificate``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import atomic_files, local_ca, pki
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.pki import CertificateRuleError

# ACM Private CA rounds validity to whole units and back-dates; allow that much slack over the requested period.
VALIDITY_SLACK = datetime.timedelta(hours=1)


class LocalIssuer:
    """The local CA: its directory on the controller, or PEM text (``local_ca.PemSource``) held in memory only."""

    name = "local"

    def __init__(self, ca_path, passphrase=None, pem_source=None):
        self.ca = local_ca.load_ca(ca_path, passphrase, pem_source)
        self.issuer_certificate = self.ca.issuer_cert
        self.ca_certificate = self.ca.root_cert
        self.chain_pem = self.ca.chain_pem()

    def record_issued(self, issued):
        # With the CA from variables the records directory may not exist yet (a job that starts empty).
        atomic_files.ensure_directory(self.ca.path, 0o700)
        local_ca.record_issued(self.ca.path, issued)

    def issue(self, csr, csr_pem, validity_days):  # pylint: disable=unused-argument
        cert = local_ca.issue_leaf_certificate(csr, self.ca.issuer_cert, self.ca.issuer_key, validity_days)
        return cert, self.chain_pem


class AcmPcaIssuer:
    """ACM Private CA: IssueCertificate, wait until issued, GetCertificate."""

    name = "acm-pca"

    def __init__(self, client, ca_arn, waiter_delay=1, waiter_attempts=120):
        self.client = client
        self.ca_arn = ca_arn
        self.waiter_config = {"Delay": waiter_delay, "MaxAttempts": waiter_attempts}
        described = client.describe_certificate_authority(CertificateAuthorityArn=ca_arn)["CertificateAuthority"]
        self.signing_algorithm = described.get("CertificateAuthorityConfiguration", {}).get(
            "SigningAlgorithm", "SHA256WITHRSA"
        )
        response = client.get_certificate_authority_certificate(CertificateAuthorityArn=ca_arn)
        self.issuer_certificate = pki.load_certificates(response["Certificate"], field="acm_pca_arn certificate")[0]
        chain = (
            pki.load_certificates(response["CertificateChain"], field="acm_pca_arn chain")
            if response.get("CertificateChain")
            else []
        )
        # The root is the self-signed end of the chain; a root CA is its own chain.
        roots = [cert for cert in chain + [self.issuer_certificate] if cert.issuer == cert.subject]
        self.ca_certificate = roots[0] if roots else (chain[-1] if chain else self.issuer_certificate)
        # A subordinate CA is itself an intermediate that hosts must send along.
        self.chain_pem = "".join(local_ca.pem_of(c) for c in [self.issuer_certificate] + chain if c.issuer != c.subject)

    def record_issued(self, issued):
        """ACM Private CA keeps its own audit report; nothing to record locally."""

    def issue(self, csr, csr_pem, validity_days):
        # The token makes a retried call return the same certificate instead of issuing a second one.
        token = hashlib.sha256(csr_pem.encode("ascii")).hexdigest()[:36]
        issued = self.client.issue_certificate(
            CertificateAuthorityArn=self.ca_arn,
            Csr=csr_pem.encode("ascii"),
            SigningAlgorithm=self.signing_algorithm,
            Validity={"Value": validity_days, "Type": "DAYS"},
            IdempotencyToken=token,
        )
        certificate_arn = issued["CertificateArn"]
        self.client.get_waiter("certificate_issued").wait(
            CertificateAuthorityArn=self.ca_arn, CertificateArn=certificate_arn, WaiterConfig=self.waiter_config
        )
        response = self.client.get_certificate(CertificateAuthorityArn=self.ca_arn, CertificateArn=certificate_arn)
        cert = pki.load_certificates(response["Certificate"], field="issued certificate")[0]
        chain = (
            pki.load_certificates(response["CertificateChain"], field="issued chain")
            if response.get("CertificateChain")
            else []
        )
        # Hosts send only intermediates: the trust anchor already holds the root.
        intermediates = "".join(local_ca.pem_of(c) for c in chain if c.issuer != c.subject)
        return cert, intermediates


def issued_by_issuer(cert, issuer, issuer_certificate):
    """An issuer that knows several CAs (an external PKI's bundle) says itself whether it issued ``cert``."""
    recognizes = getattr(issuer, "recognizes", None)
    if recognizes is not None:
        return recognizes(cert)
    return pki.verify_issued_by(cert, issuer_certificate)


def needs_signing(request, issuer_certificate, force=False, issuer=None):
    """(sign?, reasons) for one host's certificate_request result."""
    reasons = list(request.get("reasons") or [])
    if force:
        reasons.append("renewal forced")
    installed = request.get("installed") or {}
    installed_pem = installed.get("certificate")
    if installed_pem and installed.get("issued_by") is None:
        # The host did not know the issuer (ACM PCA, or no issuer passed): judge the chain here.
        try:
            current = pki.load_certificates(installed_pem, field="installed certificate")[0]
            if not issued_by_issuer(current, issuer, issuer_certificate):
                reasons.append("the certificate was issued by a different CA")
        except CertificateRuleError:
            reasons.append("the installed certificate cannot be read")
    return bool(reasons) or bool(request.get("needs_certificate")), reasons


def check_issued(cert, validity_days, now=None):
    """Whatever the issuer, the certificate handed to a host follows the leaf rules and the validity limit."""
    pki.validate_leaf_certificate(cert, now)
    period = cert.not_valid_after_utc - cert.not_valid_before_utc
    if period > datetime.timedelta(days=validity_days) + VALIDITY_SLACK:
        raise CertificateRuleError(
            "the issued certificate is valid for %s, longer than cert_validity_days (%d); "
            "check the CA's validity settings" % (period, validity_days),
            rule="validity",
        )


def checked_csr(host, request, expected_dns_names=None):
    """The host's CSR, loaded and checked; CertificateRuleError naming the host when it must be refused."""
    label = "the CSR of %s" % host
    csr_pem = request.get("csr")
    if not csr_pem:
        raise CertificateRuleError("%s: no CSR in the certificate_request result" % host, rule="csr", field="csr")
    try:
        csr = pki.load_csr(csr_pem, field="csr of %s" % host)
        pki.validate_csr(csr, label)
        local_ca.check_requested_san(csr, expected_dns_names, label)
    except CertificateRuleError as exc:
        raise CertificateRuleError("%s: %s" % (host, exc), rule=exc.rule)
    return csr, csr_pem


def signed_entry(host, cert, chain, ca_certificate_pem, validity_days):
    """What the host gets, once the issued certificate passed the leaf rules and the validity limit."""
    try:
        check_issued(cert, validity_days)
    except CertificateRuleError as exc:
        raise CertificateRuleError("%s: %s" % (host, exc), rule=exc.rule)
    return {
        "certificate": local_ca.pem_of(cert),
        "chain": chain,
        "ca_certificate": ca_certificate_pem,
        "serial": pki.serial_hex(cert.serial_number),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "subject": cert.subject.rfc4514_string(),
    }


def sign_one(issuer, host, request, validity_days, expected_dns_names=None):
    """Sign one host's CSR; raise CertificateRuleError naming the host when it must be refused."""
    csr, csr_pem = checked_csr(host, request, expected_dns_names)
    cert, chain = issuer.issue(csr, csr_pem, validity_days)
    return signed_entry(host, cert, chain, local_ca.pem_of(issuer.ca_certificate), validity_days)


def validity_of(request, default_days):
    """The validity a host is signed with: its own, carried by its request (certificate_request's validity_days), else
    the batch's default."""
    return int(request.get("validity_days") or default_days)


def sign_in_one_batch(issuer, requests, validity_days, outcome):
    """An issuer with ``issue_batch`` (the external signer) gets every valid CSR in one call, each with its validity."""
    batch = {}
    for host in sorted(requests):
        try:
            csr, csr_pem = checked_csr(host, requests[host])
        except CertificateRuleError as exc:
            outcome["failures"][host] = str(exc)
            continue
        batch[host] = (csr, csr_pem, requests[host])
    if not batch:
        return {}
    signed = {}
    days = dict((host, validity_of(requests[host], validity_days)) for host in batch)
    for host, issued in issuer.issue_batch(batch, days).items():
        try:
            if isinstance(issued, CertificateRuleError):
                raise issued
            cert, chain, ca_pem = issued
            signed[host] = signed_entry(host, cert, chain, ca_pem, days[host])
        except CertificateRuleError as exc:
            outcome["failures"][host] = str(exc)
    return signed


def sign_batch(issuer, requests, validity_days, force=False, check_mode=False):
    """requests: {host: certificate_request result}. Returns the per-host outcome dict of the action.

    validity_days applies to the requests that do not carry their own.
    """
    outcome = {"certificates": {}, "failures": {}, "up_to_date": [], "would_sign": []}
    to_sign, reasons_of = {}, {}
    for host in sorted(requests):
        request = requests[host]
        sign, reasons = needs_signing(request, issuer.issuer_certificate, force, issuer)
        if not sign:
            outcome["up_to_date"].append(host)
            continue
        if check_mode or not request.get("csr"):
            outcome["would_sign"].append(host)
            continue
        to_sign[host], reasons_of[host] = request, reasons
    if hasattr(issuer, "issue_batch"):
        signed = sign_in_one_batch(issuer, to_sign, validity_days, outcome)
    else:
        signed = {}
        for host in sorted(to_sign):
            try:
                signed[host] = sign_one(issuer, host, to_sign[host], validity_of(to_sign[host], validity_days))
            except CertificateRuleError as exc:
                outcome["failures"][host] = str(exc)
    for host, entry in signed.items():
        entry["reasons"] = reasons_of[host]
        outcome["certificates"][host] = entry
    if outcome["certificates"]:
        issuer.record_issued(outcome["certificates"])
    return outcome
