"""Issuance through ACM Private CA and revocation through an imported CRL, against the local AWS stand-in."""

import json
import os
import uuid

import pytest
from pki_fleet import Fleet

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki, sigv4x509
from support.x509 import csr, name, new_key, pem

ROOT_TEMPLATE = "arn:aws:acm-pca:::template/RootCACertificate/V1"
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "rolesanywhere.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        }
    ],
}


def create_private_ca(localaws):
    """An active root CA in the stand-in's ACM PCA: create, self-issue from its CSR, import."""
    pca = localaws.client("acm-pca")
    arn = pca.create_certificate_authority(
        CertificateAuthorityConfiguration={
            "KeyAlgorithm": "RSA_2048",
            "SigningAlgorithm": "SHA256WITHRSA",
            "Subject": {"CommonName": "PCA Root %s" % uuid.uuid4().hex[:6]},
        },
        CertificateAuthorityType="ROOT",
    )["CertificateAuthorityArn"]
    csr = pca.get_certificate_authority_csr(CertificateAuthorityArn=arn)["Csr"]
    issued = pca.issue_certificate(
        CertificateAuthorityArn=arn,
        Csr=csr,
        SigningAlgorithm="SHA256WITHRSA",
        TemplateArn=ROOT_TEMPLATE,
        Validity={"Value": 10, "Type": "YEARS"},
    )["CertificateArn"]
    root = pca.get_certificate(CertificateAuthorityArn=arn, CertificateArn=issued)["Certificate"]
    pca.import_certificate_authority_certificate(CertificateAuthorityArn=arn, Certificate=root.encode("ascii"))
    return arn, root


def create_trust(localaws, source):
    suffix = uuid.uuid4().hex[:8]
    iam = localaws.client("iam")
    role = iam.create_role(RoleName="pki-test-%s" % suffix, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]
    rolesanywhere = localaws.client("rolesanywhere")
    anchor = rolesanywhere.create_trust_anchor(name="pki-test-%s" % suffix, enabled=True, source=source)["trustAnchor"]
    profile = rolesanywhere.create_profile(name="pki-test-%s" % suffix, enabled=True, roleArns=[role["Arn"]])["profile"]
    return {
        "trust_anchor_arn": anchor["trustAnchorArn"],
        "profile_arn": profile["profileArn"],
        "role_arn": role["Arn"],
        "trust_anchor_name": anchor["name"],
    }


def create_session(localaws, trust, fleet, host, saved=None):
    certificate, key = saved or (fleet.read(host, "certificate.pem"), fleet.read(host, "private-key.pem"))
    return sigv4x509.create_session(
        endpoint=localaws.endpoint,
        region=localaws.region,
        trust_anchor_arn=trust["trust_anchor_arn"],
        profile_arn=trust["profile_arn"],
        role_arn=trust["role_arn"],
        certificate_pem=certificate,
        private_key_pem=key,
    )


def test_acm_pca_issues_the_fleet_and_the_certificates_open_sessions(tmp_path, localaws):
    arn, root_pem = create_private_ca(localaws)
    fleet = Fleet(
        tmp_path,
        ("h1", "h2"),
        host_vars={"h2": {"rolesanywhere_crypto_backend": "openssl", "rolesanywhere_key_type": "rsa-2048"}},
        group_vars={"rolesanywhere_acm_pca_arn": arn, "rolesanywhere_cert_validity_days": 365},
    )
    first = fleet.run(env=localaws.env)
    assert first.rc == 0, first.explain()
    signed = first.action("sign_certificates", "h1")
    assert signed["issuer"] == "acm-pca" and sorted(signed["certificates"]) == ["h1", "h2"]
    root = pki.load_certificates(root_pem)[0]
    for host in ("h1", "h2"):
        leaf = pki.load_certificates(fleet.read(host, "certificate.pem"))[0]
        pki.validate_leaf_certificate(leaf)
        assert pki.verify_issued_by(leaf, root)
        assert pki.load_certificates(fleet.read(host, "ca.pem"))[0] == root

    second = fleet.run(env=localaws.env)
    assert second.rc == 0, second.explain()
    assert second.changed == 0, second.stats
    assert all(len(second.remote_calls(host)) == 1 for host in ("h1", "h2"))

    trust = create_trust(localaws, {"sourceType": "AWS_ACM_PCA", "sourceData": {"acmPcaArn": arn}})
    for host in ("h1", "h2"):
        assert create_session(localaws, trust, fleet, host)["credentialSet"]


def test_a_revoked_host_is_denied_while_the_others_keep_access(tmp_path, localaws):
    fleet = Fleet(tmp_path, ("h1", "h2", "h3"))
    enrolled = fleet.run()
    assert enrolled.rc == 0, enrolled.explain()
    ca_pem = open(fleet.ca_path + "/ca.crt").read()
    trust = create_trust(localaws, {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": ca_pem}})
    for host in ("h1", "h2", "h3"):
        assert create_session(localaws, trust, fleet, host)["credentialSet"]

    # The lost host's files are kept aside to prove that the certificate itself is refused, not just gone.
    h1_files = (fleet.read("h1", "certificate.pem"), fleet.read("h1", "private-key.pem"))
    revoke_vars = {
        "rolesanywhere_revoke": ["h1"],
        "rolesanywhere_ca_path": fleet.ca_path,
        "rolesanywhere_trust_anchor_name": trust["trust_anchor_name"],
    }
    revoked = fleet.run(
        playbook="hybridcloud.rolesanywhere.revoke",
        env=localaws.env,
        extra_vars=dict(revoke_vars, rolesanywhere_revoke_remove_files=True),
    )
    assert revoked.rc == 0, revoked.explain()
    assert not os.path.exists(fleet.path("h1", "private-key.pem")) and not os.path.exists(
        fleet.path("h1", "certificate.pem")
    )
    h1_serial = enrolled.action("certificate_install", "h1")["serial"]
    assert revoked.action("revocation_list", "localhost")["added_serials"] == [h1_serial]

    with pytest.raises(sigv4x509.SessionError) as denied:
        create_session(localaws, trust, fleet, "h1", saved=h1_files)
    assert denied.value.code == "AccessDeniedException"
    for host in ("h2", "h3"):
        assert create_session(localaws, trust, fleet, host)["credentialSet"]

    # Same revoked set again: nothing changes, locally or in Roles Anywhere.
    again = fleet.run(playbook="hybridcloud.rolesanywhere.revoke", extra_vars=revoke_vars, env=localaws.env)
    assert again.rc == 0, again.explain()
    assert again.changed == 0, again.stats

    # Revoking by serial extends the same CRL.
    h2_serial = enrolled.action("certificate_install", "h2")["serial"]
    by_serial = fleet.run(
        playbook="hybridcloud.rolesanywhere.revoke",
        env=localaws.env,
        extra_vars=dict(revoke_vars, rolesanywhere_revoke=[h2_serial]),
    )
    assert by_serial.rc == 0, by_serial.explain()
    assert sorted(by_serial.action("revocation_list", "localhost")["revoked_serials"]) == sorted([h1_serial, h2_serial])
    with pytest.raises(sigv4x509.SessionError):
        create_session(localaws, trust, fleet, "h2")
    assert create_session(localaws, trust, fleet, "h3")["credentialSet"]


def weak_csr_pem():
    return pem(csr(new_key("rsa-1024"), name("weak")))


def test_a_weak_csr_fails_only_its_host(tmp_path):
    fleet = Fleet(tmp_path, ("good", "weak"))
    forged = {"needs_certificate": True, "reasons": ["test"], "csr": weak_csr_pem(), "installed": {"exists": False}}
    play = [
        {
            "hosts": "all",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "CA",
                    "hybridcloud.rolesanywhere.certificate_authority": {"path": fleet.ca_path},
                    "run_once": True,
                    "delegate_to": "localhost",
                },
                {
                    "name": "request",
                    "hybridcloud.rolesanywhere.certificate_request": {
                        "common_name": "{{ inventory_hostname }}",
                        "cert_dir": "{{ rolesanywhere_cert_dir }}",
                    },
                    "register": "req",
                },
                {"name": "forge", "ansible.builtin.set_fact": {"req": forged}, "when": "inventory_hostname == 'weak'"},
                {
                    "name": "sign",
                    "hybridcloud.rolesanywhere.sign_certificates": {"request_var": "req", "ca_path": fleet.ca_path},
                    "run_once": True,
                    "register": "signed",
                },
            ],
        }
    ]
    result = fleet.run(playbook=play)
    assert result.rc == 0, result.explain()
    signed = result.task("sign")
    assert sorted(signed["certificates"]) == ["good"]
    assert "RSA key of 1024 bits" in signed["failures"]["weak"] and signed["failures"]["weak"].startswith("weak:")
