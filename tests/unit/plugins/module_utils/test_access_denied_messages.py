"""A refused Roles Anywhere call names the permission to grant and where the controller policy is."""

import botocore.exceptions
import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import rolesanywhere
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import RolesAnywhereError


class RefusingClient:
    """Answers every call with the error the service sends for it (no network: the error path is the logic)."""

    def __init__(self, code, message="User: arn:aws:iam::123456789012:user/ops is not authorized"):
        self.code = code
        self.message = message

    def __getattr__(self, operation):
        api_name = "".join(part.capitalize() for part in operation.split("_"))

        def refuse(**_params):
            raise botocore.exceptions.ClientError({"Error": {"Code": self.code, "Message": self.message}}, api_name)

        return refuse


def test_an_access_denied_create_names_the_permission_and_the_policy_file():
    with pytest.raises(RolesAnywhereError) as raised:
        rolesanywhere.call(RefusingClient("AccessDeniedException"), "create_trust_anchor", name="a")
    assert raised.value.message.startswith("Failed to create trust anchor: ")
    assert "not allowed rolesanywhere:CreateTrustAnchor (or an action it depends on" in raised.value.message
    assert "docs/policies/controller.json" in raised.value.message
    assert isinstance(raised.value.exception, botocore.exceptions.ClientError)


def test_the_action_the_service_names_is_the_one_to_grant():
    """Tags at creation are refused as rolesanywhere:TagResource, not as the create."""
    client = RefusingClient(
        "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/ops is not authorized to "
        "perform: rolesanywhere:TagResource on resource: trust-anchor/*",
    )
    with pytest.raises(RolesAnywhereError) as raised:
        rolesanywhere.call(client, "create_trust_anchor", name="a", tags=[{"key": "k", "value": "v"}])
    assert "are not allowed rolesanywhere:TagResource; grant it" in raised.value.message


def test_other_errors_keep_their_message():
    with pytest.raises(RolesAnywhereError) as raised:
        rolesanywhere.call(RefusingClient("ValidationException"), "update_profile", profileId="x")
    assert raised.value.message == "Failed to update profile"


def test_a_denied_lookup_is_not_mistaken_for_a_missing_resource():
    with pytest.raises(RolesAnywhereError, match="not allowed rolesanywhere:GetProfile"):
        rolesanywhere.get_resource(RefusingClient("AccessDeniedException"), rolesanywhere.PROFILE, "x")
    assert rolesanywhere.get_resource(RefusingClient("ResourceNotFoundException"), rolesanywhere.PROFILE, "x") is None
