"""One spelling of certificate serials, and revocation requests that must name something the CA issued."""

import json
import subprocess

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import local_ca, pki
from support import x509 as t


@pytest.mark.parametrize(
    "serial", [0xABC, 0x8ABC, 0x0F, 0x1234567890ABCDEF, 0x0FFEE00112233445566778899AABBCCDDEEFF001]
)
def test_serials_are_spelled_as_openssl_prints_them(tmp_path, serial):
    key = t.key("ec-p256")
    cert = t.certificate(subject_key=key, issuer_key=key, subject=t.name("s"), issuer=t.name("s"), serial=serial)
    printed = (
        subprocess.run(
            ["openssl", "x509", "-serial", "-noout"], input=t.pem(cert).encode("ascii"), capture_output=True, check=True
        )
        .stdout.decode("ascii")
        .strip()
    )
    assert printed == "serial=" + pki.serial_hex(serial)


@pytest.mark.parametrize("text,expected", [("dec:4242", 4242), ("DEC: 4242", 4242), ("4242", 0x4242), ("0ABC", 0xABC)])
def test_decimal_only_with_its_prefix(text, expected):
    assert local_ca.parse_serial(text) == expected


def test_dec_prefix_takes_only_digits():
    with pytest.raises(pki.CertificateRuleError, match="dec:"):
        local_ca.parse_serial("dec:4A")


@pytest.fixture
def ca_path(tmp_path):
    path = str(tmp_path)
    # An entry as older versions spelled it (no leading zero) next to one in today's spelling.
    local_ca.record_issued(path, {"db07": {"serial": "ABC"}})
    local_ca.record_issued(path, {"web1": {"serial": "0DEF"}})
    return path


def test_hosts_and_serials_resolve_to_what_the_ca_issued(ca_path):
    wanted, labels, by_host = local_ca.resolve_revocation(ca_path, ["web1"], ["0ABC"])
    assert sorted(wanted) == [0xABC, 0xDEF]
    assert labels == {0xDEF: "web1"}
    assert by_host == {"web1": ["0DEF"]}


def test_a_host_name_that_looks_like_hex_is_the_host(ca_path):
    wanted, labels, by_host = local_ca.resolve_revocation(ca_path, [], ["db07", "dec:3567"])
    assert sorted(wanted) == [0xABC, 0xDEF] and by_host == {"db07": ["0ABC"]} and labels == {0xABC: "db07"}


def test_a_serial_the_crl_already_revokes_is_known(ca_path):
    assert local_ca.resolve_revocation(ca_path, [], ["4242"], already_revoked={0x4242})[0] == [0x4242]


def test_values_that_match_nothing_are_one_error_naming_each(ca_path):
    with pytest.raises(pki.CertificateRuleError) as error:
        local_ca.resolve_revocation(ca_path, ["db99"], ["4242", "web1", "not-a-host"])
    message = str(error.value)
    assert "'4242', 'not-a-host', 'db99' match nothing" in message
    assert "issued.json" in message and "dec:" in message


def test_revoked_record_keeps_one_spelling(tmp_path):
    path = str(tmp_path / "revoked.json")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"ABC": {"revoked_at": "2026-01-01T00:00:00+00:00", "label": "db07"}}')
    record = local_ca.update_revoked_record(path, {0xABC: None, 0xDEF: None}, {0xDEF: "web1"})
    assert sorted(json.loads(record)) == ["0ABC", "0DEF"]
