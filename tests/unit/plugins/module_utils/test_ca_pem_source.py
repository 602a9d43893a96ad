"""The local CA from PEM text: loaded in memory, judged like a CA directory, errors naming the variable."""

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import local_ca, pki
from support.x509 import Authority


def pair(name, issuer=None):
    authority = Authority(name, parent=issuer)
    return authority.cert, authority.key


ROOT_CA = Authority("Root")
ROOT, ROOT_KEY = ROOT_CA.cert, ROOT_CA.key
INTERMEDIATE, INTERMEDIATE_KEY = pair("Intermediate", ROOT_CA)
OTHER_ROOT, OTHER_ROOT_KEY = pair("Other root")


def source(root=ROOT, root_key=ROOT_KEY, intermediate=None, intermediate_key=None, passphrase=None):
    def key_pem(key):
        return local_ca.serialize_private_key(key, passphrase).decode("ascii") if key is not None else None

    return local_ca.PemSource(
        local_ca.pem_of(root),
        key_pem(root_key),
        intermediate and local_ca.pem_of(intermediate),
        key_pem(intermediate_key),
    )


def test_root_and_intermediate_load_in_memory_with_the_trust_bundle():
    pem_source = source(intermediate=INTERMEDIATE, intermediate_key=INTERMEDIATE_KEY, passphrase="secret")
    ca = local_ca.load_ca("/records", "secret", pem_source)
    assert ca.issuer_cert == INTERMEDIATE and ca.chain == [INTERMEDIATE] and ca.path == "/records"
    assert pki.load_certificates(ca.trust_bundle_pem()) == [ROOT, INTERMEDIATE]


def test_an_intermediate_of_another_root_is_refused():
    with pytest.raises(pki.CertificateRuleError) as refused:
        local_ca.load_ca("/records", None, source(OTHER_ROOT, OTHER_ROOT_KEY, INTERMEDIATE, INTERMEDIATE_KEY))
    assert "rolesanywhere_ca_intermediate_certificate_pem" in str(refused.value)


def test_half_an_intermediate_pair_names_the_missing_variable():
    with pytest.raises(pki.CertificateRuleError) as refused:
        local_ca.load_ca("/records", None, source(intermediate=INTERMEDIATE))
    assert "rolesanywhere_ca_intermediate_private_key_pem" in str(refused.value)


def test_an_encrypted_key_without_passphrase_names_the_passphrase():
    with pytest.raises(pki.CertificateRuleError) as refused:
        local_ca.load_ca("/records", None, source(passphrase="secret"))
    assert "rolesanywhere_ca_private_key_pem" in str(refused.value) and "rolesanywhere_ca_passphrase" in str(
        refused.value
    )
