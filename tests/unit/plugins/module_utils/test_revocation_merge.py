"""Revocation from a controller that starts empty: the service's CRLs merged, hosts found without issued.json."""

import datetime

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import local_ca, pki
from support import x509 as t

LATER = t.NOW + datetime.timedelta(minutes=10)


def new_ca(tmp_path, name="ca"):
    local_ca.ensure_ca(str(tmp_path / name), key_type="ec-p256", subject=local_ca.build_name("Test CA " + name))
    return local_ca.LocalCA.load(str(tmp_path / name))


def leaf(ca, common_name, serial=None):
    return t.certificate(
        subject=t.name(common_name), issuer=ca.issuer_cert.subject, issuer_key=ca.issuer_key, serial=serial
    )


def test_the_crl_the_service_holds_is_merged_when_crl_pem_is_gone(tmp_path):
    ca = new_ca(tmp_path)
    imported = local_ca.ensure_crl(ca, [0x10, 0x20])[1]  # an earlier job's CRL; its crl.pem vanished with the job
    changed, crl, revoked = local_ca.ensure_crl(ca, [0x30], None, now=LATER, imported_crls=[imported])
    assert changed and set(revoked) == {0x10, 0x20, 0x30}
    assert local_ca.crl_number(crl) == local_ca.crl_number(imported) + 1  # newer than what it replaces
    assert revoked[0x10] == imported.get_revoked_certificate_by_serial_number(0x10).revocation_date_utc


def test_nothing_new_keeps_the_imported_crl_as_it_is(tmp_path):
    ca = new_ca(tmp_path)
    imported = local_ca.ensure_crl(ca, [0x10])[1]
    changed, crl, revoked = local_ca.ensure_crl(ca, [0x10], None, imported_crls=[imported])
    assert not changed and crl is imported and set(revoked) == {0x10}


def test_local_and_imported_crls_that_diverged_are_united(tmp_path):
    ca = new_ca(tmp_path)
    local = local_ca.ensure_crl(ca, [0x10])[1]
    elsewhere = local_ca.ensure_crl(ca, [0x20])[1]  # another controller, same CRL number
    changed, crl, revoked = local_ca.ensure_crl(ca, [], local, imported_crls=[elsewhere])
    assert changed and set(revoked) == {0x10, 0x20} and local_ca.crl_number(crl) == 2


def test_a_crl_of_another_issuer_is_not_merged(tmp_path):
    ca, other = new_ca(tmp_path), new_ca(tmp_path, "other")
    theirs = local_ca.ensure_crl(other, [0x10])[1]
    forged = t.crl(other.issuer_cert, ca.issuer_key, [0x11])  # this CA's name is not enough: the signature counts
    forged_name = t.crl(ca.issuer_cert, other.issuer_key, [0x12])
    ours = local_ca.ensure_crl(ca, [0x20])[1]
    mine, foreign = local_ca.own_crls(ca, [("theirs", theirs), ("forged", forged_name), ("ours", ours), ("x", forged)])
    assert mine == [ours] and foreign == ["theirs", "forged", "x"]


@pytest.fixture
def known(tmp_path):
    ca, other = new_ca(tmp_path), new_ca(tmp_path, "other")
    certificates = [
        (None, leaf(ca, "db07", 0xA1)),  # what the service recorded for the subject CN=db07
        (None, leaf(ca, "db07", 0xA2)),  # an older certificate of the same host
        (None, leaf(other, "db07", 0xB1)),  # another CA's db07: not ours to revoke
        ("web1", leaf(ca, "web1.example.com", 0xC1)),  # reported by the host itself
        ("web2", leaf(other, "web2", 0xD1)),  # a host reporting another CA's certificate
        (None, leaf(ca, "app-cn", 0xE1)),
    ]
    return local_ca.KnownCertificates(str(tmp_path / "empty"), ca, certificates, {"app": "app-cn"})


def test_hosts_resolve_from_the_service_and_the_hosts_without_issued_json(tmp_path, known):
    wanted, labels, by_host = local_ca.resolve_revocation(
        str(tmp_path / "empty"), ["db07", "web1", "app"], [], known=known
    )
    assert sorted(wanted) == [0xA1, 0xA2, 0xC1, 0xE1]
    assert by_host == {"db07": ["A1", "A2"], "web1": ["C1"], "app": ["E1"]}
    assert labels[0xC1] == "web1"
    assert known.serials_of("db07") == {0xA1: ["service"], 0xA2: ["service"]}


def test_serials_of_certificates_the_service_saw_are_known(tmp_path, known):
    assert local_ca.resolve_revocation(str(tmp_path / "empty"), [], ["A2"], known=known)[0] == [0xA2]


def test_another_cas_certificates_never_resolve(tmp_path, known):
    with pytest.raises(pki.CertificateRuleError) as error:
        local_ca.resolve_revocation(str(tmp_path / "empty"), ["web2"], ["B1"], known=known)
    message = str(error.value)
    assert "'B1'" in message and "'web2'" in message and "pass the certificate's serial" in message
