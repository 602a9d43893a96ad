"""crl and crl_info against the stand-in: life cycle, CRL-to-anchor signature check, validation, retries."""

from conftest import CHECK, changes, steps

from support.x509 import Authority

NAME = "onprem-ca-crl"


def anchor_for(cp, ca, name="onprem-ca"):
    return cp.module("trust_anchor", {"name": name, "certificate_bundle": ca.pem})["trust_anchor"]


def test_crl_life_cycle(cp):
    ca = Authority("CRL Root")
    anchor = anchor_for(cp, ca)
    first, second = ca.crl([0x1001]), ca.crl([0x1001, 0x1002])
    base = {"name": NAME, "trust_anchor_arn": anchor["trust_anchor_arn"], "crl": first}
    plays = steps(
        ("import (check)", "crl", base, CHECK),
        ("import", "crl", base, {"register": "created"}),
        ("again (check)", "crl", base, CHECK),
        ("again", "crl", base),
        ("same CRL re-wrapped", "crl", dict(base, crl="{{ created.crl.crl_data | trim }}\n")),
        ("new CRL", "crl", dict(base, crl=second)),
        ("anchor by id", "crl", dict(base, crl=second, trust_anchor_arn=anchor["trust_anchor_id"])),
        ("rename by id", "crl", {"crl_id": "{{ created.crl.crl_id }}", "name": "renamed"}),
        ("rename back by ARN", "crl", {"crl_arn": "{{ created.crl.crl_arn }}", "name": NAME}),
        ("disable", "crl", {"name": NAME, "enabled": False}),
        ("disable again", "crl", {"name": NAME, "enabled": False}),
        ("enable", "crl", {"name": NAME}),
        ("tags add", "crl", {"name": NAME, "tags": {"team": "data"}}),
        ("tags change", "crl", {"name": NAME, "tags": {"team": "platform"}}),
        ("tags purge", "crl", {"name": NAME, "tags": {}}),
        ("info", "crl_info", {"trust_anchor_arn": anchor["trust_anchor_arn"]}),
        ("delete (check)", "crl", {"name": NAME, "state": "absent"}, CHECK),
        ("delete", "crl", {"name": NAME, "state": "absent"}),
        ("delete again", "crl", {"name": NAME, "state": "absent"}),
    )
    result = cp.playbook(plays)
    assert result.rc == 0, result.explain()
    assert changes(result, [task["name"] for task in plays[0]["tasks"] if task["name"] != "info"]) == {
        "import (check)": True,
        "import": True,
        "again (check)": False,
        "again": False,
        "same CRL re-wrapped": False,
        "new CRL": True,
        "anchor by id": False,
        "rename by id": True,
        "rename back by ARN": True,
        "disable": True,
        "disable again": False,
        "enable": True,
        "tags add": True,
        "tags change": True,
        "tags purge": True,
        "delete (check)": True,
        "delete": True,
        "delete again": False,
    }
    created = result.task("import")["crl"]
    assert result.task("import")["diff"]["before"] == {}
    assert created["trust_anchor_arn"] == anchor["trust_anchor_arn"] and created["enabled"] is True
    assert created["crl_data"].strip() == first.strip()
    assert result.task("new CRL")["crl"]["crl_data"].strip() == second.strip()
    assert result.task("disable")["crl"]["enabled"] is False
    assert result.task("tags change")["crl"]["tags"] == {"team": "platform"}
    assert [item["crl_id"] for item in result.task("info")["crls"]] == [created["crl_id"]]
    assert cp.crls() == []


def test_crl_of_another_ca_is_refused_before_import(cp):
    anchor = anchor_for(cp, Authority("Our Root"))
    result = cp.module(
        "crl", {"name": NAME, "trust_anchor_arn": anchor["trust_anchor_arn"], "crl": Authority("Their Root").crl([1])}
    )
    assert result["failed"] and "not signed by any certificate of the trust anchor" in result["msg"]
    assert cp.crls() == []


def test_unparsable_crl_and_unknown_anchor_are_refused(cp):
    ca = Authority()
    anchor = anchor_for(cp, ca)
    garbage = cp.module("crl", {"name": NAME, "trust_anchor_arn": anchor["trust_anchor_arn"], "crl": ca.pem})
    assert garbage["failed"] and garbage["msg"].startswith("crl holds no PEM CRL")
    missing = cp.module(
        "crl",
        {
            "name": NAME,
            "trust_anchor_arn": anchor["trust_anchor_arn"].replace(
                anchor["trust_anchor_id"], "5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45"
            ),
            "crl": ca.crl([1]),
        },
    )
    assert missing["failed"] and "names no trust anchor" in missing["msg"]
    assert cp.crls() == []


def test_a_crl_cannot_move_to_another_anchor(cp):
    ca, other = Authority("A"), Authority("B")
    anchor, other_anchor = anchor_for(cp, ca, "a"), anchor_for(cp, other, "b")
    cp.module("crl", {"name": NAME, "trust_anchor_arn": anchor["trust_anchor_arn"], "crl": ca.crl([1])})
    moved = cp.module(
        "crl", {"name": NAME, "trust_anchor_arn": other_anchor["trust_anchor_arn"], "crl": other.crl([1])}
    )
    assert moved["failed"] and "cannot move" in moved["msg"]
    assert [crl["trustAnchorArn"] for crl in cp.crls()] == [anchor["trust_anchor_arn"]]


def test_throttled_import_is_retried(cp):
    ca = Authority()
    anchor = anchor_for(cp, ca)
    cp.localaws.inject_fault("ImportCrl", "throttle", 3)
    result = cp.module("crl", {"name": NAME, "trust_anchor_arn": anchor["trust_anchor_arn"], "crl": ca.crl([1])})
    assert result.get("failed") is not True, result.get("msg")
    assert len(cp.crls()) == 1
