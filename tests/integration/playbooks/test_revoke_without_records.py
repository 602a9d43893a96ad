"""revoke.yml on a controller that lost its CA records (crl.pem, issued.json), as every AWX job starts.

One small fleet, one onboard; then revocations from a records directory that starts empty: the CRL the trust anchor
already has is merged (a CRL built from scratch would give revoked hosts their access back), a host name resolves
from the host's own certificate, a CRL of another issuer imported for the same anchor is left alone, check mode
imports nothing, a second run changes nothing, and a host nothing knows is refused before any change.
"""

import os

from cryptography import x509

from support import local_fleet
from support.ansible_run import run_playbook
from support.x509 import Authority

HOSTS = ["keep-1", "lost-1", "lost-2"]
RECORDS = ("crl.pem", "issued.json", "revoked.json")


def crls_by_name(localaws, anchor_arn=None):
    """The CRLs imported for this test's trust anchor (the worker's stand-in also holds other tests' resources)."""
    anchor_arn = anchor_arn or anchor_arn_of(localaws)
    pages = localaws.client("rolesanywhere").get_paginator("list_crls").paginate()
    return {
        crl["name"]: {entry.serial_number for entry in x509.load_pem_x509_crl(crl["crlData"])}
        for page in pages
        for crl in page["crls"]
        if crl["trustAnchorArn"] == anchor_arn
    }


def anchor_arn_of(localaws, name="records-anchor"):
    pages = localaws.client("rolesanywhere").get_paginator("list_trust_anchors").paginate()
    (arn,) = [anchor["trustAnchorArn"] for page in pages for anchor in page["trustAnchors"] if anchor["name"] == name]
    return arn


def forget_records(ca_dir):
    for name in RECORDS:
        if os.path.exists(os.path.join(ca_dir, name)):
            os.remove(os.path.join(ca_dir, name))


def foreign_crl(revoked_serial):
    """A CRL of a CA this collection never saw, revoking one serial."""
    return Authority("Another CA").crl([revoked_serial]).encode("ascii")


def test_revocation_from_a_controller_without_records_only_grows(localaws, tmp_path):
    root = str(tmp_path / "fleet")
    names = {
        "rolesanywhere_trust_anchor_name": "records-anchor",
        "rolesanywhere_profile_name": "records-profile",
        "rolesanywhere_role_name": "records-reader",
        "rolesanywhere_crl_name": "records-anchor-crl",
    }
    variables = local_fleet.variables(localaws, root, **names)
    ca_dir = variables["rolesanywhere_ca_path"] = str(tmp_path / "ca")

    def run(playbook, run_name, **kwargs):
        run_dir = tmp_path / run_name
        run_dir.mkdir()
        extra = dict(variables, **kwargs.pop("extra_vars", {}))
        return run_playbook(
            "hybridcloud.rolesanywhere." + playbook,
            tmp_path=run_dir,
            inventory=local_fleet.inventory(root, HOSTS),
            extra_vars=extra,
            env=local_fleet.environment(localaws, root),
            **kwargs,
        )

    def serial_of(host):
        with open(os.path.join(local_fleet.host_root(root, host), "certs", "certificate.pem"), "rb") as handle:
            return x509.load_pem_x509_certificate(handle.read()).serial_number

    onboard = run("onboard", "onboard")
    assert onboard.rc == 0, onboard.explain()
    first = run("revoke", "revoke-1", extra_vars={"rolesanywhere_revoke": ["lost-1"]})
    assert first.rc == 0, first.explain()
    anchor_arn = anchor_arn_of(localaws)
    localaws.client("rolesanywhere").import_crl(
        name="another-ca-crl", crlData=foreign_crl(serial_of("lost-2")), trustAnchorArn=anchor_arn, enabled=True
    )
    assert crls_by_name(localaws)["records-anchor-crl"] == {serial_of("lost-1")}

    # The records are gone. The service's subjects are not asked: the host's own certificate must be enough.
    forget_records(ca_dir)
    second_vars = {"rolesanywhere_revoke": ["lost-2"], "rolesanywhere_revoke_lookup_subjects": False}
    checked = run("revoke", "revoke-2-check", extra_vars=second_vars, check=True)
    assert checked.rc == 0, checked.explain()
    added = checked.action("revocation_list", "localhost")["added_serials"]
    assert [int(serial, 16) for serial in added] == [serial_of("lost-2")], added
    assert crls_by_name(localaws)["records-anchor-crl"] == {serial_of("lost-1")}  # check mode imported nothing
    assert not os.path.exists(os.path.join(ca_dir, "crl.pem"))

    second = run("revoke", "revoke-2", extra_vars=second_vars)
    assert second.rc == 0, second.explain()
    crls = crls_by_name(localaws)
    assert crls["records-anchor-crl"] == {serial_of("lost-1"), serial_of("lost-2")}  # the first job's revocation stays
    assert crls["another-ca-crl"] == {serial_of("lost-2")}  # left as it was, never merged
    assert serial_of("keep-1") not in crls["records-anchor-crl"]
    warnings = " ".join(second.action("revocation_list", "localhost").get("warnings", []))
    assert "another-ca-crl" in warnings and "another issuer" in warnings, warnings

    again = run("revoke", "revoke-2-again", extra_vars=second_vars)
    assert again.rc == 0 and again.changed == 0, again.explain()

    forget_records(ca_dir)
    refused = run("revoke", "revoke-ghost", extra_vars={"rolesanywhere_revoke": ["ghost-1"]})
    assert refused.rc != 0
    message = refused.action("revocation_list", "localhost")["msg"]
    assert "'ghost-1'" in message and "pass the certificate's serial" in message, message
    assert not os.path.exists(os.path.join(ca_dir, "crl.pem"))
    assert crls_by_name(localaws)["records-anchor-crl"] == {serial_of("lost-1"), serial_of("lost-2")}
