"""Classification of AWS CLI / signing helper error text, and the choice of the one cause to report."""

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import diagnosis

ROLE = "arn:aws:iam::123456789012:role/redshift-reader"
HELPER_PREFIX = "\nError when retrieving credentials from custom-process: "

# What the AWS CLI prints for each cause: the service's words (stand-in and real AWS), botocore's own messages.
ERROR_TEXTS = [
    ("The config profile (reader) could not be found", "profile_missing"),
    (
        "botocore.exceptions.ConfigParseError: Unable to parse config file: /home/etl/.aws/config",
        "aws_config_unparsable",
    ),
    (
        'Unable to locate credentials. You can configure credentials by running "aws configure".',
        "credential_process_missing",
    ),
    ("\n[Errno 2] No such file or directory: '/usr/local/bin/aws_signing_helper'\n", "helper_missing"),
    ("\n[Errno 13] Permission denied: '/usr/local/bin/aws_signing_helper'\n", "helper_not_executable"),
    (HELPER_PREFIX + "AccessDeniedException: Untrusted signing certificate", "certificate_untrusted"),
    (HELPER_PREFIX + "AccessDeniedException: Untrusted Signing Certificate", "certificate_untrusted"),
    (
        HELPER_PREFIX
        + "operation error RolesAnywhere: CreateSession, https response error StatusCode: 403, RequestID: x, "
        "AccessDeniedException: Invalid signature",
        "request_signature_invalid",
    ),
    (
        HELPER_PREFIX
        + "AccessDeniedException: Trust anchor arn:aws:rolesanywhere:us-east-1:1:trust-anchor/a is disabled",
        "trust_anchor_disabled",
    ),
    (HELPER_PREFIX + "AccessDeniedException: Profile is disabled", "profile_disabled"),
    (HELPER_PREFIX + "AccessDeniedException: Profile does not allow role " + ROLE, "role_not_in_profile"),
    (HELPER_PREFIX + "Exception: Requested Role isn't one of those listed in the Profile.", "role_not_in_profile"),
    (HELPER_PREFIX + "AccessDeniedException: Unable to assume role for " + ROLE, "trust_policy_mismatch"),
    (HELPER_PREFIX + "AccessDeniedException: Not authorized to set roleSessionName.", "role_session_name_not_accepted"),
    (HELPER_PREFIX + "AccessDeniedException: Certificate is revoked", "certificate_revoked"),
    (HELPER_PREFIX + "AccessDeniedException: Signing certificate has expired", "certificate_expired"),
    (HELPER_PREFIX + "AccessDeniedException: Signing certificate is not yet valid", "certificate_not_yet_valid"),
    (
        HELPER_PREFIX
        + "AccessDeniedException: Signature expired: 20260101T000000Z is now earlier than 20260101T010000Z "
        "(20260101T010500Z - 5 min.)",
        "clock_skew",
    ),
    (
        HELPER_PREFIX
        + "AccessDeniedException: Signature not yet current: 20260101T020000Z is still later than 20260101T010500Z "
        "(20260101T010000Z + 5 min.)",
        "clock_skew",
    ),
    (
        "\nAn error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included "
        "in the request is invalid.\n",
        "credentials_rejected",
    ),
    (
        '\nCould not connect to the endpoint URL: "https://rolesanywhere.us-east-1.amazonaws.com/sessions"\n',
        "endpoint_unreachable",
    ),
    ("something nobody has seen before", "unknown"),
]


@pytest.mark.parametrize(
    "text, cause", ERROR_TEXTS, ids=[pair[1] + "-" + str(index) for index, pair in enumerate(ERROR_TEXTS)]
)
def test_classify_error_recognises_each_known_answer(text, cause):
    assert diagnosis.classify_error(text)[0] == cause


def test_classify_error_takes_the_path_the_cli_names():
    cause, details = diagnosis.classify_error("[Errno 2] No such file or directory: '/opt/helper'")
    assert cause == "helper_missing"
    assert details["helper"] == "/opt/helper"


DENIED = (
    "\nAn error occurred (AccessDenied) when calling the DescribeClusters operation: User: "
    "arn:aws:sts::123456789012:assumed-role/redshift-reader/1f is not authorized to perform: redshift:DescribeClusters"
)


def test_denied_api_call_without_explanation_is_a_permission_problem_of_role_or_session_policy():
    cause, details = diagnosis.classify_error(DENIED, "redshift:DescribeClusters")
    assert cause == "permission_denied"
    assert details["action"] == "redshift:DescribeClusters"


def test_denial_that_names_the_identity_policy_is_a_missing_permission_on_the_role():
    cause = diagnosis.classify_error(
        DENIED + " on resource: * because no identity-based policy allows the redshift:DescribeClusters action"
    )[0]
    assert cause == "permission_missing_on_role"


@pytest.mark.parametrize(
    "reason",
    [
        "because no session policy allows the redshift:DescribeClusters action",
        "with an explicit deny in a session policy",
    ],
)
def test_denial_that_names_a_session_policy_is_cut_by_the_profile(reason):
    cause = diagnosis.classify_error(DENIED + " on resource: * " + reason)[0]
    assert cause == "permission_cut_by_session_policy"


def test_denied_action_falls_back_to_the_hint_when_the_message_does_not_name_it():
    text = "An error occurred (AccessDeniedException) when calling the DescribeClusters operation: Access denied"
    assert diagnosis.classify_error(text, "redshift:DescribeClusters")[1]["action"] == "redshift:DescribeClusters"


def test_sts_denial_about_assuming_the_role_is_a_trust_policy_problem():
    text = (
        "An error occurred (AccessDenied) when calling the AssumeRole operation: User: x is not authorized to perform: "
        "sts:AssumeRole on resource: " + ROLE
    )
    assert diagnosis.classify_error(text)[0] == "trust_policy_mismatch"


def test_error_summary_keeps_the_meaningful_line_and_no_traceback():
    text = "Traceback (most recent call last):\n  File x\nbotocore.exceptions.X\n" + DENIED
    assert diagnosis.summarise_error(text).startswith("An error occurred (AccessDenied)")


@pytest.mark.parametrize(
    "text",
    [
        'SecretAccessKey: "abc/def+ghi"',
        '{"SecretAccessKey": "abc/def+ghi", "SessionToken": "abc/def+ghi"}',
        "aws_secret_access_key = abc/def+ghi",
        "aws_session_token=abc/def+ghi",
    ],
)
def test_redact_removes_secret_values(text):
    assert "abc/def+ghi" not in diagnosis.redact(text)
    assert "<redacted>" in diagnosis.redact(text)


def test_every_catalogue_entry_renders_without_details():
    for code in diagnosis.CATALOGUE:
        rendered = diagnosis.make(code)
        assert rendered["code"] == code
        assert rendered["message"] and rendered["fix"]


def test_make_fills_in_the_details_and_marks_unknown_ones():
    rendered = diagnosis.make("role_not_in_profile", role_arn=ROLE)
    assert ROLE in rendered["message"]
    assert "?" in rendered["message"]  # the profile ARN was not known


@pytest.mark.parametrize(
    "skew, expected",
    [
        (900, "900 seconds ahead of"),
        (-3600, "3600 seconds behind"),
        (2, "outside its window"),
        (None, "outside its window"),
    ],
)
def test_clock_skew_message_states_the_measurement_only_when_it_explains_the_failure(skew, expected):
    assert expected in diagnosis.make("clock_skew", skew=skew)["message"]


# --- choosing the cause -----------------------------------------------------------------------------------------


def test_no_failure_means_no_cause():
    assert diagnosis.choose(None, ["certificate_expired"]) is None


def test_service_cause_stands_when_the_host_found_nothing():
    assert diagnosis.choose("profile_disabled", []) == "profile_disabled"


def test_config_problem_explains_a_vague_service_answer():
    assert diagnosis.choose("unknown", ["helper_missing", "certificate_expired"]) == "helper_missing"


def test_structural_problems_come_in_order_of_dependence():
    assert diagnosis.choose("unknown", ["helper_missing", "profile_missing"]) == "profile_missing"


def test_local_certificate_problem_beats_untrusted_answer():
    assert diagnosis.choose("certificate_untrusted", ["certificate_expired"]) == "certificate_expired"


def test_key_mismatch_explains_invalid_signature():
    assert diagnosis.choose("request_signature_invalid", ["key_mismatch"]) == "key_mismatch"


def test_a_skewed_clock_explains_a_certificate_that_looks_not_yet_valid():
    assert (
        diagnosis.choose("certificate_not_yet_valid", ["certificate_not_yet_valid"], clock_skew_seconds=-7200)
        == "clock_skew"
    )


def test_a_small_measured_skew_does_not_override_the_certificate():
    assert (
        diagnosis.choose("certificate_expired", ["certificate_expired"], clock_skew_seconds=3) == "certificate_expired"
    )


def test_untrusted_with_an_unsent_intermediate_nearby_is_missing_intermediates():
    assert diagnosis.choose("certificate_untrusted", ["intermediates_missing"]) == "intermediates_missing"


def test_missing_intermediates_alone_does_not_override_other_service_causes():
    assert diagnosis.choose("role_not_in_profile", ["intermediates_missing"]) == "role_not_in_profile"


def test_precise_service_causes_are_not_overridden_by_local_certificate_findings():
    assert diagnosis.choose("trust_policy_mismatch", ["certificate_expired"]) == "trust_policy_mismatch"


# --- refining "Untrusted signing certificate" with the trust anchor ----------------------------------------------

ANCHOR = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/a"
UNTRUSTED = {
    "ok": False,
    "trust_anchor_arn": ANCHOR,
    "certificate": {"issuer": "CN=Issuing CA"},
    "diagnosis": diagnosis.make("certificate_untrusted"),
}


def test_refine_names_a_disabled_trust_anchor():
    refined = diagnosis.refine_with_trust_anchor(UNTRUSTED, [{"enabled": False}])
    assert refined["diagnosis"]["code"] == "trust_anchor_disabled"
    assert ANCHOR in refined["diagnosis"]["message"]


def test_refine_names_a_trust_anchor_that_does_not_exist():
    assert diagnosis.refine_with_trust_anchor(UNTRUSTED, [])["diagnosis"]["code"] == "trust_anchor_missing"


def test_refine_names_the_ca_the_trust_anchor_holds_instead():
    refined = diagnosis.refine_with_trust_anchor(UNTRUSTED, [{"enabled": True}], ["CN=Other Root"])
    assert refined["diagnosis"]["code"] == "certificate_from_other_ca"
    assert "CN=Other Root" in refined["diagnosis"]["message"] and "CN=Issuing CA" in refined["diagnosis"]["message"]


def test_refine_keeps_the_diagnosis_when_the_anchor_holds_the_issuer():
    assert diagnosis.refine_with_trust_anchor(UNTRUSTED, [{"enabled": True}], ["CN=Issuing CA"]) is UNTRUSTED


@pytest.mark.parametrize("result", [{"ok": True}, dict(UNTRUSTED, diagnosis=diagnosis.make("profile_disabled"))])
def test_refine_leaves_other_results_alone(result):
    assert diagnosis.refine_with_trust_anchor(result, [{"enabled": False}]) is result


def test_refine_without_an_answer_from_the_control_plane_changes_nothing():
    assert diagnosis.refine_with_trust_anchor(UNTRUSTED, None) is UNTRUSTED


# --- any text at all ---------------------------------------------------------------------------------------------


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text())
def test_classify_error_never_fails_and_always_gives_a_known_cause(text):
    cause, details = diagnosis.classify_error(text, "redshift:DescribeClusters")
    assert cause in diagnosis.CATALOGUE
    rendered = diagnosis.make(cause, **details)
    assert rendered["message"] and rendered["fix"]
