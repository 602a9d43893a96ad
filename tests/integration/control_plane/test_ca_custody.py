"""CA custody against the stand-in: a controller whose CA is missing or different never replaces the CA an existing
trust anchor trusts; it stops before any change, naming both CAs and the ways forward."""

import os
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from test_trust_role import play

from support.x509 import Authority, subject_of


def fingerprint(pem):
    digest = x509.load_pem_x509_certificate(pem.encode()).fingerprint(hashes.SHA256())
    return ":".join("%02X" % byte for byte in digest)


def anchor_bundle(cp):
    [anchor] = cp.trust_anchors()
    return anchor["source"]["sourceData"]["x509CertificateData"]


def failure(result):
    return [r for r in result.results if r["result"].get("failed")][0]["result"]["msg"]


def assert_refused(result, trusted_pem, found_text):
    assert result.rc != 0
    message = failure(result)
    assert "trust anchor 'onprem-ca' trusts" in message, message
    assert fingerprint(trusted_pem) in message and subject_of(trusted_pem) in message, message
    assert found_text in message, message
    assert "Nothing was changed" in message and "restore the CA" in message and "rolesanywhere_ca_replace" in message, (
        message
    )


def test_a_missing_or_different_ca_never_replaces_the_anchor_s_ca(cp, tmp_path):
    role_vars = {"rolesanywhere_role_name": "custody-%s" % uuid.uuid4().hex[:8], "rolesanywhere_ca_key_type": "ec-p256"}
    first = cp.playbook(play(role_vars, tmp_path / "ca"))
    assert first.rc == 0, first.explain()
    trusted = anchor_bundle(cp)

    # A new controller (or an execution environment that starts empty): no CA in the directory.
    empty = tmp_path / "empty-ca"
    for check in (True, False):
        refused = cp.playbook(play(role_vars, empty), check=check)
        assert_refused(refused, trusted, "no CA was found in %s" % empty)
        assert not os.path.exists(empty / "ca.crt") and not os.path.exists(empty / "ca.key")
        assert anchor_bundle(cp) == trusted

    # A different CA in the directory: both fingerprints are named.
    other = cp.module("certificate_authority", {"path": str(tmp_path / "other-ca"), "key_type": "ec-p256"})
    assert not other.get("failed"), other
    refused = cp.playbook(play(role_vars, tmp_path / "other-ca"))
    assert_refused(refused, trusted, fingerprint(other["ca_certificate"]))
    assert anchor_bundle(cp) == trusted

    # The trust_anchor module on its own refuses a bundle that drops the trusted CA; adding one is allowed.
    dropped = cp.module("trust_anchor", {"name": "onprem-ca", "certificate_bundle": other["ca_certificate"]})
    assert dropped["failed"] and fingerprint(trusted) in dropped["msg"] and "would remove" in dropped["msg"], dropped
    assert anchor_bundle(cp) == trusted
    added = cp.module("trust_anchor", {"name": "onprem-ca", "certificate_bundle": trusted + other["ca_certificate"]})
    assert added["changed"] and not added.get("failed"), added

    # Overlap: with both CAs in the anchor, the role running with the new CA keeps the old one trusted.
    overlap = cp.playbook(play(role_vars, tmp_path / "other-ca"))
    assert overlap.rc == 0, overlap.explain()
    assert overlap.stats["localhost"]["changed"] == 0
    assert anchor_bundle(cp) == added["trust_anchor"]["source"]["source_data"]["x509_certificate_data"]

    # Replacing on purpose: the anchor then trusts only the new CA.
    replaced = cp.playbook(play(dict(role_vars, rolesanywhere_ca_replace=True), tmp_path / "other-ca"))
    assert replaced.rc == 0, replaced.explain()
    assert [fingerprint(pem) for pem in split_pem(anchor_bundle(cp))] == [fingerprint(other["ca_certificate"])]


def split_pem(bundle):
    marker = "-----END CERTIFICATE-----"
    return [part.strip() + "\n" + marker + "\n" for part in bundle.split(marker) if part.strip()]


def test_a_ca_variable_that_breaks_a_rule_fails_naming_it(cp, tmp_path):
    ca = cp.module(
        "certificate_authority", {"path": str(tmp_path / "ca"), "key_type": "ec-p256", "passphrase": "right"}
    )
    key_pem = (tmp_path / "ca" / "ca.key").read_text()
    leaf_like = Authority("Not a CA", ca=False, key_cert_sign=False)
    cases = [
        (
            {"ca_certificate_pem": leaf_like.pem, "ca_private_key_pem": key_pem, "passphrase": "right"},
            "ca_certificate_pem (rolesanywhere_ca_certificate_pem) is not usable as the root CA",
        ),
        (
            {"ca_certificate_pem": Authority("Another").pem, "ca_private_key_pem": key_pem, "passphrase": "right"},
            "ca_private_key_pem (rolesanywhere_ca_private_key_pem) does not belong to the certificate",
        ),
        (
            {
                "ca_certificate_pem": ca["ca_certificate"],
                "ca_private_key_pem": key_pem,
                "passphrase": "not-the-passphrase",
            },
            "cannot decrypt ca_private_key_pem (rolesanywhere_ca_private_key_pem): the passphrase is wrong",
        ),
        (
            {"ca_certificate_pem": ca["ca_certificate"]},
            "ca_certificate_pem (rolesanywhere_ca_certificate_pem) is set but ca_private_key_pem",
        ),
    ]
    records = tmp_path / "records"
    for args, expected in cases:
        result = cp.module("certificate_authority", dict(args, path=str(records)))
        assert result["failed"] and expected in result["msg"], (expected, result["msg"])
        assert "BEGIN" not in result["msg"]
    assert not records.exists()
    good = cp.module(
        "certificate_authority",
        {
            "path": str(records),
            "ca_certificate_pem": ca["ca_certificate"],
            "ca_private_key_pem": key_pem,
            "passphrase": "right",
        },
    )
    assert not good["changed"] and good["fingerprint"] == ca["fingerprint"] and good["ca_source"] == "variables", good
    # A CA variable that is not the CA the trust anchor trusts is refused like a different CA directory.
    other = Authority("Trusted elsewhere")
    untrusted = cp.module(
        "certificate_authority",
        {
            "path": str(records),
            "ca_certificate_pem": ca["ca_certificate"],
            "ca_private_key_pem": key_pem,
            "passphrase": "right",
            "trusted_certificates": other.pem,
            "trust_anchor_name": "onprem-ca",
        },
    )
    assert untrusted["failed"], untrusted
    assert "the CA found in ca_certificate_pem (rolesanywhere_ca_certificate_pem) is" in untrusted["msg"]
    assert ca["fingerprint"] in untrusted["msg"] and "Nothing was changed" in untrusted["msg"]
    assert not records.exists()
