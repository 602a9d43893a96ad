"""The local CA: creation, adoption, refusal, leaf issuance, CRLs and batch signing decisions."""

import datetime
import json
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import batch_signing, local_ca, pki
from support import x509 as t

SUBJECT = local_ca.build_name("Test Root", "Example", "Platform")
INTERMEDIATE = local_ca.build_name("Test Intermediate", "Example")


def make_ca(tmp_path, **kwargs):
    kwargs.setdefault("key_type", "ec-p256")
    kwargs.setdefault("subject", SUBJECT)
    kwargs.setdefault("intermediate_subject", INTERMEDIATE)
    return local_ca.ensure_ca(str(tmp_path / "ca"), **kwargs)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_ca_follows_the_rules_and_file_modes(tmp_path):
    changed, result, warnings = make_ca(tmp_path)
    assert changed and not warnings
    cert = pki.load_certificates(result["ca_certificate"])[0]
    pki.validate_ca_certificate(cert)
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert constraints.critical and constraints.value.ca
    assert usage.key_cert_sign and usage.crl_sign
    assert cert.subject == SUBJECT
    assert mode(result["ca_key_path"]) == 0o600
    assert mode(result["ca_certificate_path"]) == 0o644
    assert mode(result["ca_path"]) == 0o700
    assert result["chain"] == "" and result["issuer_certificate"] == result["ca_certificate"]


@pytest.mark.parametrize("key_type", ["ec-p384", "rsa-2048"])
def test_key_types(tmp_path, key_type):
    result = make_ca(tmp_path, key_type=key_type)[1]
    assert result["key_type"] == key_type


def test_second_run_adopts_without_change(tmp_path):
    first = make_ca(tmp_path)[1]
    changed, second, warnings = make_ca(tmp_path)
    assert not changed and not warnings
    assert second["fingerprint"] == first["fingerprint"]


def test_adoption_warns_about_drift_but_keeps_the_ca(tmp_path):
    first = make_ca(tmp_path)[1]
    changed, second, warnings = make_ca(tmp_path, key_type="rsa-2048", subject=local_ca.build_name("Other"))
    assert not changed
    assert second["fingerprint"] == first["fingerprint"]
    assert any("rsa-2048" in w for w in warnings) and any("subject" in w for w in warnings)


def test_check_mode_writes_nothing(tmp_path):
    changed = make_ca(tmp_path, check_mode=True, intermediate=True)[0]
    assert changed
    assert not (tmp_path / "ca").exists()


def test_passphrase_encrypts_the_key_and_is_required_later(tmp_path):
    result = make_ca(tmp_path, passphrase="s3cret")[1]
    pem = open(result["ca_key_path"], "rb").read()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    with pytest.raises(pki.CertificateRuleError) as err:
        make_ca(tmp_path)
    assert "passphrase" in str(err.value)
    with pytest.raises(pki.CertificateRuleError) as err:
        make_ca(tmp_path, passphrase="wrong")
    assert "passphrase is wrong" in str(err.value)
    assert not make_ca(tmp_path, passphrase="s3cret")[0]


def test_intermediate_signs_leaves_and_forms_the_chain(tmp_path):
    changed, result = make_ca(tmp_path, intermediate=True)[:2]
    assert changed
    root = pki.load_certificates(result["ca_certificate"])[0]
    intermediate = pki.load_certificates(result["issuer_certificate"])[0]
    assert pki.verify_issued_by(intermediate, root)
    assert intermediate.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    assert result["chain"] == result["issuer_certificate"]
    assert open(result["chain_path"]).read() == result["chain"]
    assert mode(result["issuer_key_path"]) == 0o600
    assert not make_ca(tmp_path, intermediate=True)[0]


def test_existing_intermediate_without_the_option_is_an_error(tmp_path):
    make_ca(tmp_path, intermediate=True)
    with pytest.raises(pki.CertificateRuleError) as err:
        make_ca(tmp_path, intermediate=False)
    assert "intermediate: true" in str(err.value)


def write_foreign_ca(tmp_path, cert, key):
    directory = tmp_path / "ca"
    directory.mkdir()
    (directory / "ca.crt").write_text(t.pem(cert))
    (directory / "ca.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return directory


def test_an_existing_ca_that_breaks_a_rule_is_refused_and_left_untouched(tmp_path):
    key = t.key("ec-p256")
    expired = t.ca_certificate(
        key, not_before=t.NOW - datetime.timedelta(days=30), not_after=t.NOW - datetime.timedelta(days=1)
    )
    directory = write_foreign_ca(tmp_path, expired, key)
    before = (directory / "ca.crt").read_bytes()
    with pytest.raises(pki.CertificateRuleError) as err:
        make_ca(tmp_path)
    assert "expired" in str(err.value) and "left untouched" in str(err.value)
    assert (directory / "ca.crt").read_bytes() == before


def test_an_existing_leaf_posing_as_ca_is_refused(tmp_path):
    key = t.key("ec-p256")
    write_foreign_ca(tmp_path, t.certificate(subject_key=key), key)
    with pytest.raises(pki.CertificateRuleError) as err:
        make_ca(tmp_path)
    assert err.value.rule == "basic_constraints"


def test_a_key_that_does_not_match_the_certificate_is_refused(tmp_path):
    write_foreign_ca(tmp_path, t.ca_certificate(t.key("ec-p256")), t.key("ec-p384"))
    with pytest.raises(pki.CertificateRuleError) as err:
        make_ca(tmp_path)
    assert err.value.rule == "key_mismatch"


def test_half_a_ca_is_refused(tmp_path):
    directory = tmp_path / "ca"
    directory.mkdir()
    (directory / "ca.crt").write_text(t.pem(t.ca_certificate()))
    with pytest.raises(pki.CertificateRuleError) as err:
        make_ca(tmp_path)
    assert "ca.key" in str(err.value)


# --- leaves ---------------------------------------------------------------------------------------------------------


def loaded_ca(tmp_path, **kwargs):
    make_ca(tmp_path, **kwargs)
    return local_ca.LocalCA.load(str(tmp_path / "ca"), kwargs.get("passphrase"))


def test_issued_leaf_follows_the_rules(tmp_path):
    ca = loaded_ca(tmp_path)
    csr = t.csr(dns_names=["host1.example.com"])
    cert = local_ca.issue_leaf_certificate(csr, ca.issuer_cert, ca.issuer_key, 30)
    pki.validate_leaf_certificate(cert)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc <= datetime.timedelta(days=30)
    assert cert.subject == csr.subject
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["host1.example.com"]
    assert pki.verify_issued_by(cert, ca.issuer_cert)


def test_leaf_never_outlives_the_issuer(tmp_path):
    ca = loaded_ca(tmp_path, validity_days=10)
    cert = local_ca.issue_leaf_certificate(t.csr(), ca.issuer_cert, ca.issuer_key, 365)
    assert cert.not_valid_after_utc <= ca.issuer_cert.not_valid_after_utc


def test_requested_san_check():
    csr = t.csr(dns_names=["a.example"])
    local_ca.check_requested_san(csr, None, "csr")
    local_ca.check_requested_san(csr, ["a.example"], "csr")
    with pytest.raises(pki.CertificateRuleError):
        local_ca.check_requested_san(csr, ["b.example"], "csr")


# --- batch signing --------------------------------------------------------------------------------------------------


def request(csr=None, needs=True, installed=None):
    return {
        "csr": t.pem(csr or t.csr()),
        "needs_certificate": needs,
        "reasons": ["no certificate installed"] if needs else [],
        "installed": installed or {"exists": False},
    }


def test_batch_signs_only_those_in_need_and_refuses_bad_csrs_per_host(tmp_path):
    issuer = batch_signing.LocalIssuer(str(loaded_ca(tmp_path).path))
    tampered = bytearray(t.csr().public_bytes(serialization.Encoding.DER))
    tampered[-3] ^= 0xFF
    requests = {
        "good": request(),
        "weak": request(t.csr(subject_key=t.key("rsa-1024"))),
        "tampered": request(x509.load_der_x509_csr(bytes(tampered))),
        "current": request(needs=False),
        "nameless": request(t.csr(subject=x509.Name([]))),
    }
    outcome = batch_signing.sign_batch(issuer, requests, 30)
    assert sorted(outcome["certificates"]) == ["good"]
    assert sorted(outcome["failures"]) == ["nameless", "tampered", "weak"]
    assert outcome["failures"]["weak"].startswith("weak:") and "2048" in outcome["failures"]["weak"]
    assert "self-signature" in outcome["failures"]["tampered"]
    assert outcome["up_to_date"] == ["current"]
    record = json.load(open(tmp_path / "ca" / "issued.json"))
    assert [entry["host"] for entry in record.values()] == ["good"]


def test_each_host_is_signed_with_the_validity_its_request_carries(tmp_path):
    issuer = batch_signing.LocalIssuer(str(loaded_ca(tmp_path).path))
    short = dict(request(), validity_days=7)
    outcome = batch_signing.sign_batch(issuer, {"short": short, "default": request()}, 30)
    lifetimes = {}
    for host, entry in outcome["certificates"].items():
        cert = x509.load_pem_x509_certificate(entry["certificate"].encode())
        lifetimes[host] = (cert.not_valid_after_utc - cert.not_valid_before_utc).days
    # Not-before is backdated a little for clock skew, so a lifetime is at least its days and less than a day more.
    assert 7 <= lifetimes["short"] < 8 and 30 <= lifetimes["default"] < 31, lifetimes


def test_batch_in_check_mode_signs_nothing(tmp_path):
    issuer = batch_signing.LocalIssuer(str(loaded_ca(tmp_path).path))
    outcome = batch_signing.sign_batch(issuer, {"a": request()}, 30, check_mode=True)
    assert outcome["would_sign"] == ["a"] and not outcome["certificates"]


def test_controller_detects_a_certificate_from_another_ca(tmp_path):
    ca = loaded_ca(tmp_path)
    issuer = batch_signing.LocalIssuer(str(ca.path))
    other_key = t.key("ec-p384")
    foreign = t.certificate(issuer_key=other_key, issuer=t.name("Other CA"))
    sign, reasons = batch_signing.needs_signing(
        request(needs=False, installed={"exists": True, "certificate": t.pem(foreign)}), issuer.issuer_certificate
    )
    assert sign and "different CA" in reasons[0]
    own = local_ca.issue_leaf_certificate(t.csr(), ca.issuer_cert, ca.issuer_key, 30)
    sign = batch_signing.needs_signing(
        request(needs=False, installed={"exists": True, "certificate": local_ca.pem_of(own)}), issuer.issuer_certificate
    )[0]
    assert not sign


def test_force_signs_a_current_host(tmp_path):
    issuer = batch_signing.LocalIssuer(str(loaded_ca(tmp_path).path))
    outcome = batch_signing.sign_batch(issuer, {"a": request(needs=False)}, 30, force=True)
    assert outcome["certificates"]["a"]["reasons"] == ["renewal forced"]


def test_issued_certificate_longer_than_allowed_is_refused():
    cert = t.certificate(not_after=t.NOW + datetime.timedelta(days=400))
    with pytest.raises(pki.CertificateRuleError) as err:
        batch_signing.check_issued(cert, 30)
    assert err.value.rule == "validity"


# --- CRLs -----------------------------------------------------------------------------------------------------------


def test_crl_grows_and_is_idempotent(tmp_path):
    ca = loaded_ca(tmp_path)
    changed, crl, revoked = local_ca.ensure_crl(ca, [0x10, 0x20])
    assert changed and set(revoked) == {0x10, 0x20}
    assert pki.verify_crl_issued_by(crl, [ca.root_cert]) == ca.root_cert
    assert local_ca.crl_number(crl) == 1
    changed, same = local_ca.ensure_crl(ca, [0x10], crl)[:2]
    assert not changed and same is crl
    changed, bigger, revoked = local_ca.ensure_crl(ca, [0x30], crl)
    assert changed and set(revoked) == {0x10, 0x20, 0x30} and local_ca.crl_number(bigger) == 2
    assert (
        bigger.get_revoked_certificate_by_serial_number(0x10).revocation_date_utc
        == crl.get_revoked_certificate_by_serial_number(0x10).revocation_date_utc
    )


def test_crl_close_to_next_update_is_renewed(tmp_path):
    ca = loaded_ca(tmp_path)
    crl = local_ca.ensure_crl(ca, [1], next_update_days=3)[1]
    changed = local_ca.ensure_crl(ca, [1], crl, renew_before_days=7)[0]
    assert changed


def test_crl_of_another_ca_is_refused(tmp_path):
    ca = loaded_ca(tmp_path)
    other_key = t.key("ec-p384")
    foreign = t.crl(t.ca_certificate(other_key, cn="Test Root"), other_key, [1])
    with pytest.raises(pki.CertificateRuleError):
        local_ca.ensure_crl(ca, [2], foreign)


def test_crl_signed_by_the_intermediate_when_there_is_one(tmp_path):
    ca = loaded_ca(tmp_path, intermediate=True)
    crl = local_ca.ensure_crl(ca, [5])[1]
    assert pki.verify_crl_issued_by(crl, [ca.root_cert, ca.issuer_cert]) == ca.issuer_cert


@pytest.mark.parametrize("text,expected", [("ABCD", 0xABCD), ("ab:cd", 0xABCD), ("0xABCD", 0xABCD), (" 01 ", 1)])
def test_parse_serial(text, expected):
    assert local_ca.parse_serial(text) == expected


@pytest.mark.parametrize("text", ["host1", "", "0", "12-34"])
def test_parse_serial_refuses_non_serials(text):
    with pytest.raises(pki.CertificateRuleError) as err:
        local_ca.parse_serial(text)
    assert "serials" in str(err.value)


def test_serials_issued_to_hosts(tmp_path):
    loaded_ca(tmp_path)
    path = str(tmp_path / "ca")
    local_ca.record_issued(path, {"h1": {"serial": "0A", "subject": "CN=h1"}})
    local_ca.record_issued(path, {"h1": {"serial": "0B"}, "h2": {"serial": "0C"}})
    assert local_ca.serials_issued_to(path, ["h1", "h2"]) == {"h1": ["0A", "0B"], "h2": ["0C"]}
    with pytest.raises(pki.CertificateRuleError) as err:
        local_ca.serials_issued_to(path, ["h9"])
    assert "h9" in str(err.value)
