"""CreateSession: request validation, profile and role authorization, trust-policy conditions, session settings."""

from __future__ import annotations

import datetime
import json

import pki_factory
import pytest
import session_client
from session_world import World, trust_policy


@pytest.fixture(name="world")
def world_fixture(localaws):
    return World(localaws)


def assert_error(response, status, error_type, message_fragment=""):
    assert (response.status, response.error_type) == (status, error_type), response.document
    assert message_fragment in response.document["message"]


def session_member(response):
    assert response.status == 201, response.document
    return response.document["credentialSet"][0]


def lifetime_seconds(response, signed_at: datetime.datetime) -> float:
    expiration = datetime.datetime.strptime(session_member(response)["credentials"]["expiration"], "%Y-%m-%dT%H:%M:%SZ")
    return (expiration.replace(tzinfo=datetime.timezone.utc) - signed_at).total_seconds()


# ---- the request ---------------------------------------------------------------------------------------------------


def resigned_with_body(world, leaf, request, document):
    request.body = json.dumps(document).encode("utf-8")
    return world.resign(leaf, request)


@pytest.mark.parametrize("missing", ["trustAnchorArn", "profileArn", "roleArn"])
def test_missing_arn_is_a_validation_error(world, missing):
    leaf = world.issue()
    request = world.build(leaf, arns_in="body")
    document = json.loads(request.body)
    del document[missing]
    response = session_client.send(resigned_with_body(world, leaf, request, document))
    assert_error(response, 400, "ValidationException", f"Value null at '{missing}'")


def test_malformed_arn_is_a_validation_error(world):
    assert_error(
        world.create_session(profile_arn="arn:aws:rolesanywhere:us-east-1:123456789012:profile/nope"),
        400,
        "ValidationException",
        "profileArn",
    )


def test_conflicting_arns_in_query_and_body_are_a_validation_error(world):
    leaf = world.issue()
    request = world.build(leaf)
    document = dict(json.loads(request.body), roleArn=world.role_arn + "-other")
    assert_error(
        session_client.send(resigned_with_body(world, leaf, request, document)),
        400,
        "ValidationException",
        "different values",
    )


@pytest.mark.parametrize("duration", [899, 43201])
def test_duration_outside_the_api_range_is_a_validation_error(world, duration):
    assert_error(world.create_session(duration_seconds=duration), 400, "ValidationException", "durationSeconds")


def test_invalid_role_session_name_is_a_validation_error(world):
    assert_error(world.create_session(role_session_name="has spaces"), 400, "ValidationException", "roleSessionName")


# ---- profile and role ----------------------------------------------------------------------------------------------


def test_disabled_profile_is_denied(localaws):
    world = World(localaws)
    world.rolesanywhere.disable_profile(profileId=world.profile["profileId"])
    assert_error(world.create_session(), 403, "AccessDeniedException", "Profile is disabled")
    world.rolesanywhere.enable_profile(profileId=world.profile["profileId"])
    session_member(world.create_session())


def test_unknown_profile_is_not_found(world):
    missing = world.profile_arn.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    assert_error(world.create_session(profile_arn=missing), 404, "ResourceNotFoundException")


def test_role_not_in_profile_is_denied(world):
    outsider = world.create_role("outsider")
    assert_error(world.create_session(role_arn=outsider), 403, "AccessDeniedException", "does not allow role")


def test_role_deleted_from_iam_is_denied(localaws):
    world = World(localaws)
    ghost = world.create_role("ghost")
    world.profile = world.create_profile([world.role_arn, ghost])
    world.iam.delete_role(RoleName=ghost.split("/")[-1])
    assert_error(world.create_session(role_arn=ghost), 403, "AccessDeniedException", "Unable to assume role")


# ---- trust policy --------------------------------------------------------------------------------------------------


def world_with_trust(localaws, conditions=None, actions=None, extra_statements=(), **profile_settings) -> World:
    world = World(localaws)
    policy = trust_policy(world.trust_anchor_arn, conditions, actions, extra_statements)
    world.role_arn = world.create_role("conditional", policy=policy)
    world.profile = world.create_profile([world.role_arn], **profile_settings)
    return world


def test_subject_cn_condition_admits_only_that_cn(localaws):
    world = world_with_trust(localaws, {"StringEquals": {"aws:PrincipalTag/x509Subject/CN": "allowed.example.com"}})
    session_member(world.create_session(world.issue("allowed.example.com")))
    refused = world.issue("other.example.com")
    assert_error(world.create_session(refused), 403, "AccessDeniedException", "Unable to assume role")
    assert "trust policy" in world.last_outcome(refused.certificate.serial_number)["reason"]


def test_string_like_on_san_dns_and_issuer(localaws):
    world = World(localaws)
    conditions = {
        "StringLike": {"aws:PrincipalTag/x509SAN/DNS": "*.prod.example.com"},
        "StringEquals": {"aws:PrincipalTag/x509Issuer/CN": world.ca.common_name},
    }
    world.role_arn = world.create_role("san", policy=trust_policy(world.trust_anchor_arn, conditions))
    world.profile = world.create_profile([world.role_arn])
    session_member(world.create_session(world.issue("a", dns_names=("db1.prod.example.com", "db1.example.net"))))
    assert_error(
        world.create_session(world.issue("b", dns_names=("db1.test.example.com",))), 403, "AccessDeniedException"
    )


def test_source_arn_binds_the_role_to_one_trust_anchor(localaws):
    world = World(localaws)
    other_anchor = world.create_trust_anchor(world.ca.certificate_pem)
    assert_error(
        world.create_session(trust_anchor_arn=other_anchor["trustAnchorArn"]),
        403,
        "AccessDeniedException",
        "Unable to assume role",
    )


def test_source_account_condition(localaws):
    world = world_with_trust(localaws, {"StringEquals": {"aws:SourceAccount": localaws.account_id}})
    session_member(world.create_session())
    world = world_with_trust(localaws, {"StringEquals": {"aws:SourceAccount": "111122223333"}})
    assert_error(world.create_session(), 403, "AccessDeniedException")


def test_explicit_deny_wins_over_allow(localaws):
    deny = {
        "Effect": "Deny",
        "Principal": {"Service": "rolesanywhere.amazonaws.com"},
        "Action": "sts:*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/x509Subject/CN": "blocked.example.com"}},
    }
    world = world_with_trust(localaws, extra_statements=[deny])
    session_member(world.create_session(world.issue("fine.example.com")))
    blocked = world.issue("blocked.example.com")
    assert_error(world.create_session(blocked), 403, "AccessDeniedException")
    assert "explicitly denied" in world.last_outcome(blocked.certificate.serial_number)["reason"]


def test_trust_policy_must_allow_tag_session_and_set_source_identity(localaws):
    world = world_with_trust(localaws, actions=["sts:AssumeRole"])
    leaf = world.issue()
    assert_error(world.create_session(leaf), 403, "AccessDeniedException")
    reason = world.last_outcome(leaf.certificate.serial_number)["reason"]
    assert "sts:TagSession" in reason and "sts:SetSourceIdentity" in reason


def test_attribute_mappings_decide_which_tags_exist(localaws):
    world = world_with_trust(localaws, {"StringEquals": {"aws:PrincipalTag/x509Subject/CN": "mapped.example.com"}})
    leaf = world.issue("mapped.example.com")
    session_member(world.create_session(leaf))
    world.rolesanywhere.put_attribute_mapping(
        profileId=world.profile["profileId"], certificateField="x509Subject", mappingRules=[{"specifier": "OU"}]
    )
    assert_error(world.create_session(leaf), 403, "AccessDeniedException")


def test_if_exists_accepts_an_unmapped_attribute(localaws):
    world = world_with_trust(
        localaws, {"StringEqualsIfExists": {"aws:PrincipalTag/x509Subject/CN": "mapped.example.com"}}
    )
    world.rolesanywhere.put_attribute_mapping(
        profileId=world.profile["profileId"], certificateField="x509Subject", mappingRules=[{"specifier": "OU"}]
    )
    session_member(world.create_session(world.issue("anything.example.com")))


def test_attribute_that_cannot_be_a_session_tag_is_refused(world):
    leaf = world.issue("John Smith (EMP12345)")
    assert_error(
        world.create_session(leaf),
        403,
        "AccessDeniedException",
        "Some attributes failed to be mapped into session tags",
    )


def test_denied_authorization_still_records_the_subject_as_failed(localaws):
    world = world_with_trust(localaws, {"StringEquals": {"aws:PrincipalTag/x509Subject/CN": "nobody"}})
    leaf = world.issue("failing-subject.example.com")
    assert world.create_session(leaf).status == 403
    # Every page: the worker's stand-in holds the subjects of every test that ran before this one.
    pages = world.rolesanywhere.get_paginator("list_subjects").paginate()
    subjects = [
        subject
        for page in pages
        for subject in page["subjects"]
        if subject["x509Subject"] == leaf.certificate.subject.rfc4514_string()
    ]
    (summary,) = subjects
    detail = world.rolesanywhere.get_subject(subjectId=summary["subjectId"])["subject"]
    assert [credential["failed"] for credential in detail["credentials"]] == [True]


# ---- session name, duration, source identity -----------------------------------------------------------------------


def test_session_name_is_refused_unless_the_profile_accepts_it(world):
    assert_error(
        world.create_session(role_session_name="batch-job-7"),
        403,
        "AccessDeniedException",
        "Not authorized to set roleSessionName.",
    )


def test_session_name_is_used_when_the_profile_accepts_it(localaws):
    world = World(localaws)
    world.profile = world.create_profile([world.role_arn], acceptRoleSessionName=True)
    member = session_member(world.create_session(role_session_name="batch-job-7"))
    assert member["assumedRoleUser"]["arn"].endswith("/batch-job-7")


def test_profile_duration_caps_the_requested_duration(localaws):
    world = World(localaws)
    world.profile = world.create_profile([world.role_arn], durationSeconds=900)
    signed_at = world.service_now()
    response = world.create_session(duration_seconds=3600, now=signed_at)
    assert 900 - 120 <= lifetime_seconds(response, signed_at) <= 900 + 120


def test_requested_duration_below_the_profile_is_kept(world):
    signed_at = world.service_now()
    response = world.create_session(duration_seconds=1800, now=signed_at)
    assert 1800 - 120 <= lifetime_seconds(response, signed_at) <= 1800 + 120


def test_duration_above_the_role_maximum_is_a_validation_error(world):
    assert_error(world.create_session(duration_seconds=7200), 400, "ValidationException", "MaxSessionDuration")


def test_role_maximum_allows_longer_sessions_up_to_the_profile(localaws):
    world = World(localaws)
    world.role_arn = world.create_role("long", max_session_duration=14400)
    world.profile = world.create_profile([world.role_arn], durationSeconds=7200)
    signed_at = world.service_now()
    response = world.create_session(duration_seconds=10800, now=signed_at)
    assert 7200 - 120 <= lifetime_seconds(response, signed_at) <= 7200 + 120


@pytest.mark.parametrize(
    "common_name, expected",
    [
        ("a" * 61, "CN=" + "a" * 61),
        ("b" * 62, "b" * 62),
        ("c" * 64, "c" * 64),
    ],
)
def test_source_identity_from_the_common_name(world, common_name, expected):
    assert session_member(world.create_session(world.issue(common_name)))["sourceIdentity"] == expected


def test_source_identity_without_common_name_is_the_hex_serial(world):
    leaf = world.issue(subject=pki_factory.name(None, O="Example Corp", OU="Batch"))
    serial = leaf.certificate.serial_number
    expected = "ID=" + serial.to_bytes((serial.bit_length() + 7) // 8, "big").hex()
    assert session_member(world.create_session(leaf))["sourceIdentity"] == expected
