"""The trust role end to end against the stand-in: idempotence, published facts, and the session-policy pitfall."""

import json
import uuid

from support.x509 import Authority

READ_ONLY = "arn:aws:iam::aws:policy/AmazonRedshiftReadOnlyAccess"


def play(role_vars, ca_path):
    variables = dict({"rolesanywhere_ca_path": str(ca_path)}, **role_vars)
    return [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "roles": [{"role": "hybridcloud.rolesanywhere.trust", "vars": variables}],
            "post_tasks": [
                {
                    "name": "published",
                    "ansible.builtin.debug": {
                        "msg": {
                            "trust_anchor": "{{ rolesanywhere_trust_result.trust_anchor_arn }}",
                            "profile": "{{ rolesanywhere_trust_result.profile_arn }}",
                            "role": "{{ rolesanywhere_trust_result.role_arn }}",
                        }
                    },
                }
            ],
        }
    ]


# The modules of the trust role that import boto3, and the one read step that precedes them.
RESOURCE_MODULES = ("trust_anchor", "iam_role", "iam_policy", "profile", "crl")


def ran(result, action):
    """The results of ``action`` (short name) that actually ran, not skipped."""
    return [
        r for r in result.results if (r["action"] or "").split(".")[-1] == action and not r["result"].get("skipped")
    ]


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def test_trust_role_twice_is_idempotent_and_publishes_arns(cp, tmp_path):
    role_name = unique("trust-role")
    role_vars = {
        "rolesanywhere_role_name": role_name,
        "rolesanywhere_subject_common_names": ["db-*", "etl-01"],
        "rolesanywhere_session_duration": 7200,
        "rolesanywhere_tags": {"team": "data"},
    }
    first = cp.playbook(play(role_vars, tmp_path / "ca"))
    assert first.rc == 0, first.explain()
    assert first.changed > 0
    second = cp.playbook(play(role_vars, tmp_path / "ca"))
    assert second.rc == 0, second.explain()
    assert second.stats["localhost"]["changed"] == 0, [r["task"] for r in second.results if r["result"].get("changed")]
    # Unchanged: one read step in one process, and none of the per-resource modules.
    assert len(ran(second, "trust_state")) == 1
    assert [module for module in RESOURCE_MODULES if ran(second, module)] == []

    published = second.task("published")["msg"]
    [anchor] = cp.trust_anchors()
    [profile] = cp.profiles()
    assert published["trust_anchor"] == anchor["trustAnchorArn"] and anchor["enabled"]
    assert published["profile"] == profile["profileArn"]
    assert profile["roleArns"] == [published["role"]] and profile["durationSeconds"] == 7200

    role = cp.iam.get_role(RoleName=role_name)["Role"]
    assert role["MaxSessionDuration"] == 7200
    trust = role["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(trust)
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"Service": "rolesanywhere.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == anchor["trustAnchorArn"]
    assert statement["Condition"]["StringLike"]["aws:PrincipalTag/x509Subject/CN"] == ["db-*", "etl-01"]
    permissions = cp.iam.get_role_policy(RoleName=role_name, PolicyName="rolesanywhere-permissions")["PolicyDocument"]
    assert permissions["Statement"][0]["Action"] == ["redshift:DescribeClusters"]


def test_trust_role_imports_a_crl_from_the_same_ca(cp, tmp_path):
    # The role creates the CA on its first run; the CRL must be signed by that CA, so sign it from its key files.
    role_vars = {"rolesanywhere_role_name": unique("trust-crl"), "rolesanywhere_ca_key_type": "ec-p256"}
    assert cp.playbook(play(role_vars, tmp_path / "ca")).rc == 0
    crl_pem = Authority.from_files(tmp_path / "ca" / "ca.crt", tmp_path / "ca" / "ca.key").crl([0x42])
    result = cp.playbook(play(dict(role_vars, rolesanywhere_crl_pem=crl_pem), tmp_path / "ca"))
    assert result.rc == 0, result.explain()
    [crl] = cp.crls()
    assert crl["name"] == "onprem-ca-crl" and crl["trustAnchorArn"] == cp.trust_anchors()[0]["trustAnchorArn"]
    again = cp.playbook(play(dict(role_vars, rolesanywhere_crl_pem=crl_pem), tmp_path / "ca"))
    assert again.rc == 0 and again.stats["localhost"]["changed"] == 0, again.explain()
    assert [module for module in RESOURCE_MODULES if ran(again, module)] == []
    # Another CRL: the read step sees the difference and the crl module runs.
    newer = Authority.from_files(tmp_path / "ca" / "ca.crt", tmp_path / "ca" / "ca.key").crl([0x42, 0x43])
    replaced = cp.playbook(play(dict(role_vars, rolesanywhere_crl_pem=newer), tmp_path / "ca"))
    assert replaced.rc == 0, replaced.explain()
    assert [r["task"] for r in replaced.results if r["result"].get("changed")] == [
        "hybridcloud.rolesanywhere.trust : Ensure the CRL"
    ]


def test_a_changed_input_runs_the_modules_of_the_resources_it_changes(cp, tmp_path):
    role_vars = {"rolesanywhere_role_name": unique("trust-change"), "rolesanywhere_tags": {"team": "data"}}
    assert cp.playbook(play(role_vars, tmp_path / "ca")).rc == 0
    # Check mode: the modules with a change to make run, predict it with a diff, and change nothing.
    predicted = cp.playbook(
        play(dict(role_vars, rolesanywhere_tags={"team": "analytics"}), tmp_path / "ca"), check=True
    )
    assert predicted.rc == 0, predicted.explain()
    [anchor_prediction] = ran(predicted, "trust_anchor")
    assert anchor_prediction["result"]["changed"] and anchor_prediction["result"]["diff"]
    assert cp.tags(cp.trust_anchors()[0]["trustAnchorArn"]) == {"team": "data"}
    # Tags go on the trust anchor, the IAM role and the profile; the inline policy stays as it is.
    retagged = cp.playbook(play(dict(role_vars, rolesanywhere_tags={"team": "analytics"}), tmp_path / "ca"))
    assert retagged.rc == 0, retagged.explain()
    assert sorted(module for module in RESOURCE_MODULES if ran(retagged, module)) == [
        "iam_role",
        "profile",
        "trust_anchor",
    ]
    assert all(
        result["result"]["changed"]
        for module in ("trust_anchor", "iam_role", "profile")
        for result in ran(retagged, module)
    )
    # A longer session: the IAM role (its maximum) and the profile.
    longer = cp.playbook(
        play(
            dict(role_vars, rolesanywhere_tags={"team": "analytics"}, rolesanywhere_session_duration=7200),
            tmp_path / "ca",
        )
    )
    assert longer.rc == 0, longer.explain()
    assert sorted(module for module in RESOURCE_MODULES if ran(longer, module)) == ["iam_role", "profile"]
    [profile] = [
        p
        for p in cp.profiles()
        if p["roleArns"] and p["roleArns"][0].endswith("/" + role_vars["rolesanywhere_role_name"])
    ]
    assert profile["durationSeconds"] == 7200


def changed_tasks(result):
    return sorted(r["task"].split(" : ")[-1] for r in result.results if r["result"].get("changed"))


def test_a_resource_changed_behind_the_role_runs_only_the_steps_it_needs_and_converges(cp, tmp_path):
    role_name = unique("trust-drift")
    role_vars = {"rolesanywhere_role_name": role_name, "rolesanywhere_tags": {"team": "data"}}
    assert cp.playbook(play(role_vars, tmp_path / "ca")).rc == 0
    [profile] = cp.profiles()
    [anchor] = cp.trust_anchors()

    # A deleted profile: only its step runs.
    cp.api.delete_profile(profileId=profile["profileId"])
    restored = cp.playbook(play(role_vars, tmp_path / "ca"))
    assert restored.rc == 0, restored.explain()
    assert [module for module in RESOURCE_MODULES if ran(restored, module)] == ["profile"]
    assert changed_tasks(restored) == ["Ensure the profile"]
    assert len(ran(restored, "trust_state")) == 1

    # Retagged behind the role's back: the trust anchor's step alone puts its tags back.
    cp.api.tag_resource(resourceArn=anchor["trustAnchorArn"], tags=[{"key": "team", "value": "ops"}])
    retagged = cp.playbook(play(role_vars, tmp_path / "ca"))
    assert retagged.rc == 0, retagged.explain()
    assert [module for module in RESOURCE_MODULES if ran(retagged, module)] == ["trust_anchor"]
    assert cp.tags(anchor["trustAnchorArn"]) == {"team": "data"}

    # A deleted IAM role: the role and its inline policy are created again. The profile, which names the role, was
    # decided against a role that was absent, so its module runs too; it finds the same ARN and changes nothing.
    cp.iam.delete_role_policy(RoleName=role_name, PolicyName="rolesanywhere-permissions")
    cp.iam.delete_role(RoleName=role_name)
    recreated = cp.playbook(play(role_vars, tmp_path / "ca"))
    assert recreated.rc == 0, recreated.explain()
    assert [module for module in RESOURCE_MODULES if ran(recreated, module)] == ["iam_role", "iam_policy", "profile"]
    assert changed_tasks(recreated) == [
        "Ensure the IAM role trusted through the trust anchor",
        "Ensure the role's inline permissions policy",
    ]

    # A deleted trust anchor: a new one (a new ARN), and the IAM role's trust policy follows it in the same run,
    # although the role itself was read unchanged.
    cp.api.delete_trust_anchor(trustAnchorId=anchor["trustAnchorId"])
    replaced = cp.playbook(play(role_vars, tmp_path / "ca"))
    assert replaced.rc == 0, replaced.explain()
    assert [module for module in RESOURCE_MODULES if ran(replaced, module)] == ["trust_anchor", "iam_role"]
    [new_anchor] = cp.trust_anchors()
    assert new_anchor["trustAnchorArn"] != anchor["trustAnchorArn"]
    trust = cp.iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(trust)
    assert trust["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"] == new_anchor["trustAnchorArn"]
    assert replaced.task("published")["msg"]["trust_anchor"] == new_anchor["trustAnchorArn"]

    # And then nothing is left to do.
    again = cp.playbook(play(role_vars, tmp_path / "ca"))
    assert again.rc == 0 and again.stats["localhost"]["changed"] == 0, again.explain()
    assert [module for module in RESOURCE_MODULES if ran(again, module)] == []


def test_seed_configuration_trips_the_session_policy_check_before_anything_is_created(cp, tmp_path):
    # The seed article: AmazonRedshiftReadOnlyAccess on the profile, GetClusterCredentials granted by the role.
    role_name = unique("seed-role")
    role_vars = {
        "rolesanywhere_role_name": role_name,
        "rolesanywhere_role_policy_actions": ["redshift:DescribeClusters", "redshift:GetClusterCredentials"],
        "rolesanywhere_profile_managed_policy_arns": [READ_ONLY],
    }
    result = cp.playbook(play(role_vars, tmp_path / "ca"))
    assert result.rc != 0
    failure = [r for r in result.results if r["result"].get("failed")][0]["result"]
    assert "redshift:GetClusterCredentials" in failure["msg"] and "AmazonRedshiftReadOnlyAccess" in failure["msg"]
    assert "redshift:DescribeClusters on" not in failure["msg"]
    assert cp.trust_anchors() == [] and cp.profiles() == []
    assert role_name not in [role["RoleName"] for role in cp.iam.list_roles()["Roles"]]


def test_session_policy_check_can_only_warn(cp, tmp_path):
    role_vars = {
        "rolesanywhere_role_name": unique("seed-warn"),
        "rolesanywhere_role_policy_actions": ["redshift:DescribeClusters", "redshift:GetClusterCredentials"],
        "rolesanywhere_profile_managed_policy_arns": [READ_ONLY],
        "rolesanywhere_session_policy_check": "warn",
    }
    result = cp.playbook(play(role_vars, tmp_path / "ca"))
    assert result.rc == 0, result.explain()
    check = result.task(
        "hybridcloud.rolesanywhere.trust : Check that the profile's session policies let the role's actions through"
    )
    assert check["blocked_actions"] == ["redshift:GetClusterCredentials"]
    assert any("GetClusterCredentials" in warning for warning in check.get("warnings", []))
    [profile] = cp.profiles()
    assert profile["managedPolicyArns"] == [READ_ONLY]


def test_check_mode_on_an_empty_account_creates_nothing(cp, tmp_path):
    role_name = unique("check-role")
    result = cp.playbook(play({"rolesanywhere_role_name": role_name}, tmp_path / "ca"), check=True)
    assert result.rc == 0, result.explain()
    assert cp.trust_anchors() == [] and cp.profiles() == []
    assert role_name not in [role["RoleName"] for role in cp.iam.list_roles()["Roles"]]
    assert result.task("published")["msg"] == {"trust_anchor": "", "profile": "", "role": ""}


def test_trust_policy_filter_refuses_without_a_trust_anchor(cp):
    plays = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "refused",
                    "ansible.builtin.debug": {"msg": "{{ [] | hybridcloud.rolesanywhere.trust_policy }}"},
                    "ignore_errors": True,
                },
                {
                    "name": "explicit",
                    "ansible.builtin.debug": {
                        "msg": "{{ [] | hybridcloud.rolesanywhere.trust_policy(allow_any_trust_anchor=true) }}"
                    },
                },
            ],
        }
    ]
    result = cp.playbook(plays)
    assert "ANY trust anchor" in result.task("refused")["msg"]
    assert result.task("explicit")["msg"]["Statement"][0]["Principal"] == {"Service": "rolesanywhere.amazonaws.com"}
