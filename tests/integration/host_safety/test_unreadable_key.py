"""A truncated key names its file and the fix, and the rotation that fix asks for replaces it; removal takes every file."""

import os

from support.ansible_run import run_module

MODULE = "hybridcloud.rolesanywhere.certificate_request"


def test_a_truncated_key_is_named_and_rotation_replaces_it(tmp_path):
    cert_dir = tmp_path / "certs"
    cert_dir.mkdir(mode=0o700)
    key_path = cert_dir / "private-key.pem"
    key_path.write_bytes(b"-----BEGIN PRIVATE KEY-----\nMIGH\n")

    refused = run_module(MODULE, {"common_name": "db01", "cert_dir": str(cert_dir)}, tmp_path=tmp_path)
    assert refused.get("failed")
    assert str(key_path) in refused["msg"] and "rotate" in refused["msg"], refused["msg"]
    assert key_path.read_bytes() == b"-----BEGIN PRIVATE KEY-----\nMIGH\n"

    # Nothing works with the broken key, so there is no working pair to keep: the new key goes straight into place.
    rotated = run_module(MODULE, {"common_name": "db01", "cert_dir": str(cert_dir), "rotate": True}, tmp_path=tmp_path)
    assert rotated["changed"] and rotated["key"]["generated"] and not rotated["key"]["pending"], rotated
    assert rotated["csr"].startswith("-----BEGIN CERTIFICATE REQUEST-----")
    assert sorted(os.listdir(str(cert_dir))) == ["private-key.pem"]

    # Offboarding removes the key with everything beside it, a pending key of an interrupted rotation included.
    (cert_dir / "private-key.pem.next").write_bytes(b"pending")
    (cert_dir / "certificate.pem").write_bytes(b"certificate")
    removed = run_module(
        "hybridcloud.rolesanywhere.certificate_install",
        {"state": "absent", "cert_dir": str(cert_dir)},
        tmp_path=tmp_path,
    )
    assert removed["changed"] and sorted(os.path.basename(path) for path in removed["removed"]) == [
        "certificate.pem",
        "private-key.pem",
        "private-key.pem.next",
    ], removed
    assert os.listdir(str(cert_dir)) == []
