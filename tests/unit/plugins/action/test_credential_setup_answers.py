"""How credential_setup's action plugin merges a host's two calls (pure logic)."""

from ansible_collections.hybridcloud.rolesanywhere.plugins.action.credential_setup import merged_answers

KEY_DIFF = {"before_header": "key", "before": {"private_key": "absent"}, "after": {"private_key": "ec-p256 ab"}}
HELPER_DIFF = {"before_header": "helper", "before": "missing\n", "after": "sha256:1\n"}


def test_what_the_first_call_changed_stays_changed():
    first = {"changed": True, "enrollment": {"changed": True, "key": {"generated": True}}, "diff": [KEY_DIFF]}
    second = {"changed": False, "enrollment": {"changed": False, "key": {"generated": False}}, "diff": []}
    merged = merged_answers(first, second)
    assert merged["changed"] is True
    # The first call generated the key; the second only found it.
    assert merged["enrollment"]["key"]["generated"] is True
    assert merged["diff"] == [KEY_DIFF]


def test_a_first_call_that_asked_for_the_program_leaves_the_second_answer_whole():
    first = {"changed": False, "program_needed": True}
    second = {"changed": True, "enrollment": {"changed": True}, "diff": [HELPER_DIFF], "program_needed": False}
    assert merged_answers(first, second) == second


def test_a_failed_second_call_keeps_its_failure():
    first = {"changed": False, "enrollment": {"changed": False}}
    second = {"failed": True, "msg": "checksum differs"}
    merged = merged_answers(first, second)
    assert merged["failed"] is True and merged["msg"] == "checksum differs"
    assert "enrollment" not in merged
