"""Control-plane resources as the service describes them, for the unit tests of the trust role's skip decisions."""

ROLE_ARN = "arn:aws:iam::123456789012:role/reader"


def described_profile(**changes):
    """A Roles Anywhere profile as GetProfile returns it (the trust_state module's `current.profile`)."""
    profile = {
        "name": "reader",
        "profileId": "6f4b2e8a-8d0e-4f8b-9a53-0b8f1c2d3e4f",
        "roleArns": [ROLE_ARN],
        "durationSeconds": 3600,
        "managedPolicyArns": [],
        "enabled": True,
        "tags": {},
        "attributeMappings": [],
    }
    profile.update(changes)
    return profile
