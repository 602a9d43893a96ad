"""The trust_state_changes filter: the trust role's skips decided at once, each as trust_state_unchanged decides it."""

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hybridcloud.rolesanywhere.plugins.filter.trust_state_changes import trust_state_changes
from support.control_plane_samples import ROLE_ARN, described_profile

DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["a:X"], "Resource": "*"}]}
PROFILE = described_profile()
PROFILE_PARAMS = {"name": "reader", "role_arns": [ROLE_ARN], "duration_seconds": "3600", "tags": {}}
ROLE = {"arn": ROLE_ARN, "assume_role_policy_document": DOCUMENT, "max_session_duration": 3600, "tags": {}}
ROLE_PARAMS = {"assume_role_policy_document": json.dumps(DOCUMENT), "max_session_duration": 3600, "tags": {}}


def current(**resources):
    state = {"trust_anchor": None, "iam_role": None, "iam_policy": None, "profile": None, "crl": None}
    state.update(resources)
    return state


def test_nothing_to_ensure_when_every_resource_holds_what_its_module_would_set():
    state = current(iam_role=ROLE, iam_policy=DOCUMENT, profile=PROFILE)
    desired = {"iam_role": ROLE_PARAMS, "iam_policy": {"policy_json": json.dumps(DOCUMENT)}, "profile": PROFILE_PARAMS}
    assert trust_state_changes(state, desired) == []


def test_only_the_resources_that_differ_or_are_missing_are_named():
    state = current(iam_role=ROLE, profile=PROFILE)
    desired = {
        "iam_role": ROLE_PARAMS,
        "iam_policy": {"policy_json": json.dumps(DOCUMENT)},
        "profile": dict(PROFILE_PARAMS, duration_seconds=7200),
        "trust_anchor": {"name": "onprem", "certificate_bundle": "not a PEM"},
    }
    assert trust_state_changes(state, desired) == ["iam_policy", "profile", "trust_anchor"]


def test_options_not_known_yet_or_an_empty_trust_policy_run_the_module():
    state = current(iam_role=ROLE, profile=PROFILE)
    # The trust role gives an empty trust policy while the trust anchor does not exist, and None where it cannot tell.
    desired = {"iam_role": dict(ROLE_PARAMS, assume_role_policy_document=""), "profile": None}
    assert trust_state_changes(state, desired) == ["iam_role", "profile"]


def test_an_unknown_kind_or_a_list_is_refused_with_the_kinds_it_knows():
    with pytest.raises(AnsibleFilterError, match="unknown kinds iam_group; kinds are crl, iam_policy"):
        trust_state_changes(current(), {"iam_group": {}})
    with pytest.raises(AnsibleFilterError, match="desired must be a dict"):
        trust_state_changes(current(), ["profile"])
