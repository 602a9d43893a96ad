"""A role added to the profile by hand: replace mode says it drops it (warning, diff) before and when it does; merge keeps it."""

import uuid

from reliability_support import TRACEBACK, record

from support.ansible_run import run_module

ACCOUNT_ROLE = "arn:aws:iam::123456789012:role/"


def test_replacing_the_role_list_warns_and_merging_keeps_hand_added_roles(localaws, tmp_path, request):
    name = "rel-roles-" + uuid.uuid4().hex[:8]
    ours, by_hand = ACCOUNT_ROLE + name + "-ours", ACCOUNT_ROLE + name + "-by-hand"
    api = localaws.client("rolesanywhere")
    profile = api.create_profile(name=name, roleArns=[ours, by_hand], enabled=True)["profile"]

    def ensure(check, purge):
        return run_module(
            "hybridcloud.rolesanywhere.profile",
            {"name": name, "role_arns": [ours], "purge_role_arns": purge},
            tmp_path=tmp_path,
            env=localaws.env,
            check=check,
            diff=True,
        )

    merged = ensure(check=False, purge=False)
    predicted = ensure(check=True, purge=True)
    roles_after_check = api.get_profile(profileId=profile["profileId"])["profile"]["roleArns"]
    replaced = ensure(check=False, purge=True)
    text = repr([merged, predicted, replaced])
    record(
        request,
        "converged",
        traceback=TRACEBACK in text,
        unintended_change=sorted(roles_after_check) != sorted([ours, by_hand]),
    )

    assert not merged.get("changed") and not merged.get("warnings"), merged
    assert predicted["changed"] and any(
        by_hand in warning and "would lose" in warning for warning in predicted["warnings"]
    ), predicted
    assert by_hand in str(predicted["diff"]["before"]) and by_hand not in str(predicted["diff"]["after"]), predicted[
        "diff"
    ]
    assert sorted(roles_after_check) == sorted([ours, by_hand])
    assert replaced["changed"] and any(by_hand in warning for warning in replaced["warnings"]), replaced
    assert api.get_profile(profileId=profile["profileId"])["profile"]["roleArns"] == [ours]
    assert TRACEBACK not in text
