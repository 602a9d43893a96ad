"""verify repeats a CLI call that CreateSession throttled, a bounded number of times; a refusal is never repeated."""

import json

from test_access_check import IDENTITY, host  # noqa: F401  pylint: disable=unused-import

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import access_check, diagnosis, host_inspection

OFFICIAL_THROTTLED = (
    255,
    "",
    "Error when retrieving credentials from custom-process: 2026/12/02 15:10:00 "
    "ThrottlingException: Rate exceeded\n\tstatus code: 429, request id: 5e",
)
DENIED = (
    255,
    "",
    "Error when retrieving credentials from custom-process: AccessDeniedException: Untrusted signing certificate",
)


class SequencedCli:
    """Answers each call of a service with the next answer of its list (the last one repeats)."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, args, environ_update):
        self.calls.append(args[1])
        queue = self.answers[args[1]]
        return queue.pop(0) if len(queue) > 1 else queue[0]


def verification(host_dir, answers):  # pylint: disable=redefined-outer-name
    params = {"profile": "reader", "region": "us-east-1", "aws_cli": "aws", "aws_config_file": str(host_dir / "config")}
    cli, delays = SequencedCli(answers), []
    check = access_check.AccessCheck(
        params, cli, lambda url: None, host_inspection.CryptographyBackend(), sleep=delays.append
    )
    return check, cli, delays


def test_throttled_identity_call_is_repeated_until_it_passes(host):  # pylint: disable=redefined-outer-name
    answers = {
        "sts": [OFFICIAL_THROTTLED, OFFICIAL_THROTTLED, (0, json.dumps(IDENTITY), "")],
        "redshift": [(0, json.dumps(["analytics"]), "")],
    }
    check, cli, delays = verification(host, answers)
    assert check.execute("aws")["ok"]
    assert cli.calls == ["sts", "sts", "sts", "redshift"]
    assert check.throttled_retries == 2 and len(delays) == 2 and all(0 <= d <= 2 for d in delays)


def test_retries_are_bounded_and_the_diagnosis_names_the_quota(host):  # pylint: disable=redefined-outer-name
    check, cli, delays = verification(host, {"sts": [OFFICIAL_THROTTLED], "redshift": [(0, "[]", "")]})
    result = check.execute("aws")
    assert not result["ok"] and result["diagnosis"]["code"] == "create_session_throttled"
    assert cli.calls == ["sts"] * (access_check.THROTTLE_RETRIES + 1)
    assert len(delays) == access_check.THROTTLE_RETRIES and max(delays) <= access_check.THROTTLE_BACKOFF_CAP_SECONDS


def test_a_refusal_is_not_repeated(host):  # pylint: disable=redefined-outer-name
    check, cli, delays = verification(host, {"sts": [DENIED], "redshift": [(0, "[]", "")]})
    assert not check.execute("aws")["ok"]
    assert cli.calls == ["sts"] and delays == []


def test_backoff_window_doubles_and_is_capped():
    assert [access_check.throttle_delay(n, uniform=lambda: 1.0) for n in range(1, 6)] == [1, 2, 4, 8, 8]
    assert diagnosis.classify_error(OFFICIAL_THROTTLED[2])[0] == "create_session_throttled"
