# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An external CA that signs the hosts' CSRs through a command on the controller, one call for the whole batch.

The contract (docs/pki.md, "The external signer contract"):

stdin, one JSON document::

    {"version": 1,
     "requests": [{"host": "web1", "csr_pem": "-----BEGIN CERTIFICATE REQUEST-----...",
                   "validity_days": 365, "common_name": "web1", "dns_names": []}]}

stdout, one JSON document::

    {"certificates": {"web1": {"certificate_pem": "-----BEGIN CERTIFICATE-----...",
                               "chain_pem": "-----BEGIN CERTIFICATE-----..."}},
     "errors": {"web2": "why this host was refused"}}

Exit status 0 when the document was written, whatever it says about single hosts. Anything else (a non-zero exit,
no JSON, a host missing from both maps) fails every host of the batch, or that host, naming it; nothing is installed
from such an answer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import existing_pki, local_ca, pki

try:
    from cryptography import x509
except ImportError:  # pki.HAS_CRYPTOGRAPHY tells the callers
    pass
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.pki import CertificateRuleError

CONTRACT_VERSION = 1
# The signer's stderr is quoted in the error; a page of it is enough to see why.
STDERR_QUOTED = 2000
# Signers shipped with the collection, named instead of a path: roles/enroll/files/<script>.
BUILT_IN_SIGNERS = {"step-ca": "step_ca_signer.py"}


class SignerFailed(Exception):
    """The signer as a whole failed: every host of the batch is refused with this message."""


def resolve_command(command):
    """argv of the signer; a built-in name runs the script the collection ships with this Python."""
    argv = [command] if isinstance(command, str) else [str(part) for part in command]
    if not argv or not argv[0]:
        raise SignerFailed("external_signer is empty: give the command to run (a list: program and arguments)")
    script = BUILT_IN_SIGNERS.get(argv[0])
    if script:
        collection = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        return [sys.executable, os.path.join(collection, "roles", "enroll", "files", script)] + argv[1:]
    return argv


def check_dns_names(cert, requested, label):
    """A CA that adds names the host did not ask for (step-ca copies the CN) would make every run renew."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = sorted(san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        names = []
    if names != sorted(requested):
        raise CertificateRuleError(
            "%s has the DNS names %s but the host requested %s; set rolesanywhere_dns_names to the names "
            "your CA puts in (step-ca adds the common name)" % (label, names, sorted(requested)),
            rule="san",
        )


class ExternalIssuer:
    """Signs through the external command; ``anchors`` is the CA bundle the trust anchor holds (root and intermediates)."""

    name = "external"

    def __init__(self, command, ca_bundle_pem, timeout=300):
        self.argv = resolve_command(command)
        self.timeout = timeout
        self.anchors = existing_pki.anchor_certificates(ca_bundle_pem, "external_signer_ca_bundle")
        roots = [cert for cert in self.anchors if cert.issuer == cert.subject]
        self.ca_certificate = roots[0] if roots else self.anchors[0]
        self.issuer_certificate = self.ca_certificate
        # The bundle's intermediates are what the hosts send along (module_utils/existing_pki.chain_to_anchor).
        self.chain_pem = "".join(local_ca.pem_of(cert) for cert in self.anchors if cert not in roots)

    def recognizes(self, cert):
        """An installed certificate of this PKI was issued by one of the bundle's CAs (root or intermediate)."""
        return any(pki.verify_issued_by(cert, anchor) for anchor in self.anchors)

    def _check_issuer_in_bundle(self, cert, label):
        """The CA that signs the hosts must be in the bundle: later runs recognize the installed certificates by it (the host
        reports no chain), and without it every run would sign every host again."""
        if not self.recognizes(cert):
            raise CertificateRuleError(
                "%s was signed by '%s', which is not in the CA bundle (rolesanywhere_pki_ca_bundle); add the PKI's issuing "
                "CA certificate to the bundle next to its root" % (label, cert.issuer.rfc4514_string()),
                rule="chain",
            )

    def record_issued(self, issued):
        """The external CA keeps its own records."""

    def issue_batch(self, batch, validity_days):
        """batch: {host: (csr, csr_pem, request)}, validity_days: {host: days}.

        Returns {host: (certificate, chain PEM, ca PEM) or CertificateRuleError}.
        """
        document = {
            "version": CONTRACT_VERSION,
            "requests": [
                {
                    "host": host,
                    "csr_pem": csr_pem,
                    "validity_days": validity_days[host],
                    "common_name": request.get("common_name") or "",
                    "dns_names": list(request.get("dns_names") or []),
                }
                for host, (_csr, csr_pem, request) in sorted(batch.items())
            ],
        }
        try:
            answer = self._run(document)
        except SignerFailed as exc:
            return dict((host, CertificateRuleError("%s: %s" % (host, exc), rule="external_signer")) for host in batch)
        return dict((host, self._judge(host, batch[host][0], answer, batch[host][2])) for host in batch)

    def _run(self, document):
        try:
            # Runs on the controller inside an action plugin, where there is no AnsibleModule and so no run_command.
            completed = subprocess.run(  # pylint: disable=ansible-bad-function
                self.argv,
                input=json.dumps(document).encode("utf-8"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                timeout=self.timeout,
                check=False,
            )
        except OSError as exc:
            raise SignerFailed("the external signer %s cannot be started: %s" % (self.argv[0], exc))
        except subprocess.TimeoutExpired:
            raise SignerFailed(
                "the external signer %s did not answer within %d seconds (external_signer_timeout)"
                % (self.argv[0], self.timeout)
            )
        stderr = completed.stderr.decode("utf-8", "replace").strip()[-STDERR_QUOTED:]
        if completed.returncode != 0:
            raise SignerFailed(
                "the external signer %s failed with exit status %d: %s"
                % (self.argv[0], completed.returncode, stderr or "(no message on stderr)")
            )
        try:
            answer = json.loads(completed.stdout.decode("utf-8"))
        except ValueError as exc:
            raise SignerFailed(
                "the external signer %s returned no JSON document on stdout (%s); see the contract in docs/pki.md"
                % (self.argv[0], exc)
            )
        if (
            not isinstance(answer, dict)
            or not isinstance(answer.get("certificates", {}), dict)
            or not isinstance(answer.get("errors", {}), dict)
        ):
            raise SignerFailed(
                "the external signer %s returned JSON without the 'certificates' and 'errors' objects of the "
                "contract (docs/pki.md)" % self.argv[0]
            )
        return answer

    def _judge(self, host, csr, answer, request):
        errors = answer.get("errors") or {}
        entry = (answer.get("certificates") or {}).get(host)
        if entry is None:
            reason = errors.get(host) or "it returned neither a certificate nor an error for this host"
            return CertificateRuleError(
                "%s: the external signer refused the CSR: %s" % (host, reason), rule="external_signer"
            )
        try:
            return self._checked(host, csr, entry, request)
        except CertificateRuleError as exc:
            return CertificateRuleError("%s: %s" % (host, exc), rule=exc.rule)

    def _checked(self, host, csr, entry, request):
        if not isinstance(entry, dict) or not entry.get("certificate_pem"):
            raise CertificateRuleError("the external signer's answer has no certificate_pem", rule="external_signer")
        label = "the certificate the external signer returned"
        certs = pki.load_certificates(entry["certificate_pem"], field="certificate_pem of %s" % host)
        chain = certs[1:]
        if entry.get("chain_pem"):
            chain += pki.load_certificates(entry["chain_pem"], field="chain_pem of %s" % host)
        cert = certs[0]
        existing_pki.check_key_matches(cert, csr.public_key(), label + " (for the CSR's key)")
        intermediates, anchor_pem = existing_pki.check_leaf(cert, chain, self.anchors, [], label)
        self._check_issuer_in_bundle(cert, label)
        check_dns_names(cert, request.get("dns_names") or [], label)
        return cert, intermediates, anchor_pem
