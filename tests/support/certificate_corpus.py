"""The shared certificate corpus: good and bad trust anchor CAs and leaves, each with the one agreed verdict.

Both the collection's rules (plugins/module_utils/pki.py) and the stand-in's CreateSession rules (localaws.session_pki)
are held to this table by tests/unit/test_certificate_corpus.py. Every verdict cites the service reference
(docs: /work/shared/reference/rolesanywhere.md, "the reference" below; "§4" is its section 4, Certificates).

``stand_in`` says how the stand-in relates to the verdict:

- AGREES: it reaches the same verdict.
- SERVICE_LENIENT: the reference documents no such limit for the service, so the stand-in (like the service) accepts;
  the collection refuses on purpose, as the reference advises a careful issuer to (§4, Keys).
- STAND_IN_GAP: the reference refuses it but the stand-in accepts it today; ``fix`` names the change it needs.
"""

import collections
import datetime

from cryptography import x509

from support import x509 as factory

AGREES = "agrees"
SERVICE_LENIENT = "service lenient"
STAND_IN_GAP = "stand-in gap"
ACCEPTED = "accepted"
REFUSED = "refused"

Entry = collections.namedtuple("Entry", "id role build verdict why stand_in fix rule")
Specimen = collections.namedtuple("Specimen", "certificate anchor anchor_key")


def _entry(entry_id, role, build, verdict, why, stand_in=AGREES, fix=None, rule=None):
    """``rule``: for a refused entry, the rule of plugins/module_utils/pki.py that refuses it (CertificateRuleError.rule)."""
    return Entry(entry_id, role, build, verdict, why, stand_in, fix, rule)


# ---- builders: each returns a Specimen ------------------------------------------------------------------------------


def _anchor(key_kind="ec-p384", **options):
    """A trust anchor CA built with ``options``; a leaf for it is issued by the test."""
    ca_key = factory.key(key_kind)
    options.setdefault("ca", True)
    return Specimen(
        factory.certificate(subject_key=ca_key, subject=factory.name("Corpus CA " + key_kind), **options), None, ca_key
    )


def _intermediate_anchor():
    root_key, issuing_key = factory.key("ec-p384"), factory.key("ec-p256")
    root = factory.certificate(subject_key=root_key, subject=factory.name("Corpus Root"), ca=True)
    issuing = factory.certificate(
        subject_key=issuing_key,
        subject=factory.name("Corpus Issuing CA"),
        issuer_key=root_key,
        issuer=root.subject,
        ca=True,
    )
    return Specimen(issuing, None, issuing_key)


def _sha1_anchor():
    ca_key = factory.key("rsa-2048")
    return Specimen(factory.sha1_signed(factory.ca_certificate(ca_key, cn="Corpus SHA-1 CA"), ca_key), None, ca_key)


def _leaf(key_kind="ec-p256", anchor_kind="ec-p384", anchor_options=None, **options):
    """A leaf of a ``key_kind`` key issued by a good CA of ``anchor_kind`` (or one built with ``anchor_options``)."""
    anchor = _anchor(anchor_kind, **(anchor_options or {}))
    options.setdefault("subject", factory.name("corpus-host.example.test"))
    leaf = factory.certificate(
        subject_key=factory.key(key_kind), issuer_key=anchor.anchor_key, issuer=anchor.certificate.subject, **options
    )
    return Specimen(leaf, anchor.certificate, anchor.anchor_key)


def _fixed_leaf(pem_text):
    """A self-signed leaf kept as PEM because cryptography cannot build it (SHA-1, version 1)."""
    cert = x509.load_pem_x509_certificate(pem_text.encode("ascii"))
    return Specimen(cert, cert, None)


def _expired():
    return dict(not_before=factory.NOW - 10 * factory.DAY, not_after=factory.NOW - factory.DAY)


def _not_yet_valid():
    return dict(not_before=factory.NOW + factory.DAY, not_after=factory.NOW + 10 * factory.DAY)


def _unknown_critical():
    return dict(extensions=[(factory.unknown_extension(), True)])


def _name_constrained():
    return dict(extensions=[(factory.name_constraints(permitted_dns=["example.test"]), True)])


# ---- the table ------------------------------------------------------------------------------------------------------


def _refusals_of_any_certificate(prefix, role, build, validity_scope=""):
    """What X.509 and the validity period refuse in a CA and a leaf alike: the same three entries for each."""
    validity = "§3 server checks: the validity period" + validity_scope
    return [
        _entry(
            prefix + "-unknown-critical-extension",
            role,
            lambda: build(**_unknown_critical()),
            REFUSED,
            "the reference names no extension rule, so X.509 itself decides: RFC 5280 4.2 makes a verifier refuse a "
            "certificate with a critical extension it does not recognize",
            rule="critical_extension",
        ),
        _entry(prefix + "-expired", role, lambda: build(**_expired()), REFUSED, validity, rule="expired"),
        _entry(
            prefix + "-not-yet-valid", role, lambda: build(**_not_yet_valid()), REFUSED, validity, rule="not_yet_valid"
        ),
    ]


ENTRIES = [
    # Trust anchor CAs (§4: CA:true; keyUsage includes keyCertSign; SHA-256+; root or intermediate;
    # keys RSA, EC, ML-DSA).
    _entry(
        "ca-ec-p256", "anchor", lambda: _anchor("ec-p256"), ACCEPTED, "§4: an EC CA with CA:true, keyCertSign, SHA-256"
    ),
    _entry(
        "ca-ec-p384", "anchor", lambda: _anchor("ec-p384"), ACCEPTED, "§4: an EC CA with CA:true, keyCertSign, SHA-256"
    ),
    _entry(
        "ca-rsa-2048",
        "anchor",
        lambda: _anchor("rsa-2048"),
        ACCEPTED,
        "§4: an RSA CA of the size a careful issuer uses",
    ),
    _entry(
        "ca-intermediate",
        "anchor",
        _intermediate_anchor,
        ACCEPTED,
        "§4: a trust anchor may be a root or an intermediate",
    ),
    _entry(
        "ca-mldsa-65",
        "anchor",
        lambda: _anchor("mldsa-65"),
        ACCEPTED,
        "§4 lists ML-DSA among the key types and §3 its AWS4-X509-MLDSA signing algorithm: an ML-DSA CA, whose "
        "signatures carry no separate digest, is accepted",
    ),
    _entry(
        "ca-path-length-0",
        "anchor",
        lambda: _anchor(path_length=0),
        ACCEPTED,
        "§4 sets no rule on pathLenConstraint; 0 still lets the CA issue leaves",
    ),
    _entry(
        "ca-name-constraints",
        "anchor",
        lambda: _anchor(**_name_constrained()),
        ACCEPTED,
        "§4 sets no rule on name constraints; the CA itself follows every rule",
    ),
    _entry(
        "ca-ed25519",
        "anchor",
        lambda: _anchor("ed25519"),
        REFUSED,
        "§4: keys are RSA, EC or ML-DSA; Ed25519 is none of them (and its digest-less signatures are not ML-DSA)",
        rule="signature_hash",
    ),
    _entry(
        "ca-rsa-1024",
        "anchor",
        lambda: _anchor("rsa-1024"),
        REFUSED,
        "§4: no documented minimum RSA size, but a careful issuer refuses RSA below 2048 bits",
        SERVICE_LENIENT,
        rule="key_strength",
    ),
    _entry(
        "ca-ec-secp256k1",
        "anchor",
        lambda: _anchor("ec-k256"),
        REFUSED,
        "§4: no documented curve list, but a careful issuer refuses curves other than P-256/P-384/P-521",
        SERVICE_LENIENT,
        rule="key_strength",
    ),
    _entry(
        "ca-sha1",
        "anchor",
        _sha1_anchor,
        REFUSED,
        "§4: a trust anchor CA must be signed with SHA-256 or stronger",
        rule="signature_hash",
    ),
    _entry(
        "ca-no-key-usage",
        "anchor",
        lambda: _anchor(key_usage=None),
        REFUSED,
        "§4: the trust anchor's keyUsage must include keyCertSign; without keyUsage it does not",
        rule="key_usage",
    ),
    _entry(
        "ca-no-key-cert-sign",
        "anchor",
        lambda: _anchor(key_usage=factory.usage(crl_sign=True)),
        REFUSED,
        "§4: keyUsage must include keyCertSign",
        rule="key_usage",
    ),
    _entry(
        "ca-no-basic-constraints",
        "anchor",
        lambda: _anchor(basic_constraints=False, key_usage=factory.usage(key_cert_sign=True)),
        REFUSED,
        "§4: a trust anchor must say CA:true in basicConstraints",
        rule="basic_constraints",
    ),
    _entry(
        "ca-basic-constraints-false",
        "anchor",
        lambda: _anchor(ca=False, key_usage=factory.usage(key_cert_sign=True)),
        REFUSED,
        "§4: CA:false is not a CA",
        rule="basic_constraints",
    ),
    *_refusals_of_any_certificate("ca", "anchor", _anchor, ", of every certificate of the path"),
    # Leaves (§4: v3; CA false if present; keyUsage digitalSignature; SHA-256+; non-empty subject; §3: validity).
    _entry("leaf-ec-p256", "leaf", _leaf, ACCEPTED, "§4: every leaf rule met"),
    _entry(
        "leaf-ec-p521", "leaf", lambda: _leaf("ec-p521"), ACCEPTED, "§4: EC keys; P-521 is among the careful curves"
    ),
    _entry("leaf-rsa-2048", "leaf", lambda: _leaf("rsa-2048"), ACCEPTED, "§4: RSA keys; §3 AWS4-X509-RSA-SHA256"),
    _entry(
        "leaf-rsa-3072-under-rsa-ca",
        "leaf",
        lambda: _leaf("rsa-3072", anchor_kind="rsa-2048"),
        ACCEPTED,
        "§4: RSA leaf under an RSA CA, SHA-256 signatures",
    ),
    _entry(
        "leaf-mldsa-65",
        "leaf",
        lambda: _leaf("mldsa-65"),
        ACCEPTED,
        "§4 lists ML-DSA keys; §3 signs with AWS4-X509-MLDSA",
    ),
    _entry(
        "leaf-under-mldsa-ca",
        "leaf",
        lambda: _leaf(anchor_kind="mldsa-65"),
        ACCEPTED,
        "a digest-less ML-DSA signature: ML-DSA is an accepted key type (§4) and has no separate digest to weaken",
    ),
    _entry(
        "leaf-client-auth-and-san",
        "leaf",
        lambda: _leaf(client_auth=True, dns_names=["corpus-host.example.test"]),
        ACCEPTED,
        "§4 sets no rule against extendedKeyUsage clientAuth or a DNS subjectAltName (§3 maps the SAN)",
    ),
    _entry(
        "leaf-no-basic-constraints",
        "leaf",
        lambda: _leaf(basic_constraints=False),
        ACCEPTED,
        "§4: basicConstraints CA must be false only *if present*",
    ),
    _entry(
        "leaf-within-name-constraints",
        "leaf",
        lambda: _leaf(anchor_options=_name_constrained(), dns_names=["corpus-host.example.test"]),
        ACCEPTED,
        "§4 sets no rule on name constraints and the leaf's name is within them",
    ),
    _entry(
        "leaf-ed25519-key",
        "leaf",
        lambda: _leaf("ed25519"),
        REFUSED,
        "§4: keys are RSA, EC or ML-DSA, and §3 has no signing algorithm for an Ed25519 key",
        rule="key_type",
    ),
    _entry(
        "leaf-under-ed25519-ca",
        "leaf",
        lambda: _leaf(anchor_kind="ed25519"),
        REFUSED,
        "a digest-less Ed25519 signature: §4 asks for SHA-256 or stronger and Ed25519 is not an accepted key type, "
        "unlike ML-DSA",
        rule="signature_hash",
    ),
    _entry(
        "leaf-sha1",
        "leaf",
        lambda: _fixed_leaf(factory.SHA1_LEAF_CERTIFICATE),
        REFUSED,
        "§4: MD5/SHA-1 signatures are rejected",
        rule="signature_hash",
    ),
    _entry(
        "leaf-v1",
        "leaf",
        lambda: _fixed_leaf(factory.V1_CERTIFICATE),
        REFUSED,
        "§4: the leaf must be X.509v3",
        rule="version",
    ),
    _entry(
        "leaf-rsa-1024",
        "leaf",
        lambda: _leaf("rsa-1024"),
        REFUSED,
        "§4: no documented minimum RSA size, but a careful issuer refuses RSA below 2048 bits",
        SERVICE_LENIENT,
        rule="key_strength",
    ),
    _entry(
        "leaf-ec-secp256k1",
        "leaf",
        lambda: _leaf("ec-k256"),
        REFUSED,
        "§4: no documented curve list, but a careful issuer refuses curves other than P-256/P-384/P-521",
        SERVICE_LENIENT,
        rule="key_strength",
    ),
    _entry(
        "leaf-no-key-usage",
        "leaf",
        lambda: _leaf(key_usage=None),
        REFUSED,
        "§4: keyUsage must include digitalSignature; without keyUsage it does not",
        rule="key_usage",
    ),
    _entry(
        "leaf-no-digital-signature",
        "leaf",
        lambda: _leaf(key_usage=factory.usage(crl_sign=True)),
        REFUSED,
        "§4: keyUsage must include digitalSignature",
        rule="key_usage",
    ),
    _entry(
        "leaf-ca-true",
        "leaf",
        lambda: _leaf(ca=True, key_usage=factory.usage(digital_signature=True)),
        REFUSED,
        "§4: a leaf's basicConstraints CA must be false",
        rule="basic_constraints",
    ),
    _entry(
        "leaf-empty-subject",
        "leaf",
        lambda: _leaf(subject=x509.Name([])),
        REFUSED,
        "§4: the subject must not be empty",
        rule="subject",
    ),
    *_refusals_of_any_certificate("leaf", "leaf", _leaf),
]

_BUILT = {}


def specimen(entry):
    """The entry's certificates, built once per run (keys are cached by kind in the factory)."""
    if entry.id not in _BUILT:
        _BUILT[entry.id] = entry.build()
    return _BUILT[entry.id]


def leaf_for_anchor(anchor):
    """A leaf that follows every rule, issued by the anchor under test: the path the stand-in judges."""
    return factory.certificate(
        subject_key=factory.new_key(),
        subject=factory.name("corpus-host.example.test"),
        issuer_key=anchor.anchor_key,
        issuer=anchor.certificate.subject,
        dns_names=["corpus-host.example.test"],
    )


def now():
    return datetime.datetime.now(datetime.timezone.utc)
