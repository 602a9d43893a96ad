"""A deleted trust anchor or profile: the stand-in answers CreateSession the way the service declares it
(ResourceNotFoundException, HTTP 404), both helpers report it, and verify's diagnosis names the missing resource."""

import os
import subprocess

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import diagnosis
from support import quota_fleet

HELPERS = ["python"] + (["official"] if os.access(quota_fleet.OFFICIAL_HELPER, os.X_OK) else [])


def helper_run(host, helper_path, python_program):
    arguments = host.program_args(python_program)
    arguments[0] = helper_path
    if helper_path == python_program:
        arguments.append("--no-cache")
    return subprocess.run(arguments, env=host.env(), capture_output=True, text=True, timeout=120, check=False)


def resource_id(arn):
    return arn.rsplit("/", 1)[1]


@pytest.mark.parametrize("helper", HELPERS)
def test_deleted_trust_anchor_and_profile_are_named(program, make_host, localaws, helper):
    helper_path = program if helper == "python" else quota_fleet.OFFICIAL_HELPER
    rolesanywhere = localaws.client("rolesanywhere")

    host = make_host()
    rolesanywhere.delete_profile(profileId=resource_id(host.trust.profile_arn))
    completed = helper_run(host, helper_path, program)
    assert completed.returncode != 0 and "ResourceNotFoundException" in completed.stderr, completed.stderr
    assert diagnosis.classify_error(completed.stderr)[0] == "rolesanywhere_profile_missing"

    rolesanywhere.delete_trust_anchor(trustAnchorId=resource_id(host.trust.trust_anchor_arn))
    completed = helper_run(host, helper_path, program)
    assert completed.returncode != 0 and "ResourceNotFoundException" in completed.stderr, completed.stderr
    assert diagnosis.classify_error(completed.stderr)[0] == "trust_anchor_missing"
    logged = [entry for entry in localaws.session_log() if entry["trustAnchorArn"] == host.trust.trust_anchor_arn]
    assert [entry["code"] for entry in logged[-2:]] == ["ResourceNotFoundException"] * 2


def test_the_words_of_both_helpers_are_classified():
    python_text = (
        "Error when retrieving credentials from custom-process: rolesanywhere-credential-process: CreateSession "
        "failed: ResourceNotFoundException (HTTP 404): Trust anchor arn:aws:rolesanywhere:us-east-1:1:trust-anchor/x not found"
    )
    official_text = (
        "Error when retrieving credentials from custom-process: 2026/12/02 15:00:00 ResourceNotFoundException: "
        "Resource not found\n\tstatus code: 404, request id: 0f"
    )
    assert diagnosis.classify_error(python_text)[0] == "trust_anchor_missing"
    assert diagnosis.classify_error(official_text)[0] == "session_resource_missing"
    rendered = diagnosis.make("session_resource_missing", trust_anchor_arn="arn:ta", profile_arn="arn:p", detail="404")
    assert "arn:ta" in rendered["message"] and "trust_anchor_info" in rendered["fix"]
