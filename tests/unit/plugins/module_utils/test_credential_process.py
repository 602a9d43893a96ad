"""The credential-process program's command line, credential document and per-user cache (no network)."""

import datetime
import io
import json
import os
import stat
import threading

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import credential_process

NOW = datetime.datetime(2026, 11, 25, 20, 0, 0, tzinfo=datetime.timezone.utc)
ARGS = [
    "credential-process",
    "--certificate",
    "cert.pem",
    "--private-key",
    "key.pem",
    "--trust-anchor-arn",
    "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/a",
    "--profile-arn",
    "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/b",
    "--role-arn",
    "arn:aws:iam::123456789012:role/r",
]


def _document(expires_in_seconds):
    expiration = (NOW + datetime.timedelta(seconds=expires_in_seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "Version": 1,
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": expiration,
    }


@pytest.mark.parametrize(
    "flag",
    [
        "--pkcs11-lib=/usr/lib/p11.so",
        "--cert-selector",
        "--tpm-key-password",
        "--pkcs8-password",
        "--system-store-name",
        "--use-latest-expiring-certificate",
        "--reuse-pin",
    ],
)
def test_unsupported_official_flags_fail_clearly(flag):
    with pytest.raises(credential_process.UsageError, match="%s is not supported" % flag.split("=")[0]):
        credential_process.parse_arguments(ARGS + [flag])


@pytest.mark.parametrize("subcommand", ["sign-string", "read-certificate-data"])
def test_unsupported_subcommands_fail_clearly(subcommand):
    stderr = io.StringIO()
    assert credential_process.main([subcommand], stdout=io.StringIO(), stderr=stderr) == 2
    assert "the %s subcommand is not supported" % subcommand in stderr.getvalue()
    assert "rolesanywhere_signing_helper: official" in stderr.getvalue()


def test_official_flag_names_are_accepted():
    arguments = credential_process.parse_arguments(
        ARGS
        + [
            "--intermediates",
            "chain.pem",
            "--region",
            "eu-west-1",
            "--endpoint",
            "http://127.0.0.1:4566",
            "--session-duration",
            "900",
            "--role-session-name",
            "s1",
            "--no-verify-ssl",
            "--with-proxy",
            "--debug",
        ]
    )
    assert (arguments.session_duration, arguments.no_verify_ssl, arguments.endpoint) == (
        900,
        True,
        "http://127.0.0.1:4566",
    )


def test_version_and_missing_subcommand():
    stdout = io.StringIO()
    assert credential_process.main(["version"], stdout=stdout, stderr=io.StringIO()) == 0
    assert stdout.getvalue().strip() == credential_process.PROGRAM_VERSION
    stderr = io.StringIO()
    assert credential_process.main([], stdout=io.StringIO(), stderr=stderr) == 2
    assert "give a subcommand" in stderr.getvalue()


def test_missing_certificate_file_is_an_error_that_names_the_file(tmp_path):
    stderr = io.StringIO()
    arguments = [a.replace("cert.pem", str(tmp_path / "nope.pem")) for a in ARGS] + ["--no-cache"]
    assert credential_process.main(arguments, stdout=io.StringIO(), stderr=stderr) == 1
    assert "cannot read the certificate %s" % (tmp_path / "nope.pem") in stderr.getvalue()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026-11-25T21:00:00Z", datetime.datetime(2026, 11, 25, 21, 0, tzinfo=datetime.timezone.utc)),
        ("2026-11-25T21:00:00.123Z", datetime.datetime(2026, 11, 25, 21, 0, 0, 123000, tzinfo=datetime.timezone.utc)),
        (
            "2026-11-25T21:00:00.123456789Z",
            datetime.datetime(2026, 11, 25, 21, 0, 0, 123456, tzinfo=datetime.timezone.utc),
        ),
        ("2026-11-25T22:00:00+01:00", datetime.datetime(2026, 11, 25, 21, 0, tzinfo=datetime.timezone.utc)),
        ("2026-11-25T21:00:00", datetime.datetime(2026, 11, 25, 21, 0, tzinfo=datetime.timezone.utc)),
    ],
)
def test_parse_expiration(text, expected):
    assert credential_process.parse_expiration(text) == expected


def _entry(expires_in_seconds, obtained_seconds_ago=0):
    return credential_process.cache_entry(
        _document(expires_in_seconds), NOW - datetime.timedelta(seconds=obtained_seconds_ago)
    )


def test_freshness_ends_five_minutes_before_expiry():
    assert credential_process.is_fresh(_entry(301), NOW)
    assert not credential_process.is_fresh(_entry(300), NOW)
    assert not credential_process.is_fresh(_entry(-10), NOW)
    assert not credential_process.is_fresh(None, NOW)
    assert not credential_process.is_fresh({"Version": 1, "Expiration": "garbage"}, NOW)


def test_freshness_ends_at_the_maximum_age():
    assert credential_process.is_fresh(_entry(3600, obtained_seconds_ago=899), NOW)
    assert not credential_process.is_fresh(_entry(3600, obtained_seconds_ago=900), NOW)
    assert credential_process.is_fresh(_entry(3600, obtained_seconds_ago=1000), NOW, max_age_seconds=1200)
    assert not credential_process.is_fresh(_entry(3600, obtained_seconds_ago=-60), NOW)  # clock set back
    assert not credential_process.is_fresh(_document(3600), NOW)  # an entry of an older version: age unknown


def test_cache_max_age_flag_and_cache_mode_variable(capsys):
    assert credential_process.parse_arguments(ARGS).cache_max_age == credential_process.DEFAULT_CACHE_MAX_AGE
    arguments = credential_process.parse_arguments(ARGS + ["--cache-max-age", "60"])
    assert arguments.cache_max_age == 60
    assert credential_process.cache_mode(arguments, {}) == "use"
    assert credential_process.cache_mode(arguments, {"ROLESANYWHERE_CREDENTIAL_CACHE": "Refresh"}) == "refresh"
    assert (
        credential_process.cache_mode(
            credential_process.parse_arguments(ARGS + ["--cache-max-age", "0"]),
            {"ROLESANYWHERE_CREDENTIAL_CACHE": "refresh"},
        )
        == "off"
    )
    with pytest.raises(credential_process.UsageError, match="ROLESANYWHERE_CREDENTIAL_CACHE=later is not understood"):
        credential_process.cache_mode(arguments, {"ROLESANYWHERE_CREDENTIAL_CACHE": "later"})
    with pytest.raises(SystemExit):
        credential_process.parse_arguments(ARGS + ["--cache-max-age", "-1"])
    assert "'-1' is not a number of seconds" in capsys.readouterr().err


def test_cache_directory_follows_xdg(tmp_path):
    assert credential_process.cache_directory({"XDG_CACHE_HOME": str(tmp_path)}) == str(
        tmp_path / "hybridcloud-rolesanywhere"
    )


def test_cache_entries_are_private_and_others_are_ignored(tmp_path):
    directory = tmp_path / "cache"
    credential_process.ensure_private_directory(str(directory))
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    entry = str(directory / "k.json")
    credential_process.write_cached(entry, _document(3600))
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600
    assert credential_process.read_cached(entry) == _document(3600)
    os.chmod(entry, 0o644)
    assert credential_process.read_cached(entry) is None
    os.chmod(directory, 0o755)
    with pytest.raises(OSError, match="mode 0700"):
        credential_process.ensure_private_directory(str(directory))


class CountingRequest(object):
    """Stands in for the network call; counts CreateSession calls."""

    def __init__(self, lifetime=3600):
        self.calls = 0
        self.lifetime = lifetime
        self.lock = threading.Lock()

    def cache_key(self):
        return "k" * 64

    def create_session(self):
        with self.lock:
            self.calls += 1
        return _document(self.lifetime)


def test_cache_hit_miss_and_refresh(tmp_path):
    request = CountingRequest()
    first = credential_process.cached_credentials(request, str(tmp_path), lambda: NOW, lambda message: None)
    second = credential_process.cached_credentials(request, str(tmp_path), lambda: NOW, lambda message: None)
    assert first == second and request.calls == 1
    later = NOW + datetime.timedelta(seconds=3600 - 299)
    credential_process.cached_credentials(request, str(tmp_path), lambda: later, lambda message: None)
    assert request.calls == 2


def test_refresh_asks_the_service_and_keeps_the_new_answer(tmp_path):
    request = CountingRequest()
    credential_process.cached_credentials(request, str(tmp_path), lambda: NOW, lambda message: None)
    credential_process.cached_credentials(request, str(tmp_path), lambda: NOW, lambda message: None, refresh=True)
    assert request.calls == 2
    entry = credential_process.read_cached(str(tmp_path / ("k" * 64 + ".json")))
    assert entry[credential_process.OBTAINED_AT] == "2026-11-25T20:00:00Z"


class RefusedRequest(CountingRequest):
    def __init__(self, status=403):
        super().__init__()
        self.status = status

    def create_session(self):
        raise credential_process.sigv4x509.SessionError(self.status, "AccessDeniedException", "certificate revoked")


def test_a_refused_refresh_removes_the_cached_entry(tmp_path):
    credential_process.cached_credentials(CountingRequest(), str(tmp_path), lambda: NOW, lambda message: None)
    entry = tmp_path / ("k" * 64 + ".json")
    assert entry.exists()
    with pytest.raises(credential_process.sigv4x509.SessionError):
        credential_process.cached_credentials(
            RefusedRequest(), str(tmp_path), lambda: NOW, lambda message: None, refresh=True
        )
    assert not entry.exists()


def test_an_unanswered_refresh_keeps_the_cached_entry(tmp_path):
    """A network failure or throttling says nothing about the certificate; the entry stays for the next call."""
    credential_process.cached_credentials(CountingRequest(), str(tmp_path), lambda: NOW, lambda message: None)
    for status in (None, 429, 500):
        with pytest.raises(credential_process.sigv4x509.SessionError):
            credential_process.cached_credentials(
                RefusedRequest(status), str(tmp_path), lambda: NOW, lambda message: None, refresh=True
            )
    assert (tmp_path / ("k" * 64 + ".json")).exists()


def test_printed_document_leaves_out_the_cache_bookkeeping(tmp_path):
    document = credential_process.cached_credentials(
        CountingRequest(), str(tmp_path), lambda: NOW, lambda message: None
    )
    again = credential_process.cached_credentials(CountingRequest(), str(tmp_path), lambda: NOW, lambda message: None)
    assert document == again == _document(3600)


def test_concurrent_callers_share_one_session(tmp_path):
    request = CountingRequest()
    results = []

    def call():
        results.append(credential_process.cached_credentials(request, str(tmp_path), lambda: NOW, lambda message: None))

    threads = [threading.Thread(target=call) for _caller in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert request.calls == 1
    assert len(results) == 8 and all(result == results[0] for result in results)


def test_cache_key_changes_with_every_input(tmp_path):
    (tmp_path / "cert.pem").write_bytes(b"cert")
    base = [a.replace("cert.pem", str(tmp_path / "cert.pem")) for a in ARGS]
    keys = set()
    for extra in (
        [],
        ["--session-duration", "900"],
        ["--endpoint", "http://x"],
        ["--region", "us-east-1"],
        ["--role-session-name", "n"],
    ):
        keys.add(credential_process.Request(credential_process.parse_arguments(base + extra)).cache_key())
    (tmp_path / "cert.pem").write_bytes(b"renewed cert")
    keys.add(credential_process.Request(credential_process.parse_arguments(base)).cache_key())
    assert len(keys) == 6


def test_process_output_shape():
    output = credential_process.process_output(
        {"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": "T", "expiration": "2026-11-25T21:00:00Z"}
    )
    assert json.dumps(output) == (
        '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", '
        '"Expiration": "2026-11-25T21:00:00Z"}'
    )


def test_credentials_are_returned_when_the_cache_cannot_be_written(tmp_path):
    request = CountingRequest()
    messages = []
    directory = tmp_path / "cache"
    directory.mkdir()
    entry = directory / ("k" * 64 + ".json")
    entry.mkdir()  # an entry that cannot be replaced by a file
    document = credential_process.cached_credentials(request, str(directory), lambda: NOW, messages.append)
    assert document == _document(3600) and request.calls == 1
    assert any("cannot write the cache entry" in message for message in messages)


def _top_level_names(module):
    """Names a module binds at top level: {name: 'module' for plain imports, 'definition' otherwise}."""
    import ast  # pylint: disable=import-outside-toplevel

    with open(module.__file__, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = "module:" + alias.name.split(".")[0]
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names[node.name] = "definition"
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = "definition"
    return names


def test_the_installed_program_can_hold_both_sources_in_one_namespace():
    # The role concatenates the signer and this program into one file: a name both define would shadow the other.
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import sigv4x509  # pylint: disable=import-outside-toplevel

    signer, program = _top_level_names(sigv4x509), _top_level_names(credential_process)
    clashes = [
        name
        for name in set(signer) & set(program)
        if not (signer[name].startswith("module:") and signer[name] == program[name])
    ]
    assert clashes == []
