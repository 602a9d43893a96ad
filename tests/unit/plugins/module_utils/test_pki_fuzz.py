"""Malformed PEM/DER input to every controller-side parser: a clear CertificateRuleError, never a crash."""

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki
from support import x509 as t

PARSERS = [
    (pki.load_certificates, "CERTIFICATE", "certificate_bundle"),
    (pki.load_crl, "X509 CRL", "crl"),
    (pki.load_csr, "CERTIFICATE REQUEST", "csr"),
]

VALID_DER = {
    "CERTIFICATE": base64.b64decode("".join(t.SHA1_LEAF_CERTIFICATE.strip().splitlines()[1:-1])),
    "CERTIFICATE REQUEST": base64.b64decode("".join(t.SHA1_CSR.strip().splitlines()[1:-1])),
}


def wrap(label, der):
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)


def parse_and_expect_clear_error(parser, field, value):
    try:
        parser(value, field=field)
    except pki.CertificateRuleError as exc:
        assert field in str(exc)
        assert exc.rule == "pem"


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_arbitrary_text_and_bytes(value):
    for parser, unused_label, field in PARSERS:
        parse_and_expect_clear_error(parser, field, value)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_random_der_inside_pem_armour(der):
    for parser, label, field in PARSERS:
        parse_and_expect_clear_error(parser, field, wrap(label, der))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_real_der_inside_pem_armour(data):
    for parser, label, field in PARSERS:
        if label not in VALID_DER:
            continue
        der = bytearray(VALID_DER[label])
        position = data.draw(st.integers(min_value=0, max_value=len(der) - 1))
        der[position] = data.draw(st.integers(min_value=0, max_value=255))
        cut = data.draw(st.integers(min_value=1, max_value=len(der)))
        parse_and_expect_clear_error(parser, field, wrap(label, bytes(der[:cut])))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_rules_on_mutated_certificates_never_crash(data):
    """A DER mutation that still parses must be judged by the rules, not blow up inside them."""
    der = bytearray(VALID_DER["CERTIFICATE"])
    position = data.draw(st.integers(min_value=0, max_value=len(der) - 1))
    der[position] = data.draw(st.integers(min_value=0, max_value=255))
    try:
        certs = pki.load_certificates(wrap("CERTIFICATE", bytes(der)))
    except pki.CertificateRuleError:
        return
    for check in (pki.validate_leaf_certificate, pki.validate_ca_certificate):
        try:
            check(certs[0])
        except pki.CertificateRuleError:
            pass


def test_a_certificate_with_an_unknown_version_is_a_clear_error():
    """Found by the property tests above: an X.509 version other than v1/v3 raised InvalidVersion, not ValueError."""
    der = VALID_DER["CERTIFICATE"]
    version_v3 = bytes([0xA0, 0x03, 0x02, 0x01, 0x02])
    assert version_v3 in der
    bad = wrap("CERTIFICATE", der.replace(version_v3, bytes([0xA0, 0x03, 0x02, 0x01, 0x01]), 1))
    parse_and_expect_clear_error(pki.load_certificates, "certificate_bundle", bad)
    try:
        pki.load_certificates(bad)
    except pki.CertificateRuleError as exc:
        assert "version" in str(exc)
    else:
        raise AssertionError("an X.509 v2 certificate must be refused")
