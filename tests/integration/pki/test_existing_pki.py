"""Existing PKIs without step-ca: push mode (PEM and PKCS#12) and the external signer contract, good and bad input.

Every refusal must name the host and the problem and leave every host's files exactly as they were.
"""

import os
import stat

import pytest
from existing_pki_support import Pki, key_pem, pem, pkcs12_bundle, python_signer_command
from pki_fleet import Fleet, KeyFileWatcher
from test_pki_aws import create_trust

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki, sigv4x509

HOSTS = ("h1", "h2", "h3")
ROLE = "hybridcloud.rolesanywhere.enroll : "
P12_PASSWORD = "p12 secret for tests"


def host_files(fleet):
    """Every file of every host: name -> (content, mode, owner)."""
    state = {}
    for host, directory in fleet.dirs.items():
        if not os.path.isdir(directory):
            continue
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            info = os.lstat(path)
            with open(path, "rb") as handle:
                state["%s/%s" % (host, name)] = (handle.read(), stat.S_IMODE(info.st_mode), info.st_uid)
    return state


class PushInputs:
    """Per-host push variables: h1 PEM text, h2 PEM files on the controller, h3 a PKCS#12 bundle."""

    def __init__(self, tmp_path, ca):
        self.tmp_path = tmp_path
        self.ca = ca
        self.pairs = {host: ca.leaf(host) for host in HOSTS}

    def host_vars(self, overrides=None):
        directory = self.tmp_path / "pushed"
        directory.mkdir(exist_ok=True)
        h1_cert, h1_key = self.pairs["h1"]
        h2_cert, h2_key = self.pairs["h2"]
        h3_cert, h3_key = self.pairs["h3"]
        (directory / "h2.crt").write_text(pem(h2_cert) + pem(self.ca.intermediate))
        (directory / "h2.key").write_text(key_pem(h2_key))
        (directory / "h3.p12").write_bytes(pkcs12_bundle(h3_cert, h3_key, [self.ca.intermediate], P12_PASSWORD))
        variables = {
            "h1": {
                "rolesanywhere_push_certificate_pem": pem(h1_cert),
                "rolesanywhere_push_private_key_pem": key_pem(h1_key),
                "rolesanywhere_push_chain_pem": pem(self.ca.intermediate),
            },
            "h2": {
                "rolesanywhere_push_certificate_path": str(directory / "h2.crt"),
                "rolesanywhere_push_private_key_path": str(directory / "h2.key"),
            },
            "h3": {
                "rolesanywhere_push_pkcs12_path": str(directory / "h3.p12"),
                "rolesanywhere_push_pkcs12_password": P12_PASSWORD,
            },
        }
        for host, extra in (overrides or {}).items():
            variables[host].update(extra)
        return variables

    def fleet(self):
        self.the_fleet = Fleet(
            self.tmp_path,
            HOSTS,
            host_vars=self.host_vars(),
            group_vars={"rolesanywhere_push": True, "rolesanywhere_pki_ca_bundle": pem(self.ca.root)},
        )
        return self.the_fleet

    def set_inputs(self, overrides=None):
        """The same fleet (same host directories) with this run's push variables."""
        for host, variables in self.host_vars(overrides).items():
            entry = self.the_fleet.inventory["all"]["hosts"][host]
            for name in [name for name in entry if name.startswith("rolesanywhere_push_")]:
                del entry[name]
            entry.update(variables)
        return self.the_fleet


def assert_no_key_in_output(result, keys):
    for key in keys:
        body = key_pem(key).splitlines()[1]
        assert body not in result.stdout and body not in result.stderr


def test_push_mode_installs_pem_and_pkcs12_pairs_that_open_sessions(tmp_path, localaws):
    ca = Pki()
    inputs = PushInputs(tmp_path, ca)
    fleet = inputs.fleet()
    with KeyFileWatcher(fleet.dirs.values(), fleet.user.pw_uid) as watcher:
        first = fleet.run()
    assert first.rc == 0, first.explain()
    assert watcher.violations == [] and watcher.seen
    assert_no_key_in_output(first, [key for _cert, key in inputs.pairs.values()])
    for host in HOSTS:
        cert, key = inputs.pairs[host]
        info = os.stat(fleet.path(host, "private-key.pem"))
        assert stat.S_IMODE(info.st_mode) == 0o600 and info.st_uid == fleet.user.pw_uid
        assert fleet.read(host, "private-key.pem").decode() == key_pem(key)
        assert fleet.read(host, "certificate.pem").decode() == pem(cert)
        assert fleet.read(host, "chain.pem").decode() == pem(ca.intermediate)
        assert fleet.read(host, "ca.pem").decode() == pem(ca.root)

    second = fleet.run()
    assert second.rc == 0, second.explain()
    assert second.changed == 0, second.stats

    trust = create_trust(
        localaws, {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": pem(ca.root)}}
    )
    for host in HOSTS:
        session = sigv4x509.create_session(
            endpoint=localaws.endpoint,
            region=localaws.region,
            trust_anchor_arn=trust["trust_anchor_arn"],
            profile_arn=trust["profile_arn"],
            role_arn=trust["role_arn"],
            certificate_pem=fleet.read(host, "certificate.pem"),
            private_key_pem=fleet.read(host, "private-key.pem"),
            intermediates_pem=fleet.read(host, "chain.pem"),
        )
        assert session["credentialSet"]

    # The PKI re-issues h1 with a new key: only h1 changes, key and certificate together.
    inputs.pairs["h1"] = ca.leaf("h1")
    renewed = inputs.set_inputs().run()
    assert renewed.rc == 0, renewed.explain()
    assert (
        renewed.stats["h1"]["changed"] > 0
        and renewed.stats["h2"]["changed"] == 0
        and renewed.stats["h3"]["changed"] == 0
    )
    assert fleet.read("h1", "private-key.pem").decode() == key_pem(inputs.pairs["h1"][1])
    assert not os.path.exists(fleet.path("h1", "private-key.pem.next"))


def _bad_input_cases(ca, inputs):
    other = Pki("Other")
    h1_cert, _h1_key = inputs.pairs["h1"]
    expired_cert, expired_key = ca.leaf("h1", expired=True)
    ca_cert, ca_key = ca.leaf("h1", ca=True)
    foreign_cert, foreign_key = other.leaf("h1")
    return {
        "key that does not match": (
            {"h1": {"rolesanywhere_push_private_key_pem": key_pem(ca.leaf("h1")[1])}},
            "does not belong to its private key",
        ),
        "chain that does not reach the anchor": (
            {
                "h1": {
                    "rolesanywhere_push_certificate_pem": pem(foreign_cert),
                    "rolesanywhere_push_private_key_pem": key_pem(foreign_key),
                    "rolesanywhere_push_chain_pem": pem(other.intermediate),
                }
            },
            "does not chain up to a CA of the trust anchor",
        ),
        "expired certificate": (
            {
                "h1": {
                    "rolesanywhere_push_certificate_pem": pem(expired_cert),
                    "rolesanywhere_push_private_key_pem": key_pem(expired_key),
                }
            },
            "expired on",
        ),
        "CA:true certificate": (
            {
                "h1": {
                    "rolesanywhere_push_certificate_pem": pem(ca_cert),
                    "rolesanywhere_push_private_key_pem": key_pem(ca_key),
                }
            },
            "CA:true",
        ),
        "wrong PKCS#12 password": (
            {"h3": {"rolesanywhere_push_pkcs12_password": "not the password"}},
            "the password (rolesanywhere_push_pkcs12_password) is wrong",
        ),
        "revoked by the CRL given": (
            {"h1": {"rolesanywhere_push_crl_pem": ca.crl([h1_cert.serial_number])}},
            "is revoked by the CRL",
        ),
    }


def test_push_mode_refuses_bad_input_naming_the_host_and_changes_no_host(tmp_path):
    ca = Pki()
    inputs = PushInputs(tmp_path, ca)
    fleet = inputs.fleet()
    assert fleet.run().rc == 0
    before = host_files(fleet)
    # h2 gets a new valid pair in every bad run: it is refused too, since one bad host stops them all.
    inputs.pairs["h2"] = ca.leaf("h2")
    for case, (overrides, problem) in _bad_input_cases(ca, inputs).items():
        result = inputs.set_inputs(overrides).run()
        assert result.rc != 0, case
        [bad_host] = overrides
        message = result.task(ROLE + "Stop every host when a pushed certificate or key was refused", bad_host)["msg"]
        assert message.startswith("%s: " % bad_host) and problem in message, (case, message)
        assert "nothing was changed on any host" in message
        assert host_files(fleet) == before, case


def test_external_signer_signs_the_batch_and_renews(tmp_path, localaws):
    ca = Pki()
    paths = ca.save(str(tmp_path / "issuing-ca"))
    fleet = Fleet(
        tmp_path,
        HOSTS,
        group_vars={
            "rolesanywhere_external_signer": python_signer_command(paths),
            "rolesanywhere_pki_ca_bundle": pem(ca.root) + pem(ca.intermediate),
        },
    )
    first = fleet.run()
    assert first.rc == 0, first.explain()
    signed = first.action("sign_certificates", "h1")
    assert signed["issuer"] == "external" and sorted(signed["certificates"]) == list(HOSTS)
    for host in HOSTS:
        leaf = pki.load_certificates(fleet.read(host, "certificate.pem"))[0]
        assert pki.verify_issued_by(leaf, ca.intermediate)
        assert fleet.read(host, "chain.pem").decode() == pem(ca.intermediate)
        assert fleet.read(host, "ca.pem").decode() == pem(ca.root)

    second = fleet.run()
    assert second.rc == 0, second.explain()
    assert second.changed == 0, second.stats

    renewed = fleet.run(extra_vars={"rolesanywhere_force_renew": True})
    assert renewed.rc == 0, renewed.explain()
    assert sorted(renewed.action("sign_certificates", "h1")["certificates"]) == list(HOSTS)

    trust = create_trust(
        localaws, {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": pem(ca.root)}}
    )
    for host in HOSTS:
        assert sigv4x509.create_session(
            endpoint=localaws.endpoint,
            region=localaws.region,
            trust_anchor_arn=trust["trust_anchor_arn"],
            profile_arn=trust["profile_arn"],
            role_arn=trust["role_arn"],
            certificate_pem=fleet.read(host, "certificate.pem"),
            private_key_pem=fleet.read(host, "private-key.pem"),
            intermediates_pem=fleet.read(host, "chain.pem"),
        )["credentialSet"]


def test_external_signer_refuses_an_issuing_ca_missing_from_the_bundle(tmp_path):
    ca = Pki()
    signer = python_signer_command(ca.save(str(tmp_path / "ca")))
    fleet = Fleet(
        tmp_path,
        ("h1",),
        group_vars={"rolesanywhere_external_signer": signer, "rolesanywhere_pki_ca_bundle": pem(ca.root)},
    )
    result = fleet.run()
    assert result.rc != 0
    message = result.task(ROLE + "Fail the hosts whose certificate was refused", "h1")["msg"]
    assert message.startswith("h1: ") and "which is not in the CA bundle (rolesanywhere_pki_ca_bundle)" in message, (
        message
    )
    assert not os.path.exists(fleet.path("h1", "certificate.pem"))


@pytest.mark.parametrize(
    "mode, problem",
    [
        ("fail", "failed with exit status 3: CA unreachable: connection refused"),
        ("garbage", "returned no JSON document on stdout"),
        ("wrong-key", "does not belong to its private key"),
        ("other-ca", "does not chain up to a CA of the trust anchor"),
    ],
)
def test_external_signer_failures_name_every_host_and_change_nothing(tmp_path, mode, problem):
    ca = Pki()
    good = python_signer_command(ca.save(str(tmp_path / "issuing-ca")))
    fleet = Fleet(
        tmp_path,
        HOSTS,
        group_vars={
            "rolesanywhere_external_signer": good,
            "rolesanywhere_pki_ca_bundle": pem(ca.root) + pem(ca.intermediate),
        },
    )
    assert fleet.run().rc == 0
    before = host_files(fleet)
    if mode == "other-ca":
        bad = python_signer_command(Pki("Other").save(str(tmp_path / "other-ca")))
    else:
        bad = python_signer_command(ca.save(str(tmp_path / "issuing-ca")), mode)
    result = fleet.run(extra_vars={"rolesanywhere_external_signer": bad, "rolesanywhere_force_renew": True})
    assert result.rc != 0
    for host in HOSTS:
        message = result.task(ROLE + "Fail the hosts whose certificate was refused", host)["msg"]
        assert message.startswith("%s: " % host) and problem in message, message
    assert host_files(fleet) == before
