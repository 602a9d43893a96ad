"""Existing-PKI checks: chain building to the anchor, PKCS#12, revocation, and the external signer's answers."""

import json
import sys

import pytest
from integration.pki.existing_pki_support import Pki, pem, pkcs12_bundle

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import existing_pki, external_signer, pki
from support import x509 as x509_factory


@pytest.fixture(scope="module")
def ca():
    return Pki()


def test_chain_reaches_the_root_through_the_given_intermediate(ca):
    cert, _key = ca.leaf("h1")
    path, anchor = existing_pki.chain_to_anchor(cert, [ca.intermediate], [ca.root], "leaf")
    assert path == [ca.intermediate] and anchor == ca.root


def test_an_intermediate_held_by_the_anchor_is_sent_along(ca):
    cert, _key = ca.leaf("h1")
    path, anchor = existing_pki.chain_to_anchor(cert, [], [ca.root, ca.intermediate], "leaf")
    assert path == [ca.intermediate] and anchor == ca.root


def test_an_anchor_of_the_intermediate_alone_is_enough(ca):
    cert, _key = ca.leaf("h1")
    assert existing_pki.chain_to_anchor(cert, [], [ca.intermediate], "leaf") == ([], ca.intermediate)


def test_a_missing_intermediate_is_named(ca):
    cert, _key = ca.leaf("h1")
    with pytest.raises(pki.CertificateRuleError) as refused:
        existing_pki.chain_to_anchor(cert, [], [ca.root], "leaf")
    assert refused.value.rule == "chain" and "Example Issuing CA" in str(refused.value)


def test_another_pki_does_not_chain(ca):
    other = Pki("Other")
    cert, _key = other.leaf("h1")
    with pytest.raises(pki.CertificateRuleError, match="does not chain up"):
        existing_pki.chain_to_anchor(cert, [other.intermediate], [ca.root], "leaf")


def test_pkcs12_opens_with_its_password_and_names_a_wrong_one(ca):
    cert, key = ca.leaf("h1")
    bundle = pkcs12_bundle(cert, key, [ca.intermediate], "right")
    loaded_key, loaded_cert, chain = existing_pki.load_pkcs12(bundle, "right", "bundle")
    assert loaded_cert == cert and chain == [ca.intermediate]
    assert existing_pki.private_key_pem(loaded_key) == existing_pki.private_key_pem(key)
    with pytest.raises(pki.CertificateRuleError, match=r"password \(rolesanywhere_push_pkcs12_password\) is wrong"):
        existing_pki.load_pkcs12(bundle, "wrong", "bundle")


def test_a_crl_of_the_issuing_ca_revokes(ca):
    cert, _key = ca.leaf("h1")
    crls = existing_pki.load_crls(ca.crl([cert.serial_number]), "crl")
    with pytest.raises(pki.CertificateRuleError) as refused:
        existing_pki.check_leaf(cert, [ca.intermediate], [ca.root], crls, "leaf")
    assert refused.value.rule == "revoked"
    other, _other_key = ca.leaf("h2")
    existing_pki.check_leaf(other, [ca.intermediate], [ca.root], crls, "leaf")


def test_a_key_of_another_certificate_is_refused(ca):
    cert, _key = ca.leaf("h1")
    with pytest.raises(pki.CertificateRuleError) as refused:
        existing_pki.check_key_matches(cert, x509_factory.new_key().public_key(), "leaf")
    assert refused.value.rule == "key_mismatch"


def signer_answering(tmp_path, answer, status=0):
    script = tmp_path / "signer.py"
    script.write_text("import sys\nsys.stdin.read()\nsys.stdout.write(%r)\nsys.exit(%d)\n" % (answer, status))
    return [sys.executable, str(script)]


def csr_batch(host="h1"):
    request = x509_factory.csr(x509_factory.new_key(), x509_factory.name(host))
    return {host: (request, x509_factory.pem(request), {"common_name": host, "dns_names": []})}


def test_a_signer_answer_is_checked_per_host(ca, tmp_path):
    batch = csr_batch()
    signed = ca.sign_csr(batch["h1"][0], 30)
    answer = json.dumps({"certificates": {"h1": {"certificate_pem": pem(signed), "chain_pem": pem(ca.intermediate)}}})
    issuer = external_signer.ExternalIssuer(signer_answering(tmp_path, answer), pem(ca.root) + pem(ca.intermediate))
    cert, chain, anchor = issuer.issue_batch(batch, {"h1": 30})["h1"]
    assert cert == signed and chain == pem(ca.intermediate) and anchor == pem(ca.root)
    assert issuer.recognizes(cert)


def test_the_signer_gets_each_hosts_own_validity(ca, tmp_path):
    received = tmp_path / "received.json"
    script = tmp_path / "signer.py"
    script.write_text(
        "import sys\nopen(%r, 'w').write(sys.stdin.read())\nsys.stdout.write('{\"errors\": {}}')\n" % str(received)
    )
    batch = dict(csr_batch("h1"), **csr_batch("h2"))
    issuer = external_signer.ExternalIssuer([sys.executable, str(script)], pem(ca.root))
    issuer.issue_batch(batch, {"h1": 7, "h2": 365})
    document = json.loads(received.read_text())
    assert {entry["host"]: entry["validity_days"] for entry in document["requests"]} == {"h1": 7, "h2": 365}


@pytest.mark.parametrize(
    "answer, status, problem",
    [
        ("not json", 0, "returned no JSON document"),
        ("[]", 0, "without the 'certificates' and 'errors' objects"),
        ("{}", 0, "returned neither a certificate nor an error"),
        ('{"errors": {"h1": "quota exceeded"}}', 0, "refused the CSR: quota exceeded"),
        ("", 4, "failed with exit status 4"),
    ],
)
def test_a_bad_signer_answer_refuses_the_host_by_name(ca, tmp_path, answer, status, problem):
    issuer = external_signer.ExternalIssuer(signer_answering(tmp_path, answer, status), pem(ca.root))
    refused = issuer.issue_batch(csr_batch(), {"h1": 30})["h1"]
    assert isinstance(refused, pki.CertificateRuleError)
    assert str(refused).startswith("h1: ") and problem in str(refused)


def test_the_built_in_step_ca_signer_runs_with_this_python():
    argv = external_signer.resolve_command(["step-ca", "--ca-url", "https://ca"])
    assert (
        argv[0] == sys.executable
        and argv[1].endswith("roles/enroll/files/step_ca_signer.py")
        and argv[2:] == ["--ca-url", "https://ca"]
    )
