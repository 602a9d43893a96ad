"""The serve and update modes of the credential-process program: refresh schedule, credentials file, IMDSv2 (no network
beyond loopback)."""

import datetime
import io
import json
import urllib.error
import urllib.request

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import credential_process, sigv4x509

NOW = datetime.datetime(2026, 11, 25, 20, 0, 0, tzinfo=datetime.timezone.utc)
SESSION = [
    "--certificate",
    "cert.pem",
    "--private-key",
    "key.pem",
    "--trust-anchor-arn",
    "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/a",
    "--profile-arn",
    "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/b",
    "--role-arn",
    "arn:aws:iam::123456789012:role/reader",
    "--session-duration",
    "900",
]


def document(expires_in, key="ASIAONE"):
    expiration = (NOW + datetime.timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "Version": 1,
        "AccessKeyId": key,
        "SecretAccessKey": "secret-" + key,
        "SessionToken": "token-" + key,
        "Expiration": expiration,
    }


def test_serve_and_update_parse_with_the_official_names():
    serve = credential_process.parse_arguments(["serve"] + SESSION + ["--port", "49500", "--refresh-window", "300"])
    assert (serve.port, serve.refresh_window, serve.refresh_min_lead) == (49500, 300, 60)
    update = credential_process.parse_arguments(["update"] + SESSION + ["--profile", "etl", "--once"])
    assert (update.profile, update.once, update.refresh_window) == ("etl", True, 600)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--refresh-window", "900"], "must be shorter than --session-duration"),
        (["--refresh-window", "100", "--refresh-min-lead", "200"], "must not exceed --refresh-window"),
    ],
)
def test_a_window_outside_the_session_is_refused(extra, message):
    with pytest.raises(credential_process.UsageError, match=message):
        credential_process.parse_arguments(["serve"] + SESSION + extra)


def test_the_refresh_lead_is_drawn_from_the_window():
    assert credential_process.refresh_delay(900, 600, 60, uniform=lambda low, high: low) == 840
    assert credential_process.refresh_delay(900, 600, 60, uniform=lambda low, high: high) == 300
    # Credentials shorter than the window (a certificate that expires first) are refreshed in their second half.
    assert credential_process.refresh_delay(200, 600, 60, uniform=lambda low, high: high) == 100


def test_lifetime_is_bounded_by_the_requested_duration():
    assert credential_process.lifetime_of(document(900), 900, NOW) == 900
    assert credential_process.lifetime_of(document(5000), 900, NOW) == 900
    assert credential_process.lifetime_of(document(-10), 900, NOW) == 0


class Clock:
    def __init__(self):
        self.value = 0.0

    def __call__(self):
        return self.value

    def sleep(self, seconds):
        self.value += seconds


def refresher(tmp_path, obtain, delivered, window=600, min_lead=60):
    cert = tmp_path / "cert.pem"
    if not cert.exists():
        cert.write_text("certificate")
    arguments = credential_process.parse_arguments(
        ["update"]
        + [str(tmp_path / "cert.pem") if a == "cert.pem" else a for a in SESSION]
        + ["--refresh-window", str(window), "--refresh-min-lead", str(min_lead)]
    )
    return credential_process.Refresher(
        arguments,
        obtain,
        delivered.append,
        log=lambda message: None,
        now_function=lambda: NOW,
        uniform=lambda low, high: (low + high) / 2.0,
        warn=lambda message: None,
    )


def test_one_create_session_per_session_less_the_mean_lead(tmp_path):
    calls, delivered, clock = [], [], Clock()

    def obtain():
        calls.append(clock())
        return document(900, key="K%d" % len(calls))

    refresher(tmp_path, obtain, delivered).run(clock=clock, sleep=clock.sleep, until=lambda now: now >= 3600)
    # mean lead (60 + 600) / 2 = 330 s: a refresh every 570 s, 3600 / 570 = 6.3 per hour, plus the first call.
    assert [round(t) for t in calls] == [0, 570, 1140, 1710, 2280, 2850, 3420]
    assert [d["AccessKeyId"] for d in delivered] == ["K%d" % n for n in range(1, 8)]


def test_a_failure_keeps_the_old_credentials_and_retries_with_backoff(tmp_path):
    calls, delivered, clock = [], [], Clock()

    def obtain():
        calls.append(clock())
        if len(calls) == 2:
            raise sigv4x509.SessionError("ThrottlingException", "Rate exceeded", 429)
        return document(900)

    subject = refresher(tmp_path, obtain, delivered)
    subject.run(clock=clock, sleep=clock.sleep, until=lambda now: len(calls) >= 3)
    assert len(delivered) == 2 and subject.current() is not None
    retry = calls[2] - calls[1]
    assert credential_process.RETRY_MIN_SECONDS <= retry <= credential_process.RETRY_MIN_SECONDS * 2


def test_a_rotated_certificate_is_used_without_waiting_for_expiry(tmp_path):
    calls, delivered, clock = [], [], Clock()

    def obtain():
        calls.append(clock())
        if len(calls) == 1:
            (tmp_path / "cert.pem").write_text("the rotated certificate, longer than before")
        return document(900)

    refresher(tmp_path, obtain, delivered).run(clock=clock, sleep=clock.sleep, until=lambda now: len(calls) >= 2)
    assert calls[1] <= credential_process.FILE_CHECK_INTERVAL


def test_the_credentials_profile_is_replaced_and_the_rest_kept():
    before = "[other]\naws_access_key_id = KEEP\n\n[etl]\nregion = eu-west-1\naws_access_key_id = OLD\naws_session_token = OLD\n"
    after = credential_process.render_credentials_profile(before, "etl", document(900, key="NEW"))
    assert "aws_access_key_id = KEEP" in after and "OLD" not in after
    assert (
        "[etl]\naws_access_key_id = NEW\naws_secret_access_key = secret-NEW\naws_session_token = token-NEW\nregion = eu-west-1\n"
        in after
    )
    assert credential_process.render_credentials_profile("", "etl", document(900)).startswith(
        "[etl]\naws_access_key_id = ASIAONE\n"
    )


def test_the_credentials_file_is_written_private(tmp_path):
    path = tmp_path / "aws" / "credentials"
    credential_process.write_credentials_profile(str(path), "etl", document(900))
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert "aws_session_token = token-ASIAONE" in path.read_text()


def test_update_once_writes_the_profile_and_exits(tmp_path, monkeypatch):
    monkeypatch.setattr(credential_process, "session_obtainer", lambda arguments, log: lambda: document(900))
    path = tmp_path / "credentials"
    code = credential_process.main(
        ["update"] + SESSION + ["--profile", "etl", "--once", "--credentials-file", str(path)],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert code == 0 and "[etl]" in path.read_text()


@pytest.fixture
def metadata_server(tmp_path):
    arguments = credential_process.parse_arguments(["serve"] + SESSION + ["--port", "1"])
    arguments.port = 0  # any free port of 127.0.0.1
    subject = credential_process.Refresher(arguments, None, None, log=lambda message: None)
    subject.document = document(10**8)
    server = credential_process.start_metadata_server(arguments, subject, log=lambda message: None)
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def call(url, method="GET", headers=None):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_the_endpoint_speaks_imdsv2_only(metadata_server):
    base = metadata_server + credential_process.CREDENTIALS_PATH
    assert call(base)[0] == 401  # no token: IMDSv1 is not offered
    assert call(metadata_server + "/latest/api/token", "PUT")[0] == 400  # a token needs a TTL
    assert (
        call(
            metadata_server + "/latest/api/token",
            "PUT",
            {"X-aws-ec2-metadata-token-ttl-seconds": "60", "X-Forwarded-For": "10.0.0.1"},
        )[0]
        == 403
    )
    status, token = call(metadata_server + "/latest/api/token", "PUT", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
    assert status == 200
    header = {"X-aws-ec2-metadata-token": token}
    assert call(base, headers=header) == (200, "reader")
    status, body = call(base + "reader", headers=header)
    answer = json.loads(body)
    assert (status, answer["Code"], answer["AccessKeyId"], answer["Token"]) == (
        200,
        "Success",
        "ASIAONE",
        "token-ASIAONE",
    )
    assert call(base + "other", headers=header)[0] == 404
    assert call(metadata_server + "/latest/meta-data/", headers=header)[0] == 404
