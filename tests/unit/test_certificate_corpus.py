"""The certificate corpus through both rule sets: the collection's (pki.py) and the stand-in's (CreateSession).

Each entry of support.certificate_corpus carries the one agreed verdict and the reference section it rests on. The
collection must reach that verdict for every entry. The stand-in must too, except where the reference documents no
limit for the service (SERVICE_LENIENT: the stand-in accepts, as the service does) and where the stand-in is known to be
more lenient than the reference (STAND_IN_GAP: a strict xfail, so the fix in the stand-in turns it into a pass).
"""

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki
from localaws import session_pki
from localaws.errors import ServiceError
from support import certificate_corpus as corpus

IDS = [entry.id for entry in corpus.ENTRIES]


def built(entry):
    try:
        return corpus.specimen(entry)
    except ValueError as exc:  # a key kind this cryptography cannot make (ML-DSA before cryptography 47)
        pytest.skip(str(exc))


def collection_verdict(entry):
    """What the controller-side rules say, and the rule that refused: trust anchors through validate_ca_certificate,
    leaves through validate_leaf_certificate (the checks trust_anchor, sign_certificates and certificate_push run)."""
    specimen = built(entry)
    rules = pki.validate_ca_certificate if entry.role == "anchor" else pki.validate_leaf_certificate
    try:
        rules(specimen.certificate)
    except pki.CertificateRuleError as refusal:
        return corpus.REFUSED, refusal.rule
    return corpus.ACCEPTED, None


def stand_in_verdict(entry):
    """What CreateSession says: the leaf rules, then a path from the leaf to the anchor (a trust anchor entry is
    judged through a good leaf it issued)."""
    specimen = built(entry)
    if entry.role == "anchor":
        leaf, anchor = corpus.leaf_for_anchor(specimen), specimen.certificate
    else:
        leaf, anchor = specimen.certificate, specimen.anchor
    moment = corpus.now()
    try:
        session_pki.check_leaf(leaf, moment)
        session_pki.build_path(leaf, [], [anchor], moment)
    except ServiceError:
        return corpus.REFUSED
    return corpus.ACCEPTED


def test_every_entry_names_its_reason_and_a_known_verdict():
    assert len(set(IDS)) == len(IDS)
    for entry in corpus.ENTRIES:
        assert entry.verdict in (corpus.ACCEPTED, corpus.REFUSED) and entry.why, entry.id
        assert entry.stand_in in (corpus.AGREES, corpus.SERVICE_LENIENT, corpus.STAND_IN_GAP), entry.id
        assert (entry.fix is not None) == (entry.stand_in == corpus.STAND_IN_GAP), entry.id
        assert (entry.rule is not None) == (entry.verdict == corpus.REFUSED), entry.id


@pytest.mark.parametrize("entry", corpus.ENTRIES, ids=IDS)
def test_collection_reaches_the_agreed_verdict_by_the_named_rule(entry):
    assert collection_verdict(entry) == (entry.verdict, entry.rule), entry.why


def _stand_in_case(entry):
    marks = ()
    if entry.stand_in == corpus.STAND_IN_GAP:
        marks = pytest.mark.xfail(strict=True, reason="stand-in more lenient than the reference; needs: " + entry.fix)
    return pytest.param(entry, marks=marks, id=entry.id)


@pytest.mark.parametrize("entry", [_stand_in_case(entry) for entry in corpus.ENTRIES])
def test_stand_in_reaches_the_agreed_verdict(entry):
    expected = corpus.ACCEPTED if entry.stand_in == corpus.SERVICE_LENIENT else entry.verdict
    assert stand_in_verdict(entry) == expected, entry.why
