"""profile and profile_info against the stand-in: life cycle of every updatable field, validation, collisions, retries."""

import json

from conftest import CHECK, changes, steps

NAME = "redshift-readers"
READ_ONLY = "arn:aws:iam::aws:policy/AmazonRedshiftReadOnlyAccess"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["redshift:DescribeClusters"], "Resource": "*"}],
}
# The same policy written differently: other key order, a string instead of a one-element list.
POLICY_REWRITTEN = json.dumps(
    {
        "Statement": [{"Resource": "*", "Action": "redshift:DescribeClusters", "Effect": "Allow"}],
        "Version": "2012-10-17",
    }
)
WIDER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["redshift:Describe*", "redshift:GetClusterCredentials"], "Resource": "*"}
    ],
}


def roles(cp, *names):
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    arns = []
    for name in names:
        try:
            arns.append(cp.iam.get_role(RoleName=name)["Role"]["Arn"])
        except cp.iam.exceptions.NoSuchEntityException:
            arns.append(cp.iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"])
    return arns


def test_profile_life_cycle(cp):
    first, second = roles(cp, "profile-test-reader", "profile-test-writer")
    base = {"name": NAME, "role_arns": [first]}
    mappings = [
        {"certificate_field": "x509Subject", "specifiers": ["CN", "OU"]},
        {"certificate_field": "x509SAN", "specifiers": []},
    ]
    plays = steps(
        ("create (check)", "profile", base, CHECK),
        ("create", "profile", base, {"register": "created"}),
        ("again (check)", "profile", base, CHECK),
        ("again", "profile", base),
        ("roles", "profile", {"name": NAME, "role_arns": [second, first]}),
        ("roles as a set", "profile", {"name": NAME, "role_arns": [first, second]}),
        ("duration", "profile", {"name": NAME, "duration_seconds": 7200}),
        ("managed policies", "profile", {"name": NAME, "managed_policy_arns": [READ_ONLY]}),
        ("managed policies removed", "profile", {"name": NAME, "managed_policy_arns": []}),
        ("session policy", "profile", {"name": NAME, "session_policy": POLICY}),
        ("session policy rewritten", "profile", {"name": NAME, "session_policy": POLICY_REWRITTEN}),
        ("session policy widened", "profile", {"name": NAME, "session_policy": WIDER_POLICY}),
        ("accept role session name", "profile", {"name": NAME, "accept_role_session_name": True}),
        ("attribute mappings", "profile", {"name": NAME, "attribute_mappings": mappings}),
        ("attribute mappings again", "profile", {"name": NAME, "attribute_mappings": mappings}),
        ("rename by id", "profile", {"profile_id": "{{ created.profile.profile_id }}", "name": "renamed"}),
        ("rename back by ARN", "profile", {"profile_arn": "{{ created.profile.profile_arn }}", "name": NAME}),
        ("disable", "profile", {"name": NAME, "enabled": False}),
        ("disable again", "profile", {"name": NAME, "enabled": False}),
        ("enable", "profile", {"name": NAME}),
        ("tags add", "profile", {"name": NAME, "tags": {"team": "data", "env": "test"}}),
        ("tags change", "profile", {"name": NAME, "tags": {"team": "platform"}, "purge_tags": False}),
        ("tags purge", "profile", {"name": NAME, "tags": {}}),
        ("info", "profile_info", {"profile_id": "{{ created.profile.profile_arn }}"}),
        ("delete (check)", "profile", {"name": NAME, "state": "absent"}, CHECK),
        ("delete", "profile", {"name": NAME, "state": "absent"}),
        ("delete again", "profile", {"name": NAME, "state": "absent"}),
    )
    result = cp.playbook(plays)
    assert result.rc == 0, result.explain()
    assert changes(result, [task["name"] for task in plays[0]["tasks"] if task["name"] != "info"]) == {
        "create (check)": True,
        "create": True,
        "again (check)": False,
        "again": False,
        "roles": True,
        "roles as a set": False,
        "duration": True,
        "managed policies": True,
        "managed policies removed": True,
        "session policy": True,
        "session policy rewritten": False,
        "session policy widened": True,
        "accept role session name": True,
        "attribute mappings": True,
        "attribute mappings again": False,
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
    assert result.task("create")["diff"]["before"] == {}
    created = result.task("create")["profile"]
    assert created["role_arns"] == [first] and created["enabled"] is True and created["duration_seconds"] == 3600
    assert sorted(result.task("roles")["profile"]["role_arns"]) == sorted([first, second])
    assert result.task("duration")["profile"]["duration_seconds"] == 7200
    assert result.task("managed policies")["profile"]["managed_policy_arns"] == [READ_ONLY]
    assert result.task("session policy widened")["profile"]["session_policy"] == WIDER_POLICY
    assert result.task("session policy widened")["diff"]["before"]["session_policy"]["Statement"][0]["Action"] == [
        "redshift:DescribeClusters"
    ]
    assert result.task("accept role session name")["profile"]["accept_role_session_name"] is True
    mapped = dict(
        (m["certificate_field"], sorted(r["specifier"] for r in m["mapping_rules"]))
        for m in result.task("attribute mappings")["profile"]["attribute_mappings"]
    )
    assert mapped == {"x509Subject": ["CN", "OU"], "x509Issuer": ["*"]}
    assert result.task("disable")["profile"]["enabled"] is False
    assert result.task("tags change")["profile"]["tags"] == {"team": "platform", "env": "test"}
    assert [item["profile_id"] for item in result.task("info")["profiles"]] == [created["profile_id"]]
    assert cp.profiles() == []


def test_invalid_profile_fails_before_any_write(cp):
    [role] = roles(cp, "profile-test-reader")
    for args, fragment in (
        ({"duration_seconds": 60}, "duration_seconds is 60"),
        ({"session_policy": "{broken"}, "session_policy is not valid JSON"),
        ({"managed_policy_arns": ["AmazonRedshiftReadOnlyAccess"]}, "managed_policy_arns entry"),
    ):
        result = cp.module("profile", dict({"name": NAME, "role_arns": [role]}, **args))
        assert result["failed"] and fragment in result["msg"]
    assert cp.profiles() == []
    missing_roles = cp.module("profile", {"name": NAME})
    assert missing_roles["failed"] and "role_arns is required" in missing_roles["msg"]
    assert cp.profiles() == []


def test_shared_name_fails_listing_ids(cp):
    [role] = roles(cp, "profile-test-reader")
    ids = [
        cp.api.create_profile(name=NAME, roleArns=[role], enabled=True)["profile"]["profileId"] for _copy in range(2)
    ]
    result = cp.module("profile", {"name": NAME, "duration_seconds": 900})
    assert result["failed"] and all(profile_id in result["msg"] for profile_id in ids)
    assert all(profile["durationSeconds"] == 3600 for profile in cp.profiles())


def test_throttled_update_is_retried(cp):
    [role] = roles(cp, "profile-test-reader")
    cp.module("profile", {"name": NAME, "role_arns": [role]})
    cp.localaws.inject_fault("UpdateProfile", "throttle", 2)
    cp.localaws.inject_fault("ListProfiles", "error500", 1)
    result = cp.module("profile", {"name": NAME, "duration_seconds": 1800})
    assert result.get("failed") is not True, result.get("msg")
    assert [profile["durationSeconds"] for profile in cp.profiles()] == [1800]
