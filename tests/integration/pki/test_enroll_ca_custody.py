"""The enroll role holds the trust role's CA custody rule: when it knows the hosts' trust anchor, a CA directory that
is empty (a new controller, an execution environment that starts empty) or holds another CA stops the run before any
host gets a key or certificate from a CA nothing trusts, instead of quietly locking the fleet out."""

import os

from pki_fleet import Fleet

HOSTS = ("c1", "c2")


def host_files(fleet):
    return {host: {name: fleet.read(host, name) for name in sorted(os.listdir(fleet.dirs[host]))} for host in HOSTS}


def failure_message(result):
    return next(r["result"]["msg"] for r in result.results if r["result"].get("failed"))


def test_enroll_refuses_a_ca_the_trust_anchor_does_not_trust(localaws_reset, tmp_path):
    server = localaws_reset
    fleet = Fleet(tmp_path, HOSTS)
    enrolled = fleet.run()
    assert enrolled.rc == 0, enrolled.explain()
    with open(os.path.join(fleet.ca_path, "ca.crt"), encoding="utf-8") as handle:
        trusted_pem = handle.read()
    anchor = server.client("rolesanywhere").create_trust_anchor(
        name="enroll-custody",
        enabled=True,
        source={"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": trusted_pem}},
    )["trustAnchor"]
    before = host_files(fleet)
    empty_ca = str(tmp_path / "empty-ca")

    # A standalone run that knows only the anchor's ARN looks the bundle up.
    by_arn = fleet.run(
        extra_vars={
            "rolesanywhere_ca_path": empty_ca,
            "rolesanywhere_trust_anchor_arn": anchor["trustAnchorArn"],
            "rolesanywhere_region": server.region,
            "rolesanywhere_endpoint_url": server.endpoint,
        },
        env=server.env,
    )
    assert by_arn.rc != 0
    message = failure_message(by_arn)
    assert "no CA was found in %s" % empty_ca in message and "restore the CA" in message, message
    # onboard and rotate pass the bundle the trust role read; check mode refuses the same way.
    by_bundle = fleet.run(
        extra_vars={"rolesanywhere_ca_path": empty_ca, "rolesanywhere_trust_anchor_certificates": trusted_pem},
        check=True,
    )
    assert by_bundle.rc != 0 and "no CA was found in %s" % empty_ca in failure_message(by_bundle)

    assert not os.path.exists(empty_ca) or not os.listdir(empty_ca)
    assert host_files(fleet) == before

    # The CA the anchor trusts passes the same check and changes nothing.
    same = fleet.run(extra_vars={"rolesanywhere_trust_anchor_certificates": trusted_pem})
    assert same.rc == 0 and same.changed == 0, same.explain()
