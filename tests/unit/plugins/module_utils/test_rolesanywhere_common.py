"""Shared Roles Anywhere helpers: identity, validation, pagination/find-by-name, tags, enable/disable, normalisation.

API calls go to a real boto3 client whose responses come from botocore's Stubber, so request shapes are checked
against the service model and the real paginator walks the pages.
"""

import datetime

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import rolesanywhere as ra

ANCHOR_ID = "5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45"
OTHER_ID = "6f0a2f6e-88c2-4f39-9d1c-1c1a3f7a2b11"
ANCHOR_ARN = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/" + ANCHOR_ID


def anchor(anchor_id, name, enabled=True):
    return {
        "trustAnchorId": anchor_id,
        "trustAnchorArn": ANCHOR_ARN.replace(ANCHOR_ID, anchor_id),
        "name": name,
        "enabled": enabled,
        "source": {"sourceType": "AWS_ACM_PCA", "sourceData": {"acmPcaArn": "arn:aws:acm-pca:x"}},
    }


@pytest.fixture
def stubbed():
    client = boto3.client("rolesanywhere", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    with Stubber(client) as stubber:
        yield RetryingBotoClientWrapper(client, ra.retry_policy()), stubber
        stubber.assert_no_pending_responses()


# ---- identity ---------------------------------------------------------------------------------------------------


def test_resource_id_from_accepts_an_id_and_an_arn():
    assert ra.resource_id_from(ANCHOR_ID, ra.TRUST_ANCHOR) == ANCHOR_ID
    assert ra.resource_id_from(ANCHOR_ARN, ra.TRUST_ANCHOR) == ANCHOR_ID


def test_resource_id_from_refuses_an_arn_of_another_kind():
    with pytest.raises(ra.RolesAnywhereError, match="is not a profile ARN"):
        ra.resource_id_from(ANCHOR_ARN, ra.PROFILE)


def test_resource_id_from_refuses_a_name():
    with pytest.raises(ra.RolesAnywhereError, match="neither a trust anchor id"):
        ra.resource_id_from("my-anchor", ra.TRUST_ANCHOR)


@pytest.mark.parametrize("name", ["ok", "with space_and-dash", "x" * 255])
def test_valid_names_pass(name):
    assert ra.validate_name(name) is None


@pytest.mark.parametrize("name", ["", "dots.are.not.allowed", "x" * 256, "slash/no"])
def test_invalid_names_name_the_field_and_the_rule(name):
    message = ra.validate_name(name)
    assert message.startswith("name ") and "1-255 characters" in message


def test_tag_validation_names_the_broken_key():
    assert ra.validate_tags({"good": "value", "bad!": "x"}).startswith("tags key 'bad!'")
    assert "value of 'k'" in ra.validate_tags({"k": "v" * 257})
    assert "at most 200" in ra.validate_tags(dict(("k%d" % i, "v") for i in range(201)))
    assert ra.validate_tags({"team": "data platform", "cost:center": "a/b=c+d@e"}) is None


# ---- find by name over the paginator -----------------------------------------------------------------------------


def test_find_by_name_walks_every_page(stubbed):
    client, stubber = stubbed
    stubber.add_response("list_trust_anchors", {"trustAnchors": [anchor(OTHER_ID, "first")], "nextToken": "page2"}, {})
    stubber.add_response("list_trust_anchors", {"trustAnchors": [anchor(ANCHOR_ID, "wanted")]}, {"nextToken": "page2"})
    found = ra.locate(client, ra.TRUST_ANCHOR, name="wanted")
    assert found["trustAnchorId"] == ANCHOR_ID


def test_find_by_name_returns_none_when_absent():
    assert ra.find_by_name([anchor(ANCHOR_ID, "a")], "b", ra.TRUST_ANCHOR) is None


def test_a_shared_name_is_an_error_that_lists_the_ids():
    with pytest.raises(ra.AmbiguousNameError) as error:
        ra.find_by_name([anchor(ANCHOR_ID, "dup"), anchor(OTHER_ID, "dup")], "dup", ra.TRUST_ANCHOR)
    assert ANCHOR_ID in error.value.message and OTHER_ID in error.value.message
    assert "trust_anchor_id" in error.value.message


def test_locate_by_arn_uses_get_and_treats_not_found_as_absent(stubbed):
    client, stubber = stubbed
    stubber.add_client_error(
        "get_trust_anchor",
        "ResourceNotFoundException",
        http_status_code=404,
        expected_params={"trustAnchorId": ANCHOR_ID},
    )
    assert ra.locate(client, ra.TRUST_ANCHOR, identifier=ANCHOR_ARN) is None


def test_other_api_errors_become_roles_anywhere_errors(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("get_trust_anchor", "AccessDeniedException", http_status_code=403)
    with pytest.raises(ra.RolesAnywhereError) as error:
        ra.locate(client, ra.TRUST_ANCHOR, identifier=ANCHOR_ID)
    assert isinstance(error.value.exception, ClientError)


# ---- tags -------------------------------------------------------------------------------------------------------


def test_tags_add_change_and_purge(stubbed):
    client, stubber = stubbed
    resource = dict(anchor(ANCHOR_ID, "a"), tags={"keep": "1", "change": "old", "drop": "x"})
    stubber.add_response("untag_resource", {}, {"resourceArn": ANCHOR_ARN, "tagKeys": ["drop"]})
    stubber.add_response("tag_resource", {}, {"resourceArn": ANCHOR_ARN, "tags": [{"key": "change", "value": "new"}]})
    changed, updated = ra.ensure_tags(client, ra.TRUST_ANCHOR, resource, {"keep": "1", "change": "new"}, True, False)
    assert changed and updated["tags"] == {"keep": "1", "change": "new"}


def test_tags_without_purge_keep_unlisted_tags(stubbed):
    client, stubber = stubbed
    resource = dict(anchor(ANCHOR_ID, "a"), tags={"other": "1"})
    stubber.add_response("tag_resource", {}, {"resourceArn": ANCHOR_ARN, "tags": [{"key": "new", "value": "2"}]})
    changed, updated = ra.ensure_tags(client, ra.TRUST_ANCHOR, resource, {"new": 2}, False, False)
    assert changed and updated["tags"] == {"other": "1", "new": "2"}


def test_tags_in_check_mode_make_no_call(stubbed):
    client, _stubber = stubbed
    resource = dict(anchor(ANCHOR_ID, "a"), tags={"a": "1"})
    changed, updated = ra.ensure_tags(client, ra.TRUST_ANCHOR, resource, {"b": "2"}, True, True)
    assert changed and updated["tags"] == {"b": "2"} and resource["tags"] == {"a": "1"}


def test_unmanaged_or_equal_tags_are_no_change(stubbed):
    client, _stubber = stubbed
    resource = dict(anchor(ANCHOR_ID, "a"), tags={"a": "1"})
    assert ra.ensure_tags(client, ra.TRUST_ANCHOR, resource, None, True, False) == (False, resource)
    assert ra.ensure_tags(client, ra.TRUST_ANCHOR, resource, {"a": 1}, True, False) == (False, resource)


# ---- enabled ----------------------------------------------------------------------------------------------------


def test_enable_uses_the_dedicated_call(stubbed):
    client, stubber = stubbed
    stubber.add_response(
        "enable_trust_anchor", {"trustAnchor": anchor(ANCHOR_ID, "a", enabled=True)}, {"trustAnchorId": ANCHOR_ID}
    )
    changed, updated = ra.ensure_enabled(client, ra.TRUST_ANCHOR, anchor(ANCHOR_ID, "a", enabled=False), True, False)
    assert changed and updated["enabled"] is True


def test_disable_in_check_mode_makes_no_call(stubbed):
    client, _stubber = stubbed
    changed, updated = ra.ensure_enabled(client, ra.TRUST_ANCHOR, anchor(ANCHOR_ID, "a"), False, True)
    assert changed and updated["enabled"] is False


def test_delete_of_something_gone_is_no_change(stubbed):
    client, _stubber = stubbed
    assert ra.delete_resource(client, ra.TRUST_ANCHOR, None, False) is False


# ---- retries ----------------------------------------------------------------------------------------------------


def _client_error(status, code):
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize(
    "status,code",
    [
        (500, "InternalServerException"),
        (503, "Whatever"),
        (429, "ThrottlingException"),
        (400, "ThrottlingException"),
        (400, "TooManyRequestsException"),
    ],
)
def test_throttling_and_5xx_are_retried(status, code):
    assert ra.RolesAnywhereRetry.found(
        ra.RolesAnywhereRetry.status_code_from_exception(_client_error(status, code)), ra.RETRYABLE_CODES
    )


@pytest.mark.parametrize(
    "status,code", [(400, "ValidationException"), (400, "TooManyTagsException"), (404, "ResourceNotFoundException")]
)
def test_client_errors_are_not_retried(status, code):
    assert not ra.RolesAnywhereRetry.found(
        ra.RolesAnywhereRetry.status_code_from_exception(_client_error(status, code)), ra.RETRYABLE_CODES
    )


# ---- normalisation ----------------------------------------------------------------------------------------------


def test_normalize_snake_cases_keys_but_not_tags():
    raw = dict(
        anchor(ANCHOR_ID, "a"),
        tags={"CamelKey": "V"},
        createdAt=datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc),
        notificationSettings=[{"event": "CA_CERTIFICATE_EXPIRY", "configuredBy": "x"}],
    )
    result = ra.normalize_resource(raw)
    assert result["trust_anchor_id"] == ANCHOR_ID
    assert result["tags"] == {"CamelKey": "V"}
    assert result["created_at"] == "2026-01-02T00:00:00+00:00"
    assert result["notification_settings"][0]["configured_by"] == "x"
    assert result["source"]["source_data"]["acm_pca_arn"] == "arn:aws:acm-pca:x"


def test_normalize_gives_an_empty_tag_dict_and_none_for_absent():
    assert ra.normalize_resource({"name": "a"})["tags"] == {}
    assert ra.normalize_resource(None) is None
