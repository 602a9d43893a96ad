"""The stand-in's TLS files: made once, kept across restarts, remade when they no longer fit."""

import os
import stat

from cryptography import x509

from localaws.tls import ensure_server_files


def names_in(path):
    with open(path, "rb") as handle:
        certificate = x509.load_pem_x509_certificate(handle.read())
    alternative = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(value) for value in alternative.get_values_for_type(x509.IPAddress)} | set(
        alternative.get_values_for_type(x509.DNSName)
    )


def contents(files):
    return {role: open(path, "rb").read() for role, path in files.items()}  # pylint: disable=consider-using-with


def test_files_are_kept_across_restarts_and_remade_for_other_names(tmp_path):
    directory = str(tmp_path / "tls")
    first = ensure_server_files(directory, "127.0.0.1")
    assert stat.S_IMODE(os.stat(first["private_key"]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert names_in(first["certificate"]) == {"127.0.0.1", "localhost"}
    before = contents(first)

    assert contents(ensure_server_files(directory, "127.0.0.1")) == before

    renamed = ensure_server_files(directory, "127.0.0.1", ["vm"])
    assert names_in(renamed["certificate"]) == {"127.0.0.1", "localhost", "vm"}
    after = contents(renamed)
    assert after["ca_bundle"] != before["ca_bundle"] and after["certificate"] != before["certificate"]
    with open(renamed["ca_bundle"], "rb") as handle:
        ca = x509.load_pem_x509_certificate(handle.read())
    with open(renamed["certificate"], "rb") as handle:
        x509.load_pem_x509_certificate(handle.read()).verify_directly_issued_by(ca)
