"""CA rotation with overlap: every host is verified between every step, and none ever loses access."""

import os

from cryptography import x509

from support import local_fleet
from support.ansible_run import run_playbook

HOSTS = ["rot-1", "rot-2"]


class Fleet:
    def __init__(self, localaws, root):
        self.root = root
        self.inventory = local_fleet.inventory(root, HOSTS)
        self.variables = local_fleet.variables(
            localaws,
            root,
            rolesanywhere_trust_anchor_name="rotate-ca-anchor",
            rolesanywhere_profile_name="rotate-ca-profile",
            rolesanywhere_role_name="rotate-ca-reader",
        )
        self.env = local_fleet.environment(localaws, root)

    def run(self, playbook, ca_dir, **kwargs):
        extra_vars = dict(
            self.variables, rolesanywhere_ca_path=os.path.join(str(self.root), ca_dir), **kwargs.pop("extra_vars", {})
        )
        return run_playbook(
            "hybridcloud.rolesanywhere." + playbook,
            tmp_path=self.root,
            inventory=self.inventory,
            extra_vars=extra_vars,
            env=self.env,
            **kwargs,
        )

    def verify_all(self):
        result = self.run("verify", "old-ca")
        assert result.rc == 0, result.explain()
        assert all(result.action("verify_access", host)["ok"] for host in HOSTS)

    def issuer(self, host):
        with open(os.path.join(local_fleet.host_root(self.root, host), "certs", "certificate.pem"), "rb") as handle:
            return x509.load_pem_x509_certificate(handle.read()).issuer

    def ca_subject(self, ca_dir):
        with open(os.path.join(str(self.root), ca_dir, "ca.crt"), "rb") as handle:
            return x509.load_pem_x509_certificate(handle.read()).subject


def anchor_bundle(localaws):
    [anchor] = [
        a
        for a in localaws.client("rolesanywhere")
        .get_paginator("list_trust_anchors")
        .paginate()
        .build_full_result()["trustAnchors"]
        if a["name"] == "rotate-ca-anchor"
    ]
    return x509.load_pem_x509_certificates(anchor["source"]["sourceData"]["x509CertificateData"].encode())


def test_ca_rotation_with_overlap_keeps_every_host_working(localaws, tmp_path):
    localaws.client("redshift").create_cluster(
        ClusterIdentifier="rotate-ca-analytics",
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Rotate-ca-Passw0rd",
        ClusterType="single-node",
    )
    fleet = Fleet(localaws, tmp_path)
    onboarded = fleet.run("onboard", "old-ca", extra_vars={"rolesanywhere_ca_common_name": "Old CA"})
    assert onboarded.rc == 0, onboarded.explain()

    def step(name, **kwargs):
        return fleet.run(
            "rotate_ca",
            "new-ca",
            extra_vars={
                "rolesanywhere_rotate_ca_step": name,
                "rolesanywhere_rotate_batch": 1,
                "rolesanywhere_ca_common_name": "New CA",
            },
            **kwargs,
        )

    added = step("add")
    assert added.rc == 0, added.explain()
    assert [cert.subject for cert in anchor_bundle(localaws)] == [
        fleet.ca_subject("old-ca"),
        fleet.ca_subject("new-ca"),
    ]
    fleet.verify_all()

    first_batch = step("enroll", limit="rot-1,localhost")
    assert first_batch.rc == 0, first_batch.explain()
    assert fleet.issuer("rot-1") == fleet.ca_subject("new-ca") and fleet.issuer("rot-2") == fleet.ca_subject("old-ca")
    fleet.verify_all()

    # Too early: rot-2 still depends on the old CA, so it stays in the trust anchor.
    early = step("retire")
    assert early.rc != 0 and len(anchor_bundle(localaws)) == 2
    assert "rot-2" in [r for r in early.results if r["result"].get("failed")][0]["result"]["msg"]

    rest = step("enroll")
    assert rest.rc == 0, rest.explain()
    assert fleet.issuer("rot-2") == fleet.ca_subject("new-ca")
    fleet.verify_all()

    retired = step("retire")
    assert retired.rc == 0, retired.explain()
    assert [cert.subject for cert in anchor_bundle(localaws)] == [fleet.ca_subject("new-ca")]
    fleet.verify_all()
