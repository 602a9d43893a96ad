"""Revocation end to end with an intermediate CA: the trust role puts the root and the intermediate in the trust
anchor, the intermediate signs the CRL, the stand-in denies the revoked host and keeps serving the others."""

import uuid

import pytest
from pki_fleet import ENROLL_PLAY, Fleet

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki, sigv4x509


def trust_play(names):
    return [
        {
            "name": "Trust",
            "hosts": "localhost",
            "gather_facts": False,
            "roles": [{"role": "hybridcloud.rolesanywhere.trust", "vars": names}],
        }
    ]


def session(localaws, arns, fleet, host, files=None):
    certificate, key, chain = files or [
        fleet.read(host, name) for name in ("certificate.pem", "private-key.pem", "chain.pem")
    ]
    return sigv4x509.create_session(
        endpoint=localaws.endpoint,
        region=localaws.region,
        certificate_pem=certificate,
        private_key_pem=key,
        intermediates_pem=chain,
        **arns,
    )


def test_intermediate_ca_revocation_denies_the_revoked_host_only(tmp_path, localaws):
    suffix = uuid.uuid4().hex[:8]
    names = {
        "rolesanywhere_trust_anchor_name": "inter-%s" % suffix,
        "rolesanywhere_profile_name": "inter-%s" % suffix,
        "rolesanywhere_role_name": "inter-%s" % suffix,
    }
    fleet = Fleet(tmp_path, ("h1", "h2"), group_vars={"rolesanywhere_ca_intermediate": True})
    onboarded = fleet.run(playbook=trust_play(names) + ENROLL_PLAY, env=localaws.env)
    assert onboarded.rc == 0, onboarded.explain()

    api = localaws.client("rolesanywhere")
    [anchor] = [
        a
        for a in api.get_paginator("list_trust_anchors").paginate().build_full_result()["trustAnchors"]
        if a["name"] == names["rolesanywhere_trust_anchor_name"]
    ]
    bundle = pki.load_certificates(anchor["source"]["sourceData"]["x509CertificateData"])
    root = pki.load_certificates(open(fleet.ca_path + "/ca.crt").read())[0]
    intermediate = pki.load_certificates(open(fleet.ca_path + "/intermediate.crt").read())[0]
    assert bundle == [root, intermediate]
    facts = onboarded.task("hybridcloud.rolesanywhere.trust : Publish the ARNs the host roles need", "localhost")[
        "ansible_facts"
    ]
    published = facts["rolesanywhere_trust_result"]
    arns = {name: published[name] for name in ("trust_anchor_arn", "profile_arn", "role_arn")}
    for host in ("h1", "h2"):
        assert session(localaws, arns, fleet, host)["credentialSet"]

    h1_files = [fleet.read("h1", name) for name in ("certificate.pem", "private-key.pem", "chain.pem")]
    revoked = fleet.run(
        playbook="hybridcloud.rolesanywhere.revoke",
        env=localaws.env,
        extra_vars={
            "rolesanywhere_revoke": ["h1"],
            "rolesanywhere_ca_path": fleet.ca_path,
            "rolesanywhere_trust_anchor_name": names["rolesanywhere_trust_anchor_name"],
        },
    )
    assert revoked.rc == 0, revoked.explain()
    [crl] = [c for c in api.list_crls()["crls"] if c["trustAnchorArn"] == anchor["trustAnchorArn"]]
    assert pki.load_crl(crl["crlData"].decode()).issuer == intermediate.subject

    with pytest.raises(sigv4x509.SessionError) as denied:
        session(localaws, arns, fleet, "h1", h1_files)
    assert denied.value.code == "AccessDeniedException"
    assert session(localaws, arns, fleet, "h2")["credentialSet"]

    # Running the trust role again keeps the anchor (root + intermediate) and the CRL as they are.
    again = fleet.run(playbook=trust_play(names), env=localaws.env)
    assert again.rc == 0, again.explain()
    assert again.changed == 0, [r["task"] for r in again.results if r["result"].get("changed")]
