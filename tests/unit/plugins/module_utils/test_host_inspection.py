"""Reading the profile, the helper and the certificate files on a host, with both certificate backends."""

import datetime
import os
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import host_inspection as hi
from support import x509 as t

ANCHOR = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/11111111-2222-3333-4444-555555555555"
PROFILE = "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/66666666-7777-8888-9999-000000000000"
ROLE = "arn:aws:iam::123456789012:role/reader"
NOW = t.NOW

BACKENDS = ["cryptography"] + (["openssl"] if shutil.which("openssl") else [])


def backend(kind):
    return hi.CryptographyBackend() if kind == "cryptography" else hi.OpensslBackend(shutil.which("openssl"))


def write(path, data):
    with open(str(path), "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode("ascii"))
    return str(path)


class Pki:
    """A root CA, an intermediate CA and a leaf issued by the intermediate, like a two-tier enrollment."""

    def __init__(self):
        self.root_key, self.intermediate_key, self.leaf_key = t.key("ec-p384"), t.key("ec-p256"), t.new_key("ec-p256")
        self.root = t.ca_certificate(self.root_key, cn="Root CA")
        self.intermediate = t.certificate(
            subject_key=self.intermediate_key,
            issuer_key=self.root_key,
            subject=t.name("Issuing CA"),
            issuer=self.root.subject,
            ca=True,
        )
        self.leaf = self.issue()

    def issue(self, **kwargs):
        return t.certificate(
            subject_key=self.leaf_key,
            issuer_key=self.intermediate_key,
            subject=t.name("db01", o="Example"),
            issuer=self.intermediate.subject,
            **kwargs,
        )


@pytest.fixture(scope="module")
def pki():
    return Pki()


def flags_for(tmp_path, pki, leaf=None, key=None, chain=True, nearby_chain=False):
    flags = {
        "certificate": write(tmp_path / "cert.pem", t.pem(leaf or pki.leaf)),
        "private-key": write(tmp_path / "key.pem", t.key_pem_bytes(key or pki.leaf_key)),
    }
    if chain:
        flags["intermediates"] = write(tmp_path / "chain.pem", t.pem(pki.intermediate))
    elif nearby_chain:
        write(tmp_path / "chain.pem", t.pem(pki.intermediate))
    return flags


# --- config ---------------------------------------------------------------------------------------------------

CONFIG = """# managed elsewhere
[default]
region = us-east-1

[profile reader]
region = eu-west-1
credential_process = /usr/local/bin/aws_signing_helper credential-process --certificate /c.pem --private-key /k.pem

[profile broken]
region = eu-west-1
credential_process = /usr/local/bin/aws_signing_helper credential-process
    --certificate /c.pem \\
    --private-key /k.pem

[profile empty]
region = eu-west-1
"""


def test_read_profile_finds_the_one_line_command():
    settings, findings = hi.read_profile(CONFIG, "reader")[:2]
    assert findings == []
    assert settings["region"] == "eu-west-1"
    assert settings["credential_process"].endswith("--private-key /k.pem")
    assert settings["lines"] == 1


def test_read_profile_reports_a_command_over_several_lines_and_reads_it_as_the_cli_does():
    settings, findings, details = hi.read_profile(CONFIG, "broken")
    assert findings == ["credential_process_multiline"]
    assert details["lines"] == 3
    assert hi.parse_credential_process(settings["credential_process"])["flags"] == {
        "certificate": "/c.pem",
        "private-key": "/k.pem",
    }


def test_read_profile_reports_a_missing_profile_and_lists_the_others():
    findings, details = hi.read_profile(CONFIG, "writer")[1:]
    assert findings == ["profile_missing"]
    assert details["available"] == "default, reader, broken, empty"


def test_read_profile_reports_a_profile_without_credential_process():
    assert hi.read_profile(CONFIG, "empty")[1] == ["credential_process_missing"]


def test_read_profile_reports_unparsable_text():
    findings, details = hi.read_profile("region = us-east-1\n[profile x\n", "x")[1:]
    assert findings == ["aws_config_unparsable"]
    assert details["detail"]


def test_default_profile_has_no_prefix():
    assert hi.read_profile(CONFIG, "default")[1] == ["credential_process_missing"]


@pytest.mark.parametrize(
    "explicit, environ, expected",
    [
        ("/srv/app/config", {"AWS_CONFIG_FILE": "/other"}, "/srv/app/config"),
        (None, {"AWS_CONFIG_FILE": "/other"}, "/other"),
        (None, {}, os.path.expanduser("~/.aws/config")),
    ],
)
def test_config_file_path_follows_the_cli_precedence(explicit, environ, expected):
    assert hi.config_file_path(explicit, environ) == expected


# --- the command ----------------------------------------------------------------------------------------------


def test_parse_credential_process_reads_both_flag_spellings():
    parsed = hi.parse_credential_process(
        "/usr/local/bin/aws_signing_helper credential-process --certificate '/etc/pki/my cert.pem' --private-key=/k.pem "
        "--trust-anchor-arn {0} --profile-arn {1} --role-arn {2} --debug".format(ANCHOR, PROFILE, ROLE)
    )
    assert parsed["helper"] == "/usr/local/bin/aws_signing_helper"
    assert parsed["subcommand"] == "credential-process"
    assert parsed["flags"]["certificate"] == "/etc/pki/my cert.pem"
    assert parsed["flags"]["private-key"] == "/k.pem"
    assert parsed["flags"]["debug"] is True
    assert hi.missing_flags(parsed) == []


def test_parse_credential_process_sees_the_script_behind_an_interpreter():
    parsed = hi.parse_credential_process(
        "/usr/bin/python3 /opt/ra/credential_process.py credential-process --role-arn x"
    )
    assert parsed["interpreter"] == "/usr/bin/python3"
    assert parsed["helper"] == "/opt/ra/credential_process.py"
    assert parsed["subcommand"] == "credential-process"


def test_missing_flags_lists_what_a_session_needs():
    parsed = hi.parse_credential_process("helper serve --certificate /c.pem")
    assert hi.missing_flags(parsed) == [
        "the credential-process subcommand",
        "--private-key",
        "--trust-anchor-arn",
        "--profile-arn",
        "--role-arn",
    ]


def test_certificate_from_a_store_needs_no_files():
    parsed = hi.parse_credential_process(
        "helper credential-process --cert-selector Key=x --trust-anchor-arn a --profile-arn p --role-arn r"
    )
    assert hi.missing_flags(parsed) == []


def test_unbalanced_quotes_are_an_inspection_error():
    with pytest.raises(hi.InspectionError):
        hi.parse_credential_process("helper credential-process --certificate 'x")


@pytest.mark.parametrize(
    "flags, expected",
    [
        ({"endpoint": "http://127.0.0.1:4566"}, "http://127.0.0.1:4566"),
        ({"region": "us-west-2", "trust-anchor-arn": ANCHOR}, "https://rolesanywhere.us-west-2.amazonaws.com"),
        ({"trust-anchor-arn": ANCHOR}, "https://rolesanywhere.eu-west-1.amazonaws.com"),
        ({}, None),
    ],
)
def test_endpoint_is_the_one_the_helper_uses(flags, expected):
    assert hi.endpoint_of({"flags": flags}) == expected


# --- the helper -----------------------------------------------------------------------------------------------


def test_helper_that_exists_and_runs_has_no_finding(tmp_path):
    helper = write(tmp_path / "helper", "#!/bin/sh\n")
    os.chmod(helper, 0o755)
    assert hi.inspect_helper(hi.parse_credential_process(helper + " credential-process"))[0] == []


def test_helper_that_does_not_exist(tmp_path):
    assert hi.inspect_helper(hi.parse_credential_process(str(tmp_path / "nope") + " credential-process"))[0] == [
        "helper_missing"
    ]


def test_helper_found_on_the_path(tmp_path):
    helper = write(tmp_path / "aws_signing_helper", "#!/bin/sh\n")
    os.chmod(helper, 0o755)
    findings, details = hi.inspect_helper(
        hi.parse_credential_process("aws_signing_helper credential-process"), search_path=str(tmp_path)
    )
    assert findings == []
    assert details["helper"] == helper


def test_helper_without_any_execute_bit_is_not_executable_even_for_root(tmp_path):
    helper = write(tmp_path / "helper", "#!/bin/sh\n")
    os.chmod(helper, 0o644)
    assert hi.inspect_helper(hi.parse_credential_process(helper + " credential-process"))[0] == [
        "helper_not_executable"
    ]


def test_helper_that_is_a_directory_is_not_executable(tmp_path):
    assert hi.inspect_helper(hi.parse_credential_process(str(tmp_path) + " credential-process"))[0] == [
        "helper_not_executable"
    ]


def test_script_behind_an_interpreter_must_exist(tmp_path):
    parsed = hi.parse_credential_process("python3 {0} credential-process".format(tmp_path / "missing.py"))
    assert hi.inspect_helper(parsed)[0] == ["helper_missing"]


# --- certificate files (both backends) ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BACKENDS)
def test_good_files_have_no_findings_and_a_summary(tmp_path, pki, kind):
    summary, findings, details = hi.inspect_certificate_files(flags_for(tmp_path, pki), backend(kind), NOW)
    assert findings == []
    assert summary["subject"] == "O=Example,CN=db01"
    assert summary["issuer"] == "CN=Issuing CA"
    # The spelling of `openssl x509 -serial -noout`, whichever backend read it.
    printed = subprocess.run(
        ["openssl", "x509", "-serial", "-noout"], input=t.pem(pki.leaf).encode("ascii"), capture_output=True, check=True
    ).stdout.decode("ascii")
    assert summary["serial"] == printed.strip().split("=", 1)[1]
    assert summary["days_left"] in (29, 30)
    assert summary["not_after"].endswith("Z")
    assert details["certificate_path"].endswith("cert.pem")


@pytest.mark.parametrize("kind", BACKENDS)
def test_expired_certificate(tmp_path, pki, kind):
    leaf = pki.issue(not_before=NOW - datetime.timedelta(days=10), not_after=NOW - datetime.timedelta(days=1))
    summary, findings = hi.inspect_certificate_files(flags_for(tmp_path, pki, leaf=leaf), backend(kind), NOW)[:2]
    assert findings == ["certificate_expired"]
    assert summary["days_left"] < 0


@pytest.mark.parametrize("kind", BACKENDS)
def test_certificate_not_yet_valid(tmp_path, pki, kind):
    leaf = pki.issue(not_before=NOW + datetime.timedelta(days=1), not_after=NOW + datetime.timedelta(days=10))
    assert hi.inspect_certificate_files(flags_for(tmp_path, pki, leaf=leaf), backend(kind), NOW)[1] == [
        "certificate_not_yet_valid"
    ]


@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("other_key", ["ec-p256", "rsa-2048"])
def test_key_that_does_not_belong_to_the_certificate(tmp_path, pki, kind, other_key):
    flags = flags_for(tmp_path, pki, key=t.key(other_key))
    assert hi.inspect_certificate_files(flags, backend(kind), NOW)[1] == ["key_mismatch"]


@pytest.mark.parametrize("kind", BACKENDS)
def test_unsent_intermediate_next_to_the_certificate_is_reported(tmp_path, pki, kind):
    flags = flags_for(tmp_path, pki, chain=False, nearby_chain=True)
    findings, details = hi.inspect_certificate_files(flags, backend(kind), NOW)[1:]
    assert findings == ["intermediates_missing"]
    assert details["chain_hint"].strip().endswith("chain.pem")
    assert details["intermediates_state"] == "passes no --intermediates"


@pytest.mark.parametrize("kind", BACKENDS)
def test_leaf_issued_by_a_root_next_to_it_needs_no_intermediates(tmp_path, pki, kind):
    leaf = t.certificate(
        subject_key=pki.leaf_key, issuer_key=pki.root_key, subject=t.name("db02"), issuer=pki.root.subject
    )
    flags = flags_for(tmp_path, pki, leaf=leaf, chain=False)
    write(tmp_path / "ca.pem", t.pem(pki.root))
    assert hi.inspect_certificate_files(flags, backend(kind), NOW)[1] == []


@pytest.mark.parametrize("kind", BACKENDS)
def test_unreadable_certificate(tmp_path, pki, kind):
    flags = flags_for(tmp_path, pki)
    write(flags["certificate"], "not a certificate")
    findings, details = hi.inspect_certificate_files(flags, backend(kind), NOW)[1:]
    assert findings == ["certificate_unreadable"]
    assert "no PEM certificate" in details["detail"]


@pytest.mark.parametrize("kind", BACKENDS)
def test_missing_key_file(tmp_path, pki, kind):
    flags = flags_for(tmp_path, pki)
    os.remove(flags["private-key"])
    findings, details = hi.inspect_certificate_files(flags, backend(kind), NOW)[1:]
    assert findings == ["private_key_unreadable"]
    assert "key.pem" in details["detail"]


@pytest.mark.parametrize("kind", BACKENDS)
def test_encrypted_key_cannot_be_inspected(tmp_path, pki, kind):
    flags = flags_for(tmp_path, pki)
    encrypted = pki.leaf_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret-pass"),
    )
    write(flags["private-key"], encrypted)
    assert hi.inspect_certificate_files(flags, backend(kind), NOW)[1] == ["private_key_unreadable"]


def test_without_any_backend_nothing_is_claimed(tmp_path, pki):
    summary, findings, details = hi.inspect_certificate_files(flags_for(tmp_path, pki), None, NOW)
    assert (summary, findings) == (None, [])
    assert "openssl" in details["inspection"]


def test_pick_backend_prefers_cryptography_unless_told():
    assert hi.pick_backend().name == "cryptography"
    if shutil.which("openssl"):
        assert hi.pick_backend(prefer="openssl").name == "openssl"


# --- any text at all ---------------------------------------------------------------------------------------------


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_config_text_gives_settings_or_a_finding(text):
    settings_found, findings, details = hi.read_profile(text, "reader")
    assert isinstance(details, dict)
    assert findings or settings_found.get("credential_process")


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_command_parses_or_raises_the_inspection_error(text):
    try:
        parsed = hi.parse_credential_process(text)
    except hi.InspectionError:
        return
    assert isinstance(hi.missing_flags(parsed), list)
