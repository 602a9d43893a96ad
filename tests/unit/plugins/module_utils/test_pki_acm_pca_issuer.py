"""AcmPcaIssuer's handling of ACM PCA answers (a fake client stands in for boto3 here; the real path is integration-tested)."""

import datetime

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import batch_signing, pki
from support import x509 as t


class FakePca:
    """Answers like ACM PCA for a subordinate CA under a root; records the calls."""

    def __init__(self):
        self.root_key, self.sub_key = t.key("ec-p384"), t.key("ec-p256")
        self.root = t.ca_certificate(self.root_key, cn="PCA Root")
        self.sub = t.certificate(
            subject_key=self.sub_key,
            issuer_key=self.root_key,
            subject=t.name("PCA Sub"),
            issuer=self.root.subject,
            ca=True,
            not_after=t.NOW + datetime.timedelta(days=900),
        )
        self.calls = []

    def describe_certificate_authority(self, **kwargs):
        self.calls.append(("describe", kwargs))
        return {"CertificateAuthority": {"CertificateAuthorityConfiguration": {"SigningAlgorithm": "SHA256WITHECDSA"}}}

    def get_certificate_authority_certificate(self, **kwargs):
        return {"Certificate": t.pem(self.sub), "CertificateChain": t.pem(self.root)}

    def issue_certificate(self, **kwargs):
        self.calls.append(("issue", kwargs))
        return {"CertificateArn": "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/x/certificate/y"}

    def get_waiter(self, name):
        assert name == "certificate_issued"
        return self

    def wait(self, **kwargs):
        self.calls.append(("wait", kwargs))

    def get_certificate(self, **kwargs):
        csr = pki.load_csr(self.calls[-2][1]["Csr"].decode("ascii"))
        leaf = t.certificate(subject_key=None, issuer_key=self.sub_key, subject=csr.subject, issuer=self.sub.subject)
        # The real service returns the issuing CA and its parents as the chain.
        return {"Certificate": t.pem(leaf), "CertificateChain": t.pem(self.sub) + t.pem(self.root)}


def test_subordinate_ca_root_and_chain():
    client = FakePca()
    issuer = batch_signing.AcmPcaIssuer(client, "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/x")
    assert issuer.ca_certificate == client.root
    assert issuer.issuer_certificate == client.sub
    assert issuer.chain_pem == t.pem(client.sub)
    assert issuer.signing_algorithm == "SHA256WITHECDSA"


def test_issue_sends_validity_and_a_stable_token_and_drops_the_root_from_the_chain():
    client = FakePca()
    issuer = batch_signing.AcmPcaIssuer(client, "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/x")
    csr_pem = t.pem(t.csr())
    request = {
        "csr": csr_pem,
        "needs_certificate": True,
        "reasons": ["no certificate installed"],
        "installed": {"exists": False},
    }
    signed = batch_signing.sign_one(issuer, "h1", request, 60)
    issue = [c[1] for c in client.calls if c[0] == "issue"]
    assert issue[0]["Validity"] == {"Value": 60, "Type": "DAYS"}
    assert issue[0]["Csr"] == csr_pem.encode("ascii")
    batch_signing.sign_one(issuer, "h1", request, 60)
    tokens = [c[1]["IdempotencyToken"] for c in client.calls if c[0] == "issue"]
    assert tokens[0] == tokens[1] and len(tokens[0]) <= 36
    assert signed["chain"] == t.pem(client.sub)
    assert signed["ca_certificate"] == t.pem(client.root)


def test_a_certificate_breaking_the_leaf_rules_is_refused_for_that_host():
    client = FakePca()
    original = client.get_certificate

    def ca_flagged_leaf(**kwargs):
        answer = original(**kwargs)
        leaf = pki.load_certificates(answer["Certificate"])[0]
        bad = t.certificate(
            subject_key=t.key("ec-p256"),
            issuer_key=client.sub_key,
            subject=leaf.subject,
            issuer=client.sub.subject,
            ca=True,
            key_usage=t.usage(digital_signature=True),
        )
        return dict(answer, Certificate=t.pem(bad))

    client.get_certificate = ca_flagged_leaf
    issuer = batch_signing.AcmPcaIssuer(client, "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/x")
    request = {"csr": t.pem(t.csr()), "needs_certificate": True, "installed": {"exists": False}}
    outcome = batch_signing.sign_batch(issuer, {"h1": request}, 60)
    assert "CA:false" in outcome["failures"]["h1"]


def test_missing_csr_is_a_host_failure():
    with pytest.raises(pki.CertificateRuleError) as err:
        batch_signing.sign_one(None, "h9", {"needs_certificate": True}, 30)
    assert "h9" in str(err.value)
