"""CreateSession: certificate rules, the path to an enabled trust anchor, and revocation through imported CRLs."""

from __future__ import annotations

import base64
import datetime

import pki_factory
import pytest
import session_client
from session_world import World

DAY = datetime.timedelta(days=1)


@pytest.fixture(name="world")
def world_fixture(localaws):
    return World(localaws)


def assert_untrusted(world, response, leaf, reason_fragment):
    assert (response.status, response.error_type) == (403, "AccessDeniedException"), response.document
    assert response.document["message"] == "Untrusted signing certificate"
    assert reason_fragment in world.last_outcome(leaf.certificate.serial_number)["reason"]


def assert_denied(response, message_fragment):
    assert (response.status, response.error_type) == (403, "AccessDeniedException"), response.document
    assert message_fragment in response.document["message"]


# ---- paths to the trust anchor -------------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_leaf_through_supplied_intermediate_is_trusted(localaws, key_type):
    world = World(localaws, key_type=key_type)
    intermediate = world.ca.intermediate("Issuing CA", key_type=key_type)
    leaf = intermediate.issue("via-intermediate.example.com", key_type=key_type)
    response = world.create_session(leaf, intermediates=[intermediate])
    assert response.status == 201, response.document


def test_leaf_through_two_intermediates_is_trusted(world):
    policy_ca = world.ca.intermediate("Policy CA", path_length=1)
    issuing_ca = policy_ca.intermediate("Issuing CA", path_length=0)
    leaf = issuing_ca.issue("deep.example.com")
    response = world.create_session(leaf, intermediates=[issuing_ca, policy_ca])
    assert response.status == 201, response.document


def test_missing_intermediate_is_untrusted(world):
    intermediate = world.ca.intermediate("Issuing CA")
    leaf = intermediate.issue("orphan.example.com")
    assert_untrusted(world, world.create_session(leaf), leaf, "no issuer")


def test_leaf_of_another_ca_is_untrusted(world):
    stranger = pki_factory.CertificateAuthority.root(world.ca.common_name)
    leaf = stranger.issue("impostor.example.com")
    assert_untrusted(world, world.create_session(leaf), leaf, "no issuer")


def test_intermediate_of_another_ca_does_not_help(world):
    stranger = pki_factory.CertificateAuthority.root("Stranger Root")
    intermediate = stranger.intermediate("Stranger Issuing CA")
    leaf = intermediate.issue("stranger.example.com")
    assert_untrusted(world, world.create_session(leaf, intermediates=[intermediate]), leaf, "no issuer")


def test_intermediate_beyond_its_path_length_is_untrusted(world):
    policy_ca = world.ca.intermediate("Policy CA", path_length=0)
    issuing_ca = policy_ca.intermediate("Issuing CA", path_length=0)
    leaf = issuing_ca.issue("too-deep.example.com")
    assert_untrusted(world, world.create_session(leaf, intermediates=[issuing_ca, policy_ca]), leaf, "no issuer")


def test_chain_with_the_root_and_unrelated_certificates_in_any_order_is_trusted(world):
    policy_ca = world.ca.intermediate("Policy CA", path_length=1)
    issuing_ca = policy_ca.intermediate("Issuing CA", path_length=0)
    unrelated = pki_factory.CertificateAuthority.root("Unrelated Root")
    leaf = issuing_ca.issue("messy-chain.example.com")
    response = world.create_session(leaf, intermediates=[world.ca, unrelated, policy_ca, issuing_ca])
    assert response.status == 201, response.document


def test_expired_intermediate_is_untrusted(world):
    past = pki_factory.utcnow() - 30 * DAY
    intermediate = world.ca.intermediate("Lapsed Issuing CA", not_before=past, not_after=past + DAY)
    leaf = intermediate.issue("under-lapsed.example.com")
    assert_untrusted(world, world.create_session(leaf, intermediates=[intermediate]), leaf, "no issuer")


def test_expired_trust_anchor_ca_is_untrusted(localaws):
    past = pki_factory.utcnow() - 30 * DAY
    world = World(
        localaws, ca=pki_factory.CertificateAuthority.root("Lapsed Root", not_before=past, not_after=past + DAY)
    )
    leaf = world.issue()
    assert_untrusted(world, world.create_session(leaf), leaf, "no issuer")


def test_trust_anchor_bundle_with_several_certificates(localaws):
    first, second = (
        pki_factory.CertificateAuthority.root("Bundle Root A"),
        pki_factory.CertificateAuthority.root("Bundle Root B"),
    )
    world = World(localaws, ca=first)
    world.trust_anchor = world.create_trust_anchor(first.certificate_pem + second.certificate_pem)
    world.role_arn = world.create_role("bundle", permissions=None)
    world.profile = world.create_profile([world.role_arn])
    for ca in (first, second):
        response = world.create_session(ca.issue("bundle.example.com"))
        assert response.status == 201, response.document


def test_intermediate_ca_as_trust_anchor(localaws):
    root = pki_factory.CertificateAuthority.root("Offline Root")
    issuing_ca = root.intermediate("Online Issuing CA")
    world = World(localaws, ca=issuing_ca)
    response = world.create_session(issuing_ca.issue("anchored-at-intermediate.example.com"))
    assert response.status == 201, response.document


def test_chain_deeper_than_five_is_refused(world):
    cas = [world.ca]
    for depth in range(6):
        cas.append(cas[-1].intermediate(f"Level {depth} CA", path_length=None))
    leaf = cas[-1].issue("abyss.example.com")
    response = world.create_session(leaf, intermediates=list(reversed(cas[1:])))
    assert (response.status, response.error_type) == (400, "ValidationException"), response.document
    assert "at most 5" in response.document["message"]


def test_disabled_trust_anchor_is_untrusted(localaws):
    world = World(localaws)
    world.rolesanywhere.disable_trust_anchor(trustAnchorId=world.trust_anchor["trustAnchorId"])
    leaf = world.issue()
    assert_untrusted(world, world.create_session(leaf), leaf, "is disabled")
    world.rolesanywhere.enable_trust_anchor(trustAnchorId=world.trust_anchor["trustAnchorId"])
    assert world.create_session(leaf).status == 201


def test_unknown_trust_anchor_is_not_found(world):
    missing = world.trust_anchor_arn.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    response = world.create_session(trust_anchor_arn=missing)
    assert (response.status, response.error_type) == (404, "ResourceNotFoundException"), response.document


def test_acm_pca_trust_anchor(localaws):
    acm_pca = localaws.client("acm-pca")
    ca_arn = acm_pca.create_certificate_authority(
        CertificateAuthorityConfiguration={
            "KeyAlgorithm": "RSA_2048",
            "SigningAlgorithm": "SHA256WITHRSA",
            "Subject": {"CommonName": "Private CA", "Organization": "Example Corp"},
        },
        CertificateAuthorityType="ROOT",
    )["CertificateAuthorityArn"]
    csr = acm_pca.get_certificate_authority_csr(CertificateAuthorityArn=ca_arn)["Csr"]
    ca_certificate_arn = acm_pca.issue_certificate(
        CertificateAuthorityArn=ca_arn,
        Csr=csr.encode("ascii"),
        SigningAlgorithm="SHA256WITHRSA",
        TemplateArn="arn:aws:acm-pca:::template/RootCACertificate/V1",
        Validity={"Value": 365, "Type": "DAYS"},
    )["CertificateArn"]
    ca_pem = acm_pca.get_certificate(CertificateAuthorityArn=ca_arn, CertificateArn=ca_certificate_arn)["Certificate"]
    acm_pca.import_certificate_authority_certificate(CertificateAuthorityArn=ca_arn, Certificate=ca_pem.encode("ascii"))

    world = World(localaws)
    world.trust_anchor = world.create_trust_anchor(acm_pca_arn=ca_arn)
    world.role_arn = world.create_role("pca", permissions=None)
    world.profile = world.create_profile([world.role_arn])
    leaf_key = pki_factory.new_key("ec")
    csr_pem = pki_factory.csr_pem(leaf_key, "pca-host.example.com")
    # moto adds keyUsage (digitalSignature) only for this template; the ClientAuth one comes out bare there.
    leaf_arn = acm_pca.issue_certificate(
        CertificateAuthorityArn=ca_arn,
        Csr=csr_pem.encode("ascii"),
        SigningAlgorithm="SHA256WITHRSA",
        TemplateArn="arn:aws:acm-pca:::template/EndEntityCertificate/V1",
        Validity={"Value": 7, "Type": "DAYS"},
    )["CertificateArn"]
    leaf_pem = acm_pca.get_certificate(CertificateAuthorityArn=ca_arn, CertificateArn=leaf_arn)["Certificate"]
    leaf = pki_factory.Leaf(pki_factory.load_pem_certificate(leaf_pem), leaf_key)
    response = world.create_session(leaf)
    assert response.status == 201, response.document

    stranger_leaf = pki_factory.CertificateAuthority.root("Private CA").issue("not-from-pca.example.com")
    assert_untrusted(world, world.create_session(stranger_leaf), stranger_leaf, "no issuer")


# ---- the leaf itself -----------------------------------------------------------------------------------------------


def test_expired_leaf_is_denied(world):
    past = pki_factory.utcnow() - 10 * DAY
    leaf = world.issue(not_before=past, not_after=past + DAY)
    assert_denied(world.create_session(leaf), "has expired")


def test_not_yet_valid_leaf_is_denied(world):
    future = pki_factory.utcnow() + DAY
    leaf = world.issue(not_before=future, not_after=future + DAY)
    assert_denied(world.create_session(leaf), "not yet valid")


def test_leaf_validity_is_judged_by_the_service_clock(world):
    leaf = world.issue(not_after=pki_factory.utcnow() + datetime.timedelta(hours=1))
    with world.clock_shifted(2 * 3600):
        assert_denied(world.create_session(leaf), "has expired")


def test_ca_flagged_leaf_is_denied(world):
    leaf = world.issue(ca_flag=True)
    assert_denied(world.create_session(leaf), "CA:FALSE")


def test_leaf_without_digital_signature_is_denied(world):
    leaf = world.issue(digital_signature=False)
    assert_denied(world.create_session(leaf), "digitalSignature")


def test_sha1_signed_leaf_is_denied(localaws):
    world = World(localaws, key_type="rsa")
    leaf = world.ca.issue_sha1()
    assert leaf.certificate.signature_hash_algorithm.name == "sha1"
    assert_denied(world.create_session(leaf), "SHA-256 or stronger")


def test_leaf_with_empty_subject_is_denied(world):
    leaf = world.issue(subject=pki_factory.name(None), dns_names=("nameless.example.com",))
    assert_denied(world.create_session(leaf), "non-empty subject")


def test_garbage_certificate_header_is_a_validation_error(world):
    request = world.build(world.issue())
    request.headers["X-Amz-X509"] = base64.b64encode(b"not a certificate").decode("ascii")
    response = session_client.send(request)
    assert (response.status, response.error_type) == (400, "ValidationException"), response.document


# ---- revocation ----------------------------------------------------------------------------------------------------


def test_revoked_serial_is_denied_and_disabling_the_crl_lifts_it(localaws):
    world = World(localaws)
    revoked, innocent = world.issue("lost.example.com"), world.issue("kept.example.com")
    crl = world.import_crl(world.ca.crl([revoked.certificate.serial_number]))
    assert_denied(world.create_session(revoked), "revoked")
    assert world.create_session(innocent).status == 201
    world.rolesanywhere.disable_crl(crlId=crl["crlId"])
    assert world.create_session(revoked).status == 201


def test_crl_imported_disabled_does_not_revoke(localaws):
    world = World(localaws)
    leaf = world.issue()
    world.import_crl(world.ca.crl([leaf.certificate.serial_number]), enabled=False)
    assert world.create_session(leaf).status == 201


def test_crl_not_signed_by_the_anchor_ca_does_not_revoke(localaws):
    world = World(localaws)
    leaf = world.issue()
    forger = pki_factory.CertificateAuthority.root("Forger")
    world.import_crl(world.ca.crl([leaf.certificate.serial_number], signer=forger))
    assert world.create_session(leaf).status == 201


def test_crl_of_an_intermediate_ca_revokes_its_leaves(localaws):
    world = World(localaws)
    intermediate = world.ca.intermediate("Issuing CA")
    revoked, kept = (
        intermediate.issue("lost-under-intermediate.example.com"),
        intermediate.issue("kept-under-intermediate.example.com"),
    )
    world.import_crl(intermediate.crl([revoked.certificate.serial_number]))
    assert_denied(world.create_session(revoked, intermediates=[intermediate]), "revoked")
    assert world.create_session(kept, intermediates=[intermediate]).status == 201


def test_revoked_intermediate_takes_its_leaves_with_it(localaws):
    world = World(localaws)
    intermediate = world.ca.intermediate("Compromised Issuing CA")
    leaf = intermediate.issue("under-compromised.example.com")
    world.import_crl(world.ca.crl([intermediate.certificate.serial_number]))
    assert_denied(world.create_session(leaf, intermediates=[intermediate]), "revoked")
