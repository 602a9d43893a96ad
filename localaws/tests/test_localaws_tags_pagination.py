"""Tags and pagination of the Roles Anywhere control plane, against the stand-in."""

import pytest
from control_plane_testlib import NO_CLIENT_VALIDATION, error_of, role_arn, unique_name


@pytest.fixture(scope="module")
def rolesanywhere(localaws):
    return localaws.client("rolesanywhere")


@pytest.fixture
def profile(localaws, rolesanywhere):
    return rolesanywhere.create_profile(
        name=unique_name("tagged"), roleArns=[role_arn(localaws.account_id)], tags=[{"key": "team", "value": "data"}]
    )["profile"]


def tags_of(client, arn):
    return {tag["key"]: tag["value"] for tag in client.list_tags_for_resource(resourceArn=arn)["tags"]}


def test_create_tag_untag_and_list(rolesanywhere, profile):
    arn = profile["profileArn"]
    assert tags_of(rolesanywhere, arn) == {"team": "data"}
    response = rolesanywhere.tag_resource(
        resourceArn=arn, tags=[{"key": "team", "value": "ml"}, {"key": "env", "value": ""}]
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert tags_of(rolesanywhere, arn) == {"team": "ml", "env": ""}
    rolesanywhere.untag_resource(resourceArn=arn, tagKeys=["team", "absent"])
    assert tags_of(rolesanywhere, arn) == {"env": ""}


def test_tags_go_away_with_the_resource(rolesanywhere, profile):
    rolesanywhere.delete_profile(profileId=profile["profileId"])
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException):
        rolesanywhere.list_tags_for_resource(resourceArn=profile["profileArn"])


def test_unknown_resource(localaws, rolesanywhere):
    arn = "arn:aws:rolesanywhere:%s:%s:profile/0f0f0f0f-0000-4000-8000-000000000000" % (
        localaws.region,
        localaws.account_id,
    )
    for call in (
        lambda: rolesanywhere.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "b"}]),
        lambda: rolesanywhere.untag_resource(resourceArn=arn, tagKeys=["a"]),
        lambda: rolesanywhere.list_tags_for_resource(resourceArn=arn),
    ):
        with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException) as missing:
            call()
        assert error_of(missing)[:2] == ("ResourceNotFoundException", 404)


def test_more_than_200_tags_in_total_is_too_many(rolesanywhere, profile):
    arn = profile["profileArn"]
    rolesanywhere.tag_resource(resourceArn=arn, tags=[{"key": "k%d" % index, "value": "v"} for index in range(199)])
    assert len(tags_of(rolesanywhere, arn)) == 200
    with pytest.raises(rolesanywhere.exceptions.TooManyTagsException) as too_many:
        rolesanywhere.tag_resource(resourceArn=arn, tags=[{"key": "one-more", "value": "v"}])
    assert error_of(too_many)[:2] == ("TooManyTagsException", 400)
    rolesanywhere.tag_resource(resourceArn=arn, tags=[{"key": "k1", "value": "replaced"}])
    assert tags_of(rolesanywhere, arn)["k1"] == "replaced"


def test_more_than_200_tags_in_one_request_breaks_the_model_limit(localaws, profile):
    client = localaws.client("rolesanywhere", config=NO_CLIENT_VALIDATION)
    with pytest.raises(client.exceptions.ValidationException) as invalid:
        client.tag_resource(
            resourceArn=profile["profileArn"], tags=[{"key": "k%d" % index, "value": "v"} for index in range(201)]
        )
    assert (
        "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200"
        in error_of(invalid)[2]
    )


def test_tag_key_constraints_do_not_echo_the_value(localaws, profile):
    client = localaws.client("rolesanywhere", config=NO_CLIENT_VALIDATION)
    with pytest.raises(client.exceptions.ValidationException) as invalid:
        client.tag_resource(resourceArn=profile["profileArn"], tags=[{"key": "secret#key", "value": "x" * 257}])
    message = error_of(invalid)[2]
    assert (
        "Value at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern"
        in message
    )
    assert (
        "Value at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"
        in message
    )
    assert "secret#key" not in message


def test_reserved_tag_prefix(rolesanywhere, profile):
    with pytest.raises(rolesanywhere.exceptions.ValidationException):
        rolesanywhere.tag_resource(resourceArn=profile["profileArn"], tags=[{"key": "aws:owner", "value": "me"}])


def test_pagination_over_several_pages(localaws, rolesanywhere):
    created = {
        rolesanywhere.create_profile(name=unique_name("page"), roleArns=[role_arn(localaws.account_id)])["profile"][
            "profileId"
        ]
        for dummy in range(7)
    }
    # The paginators have no limit_key, so PaginationConfig.PageSize is refused; pageSize is passed as a parameter.
    pages = list(rolesanywhere.get_paginator("list_profiles").paginate(pageSize=3))
    listed = [item["profileId"] for page in pages for item in page["profiles"]]
    assert len(pages) >= 3
    assert all(len(page["profiles"]) <= 3 for page in pages)
    assert "nextToken" not in pages[-1]
    assert len(listed) == len(set(listed))
    assert created <= set(listed)


def test_default_page_size_is_50(localaws, rolesanywhere):
    for dummy in range(51):
        rolesanywhere.create_profile(name=unique_name("bulk"), roleArns=[role_arn(localaws.account_id)])
    first = rolesanywhere.list_profiles()
    assert len(first["profiles"]) == 50
    assert first["nextToken"]


def test_bad_next_token_and_page_size(rolesanywhere):
    with pytest.raises(rolesanywhere.exceptions.ValidationException):
        rolesanywhere.list_trust_anchors(nextToken="not-a-token")
    with pytest.raises(rolesanywhere.exceptions.ValidationException):
        rolesanywhere.list_crls(pageSize=0)
