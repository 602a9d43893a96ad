"""The host side, with both backends: key decisions, CSRs, installed-certificate state, atomic writes."""

import base64
import datetime
import os
import pwd
import shutil
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import (
    atomic_files,
    host_crypto,
    host_keys,
    local_ca,
    pki,
)
from support import x509 as t

BACKENDS = ["cryptography", "openssl"]
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "openssl" and shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    return host_keys.select_backend(request.param)


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("ca") / "ca")
    local_ca.ensure_ca(path, key_type="ec-p256", subject=local_ca.build_name("Unit CA"))
    return local_ca.LocalCA.load(path)


def write_key(tmp_path, backend, key_type):
    pem = backend.generate_key(key_type)
    path = str(tmp_path / "private-key.pem")
    atomic_files.write_atomically(path, pem, 0o600)
    return pem, path


def sign(ca, csr_pem, days=30):
    return local_ca.pem_of(local_ca.issue_leaf_certificate(pki.load_csr(csr_pem), ca.issuer_cert, ca.issuer_key, days))


@pytest.mark.parametrize("key_type", ["ec-p256", "ec-p384", "ec-p521", "rsa-2048"])
def test_generated_keys_have_the_requested_type(tmp_path, backend, key_type):
    pem = write_key(tmp_path, backend, key_type)[0]
    assert b"-----BEGIN PRIVATE KEY-----" in pem
    assert host_keys.key_type_of_spki(backend.public_key_der(pem)) == key_type
    assert host_keys.key_decision(backend, pem, key_type, rotate=False) == (False, None)


def test_key_decisions(tmp_path, backend):
    pem = write_key(tmp_path, backend, "ec-p256")[0]
    assert host_keys.key_decision(backend, None, "ec-p256", False)[0]
    assert host_keys.key_decision(backend, pem, "ec-p256", True) == (True, "rotation requested")
    generate, reason = host_keys.key_decision(backend, pem, "ec-p384", False)
    assert generate and "ec-p256" in reason


def test_csr_is_valid_and_carries_the_subject(tmp_path, backend):
    pem, path = write_key(tmp_path, backend, "ec-p256")
    subject = [("organization", "Example/Org"), ("organizational_unit", "a+b=c"), ("common_name", "host-1")]
    csr = pki.load_csr(backend.make_csr(pem, path, subject, ["host-1.example.com", "h1"]))
    pki.validate_csr(csr)
    assert [(a.oid._name, a.value) for a in csr.subject] == [
        ("organizationName", "Example/Org"),
        ("organizationalUnitName", "a+b=c"),
        ("commonName", "host-1"),
    ]
    assert "host-1.example.com" in str(csr.extensions[0].value)


def test_installed_state_reports_a_good_certificate(tmp_path, backend, ca):
    pem, path = write_key(tmp_path, backend, "ec-p256")
    subject = [("common_name", "host-1")]
    cert_pem = sign(ca, backend.make_csr(pem, path, subject, ["h1.example"]), days=90)
    state, reasons = host_keys.installed_state(
        backend, cert_pem, pem, local_ca.pem_of(ca.issuer_cert), 30, subject, ["h1.example"]
    )
    assert reasons == []
    assert state["matches_key"] and state["issued_by"] and not state["expires_within"]
    assert state["serial"] == pki.serial_hex(pki.load_certificates(cert_pem)[0].serial_number)
    assert state["subject"] == {"common_name": "host-1"}
    assert "PRIVATE" not in repr(state)


def test_installed_state_reasons(tmp_path, backend, ca):
    pem, path = write_key(tmp_path, backend, "ec-p256")
    subject = [("common_name", "host-1")]
    cert_pem = sign(ca, backend.make_csr(pem, path, subject, []), days=10)
    other_pem = backend.generate_key("ec-p256")
    other_ca_key = t.key("ec-p384")
    other_ca = local_ca.pem_of(t.ca_certificate(other_ca_key, cn="Unit CA"))
    reasons = host_keys.installed_state(
        backend, cert_pem, other_pem, other_ca, 30, [("common_name", "renamed")], ["x.example"]
    )[1]
    text = " | ".join(reasons)
    for expected in (
        "does not match the private key",
        "different CA",
        "expires within 30 days",
        "subject",
        "DNS names",
    ):
        assert expected in text


def test_missing_and_unreadable_certificates(backend):
    assert host_keys.installed_state(backend, None, None, None, 30, [], []) == (
        {"exists": False},
        ["no certificate installed"],
    )
    state, reasons = host_keys.installed_state(
        backend, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", None, None, 30, [], []
    )
    assert state["readable"] is False and "cannot be read" in reasons[0]


def test_unknown_certificate_version_is_reported_not_raised(backend):
    der = bytearray(pki.load_certificates(t.SHA1_LEAF_CERTIFICATE)[0].public_bytes(serialization.Encoding.DER))
    position = bytes(der).index(bytes([0xA0, 0x03, 0x02, 0x01, 0x02]))
    der[position + 4] = 0x01
    pem = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % base64.b64encode(bytes(der)).decode("ascii")
    state, reasons = host_keys.installed_state(backend, pem, None, None, 30, [], [])
    # cryptography refuses X.509 v2, openssl reads it; either way the host is told it needs a new certificate.
    assert reasons
    assert state["readable"] is (backend.name == "openssl")


def test_expires_within_boundary():
    now = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    assert host_keys.expires_within(now + datetime.timedelta(days=30), 30, now)
    assert not host_keys.expires_within(now + datetime.timedelta(days=30, seconds=1), 30, now)


def test_forcing_a_missing_backend_names_the_fix(monkeypatch):
    monkeypatch.setattr(host_crypto.shutil, "which", lambda name: None)
    with pytest.raises(host_keys.HostKeyError) as err:
        host_keys.select_backend("openssl")
    assert "install openssl" in str(err.value)
    monkeypatch.setattr(host_crypto, "cryptography_importable", lambda: False)
    with pytest.raises(host_keys.HostKeyError) as err:
        host_keys.select_backend("auto")
    assert "neither" in str(err.value)


@needs_openssl
def test_auto_falls_back_to_openssl(monkeypatch):
    monkeypatch.setattr(host_crypto, "cryptography_importable", lambda: False)
    assert host_keys.select_backend("auto").name == "openssl"


def test_host_keys_imports_without_cryptography():
    """The file must load on a host without python3-cryptography: no top-level import of it."""
    source = open(host_keys.__file__).read()
    top_level = [line for line in source.splitlines() if line.startswith(("import cryptography", "from cryptography"))]
    assert top_level == []


@pytest.mark.parametrize(
    "kind,expected",
    [
        ("ec-p256", "ec-p256"),
        ("ec-p521", "ec-p521"),
        ("rsa-2048", "rsa-2048"),
        ("ec-k256", "unsupported"),
        ("ed25519", "unsupported"),
    ],
)
def test_key_type_of_spki(kind, expected):
    der = (
        t.key(kind)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert host_keys.key_type_of_spki(der) == expected


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_spki_reader_never_crashes(der):
    assert host_keys.key_type_of_spki(der) in host_keys.KEY_TYPES + ("unsupported",)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=200))
def test_certificate_parsers_of_both_backends_fail_cleanly(der):
    body = base64.b64encode(der).decode("ascii")
    pem = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % body
    for name in BACKENDS:
        if name == "openssl" and shutil.which("openssl") is None:
            continue
        try:
            host_keys.select_backend(name).certificate_info(pem)
        except (host_keys.HostKeyError, ValueError):
            pass


# --- atomic files ---------------------------------------------------------------------------------------------------


def test_write_atomically_sets_mode_before_content(tmp_path, monkeypatch):
    seen = []
    real_fchmod = os.fchmod

    def spy_fchmod(fd, mode):
        seen.append((os.fstat(fd).st_size, stat.S_IMODE(os.fstat(fd).st_mode), mode))
        return real_fchmod(fd, mode)

    monkeypatch.setattr(atomic_files.os, "fchmod", spy_fchmod)
    path = str(tmp_path / "key.pem")
    atomic_files.write_atomically(path, b"secret", 0o600)
    # Empty and already 0600 (mkstemp) when the final mode is applied; no other file is left behind.
    assert seen == [(0, 0o600, 0o600)]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ["key.pem"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root writes files for another user")
def test_root_creates_the_temporary_file_as_the_target_user(tmp_path, monkeypatch):
    nobody = pwd.getpwnam("nobody")
    directory = tmp_path / "home"
    directory.mkdir()
    os.chown(str(directory), nobody.pw_uid, nobody.pw_gid)
    owners = []
    real_fchmod = os.fchmod

    def spy_fchmod(fd, mode):
        owners.append(os.fstat(fd).st_uid)
        return real_fchmod(fd, mode)

    monkeypatch.setattr(atomic_files.os, "fchmod", spy_fchmod)
    path = str(directory / "key.pem")
    atomic_files.write_atomically(path, b"secret", 0o600, nobody.pw_uid, nobody.pw_gid)
    assert owners == [nobody.pw_uid]
    assert os.stat(path).st_uid == nobody.pw_uid
    assert (os.geteuid(), os.getegid()) == (0, 0)


def test_ensure_file_is_idempotent_and_fixes_modes(tmp_path):
    path = str(tmp_path / "cert.pem")
    assert atomic_files.ensure_file(path, b"a", 0o644)
    assert not atomic_files.ensure_file(path, b"a", 0o644)
    os.chmod(path, 0o666)
    assert atomic_files.ensure_file(path, b"a", 0o644, check_mode=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666
    assert atomic_files.ensure_file(path, b"a", 0o644)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_write_failure_leaves_no_temporary_file(tmp_path):
    with pytest.raises(atomic_files.FileWriteError):
        atomic_files.write_atomically(str(tmp_path / "missing-dir" / "f"), b"x", 0o600)
    assert os.listdir(str(tmp_path)) == []


def test_ownership_failure_names_the_fix_and_leaves_nothing(tmp_path, monkeypatch):
    def refuse(fd, uid, gid):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(atomic_files.os, "fchown", refuse)
    with pytest.raises(atomic_files.FileWriteError) as err:
        atomic_files.write_atomically(str(tmp_path / "key.pem"), b"secret", 0o600, uid=12345, gid=12345)
    assert "become" in str(err.value)
    assert os.listdir(str(tmp_path)) == []


def test_unknown_user_is_named():
    with pytest.raises(atomic_files.FileWriteError) as err:
        atomic_files.resolve_owner("no-such-user-rolesanywhere")
    assert "no-such-user-rolesanywhere" in str(err.value)


def test_ensure_directory_creates_parents_with_mode(tmp_path):
    path = str(tmp_path / "a" / "b")
    assert atomic_files.ensure_directory(path, 0o700)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    assert not atomic_files.ensure_directory(path, 0o700)
