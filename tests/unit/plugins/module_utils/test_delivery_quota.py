"""The CreateSession arithmetic of the quota plan."""

import os

import pytest
import yaml

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import delivery_quota

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def test_the_defaults_are_the_roles():
    with open(os.path.join(REPO, "roles", "credential_helper", "defaults", "main.yml")) as handle:
        role = yaml.safe_load(handle)
    for key, value in delivery_quota.ROLE_DEFAULTS.items():
        if key != "rolesanywhere_process_starts_per_hour":
            assert role[key] == value, key


def test_serve_and_update_make_one_call_per_session_less_the_mean_lead():
    # The program: mean lead (60 + 600) / 2 = 330 s.
    assert delivery_quota.calls_per_hour("serve", "python", 900, 600, 60) == pytest.approx(3600 / 570)
    assert delivery_quota.calls_per_hour("update", "python", 3600, 600, 60) == pytest.approx(3600 / 3270)
    # The official helper: update 300 s before expiry, serve on a request within 600 s of expiry.
    assert delivery_quota.calls_per_hour("update", "official", 900) == pytest.approx(6.0)
    assert delivery_quota.calls_per_hour("serve", "official", 900) == pytest.approx(12.0)
    assert delivery_quota.calls_per_hour("serve", "official", 3600) == pytest.approx(1.2)


def test_process_costs_a_call_per_start_or_per_cache_refresh():
    assert delivery_quota.calls_per_hour("process", "official", 3600, starts_per_hour=120) == 120
    # The program's cache: reuse min(900, 3600 - 300) = 900 s, then the next start (every 30 s) refreshes.
    assert delivery_quota.calls_per_hour(
        "process", "python", 3600, starts_per_hour=120, cache_max_age=900
    ) == pytest.approx(3600 / 930)
    assert delivery_quota.calls_per_hour("process", "python", 3600, starts_per_hour=120, cache_max_age=0) == 120
    assert delivery_quota.calls_per_hour("process", "official", 3600, starts_per_hour=0) == 0


def test_a_window_longer_than_the_session_refreshes_in_its_second_half():
    assert delivery_quota.calls_per_hour("serve", "python", 900, 1000, 60) == pytest.approx(
        3600 / (900 - (60 + 450) / 2)
    )


def fleet(count, **variables):
    anchor = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/a"
    return {"h%05d" % n: dict(variables, rolesanywhere_trust_anchor_arn=anchor) for n in range(count)}


def test_fifty_thousand_process_hosts_do_not_fit_and_the_plan_says_what_to_change():
    (group,) = delivery_quota.plan(fleet(50000, rolesanywhere_process_starts_per_hour=12))
    assert (group["account"], group["region"], group["hosts"]) == ("123456789012", "eu-west-1", 50000)
    assert group["calls_per_second"] == pytest.approx(50000 * 12 / 3600, abs=0.001)
    assert not group["fits"]
    assert any("serve or update" in line for line in group["advice"])
    assert any("Spread the hosts over 21 accounts or regions" in line for line in group["advice"])


def test_fifty_thousand_serve_hosts_fit_with_twelve_hour_sessions():
    (short,) = delivery_quota.plan(
        fleet(50000, rolesanywhere_credential_delivery="serve", rolesanywhere_signing_helper="python")
    )
    assert not short["fits"]
    assert any("Raise rolesanywhere_session_duration to" in line for line in short["advice"])
    (long,) = delivery_quota.plan(
        fleet(
            50000,
            rolesanywhere_credential_delivery="serve",
            rolesanywhere_signing_helper="python",
            rolesanywhere_session_duration=43200,
        )
    )
    assert long["fits"] and long["calls_per_second"] == pytest.approx(50000 / (43200 - 330), abs=0.001)


def test_profiles_count_separately_and_split_by_region():
    entries = [{"aws_profile": "a"}, {"aws_profile": "b", "region": "us-east-1", "credential_delivery": "serve"}]
    hosts = {
        "db1": {
            "rolesanywhere_credential_delivery": "update",
            "rolesanywhere_region": "eu-west-1",
            "rolesanywhere_profiles": entries,
        }
    }
    groups = delivery_quota.plan(hosts)
    assert [(g["region"], g["modes"]) for g in groups] == [("eu-west-1", {"update": 1}), ("us-east-1", {"serve": 1})]
    assert all(g["account"] == "default" for g in groups)


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"rolesanywhere_credential_delivery": "push"}, "rolesanywhere_credential_delivery must be one of"),
        ({"rolesanywhere_session_duration": 60}, "rolesanywhere_session_duration must be at least 900"),
        ({"rolesanywhere_process_starts_per_hour": "often"}, "must be a number"),
    ],
)
def test_bad_inputs_name_the_host_and_the_variable(variables, message):
    with pytest.raises(delivery_quota.PlanError, match="db1: .*" + message):
        delivery_quota.plan({"db1": variables})


def test_a_credentials_file_profile_is_removed_by_its_bare_name():
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import aws_config

    text = "[default]\naws_access_key_id = A\n\n[etl]\naws_access_key_id = B\n\n[profile etl]\nregion = x\n"
    after = aws_config.remove_profile(text, "etl", file_kind="credentials")
    assert "[etl]" not in after and "aws_access_key_id = A" in after and "[profile etl]" in after
