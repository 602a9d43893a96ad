"""Start-up state: an administrator in moto's IAM, then IAM authorization enforcement switched on."""

from __future__ import annotations

import json

from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.models import iam_backends

ADMINISTRATOR_NAME = "localaws-admin"
ADMINISTRATOR_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "AdministratorAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def seed_administrator(
    account_id: str, region: str, access_key_id: str | None = None, secret_access_key: str | None = None
) -> dict[str, str]:
    """Create the administrator user with an allow-everything policy; returns its access key.

    With `access_key_id` and `secret_access_key` the user gets exactly that key back (after moto's own reset).
    """
    iam = iam_backends[account_id]["aws"]
    iam.create_user(region_name=region, user_name=ADMINISTRATOR_NAME)
    iam.put_user_policy(ADMINISTRATOR_NAME, "AdministratorAccess", json.dumps(ADMINISTRATOR_POLICY))
    key = iam.create_access_key(ADMINISTRATOR_NAME)
    if access_key_id and secret_access_key:
        # moto indexes keys by id, so the index moves with the id.
        del iam.access_keys[key.physical_resource_id]
        key.access_key_id = access_key_id
        key.secret_access_key = secret_access_key
        iam.access_keys[key.physical_resource_id] = key
    return {
        "user_name": ADMINISTRATOR_NAME,
        "access_key_id": key.access_key_id,
        "secret_access_key": key.secret_access_key,
    }


def enable_enforcement() -> None:
    """The in-process equivalent of `POST /moto-api/reset-auth` with body `0`: check every later request."""
    moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0
