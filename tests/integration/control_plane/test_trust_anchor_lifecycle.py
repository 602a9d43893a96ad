"""trust_anchor and trust_anchor_info against the stand-in: life cycle, validation, collisions, pagination, retries."""

from conftest import CHECK, changes, steps

from support.x509 import Authority, subject_of

NAME = "onprem-ca"


def test_trust_anchor_life_cycle(cp):
    first, second = Authority("Root One"), Authority("Root Two")
    base = {"name": NAME, "certificate_bundle": first.pem}
    anchor_id = "{{ created.trust_anchor.trust_anchor_id }}"
    plays = steps(
        ("create (check)", "trust_anchor", base, CHECK),
        ("create", "trust_anchor", base, {"register": "created"}),
        ("again (check)", "trust_anchor", base, CHECK),
        ("again", "trust_anchor", base),
        ("new CA bundle", "trust_anchor", dict(base, certificate_bundle=second.pem, replace=True)),
        ("rename by id", "trust_anchor", {"trust_anchor_id": anchor_id, "name": "renamed-ca"}),
        (
            "rename back by ARN",
            "trust_anchor",
            {"trust_anchor_arn": "{{ created.trust_anchor.trust_anchor_arn }}", "name": NAME},
        ),
        (
            "notification threshold",
            "trust_anchor",
            dict(
                base,
                certificate_bundle=second.pem,
                notification_settings=[{"event": "CA_CERTIFICATE_EXPIRY", "threshold": 90}],
            ),
        ),
        (
            "notification unlisted kept",
            "trust_anchor",
            dict(base, certificate_bundle=second.pem, notification_settings=[]),
        ),
        (
            "notification purge",
            "trust_anchor",
            dict(base, certificate_bundle=second.pem, notification_settings=[], purge_notification_settings=True),
        ),
        ("disable (check)", "trust_anchor", {"name": NAME, "enabled": False}, CHECK),
        ("disable", "trust_anchor", {"name": NAME, "enabled": False}),
        ("disable again", "trust_anchor", {"name": NAME, "enabled": False}),
        ("enable", "trust_anchor", {"name": NAME}),
        ("tags add", "trust_anchor", {"name": NAME, "tags": {"team": "data", "env": "test"}}),
        ("tags change", "trust_anchor", {"name": NAME, "tags": {"team": "platform"}, "purge_tags": False}),
        ("tags same", "trust_anchor", {"name": NAME, "tags": {"team": "platform", "env": "test"}}),
        ("tags purge", "trust_anchor", {"name": NAME, "tags": {}}),
        ("info", "trust_anchor_info", {"name": NAME}, {"register": "info"}),
        ("delete (check)", "trust_anchor", {"name": NAME, "state": "absent"}, CHECK),
        ("delete", "trust_anchor", {"name": NAME, "state": "absent"}),
        ("delete again", "trust_anchor", {"name": NAME, "state": "absent"}),
    )
    result = cp.playbook(plays)
    assert result.rc == 0, result.explain()
    assert changes(result, [task["name"] for task in plays[0]["tasks"] if task["name"] != "info"]) == {
        "create (check)": True,
        "create": True,
        "again (check)": False,
        "again": False,
        "new CA bundle": True,
        "rename by id": True,
        "rename back by ARN": True,
        "notification threshold": True,
        "notification unlisted kept": False,
        "notification purge": True,
        "disable (check)": True,
        "disable": True,
        "disable again": False,
        "enable": True,
        "tags add": True,
        "tags change": True,
        "tags same": False,
        "tags purge": True,
        "delete (check)": True,
        "delete": True,
        "delete again": False,
    }
    check_create = result.task("create (check)")
    assert check_create["diff"]["before"] == {} and check_create["trust_anchor"]["name"] == NAME
    created = result.task("create")["trust_anchor"]
    assert created["trust_anchor_arn"].endswith("/" + created["trust_anchor_id"])
    assert created["enabled"] is True and created["source"]["source_type"] == "CERTIFICATE_BUNDLE"
    # The check run created nothing: the real create still started from nothing.
    assert result.task("create")["diff"]["before"] == {}
    assert result.task("rename by id")["trust_anchor"]["name"] == "renamed-ca"
    assert "Root Two" in subject_of(
        result.task("new CA bundle")["trust_anchor"]["source"]["source_data"]["x509_certificate_data"]
    )
    by_event = dict(
        (s["event"], s) for s in result.task("notification threshold")["trust_anchor"]["notification_settings"]
    )
    assert by_event["CA_CERTIFICATE_EXPIRY"]["threshold"] == 90
    assert by_event["END_ENTITY_CERTIFICATE_EXPIRY"]["threshold"] == 45
    purged = dict((s["event"], s) for s in result.task("notification purge")["trust_anchor"]["notification_settings"])
    assert purged["CA_CERTIFICATE_EXPIRY"]["threshold"] == 45
    assert purged["CA_CERTIFICATE_EXPIRY"]["configured_by"] == "rolesanywhere.amazonaws.com"
    assert result.task("disable (check)")["diff"]["after"]["enabled"] is False
    assert result.task("disable")["trust_anchor"]["enabled"] is False
    assert result.task("tags change")["trust_anchor"]["tags"] == {"team": "platform", "env": "test"}
    assert result.task("tags purge")["trust_anchor"]["tags"] == {}
    info = result.task("info")["trust_anchors"]
    assert [item["trust_anchor_id"] for item in info] == [created["trust_anchor_id"]]
    assert result.task("delete")["trust_anchor"] is None
    assert cp.trust_anchors() == []


def test_invalid_bundle_fails_before_any_write(cp):
    leaf = Authority("host-01", ca=False, key_cert_sign=False)
    result = cp.module("trust_anchor", {"name": NAME, "certificate_bundle": leaf.pem})
    assert result["failed"] and result["msg"].startswith("certificate_bundle:") and "CA:true" in result["msg"]
    assert cp.trust_anchors() == []


def test_invalid_update_leaves_the_anchor_untouched(cp):
    ca = Authority()
    created = cp.module("trust_anchor", {"name": NAME, "certificate_bundle": ca.pem, "tags": {"a": "1"}})[
        "trust_anchor"
    ]
    bad = [{"event": "CA_CERTIFICATE_EXPIRY", "threshold": 400}]
    result = cp.module(
        "trust_anchor",
        {
            "name": "renamed",
            "certificate_bundle": ca.pem,
            "notification_settings": bad,
            "tags": {"b": "2"},
            "enabled": False,
        },
    )
    assert result["failed"] and "notification_settings[0].threshold is 400" in result["msg"]
    # Nothing of the request reached the service: name, tags and enabled state are as before.
    [anchor] = cp.trust_anchors()
    assert anchor["name"] == NAME and anchor["enabled"] is True and anchor["updatedAt"] == anchor["createdAt"]
    assert cp.tags(created["trust_anchor_arn"]) == {"a": "1"}


def test_create_without_source_says_what_is_needed(cp):
    result = cp.module("trust_anchor", {"name": NAME})
    assert result["failed"] and "certificate_bundle" in result["msg"] and "acm_pca_arn" in result["msg"]
    assert cp.trust_anchors() == []


def test_shared_name_fails_listing_ids_and_ids_still_work(cp):
    ca = Authority()
    source = {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": ca.pem}}
    ids = [
        cp.api.create_trust_anchor(name=NAME, source=source, enabled=True)["trustAnchor"]["trustAnchorId"]
        for _copy in range(2)
    ]
    result = cp.module("trust_anchor", {"name": NAME, "certificate_bundle": ca.pem, "enabled": False})
    assert result["failed"] and all(anchor_id in result["msg"] for anchor_id in ids)
    assert all(anchor["enabled"] for anchor in cp.trust_anchors())
    exact = cp.module("trust_anchor", {"trust_anchor_id": ids[1], "name": NAME, "enabled": False})
    assert exact["changed"] and exact["trust_anchor"]["trust_anchor_id"] == ids[1]
    info = cp.module("trust_anchor_info", {"name": NAME})
    assert sorted(item["trust_anchor_id"] for item in info["trust_anchors"]) == sorted(ids)


def test_unknown_id_fails_with_a_hint(cp):
    result = cp.module("trust_anchor", {"trust_anchor_id": "5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45", "enabled": False})
    assert result["failed"] and "omit trust_anchor_id" in result["msg"]


def test_find_by_name_beyond_the_first_page(cp):
    ca = Authority()
    source = {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": ca.pem}}
    for index in range(51):  # the service pages by 50
        cp.api.create_trust_anchor(name="filler-%02d" % index, source=source, enabled=True)
    last = cp.api.create_trust_anchor(name="the-last-one", source=source, enabled=True)["trustAnchor"]
    assert "nextToken" in cp.api.list_trust_anchors()
    again = cp.module("trust_anchor", {"name": "the-last-one", "certificate_bundle": ca.pem})
    assert again["changed"] is False and again["trust_anchor"]["trust_anchor_id"] == last["trustAnchorId"]
    assert len(cp.module("trust_anchor_info", {})["trust_anchors"]) == 52


def test_throttling_and_server_errors_are_retried(cp):
    ca = Authority()
    cp.localaws.inject_fault("ListTrustAnchors", "error500", 2)
    cp.localaws.inject_fault("CreateTrustAnchor", "throttle", 3)
    result = cp.module("trust_anchor", {"name": NAME, "certificate_bundle": ca.pem})
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] and len(cp.trust_anchors()) == 1


def test_throttling_longer_than_the_sdk_retries_is_retried_by_the_module(cp):
    # botocore gives up after 5 attempts; the module's own jittered backoff carries on.
    created = cp.module("trust_anchor", {"name": NAME, "certificate_bundle": Authority().pem})["trust_anchor"]
    cp.localaws.inject_fault("TagResource", "throttle", 6)
    result = cp.module("trust_anchor", {"name": NAME, "tags": {"team": "data"}})
    assert result.get("failed") is not True, result.get("msg")
    assert cp.tags(created["trust_anchor_arn"]) == {"team": "data"}


def test_acm_private_ca_source_and_switching_sources(cp):
    pca = cp.localaws.client("acm-pca")
    pca_arn = pca.create_certificate_authority(
        CertificateAuthorityConfiguration={
            "KeyAlgorithm": "RSA_2048",
            "SigningAlgorithm": "SHA256WITHRSA",
            "Subject": {"CommonName": "Private CA"},
        },
        CertificateAuthorityType="ROOT",
    )["CertificateAuthorityArn"]
    ca = Authority()
    plays = steps(
        ("from ACM PCA", "trust_anchor", {"name": NAME, "acm_pca_arn": pca_arn}),
        ("from ACM PCA again", "trust_anchor", {"name": NAME, "acm_pca_arn": pca_arn}),
        (
            "to a bundle, not told to replace",
            "trust_anchor",
            {"name": NAME, "certificate_bundle": ca.pem},
            {"ignore_errors": True},
        ),
        ("to a bundle", "trust_anchor", {"name": NAME, "certificate_bundle": ca.pem, "replace": True}),
        (
            "both sources",
            "trust_anchor",
            {"name": NAME, "certificate_bundle": ca.pem, "acm_pca_arn": pca_arn},
            {"ignore_errors": True},
        ),
    )
    result = cp.playbook(plays)
    assert changes(result, ["from ACM PCA", "from ACM PCA again", "to a bundle"]) == {
        "from ACM PCA": True,
        "from ACM PCA again": False,
        "to a bundle": True,
    }
    source = result.task("from ACM PCA")["trust_anchor"]["source"]
    assert source == {"source_type": "AWS_ACM_PCA", "source_data": {"acm_pca_arn": pca_arn}}
    assert result.task("to a bundle")["trust_anchor"]["source"]["source_type"] == "CERTIFICATE_BUNDLE"
    refused = result.task("to a bundle, not told to replace")
    assert refused["failed"] and "AWS_ACM_PCA" in refused["msg"] and "Nothing was changed" in refused["msg"]
    assert "mutually exclusive" in result.task("both sources")["msg"]
