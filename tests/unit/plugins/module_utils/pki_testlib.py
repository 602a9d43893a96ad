"""Builders for test certificates, CSRs and CRLs, including ones that break the rules on purpose."""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

# A version 1 certificate (no extensions), made once with `openssl x509 -req` without an extension file;
# cryptography can only build v3 certificates.
V1_CERTIFICATE = """-----BEGIN CERTIFICATE-----
MIICrTCCAZUCFCzF438HOb1uv7lyyoQHpMqmslmgMA0GCSqGSIb3DQEBCwUAMBIx
EDAOBgNVBAMMB3YxLWxlYWYwIBcNMjYxMTI1MjAxNzI0WhgPMjEyNjExMDEyMDE3
MjRaMBIxEDAOBgNVBAMMB3YxLWxlYWYwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAw
ggEKAoIBAQDSEssQ//yKSlEzeu8UOiBQe+5umb277wrnPU0oAyN3iuDEj5eTfZPl
Zu2lu3BJ5YaZtreuCLKZ5sCqOkzrmGCVJ+cA6o6IPgZ78hiI0MbhcFxayqTWXmxD
CN3to3dzd55VSAjXijDFHS5P1SHTdWniHx+8GH15xBVSZ+F14ET3WODzMLlCG17Z
z3hMAJwOHwgoZ9U8Q710yxY50+dzn1/Pqi0s3Q3FU3Snh+G8GESkX7uY20n92gWl
DTMivXbzsdFEij9+gs7BFIevNyl1L3Kof+Dh+ghS+RhM/YQDMF2vFKuPoAz+XqVj
hqe3Ofci/UnCSORHwtvM0G4TBhtzhHXfAgMBAAEwDQYJKoZIhvcNAQELBQADggEB
ADtHaL7nhyo0UJtyC0XQnI1FuUx7aTbw08RA5w1j8v34Q8IU3Bco6uSW+ldkjUV9
+B5eb2/ziQhteKACWtAOHdKVSuy59JPuZgoyjOzb0FEIV/aZdpVQl2BlE8pyOeU+
dC7uIw22WEg4LqymXIyPrb+IMucKPxVA5Dy/Un0mZl74MnyWBjVGNK09avoi0R09
EBT+UGvGZwrUXb7pUnKgaA/kQHVf0xzhITTZwi4oyPCfOmGgq0zZHvUPjb69Gtgg
ZALEUbutQkEiiQeHqaacB7UWu3ZXdPrWz8ZGfhU8+k2aqtXnh9FnbmNudg7tEER9
UGO4JXPV037LTVvfxWGy1NE=
-----END CERTIFICATE-----
"""

# SHA-1 signed objects, made once with `openssl req -sha1`; cryptography refuses to sign with SHA-1.
SHA1_CA_CERTIFICATE = """-----BEGIN CERTIFICATE-----
MIIDFzCCAf+gAwIBAgIUcWitAGS4GAt5RqYyTuQ3rrdKK18wDQYJKoZIhvcNAQEF
BQAwEjEQMA4GA1UEAwwHU0hBMSBDQTAgFw0yNjExMjUyMDE4MTRaGA8yMTI2MTEw
MTIwMTgxNFowEjEQMA4GA1UEAwwHU0hBMSBDQTCCASIwDQYJKoZIhvcNAQEBBQAD
ggEPADCCAQoCggEBAMAaC3vYNWtIPl/5jaZHH/Hm5l/KsJ1Xm/shMX86seU61HWI
yfGt12Yb14d0zWLbWy4jtFt+Bqz2zxHywz+12dSvI//c3nvAfIx07Y9WIRYuR95a
WEBxf1YZtKIvM7KuGcS275WvPCR3hxNoTBhsg6eUJen14bmYhelNBLcst8C2gCp3
JvcO2MuaQGFopBjmg4K578XCLVJ5hMEZjUciESbezH4ov8PKPbH9aSmvjUgaqC8S
BdPnfFV5pkUAo7wXnIRhCalWkDwXoZAhU23rOAVvdc0o8yxqgO6EVTiD/txTQ6Mp
rG2caQ2xMkib2B65BYcvbDTcBrFmP5QLL+OjXpUCAwEAAaNjMGEwHQYDVR0OBBYE
FNj2x/YmThU8SupG5gzi8cmz3kg1MB8GA1UdIwQYMBaAFNj2x/YmThU8SupG5gzi
8cmz3kg1MA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMA0GCSqGSIb3
DQEBBQUAA4IBAQA0QTImoBM9HLWVIfUiUFVjKipRVMsdSbb3MWb4HH8/KAWKjra6
mybAodBHIcTdfkAtZvWaZ08p3Afr1lhpg2+WTDWJbdbUbweBNpedKHLcdq7EF4t7
bcOTLp3ehjbfcAZzCHCrmF0w7pv6S8EpQjoN/0SVMnbm9d9NC4tKp7yBfw/mZ+3q
mhv1vC8sleh6AAaZSYxfZJUt8DRurcbHh1jGiFLV7jLjNEYoa/ehrCq23WSmRd0m
ZJ9b6c5nk/uuQz8jx2Ld7IxtYzzIJ9cFP5mzenjEJqv1OGstqVvnTUFE5EWQTHPK
YUnezQqOyi/IRR7VKB6gBilWps75blpbQqpe
-----END CERTIFICATE-----
"""

SHA1_LEAF_CERTIFICATE = """-----BEGIN CERTIFICATE-----
MIIDGDCCAgCgAwIBAgIUCKPc5R+HawhUNGpONp3X0BGJvt8wDQYJKoZIhvcNAQEF
BQAwFDESMBAGA1UEAwwJc2hhMS1sZWFmMCAXDTI2MTEyNTIwMTgxNVoYDzIxMjYx
MTAxMjAxODE1WjAUMRIwEAYDVQQDDAlzaGExLWxlYWYwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQCkQ1dzSiHjE8iAzEmx8NrtiGX/X5raWJ5k2Jqq4SbQ
a3hRqcMfgDUtYpXThNTQdsK2pmX4Hg1DI4D8LAC7ZndIexBYGal24lAuaOWYN77u
+pr2+qGHAwfrgrbT9ecOt5ahiFG7NMxxRWOXfzELlUG4CBsaHAU8RqLRLamwtNh9
XlsS2OiTeYkU2v+zFh+SsKSZgIpefz/T8HGkc+7I79PJdd4J8OWgA52ZA99aUeWi
vqIv9LaiAJGj6aMSKIQxCOJF34NKsOQ6xKCuUr2UKHaHozVgHHhjHZx8TXsT8G4M
tLLvHFIFjuMG3AqjAYnPqKMWxU93eB5eKoC+fnjFdKnxAgMBAAGjYDBeMB0GA1Ud
DgQWBBTByq71AaDaNUNLmR4y5CCvZ8HJYDAfBgNVHSMEGDAWgBTByq71AaDaNUNL
mR4y5CCvZ8HJYDAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDANBgkqhkiG
9w0BAQUFAAOCAQEAJrbqsEoiuaBPe4wJ6t2cD9oX2DaUUN50WDjzLGzu1BhzD1tM
21xHSZceTCCk6tVpa8VY9/sgcVW0A/pR7HTfjrqkpwePA30hA53CQXntlg+osWQX
QNYpDrLJZvameBC2ylYBhiCp34frGGQL6tbNYOdDYCmWPJ7V52PCPll+yqLCKnNx
E+PDYinGtGXllOwnCw760DIzrtdmDrLFE5ThZFj40kkgnHyrls7kZtPQTCTuAhLI
FWw57kZG/2Ed9GmZUqP1WjQRawMM0h35lOTANRsu9DlN9n7632jq36LqNX0GMSKC
L2e64NPHfYL5XmryBL6efodoZYcD9QrYk2gRkA==
-----END CERTIFICATE-----
"""

SHA1_CSR = """-----BEGIN CERTIFICATE REQUEST-----
MIICWDCCAUACAQAwEzERMA8GA1UEAwwIc2hhMS1jc3IwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQCkQ1dzSiHjE8iAzEmx8NrtiGX/X5raWJ5k2Jqq4SbQ
a3hRqcMfgDUtYpXThNTQdsK2pmX4Hg1DI4D8LAC7ZndIexBYGal24lAuaOWYN77u
+pr2+qGHAwfrgrbT9ecOt5ahiFG7NMxxRWOXfzELlUG4CBsaHAU8RqLRLamwtNh9
XlsS2OiTeYkU2v+zFh+SsKSZgIpefz/T8HGkc+7I79PJdd4J8OWgA52ZA99aUeWi
vqIv9LaiAJGj6aMSKIQxCOJF34NKsOQ6xKCuUr2UKHaHozVgHHhjHZx8TXsT8G4M
tLLvHFIFjuMG3AqjAYnPqKMWxU93eB5eKoC+fnjFdKnxAgMBAAGgADANBgkqhkiG
9w0BAQUFAAOCAQEAVSo1PeaeFm/XMeUz7VVxa+NlP3RZ/iV3fhiSPQT+0+H7ONK4
UY11nLNS6WhG3QaCoh2bLSKdwP4ZWV7dPymqJusVWzoo8VCbyIfdPGkkPZkasay0
CVQ1Vtw1qtDqcu8uYK2BrO20tox/67FCM0fEXzp26e8b14qncEeG3F/uf0hfqnYo
QoUUQZXLYReXE1yeoazWbzraLdhdbZba2iJGS0u1Z30x++//5xN4vyhMCqDyaB/n
aja4YUQQCOyeBJfCDrw9Se6eHbczXLNCbIYhAL1u18QTny38X6b2ZAQxIWPcJtIc
DpXbEK7nECj9dXdM1+5X9iG8Z7nWgxrNNFgGUg==
-----END CERTIFICATE REQUEST-----
"""

NOW = datetime.datetime.now(datetime.timezone.utc)
_KEY_CACHE = {}


def key(kind="ec-p256"):
    """Keys are cached per kind: RSA generation is slow and the tests only need distinct kinds."""
    if kind not in _KEY_CACHE:
        _KEY_CACHE[kind] = new_key(kind)
    return _KEY_CACHE[kind]


def new_key(kind="ec-p256"):
    curves = {"ec-p256": ec.SECP256R1, "ec-p384": ec.SECP384R1, "ec-p521": ec.SECP521R1,
              "ec-k256": ec.SECP256K1, "ec-p224": ec.SECP224R1}
    if kind in curves:
        return ec.generate_private_key(curves[kind]())
    if kind.startswith("rsa-"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[4:]))
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(kind)


def name(cn=None, **extra):
    attributes = []
    if cn is not None:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    if "o" in extra:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, extra["o"]))
    return x509.Name(attributes)


def usage(digital_signature=False, key_cert_sign=False, crl_sign=False):
    return x509.KeyUsage(digital_signature=digital_signature, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=key_cert_sign, crl_sign=crl_sign,
                         encipher_only=False, decipher_only=False)


def certificate(subject_key=None, issuer_key=None, subject=None, issuer=None, ca=False, key_usage="default",
                basic_constraints=True, algorithm="sha256", not_before=None, not_after=None, serial=None):
    subject_key = subject_key or key()
    issuer_key = issuer_key or subject_key
    subject = name("test-leaf") if subject is None else subject
    issuer = subject if issuer is None else issuer
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(subject_key.public_key())
               .serial_number(serial or x509.random_serial_number())
               .not_valid_before(not_before or NOW - datetime.timedelta(days=1))
               .not_valid_after(not_after or NOW + datetime.timedelta(days=30)))
    if basic_constraints:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    if key_usage == "default":
        key_usage = usage(key_cert_sign=True, crl_sign=True) if ca else usage(digital_signature=True)
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    hash_algorithm = {"sha256": hashes.SHA256(), "sha1": hashes.SHA1(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512(),
                      None: None}[algorithm]
    return builder.sign(issuer_key, hash_algorithm)


def ca_certificate(ca_key=None, cn="Test CA", **kwargs):
    kwargs.setdefault("ca", True)
    return certificate(subject_key=ca_key or key("ec-p384"), subject=name(cn), **kwargs)


def pem(obj):
    return obj.public_bytes(serialization.Encoding.PEM).decode("ascii")


def csr(subject_key=None, subject=None, dns_names=(), algorithm="sha256"):
    subject_key = subject_key or key()
    builder = x509.CertificateSigningRequestBuilder().subject_name(name("host1") if subject is None else subject)
    if dns_names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), critical=False)
    hash_algorithm = {"sha256": hashes.SHA256(), "sha1": hashes.SHA1(), None: None}[algorithm]
    return builder.sign(subject_key, hash_algorithm)


def crl(issuer_cert, issuer_key, serials=(), algorithm=None):
    builder = (x509.CertificateRevocationListBuilder().issuer_name(issuer_cert.subject)
               .last_update(NOW - datetime.timedelta(minutes=5)).next_update(NOW + datetime.timedelta(days=7)))
    for serial in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(NOW - datetime.timedelta(minutes=1)).build())
    return builder.sign(issuer_key, algorithm or hashes.SHA256())
