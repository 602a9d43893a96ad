"""Roles Anywhere trust in the stand-in for credential helper tests: IAM role, trust anchor and profile."""

import json
import uuid

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "rolesanywhere.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        }
    ],
}
ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["redshift:DescribeClusters", "sts:GetCallerIdentity"], "Resource": "*"}
    ],
}


class Trust(object):
    """ARNs of a working trust anchor / profile / role triple for one CA."""

    def __init__(self, trust_anchor_arn, profile_arn, role_arn):
        self.trust_anchor_arn = trust_anchor_arn
        self.profile_arn = profile_arn
        self.role_arn = role_arn

    def helper_args(self):
        return [
            "--trust-anchor-arn",
            self.trust_anchor_arn,
            "--profile-arn",
            self.profile_arn,
            "--role-arn",
            self.role_arn,
        ]


def create_trust(server, ca_pem, duration_seconds=3600):
    """Create role, trust anchor (CA bundle) and profile in the stand-in with the administrator's clients."""
    suffix = uuid.uuid4().hex[:8]
    iam = server.client("iam")
    role = iam.create_role(
        RoleName="helper-test-%s" % suffix, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY), MaxSessionDuration=43200
    )["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="read", PolicyDocument=json.dumps(ROLE_POLICY))
    rolesanywhere = server.client("rolesanywhere")
    anchor = rolesanywhere.create_trust_anchor(
        name="helper-test-%s" % suffix,
        enabled=True,
        source={"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": ca_pem.decode("ascii")}},
    )["trustAnchor"]
    profile = rolesanywhere.create_profile(
        name="helper-test-%s" % suffix, enabled=True, roleArns=[role["Arn"]], durationSeconds=duration_seconds
    )["profile"]
    return Trust(anchor["trustAnchorArn"], profile["profileArn"], role["Arn"])


def add_profile(server, trust, role_name_prefix="helper-second"):
    """A second role and Roles Anywhere profile that trust the same trust anchor; returns a Trust for them."""
    suffix = uuid.uuid4().hex[:8]
    iam = server.client("iam")
    role = iam.create_role(
        RoleName="%s-%s" % (role_name_prefix, suffix), AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
    )["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="read", PolicyDocument=json.dumps(ROLE_POLICY))
    profile = server.client("rolesanywhere").create_profile(
        name="%s-%s" % (role_name_prefix, suffix), enabled=True, roleArns=[role["Arn"]]
    )["profile"]
    return Trust(trust.trust_anchor_arn, profile["profileArn"], role["Arn"])
