"""The stand-in authorizes as the service authorization reference says, so a least-privilege policy is judged fairly.

- IAM calls are matched against the ARN of the role they name, even one that does not exist yet (CreateRole), and
  against the managed policy they name (GetPolicy): a policy scoped to a role-name pattern works, outside it fails.
- CreateTrustAnchor, CreateProfile and ImportCrl have no resource type: only Resource "*" allows them.
- Tags given at creation also need rolesanywhere:TagResource.
"""

import uuid

import botocore.exceptions
import pytest

from support.x509 import Authority


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def client_for(localaws, service, policy):
    """A client for ``service`` as a new IAM user holding ``policy`` (a list of statements)."""
    user = localaws.create_user(unique("authz"), {"Version": "2012-10-17", "Statement": policy})
    return localaws.client(service, access_key_id=user["access_key_id"], secret_access_key=user["secret_access_key"])


def denied(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(*args, **kwargs)
    return raised.value.response["Error"]


def ca_bundle():
    """A self-signed CA certificate (PEM) that a trust anchor accepts."""
    return Authority("Authorization Test CA").pem


TRUST = '{"Version": "2012-10-17", "Statement": []}'


def test_iam_calls_are_authorized_on_the_role_and_policy_they_name(localaws):
    arn = "arn:aws:iam::%s:" % localaws.account_id
    managed = localaws.client("iam").create_policy(
        PolicyName=unique("authz-read"),
        PolicyDocument=(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}'
        ),
    )
    iam = client_for(
        localaws,
        "iam",
        [
            {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:GetRole"], "Resource": arn + "role/authz-*"},
            {"Effect": "Allow", "Action": "iam:GetPolicy", "Resource": managed["Policy"]["Arn"]},
        ],
    )
    name = unique("authz")
    # Not found rather than access denied: the caller may look at roles of that pattern, existing or not.
    assert denied(iam.get_role, RoleName=name)["Code"] == "NoSuchEntity"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name
    assert denied(iam.create_role, RoleName=unique("other"), AssumeRolePolicyDocument=TRUST)["Code"] == "AccessDenied"
    assert iam.get_policy(PolicyArn=managed["Policy"]["Arn"])["Policy"]["PolicyName"].startswith("authz-read")
    assert denied(iam.get_policy, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")["Code"] == "AccessDenied"


def test_creations_need_resource_star_and_tags_at_creation_need_tag_resource(localaws):
    anchors = "arn:aws:rolesanywhere:%s:%s:trust-anchor/*" % (localaws.region, localaws.account_id)
    source = {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": ca_bundle()}}
    scoped = client_for(
        localaws, "rolesanywhere", [{"Effect": "Allow", "Action": "rolesanywhere:*", "Resource": anchors}]
    )
    error = denied(scoped.create_trust_anchor, name=unique("authz"), source=source)
    assert error["Code"] == "AccessDeniedException" and "rolesanywhere:CreateTrustAnchor" in error["Message"]

    create = {"Effect": "Allow", "Action": "rolesanywhere:CreateTrustAnchor", "Resource": "*"}
    creator = client_for(localaws, "rolesanywhere", [create])
    creator.create_trust_anchor(name=unique("authz"), source=source)
    error = denied(
        creator.create_trust_anchor, name=unique("authz"), source=source, tags=[{"key": "team", "value": "a"}]
    )
    assert "rolesanywhere:TagResource" in error["Message"]

    tagger = client_for(
        localaws,
        "rolesanywhere",
        [create, {"Effect": "Allow", "Action": "rolesanywhere:TagResource", "Resource": anchors}],
    )
    created = tagger.create_trust_anchor(name=unique("authz"), source=source, tags=[{"key": "team", "value": "a"}])
    assert created["trustAnchor"]["name"].startswith("authz-")
