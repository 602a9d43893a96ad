"""Session policy evaluation for the pitfall check: wildcards, Allow/Deny, NotAction, NotResource, conditions."""

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import policy_evaluation as pe

# The statement AWS publishes in AmazonRedshiftReadOnlyAccess, trimmed to the Redshift part.
REDSHIFT_READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Resource": "*",
            "Action": ["redshift:Describe*", "redshift:ViewQueriesInConsole", "ec2:DescribeAccountAttributes"],
        }
    ],
}


def allow(action, resource="*", **extra):
    return {
        "Version": "2012-10-17",
        "Statement": [dict({"Effect": "Allow", "Action": action, "Resource": resource}, **extra)],
    }


@pytest.mark.parametrize(
    "pattern,value,expected",
    [
        ("redshift:Describe*", "redshift:DescribeClusters", True),
        ("redshift:Describe*", "redshift:GetClusterCredentials", False),
        ("redshift:Get?lusterCredentials", "redshift:GetClusterCredentials", True),
        ("*", "s3:GetObject", True),
        ("redshift:describe*", "REDSHIFT:DescribeClusters", True),
        ("redshift:Describe.*", "redshift:DescribeXClusters", False),
    ],
)
def test_action_matching_uses_iam_wildcards_case_insensitively(pattern, value, expected):
    assert pe.action_matches(pattern, value) is expected


def test_resources_match_case_sensitively():
    assert pe.resource_matches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key")
    assert not pe.resource_matches("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/key")


def test_the_seed_configuration_blocks_get_cluster_credentials():
    findings = pe.check_session_policies(
        [("AmazonRedshiftReadOnlyAccess", REDSHIFT_READ_ONLY)],
        ["redshift:DescribeClusters", "redshift:GetClusterCredentials"],
    )
    decisions = dict((finding["action"], finding["decision"]) for finding in findings)
    assert decisions == {"redshift:DescribeClusters": pe.ALLOWED, "redshift:GetClusterCredentials": pe.DENIED}
    message = pe.explain_blocked(findings, ["AmazonRedshiftReadOnlyAccess"])
    assert "redshift:GetClusterCredentials" in message and "session policies" in message
    assert "redshift:DescribeClusters on" not in message


def test_no_session_policy_keeps_the_role_permissions():
    findings = pe.check_session_policies([], ["redshift:GetClusterCredentials"])
    assert findings[0]["decision"] == pe.ALLOWED
    assert pe.explain_blocked(findings, []) is None


def test_explicit_deny_wins_over_allow():
    deny = {"Statement": {"Effect": "Deny", "Action": "redshift:GetClusterCredentials", "Resource": "*"}}
    decision, reason = pe.evaluate([("allow", allow("redshift:*")), ("deny", deny)], "redshift:GetClusterCredentials")
    assert decision == pe.DENIED and "explicitly denied by deny" in reason


def test_not_action_allows_everything_else():
    policy = {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    assert pe.evaluate([("p", policy)], "redshift:DescribeClusters")[0] == pe.ALLOWED
    assert pe.evaluate([("p", policy)], "iam:PassRole")[0] == pe.DENIED


def test_deny_with_not_action_denies_what_it_does_not_list():
    policy = {
        "Statement": [
            allow("*")["Statement"][0],
            {"Effect": "Deny", "NotAction": "redshift:Describe*", "Resource": "*"},
        ]
    }
    assert pe.evaluate([("p", policy)], "redshift:DescribeClusters")[0] == pe.ALLOWED
    assert pe.evaluate([("p", policy)], "redshift:GetClusterCredentials")[0] == pe.DENIED


def test_not_resource_excludes_resources():
    policy = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}]}
    assert pe.evaluate([("p", policy)], "s3:GetObject", "arn:aws:s3:::public/x")[0] == pe.ALLOWED
    assert pe.evaluate([("p", policy)], "s3:GetObject", "arn:aws:s3:::secret/x")[0] == pe.DENIED


def test_a_narrower_resource_is_conditional_not_denied():
    policy = allow("redshift:GetClusterCredentials", "arn:aws:redshift:us-east-1:123456789012:dbuser:c1/*")
    assert pe.evaluate([("p", policy)], "redshift:GetClusterCredentials", "*")[0] == pe.CONDITIONAL


def test_conditions_make_an_allow_conditional():
    policy = allow("redshift:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    assert pe.evaluate([("p", policy)], "redshift:DescribeClusters")[0] == pe.CONDITIONAL


def test_allows_from_several_session_policies_add_up():
    policies = [("a", allow("redshift:Describe*")), ("b", allow("redshift:GetClusterCredentials"))]
    findings = pe.check_session_policies(policies, ["redshift:DescribeClusters", "redshift:GetClusterCredentials"])
    assert all(finding["decision"] == pe.ALLOWED for finding in findings)


def test_statement_may_be_a_single_object_and_action_a_string():
    policy = {"Statement": {"Effect": "Allow", "Action": "redshift:DescribeClusters", "Resource": "*"}}
    assert pe.evaluate([("p", policy)], "redshift:DescribeClusters")[0] == pe.ALLOWED
