"""The enroll role on a fleet of local hosts: issuance, idempotence, renewal, rotation, CA change, openssl-only hosts."""

import os
import shutil
import stat
import subprocess

import pytest
from cryptography import x509
from pki_fleet import Fleet, KeyFileWatcher, python_without_cryptography

HOSTS = ("h1", "h2", "h3")


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    python = python_without_cryptography(tmp_path_factory.mktemp("bare-python") / "venv")
    if python is None:
        pytest.skip("no openssl command on this machine")
    return python


def openssl_verify(fleet, host):
    """The installed certificate chains to the installed CA certificate (checked by openssl, not by our code)."""
    args = ["openssl", "verify", "-CAfile", fleet.path(host, "ca.pem")]
    if os.path.exists(fleet.path(host, "chain.pem")):
        args += ["-untrusted", fleet.path(host, "chain.pem")]
    completed = subprocess.run(
        args + [fleet.path(host, "certificate.pem")], capture_output=True, text=True, check=False
    )
    return completed.returncode == 0, completed.stdout + completed.stderr


def serial(fleet, host):
    completed = subprocess.run(
        ["openssl", "x509", "-noout", "-serial", "-in", fleet.path(host, "certificate.pem")],
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def test_enroll_issues_then_changes_nothing_with_one_call_per_host(tmp_path, bare_python):
    # h1 uses cryptography, h2 is forced to the openssl command, h3 runs an interpreter without cryptography at all.
    fleet = Fleet(
        tmp_path,
        HOSTS,
        host_vars={
            "h2": {"rolesanywhere_crypto_backend": "openssl"},
            "h3": {"ansible_python_interpreter": bare_python},
        },
    )
    with KeyFileWatcher(fleet.dirs.values(), fleet.user.pw_uid) as watcher:
        first = fleet.run()
    assert first.rc == 0, first.explain()
    assert watcher.violations == []
    for host in HOSTS:
        assert first.stats[host]["changed"] >= 2
        ok, output = openssl_verify(fleet, host)
        assert ok, output
        for name, mode in (("private-key.pem", 0o600), ("certificate.pem", 0o644), ("ca.pem", 0o644)):
            info = os.stat(fleet.path(host, name))
            assert stat.S_IMODE(info.st_mode) == mode, name
            assert info.st_uid == fleet.user.pw_uid, name
        assert stat.S_IMODE(os.stat(fleet.dirs[host]).st_mode) == 0o700
        assert len(first.remote_calls(host)) <= 2
    assert first.action("certificate_request", "h1")["backend"] == "cryptography"
    assert first.action("certificate_request", "h2")["backend"] == "openssl"
    assert first.action("certificate_request", "h3")["backend"] == "openssl"

    second = fleet.run()
    assert second.rc == 0, second.explain()
    assert second.changed == 0, second.stats
    for host in HOSTS:
        calls = second.remote_calls(host)
        assert len(calls) <= 2, calls
        assert calls == ["hybridcloud.rolesanywhere.enroll : Ensure the private key and a CSR on the host"]

    # No private key material anywhere in what the runs printed.
    for run in (first, second):
        for host in HOSTS:
            key_body = fleet.read(host, "private-key.pem").decode().splitlines()[1]
            assert key_body not in run.stdout and key_body not in run.stderr
        assert "PRIVATE KEY" not in run.stdout


def facts_play():
    return [
        {
            "hosts": "all",
            "gather_facts": False,
            "roles": ["hybridcloud.rolesanywhere.enroll"],
            "post_tasks": [
                {
                    "name": "facts",
                    "ansible.builtin.debug": {
                        "msg": {
                            "certificate": "{{ rolesanywhere_enroll_result.certificate_path }}",
                            "key": "{{ rolesanywhere_enroll_result.private_key_path }}",
                            "intermediates": "{{ rolesanywhere_enroll_result.intermediates_path }}",
                            "changed": "{{ rolesanywhere_enroll_result.certificate_changed }}",
                        }
                    },
                }
            ],
        }
    ]


def test_intermediate_ca_installs_the_chain_and_publishes_the_paths(tmp_path):
    fleet = Fleet(
        tmp_path,
        ("h1", "h2"),
        host_vars={"h2": {"rolesanywhere_crypto_backend": "openssl"}},
        group_vars={"rolesanywhere_ca_intermediate": True, "rolesanywhere_ca_passphrase": "correct horse"},
    )
    first = fleet.run(playbook=facts_play())
    assert first.rc == 0, first.explain()
    for host in ("h1", "h2"):
        assert os.path.exists(fleet.path(host, "chain.pem"))
        ok, output = openssl_verify(fleet, host)
        assert ok, output
        facts = first.task("facts", host)["msg"]
        assert facts == {
            "certificate": fleet.path(host, "certificate.pem"),
            "key": fleet.path(host, "private-key.pem"),
            "intermediates": fleet.path(host, "chain.pem"),
            "changed": True,
        }
    second = fleet.run(playbook=facts_play())
    assert second.changed == 0, second.stats
    assert second.task("facts", "h1")["msg"]["changed"] is False


def test_short_validity_is_renewed_on_every_run(tmp_path):
    fleet = Fleet(
        tmp_path,
        ("h1", "h2"),
        group_vars={"rolesanywhere_cert_validity_days": 1, "rolesanywhere_renew_before_days": 30},
    )
    assert fleet.run().rc == 0
    before = {host: serial(fleet, host) for host in ("h1", "h2")}
    keys = {host: fleet.read(host, "private-key.pem") for host in ("h1", "h2")}
    again = fleet.run()
    assert again.rc == 0, again.explain()
    for host in ("h1", "h2"):
        assert serial(fleet, host) != before[host]
        assert fleet.read(host, "private-key.pem") == keys[host]  # renewal keeps the key
        reasons = again.action("certificate_request", host)["reasons"]
        assert any("expires within 30 days" in reason for reason in reasons)


def lifetime_days(fleet, host):
    cert = x509.load_pem_x509_certificate(fleet.read(host, "certificate.pem"))
    return (cert.not_valid_after_utc - cert.not_valid_before_utc).days


def test_each_host_gets_its_own_validity_from_one_batch_signing(tmp_path):
    # The batch is signed once, in the first host's context: h1's short validity must not reach h2, nor h2's h1.
    fleet = Fleet(tmp_path, ("h1", "h2"), host_vars={"h1": {"rolesanywhere_cert_validity_days": 60}})
    first = fleet.run()
    assert first.rc == 0, first.explain()
    assert lifetime_days(fleet, "h1") == 60 and lifetime_days(fleet, "h2") == 365
    again = fleet.run()
    assert again.rc == 0 and again.changed == 0, again.explain()


def test_key_rotation_replaces_key_and_certificate(tmp_path):
    fleet = Fleet(tmp_path, ("h1", "h2"), host_vars={"h2": {"rolesanywhere_crypto_backend": "openssl"}})
    assert fleet.run().rc == 0
    keys = {host: fleet.read(host, "private-key.pem") for host in ("h1", "h2")}
    serials = {host: serial(fleet, host) for host in ("h1", "h2")}
    with KeyFileWatcher(fleet.dirs.values(), fleet.user.pw_uid) as watcher:
        rotated = fleet.run(extra_vars={"rolesanywhere_rotate_key": True})
    assert rotated.rc == 0, rotated.explain()
    assert watcher.violations == []
    for host in ("h1", "h2"):
        assert fleet.read(host, "private-key.pem") != keys[host]
        assert serial(fleet, host) != serials[host]
        assert len(rotated.remote_calls(host)) == 2
    assert fleet.run().changed == 0


def test_forced_renewal_keeps_the_key_and_a_key_type_change_replaces_it(tmp_path):
    fleet = Fleet(tmp_path, ("h1",))
    assert fleet.run().rc == 0
    before, key = serial(fleet, "h1"), fleet.read("h1", "private-key.pem")
    forced = fleet.run(extra_vars={"rolesanywhere_force_renew": True})
    assert forced.rc == 0, forced.explain()
    assert serial(fleet, "h1") != before and fleet.read("h1", "private-key.pem") == key
    changed = fleet.run(extra_vars={"rolesanywhere_key_type": "rsa-2048"})
    assert changed.rc == 0, changed.explain()
    assert changed.action("certificate_request", "h1")["key"]["generated"]
    text = subprocess.run(
        ["openssl", "pkey", "-in", fleet.path("h1", "private-key.pem"), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "2048 bit" in text
    ok, output = openssl_verify(fleet, "h1")
    assert ok, output


def test_a_new_ca_reissues_every_certificate(tmp_path):
    fleet = Fleet(tmp_path, HOSTS)
    assert fleet.run().rc == 0
    shutil.move(fleet.ca_path, str(tmp_path / "old-ca"))
    rerun = fleet.run()
    assert rerun.rc == 0, rerun.explain()
    for host in HOSTS:
        assert "the certificate was issued by a different CA" in rerun.action("certificate_request", host)["reasons"]
        ok, output = openssl_verify(fleet, host)
        assert ok, output
    assert fleet.run().changed == 0


def test_check_mode_on_a_new_fleet_changes_nothing(tmp_path):
    fleet = Fleet(tmp_path, ("h1",))
    result = fleet.run(check=True)
    assert result.rc == 0, result.explain()
    predicted = result.action("sign_certificates", "h1")
    assert predicted["changed"] and predicted["would_sign"] == ["h1"] and predicted["certificates"] == {}
    assert not os.path.exists(fleet.dirs["h1"])
    assert not os.path.exists(fleet.ca_path)


def test_forcing_cryptography_on_a_host_without_it_names_the_fix(tmp_path, bare_python):
    host_vars = {"h1": {"ansible_python_interpreter": bare_python, "rolesanywhere_crypto_backend": "cryptography"}}
    fleet = Fleet(tmp_path, ("h1",), host_vars=host_vars)
    result = fleet.run()
    assert result.rc != 0
    assert "backend: openssl" in result.action("certificate_request", "h1")["msg"]
