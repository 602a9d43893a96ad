"""step-ca as the fleet's external CA, end to end: a real step-ca built from its Go module, the trust role building the
anchor from its CA bundle, the enroll role signing through the signer the collection ships, sessions against the
stand-in, renewal, key rotation, and revocation through step-ca's own CRL imported into the trust anchor.

Skipped with the reason where Go is absent (CI sets ROLESANYWHERE_REQUIRE_STEP_CA=1, which turns that into a failure).
"""

import uuid

import pytest

# The fixtures that build and start step-ca.
from existing_pki_support import step_binaries, step_ca  # noqa: F401 # pylint: disable=unused-import
from pki_fleet import Fleet

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki, sigv4x509

HOSTS = ("h1", "h2")


def plays(names):
    trust = {
        "rolesanywhere_trust_anchor_name": names["anchor"],
        "rolesanywhere_profile_name": names["profile"],
        "rolesanywhere_role_name": names["role"],
    }
    return [
        {
            "name": "Trust",
            "hosts": "localhost",
            "gather_facts": False,
            "roles": [{"role": "hybridcloud.rolesanywhere.trust", "vars": trust}],
        },
        {
            "name": "Enroll",
            "hosts": "all:!localhost",
            "gather_facts": False,
            "roles": ["hybridcloud.rolesanywhere.enroll"],
        },
    ]


class Onboarded:
    """The fleet, the names of its Roles Anywhere resources in the stand-in, and sessions opened with the hosts' files."""

    def __init__(self, tmp_path, localaws, ca):
        suffix = uuid.uuid4().hex[:8]
        self.localaws = localaws
        self.names = {"anchor": "step-%s" % suffix, "profile": "step-%s" % suffix, "role": "step-%s" % suffix}
        self.fleet = Fleet(
            tmp_path,
            HOSTS,
            group_vars={
                "rolesanywhere_external_signer": ca.signer(),
                "rolesanywhere_pki_ca_bundle": ca.root_pem + ca.intermediate_pem,
                # step-ca's JWK provisioner puts the common name into the certificate's DNS names.
                "rolesanywhere_dns_names": ["{{ inventory_hostname }}"],
            },
        )

    def run(self, **extra_vars):
        return self.fleet.run(playbook=plays(self.names), env=self.localaws.env, extra_vars=extra_vars)

    def arns(self):
        api = self.localaws.client("rolesanywhere")
        [anchor] = [
            a for a in api.list_trust_anchors(pageSize=500)["trustAnchors"] if a["name"] == self.names["anchor"]
        ]
        [profile] = [p for p in api.list_profiles(pageSize=500)["profiles"] if p["name"] == self.names["profile"]]
        role = self.localaws.client("iam").get_role(RoleName=self.names["role"])["Role"]["Arn"]
        return anchor, profile["profileArn"], role

    def session(self, host, files=None):
        anchor, profile, role = self.arns()
        certificate, key, chain = files or self.files(host)
        return sigv4x509.create_session(
            endpoint=self.localaws.endpoint,
            region=self.localaws.region,
            trust_anchor_arn=anchor["trustAnchorArn"],
            profile_arn=profile,
            role_arn=role,
            certificate_pem=certificate,
            private_key_pem=key,
            intermediates_pem=chain,
        )

    def files(self, host):
        return tuple(self.fleet.read(host, name) for name in ("certificate.pem", "private-key.pem", "chain.pem"))

    def serial(self, host):
        return pki.serial_hex(pki.load_certificates(self.fleet.read(host, "certificate.pem"))[0].serial_number)


def test_step_ca_signs_renews_rotates_and_revokes_the_fleet(tmp_path, localaws, step_ca):  # noqa: F811
    onboarded = Onboarded(tmp_path, localaws, step_ca)
    first = onboarded.run()
    assert first.rc == 0, first.explain()
    assert first.action("sign_certificates", "h1")["issuer"] == "external"
    anchor, _profile, _role = onboarded.arns()
    anchor_bundle = pki.load_certificates(anchor["source"]["sourceData"]["x509CertificateData"])
    assert anchor_bundle == pki.load_certificates(step_ca.root_pem + step_ca.intermediate_pem)
    intermediate = pki.load_certificates(step_ca.intermediate_pem)[0]
    for host in HOSTS:
        leaf = pki.load_certificates(onboarded.fleet.read(host, "certificate.pem"))[0]
        assert pki.verify_issued_by(leaf, intermediate)
        assert leaf.subject.rfc4514_string() == "CN=%s" % host
        assert onboarded.fleet.read(host, "chain.pem").decode().strip() == step_ca.intermediate_pem.strip()
        assert onboarded.session(host)["credentialSet"]

    again = onboarded.run()
    assert again.rc == 0, again.explain()
    assert again.changed == 0, [(r["host"], r["task"]) for r in again.results if r["result"].get("changed")]
    assert all(len(again.remote_calls(host)) == 1 for host in HOSTS)

    before = {host: onboarded.serial(host) for host in HOSTS}
    renewed = onboarded.run(rolesanywhere_force_renew=True)
    assert renewed.rc == 0, renewed.explain()
    assert all(onboarded.serial(host) != before[host] for host in HOSTS)
    old_key = onboarded.fleet.read("h2", "private-key.pem")
    rotated = onboarded.run(rolesanywhere_rotate_key=True)
    assert rotated.rc == 0, rotated.explain()
    assert onboarded.fleet.read("h2", "private-key.pem") != old_key
    for host in HOSTS:
        assert onboarded.session(host)["credentialSet"]

    # Revocation in step-ca, its CRL imported into the trust anchor by the trust role: h1 is refused, h2 is not.
    h1_files = onboarded.files("h1")
    step_ca.revoke(onboarded.serial("h1"))
    crl_pem = step_ca.crl_pem()
    revoked = onboarded.run(rolesanywhere_crl_pem=crl_pem)
    assert revoked.rc == 0, revoked.explain()
    with pytest.raises(sigv4x509.SessionError) as denied:
        onboarded.session("h1", files=h1_files)
    assert denied.value.code == "AccessDeniedException"
    assert onboarded.session("h2")["credentialSet"]
