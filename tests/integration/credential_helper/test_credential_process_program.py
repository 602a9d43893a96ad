"""The installed credential-process program against the stand-in: signing, output, cache and concurrency."""

import datetime
import glob
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from support.x509 import crl, pem_bytes


def run(arguments, env):
    return subprocess.run(arguments, env=env, capture_output=True, text=True, timeout=120, check=False)


def credentials_of(host, program, *extra):
    completed = run(host.program_args(program, *extra), host.env())
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def caller_arn(server, document):
    sts = server.client(
        "sts",
        access_key_id=document["AccessKeyId"],
        secret_access_key=document["SecretAccessKey"],
        session_token=document["SessionToken"],
    )
    return sts.get_caller_identity()["Arn"]


@pytest.mark.parametrize("leaf_kind,with_intermediate", [("rsa", False), ("ec", False), ("ec", True), ("rsa", True)])
def test_program_prints_working_credentials(program, make_host, localaws, leaf_kind, with_intermediate):
    host = make_host(leaf_kind=leaf_kind, with_intermediate=with_intermediate)
    document = credentials_of(host, program)
    assert sorted(document) == ["AccessKeyId", "Expiration", "SecretAccessKey", "SessionToken", "Version"]
    assert document["Version"] == 1
    role_name = host.trust.role_arn.split("/")[-1]
    assert caller_arn(localaws, document).startswith(
        "arn:aws:sts::%s:assumed-role/%s/" % (localaws.account_id, role_name)
    )
    assert len(host.sessions()) == 1


def test_program_signs_with_openssl_when_cryptography_is_missing(program, make_host):
    host = make_host(leaf_kind="ec", with_intermediate=True)
    # Run the very same file with the cryptography package hidden, as on a host without python3-cryptography.
    launcher = (
        "import runpy, sys; sys.modules['cryptography'] = None; sys.argv = sys.argv[1:]; "
        "runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    completed = run([sys.executable, "-c", launcher] + host.program_args(program, "--no-cache"), host.env())
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["AccessKeyId"]
    assert len(host.sessions()) == 1


def test_second_call_is_served_from_a_private_cache(program, make_host):
    host = make_host()
    first = credentials_of(host, program)
    second = credentials_of(host, program)
    assert first == second
    assert len(host.sessions()) == 1
    directory = host.cache_dir / "hybridcloud-rolesanywhere"
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    entries = glob.glob(str(directory / "*.json"))
    assert len(entries) == 1 and stat.S_IMODE(os.stat(entries[0]).st_mode) == 0o600


def _rewrite_expiration(host, seconds_from_now):
    (entry,) = glob.glob(str(host.cache_dir / "hybridcloud-rolesanywhere" / "*.json"))
    with open(entry, encoding="utf-8") as handle:
        document = json.load(handle)
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    document["Expiration"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(entry, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
    document.pop("ObtainedAt", None)  # bookkeeping of the cache, never printed
    return document


def test_entry_that_expires_within_five_minutes_is_refreshed(program, make_host):
    host = make_host()
    credentials_of(host, program)
    still_good = _rewrite_expiration(host, 600)
    assert credentials_of(host, program) == still_good
    assert len(host.sessions()) == 1
    near_expiry = _rewrite_expiration(host, 240)
    refreshed = credentials_of(host, program)
    assert refreshed["Expiration"] != near_expiry["Expiration"]
    assert len(host.sessions()) == 2


def test_cache_is_per_certificate_arns_and_duration(program, make_host):
    host = make_host()
    credentials_of(host, program)
    credentials_of(host, program, "--session-duration", "900")
    credentials_of(host, program, "--session-duration", "900")
    assert len(host.sessions()) == 2


def test_a_burst_of_concurrent_calls_makes_one_create_session(program, make_host):
    host = make_host()
    processes = [
        subprocess.Popen(  # pylint: disable=consider-using-with
            host.program_args(program),
            env=host.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _attempt in range(10)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), [err for _out, err in outputs]
    documents = [json.loads(out) for out, _err in outputs]
    assert all(document == documents[0] for document in documents)
    assert len(host.sessions()) == 1


def test_untrusted_certificate_fails_with_the_service_error(program, make_host):
    host = make_host()
    stranger = make_host()
    arguments = host.program_args(program, "--no-cache")
    # The stranger's trust anchor does not know this host's CA.
    arguments[arguments.index("--trust-anchor-arn") + 1] = stranger.trust.trust_anchor_arn
    arguments[arguments.index("--profile-arn") + 1] = stranger.trust.profile_arn
    arguments[arguments.index("--role-arn") + 1] = stranger.trust.role_arn
    completed = run(arguments, host.env())
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert "CreateSession failed: AccessDeniedException (HTTP 403)" in completed.stderr


def test_unsupported_official_flag_fails_clearly(program, make_host):
    host = make_host()
    completed = run(host.program_args(program, "--pkcs11-lib", "/usr/lib/softhsm.so"), host.env())
    assert completed.returncode == 2
    assert "--pkcs11-lib is not supported" in completed.stderr


def test_debug_logs_cache_decisions_without_secrets(program, make_host):
    host = make_host()
    completed = run(host.program_args(program, "--debug"), host.env())
    assert completed.returncode == 0
    document = json.loads(completed.stdout)
    assert "calling CreateSession" in completed.stderr
    assert document["SecretAccessKey"] not in completed.stderr and document["SessionToken"] not in completed.stderr


def _revoke_in_the_service(server, host):
    """Import a CRL signed by the host's CA that revokes the host's certificate, as revoke.yml does."""
    revocations = crl(host.pki.root, host.pki.root_key, [host.pki.leaf.serial_number])
    server.client("rolesanywhere").import_crl(
        name="revoked-%s" % host.pki.leaf.serial_number,
        enabled=True,
        trustAnchorArn=host.trust.trust_anchor_arn,
        crlData=pem_bytes(revocations),
    )


def test_revoked_certificate_is_refused_once_the_cache_is_refreshed(program, make_host, localaws):
    """A refresh (what verify asks for) is refused after revocation and drops the entry, so no later call serves it."""
    host = make_host()
    credentials_of(host, program)
    _revoke_in_the_service(localaws, host)
    refreshed = run(host.program_args(program), host.env(ROLESANYWHERE_CREDENTIAL_CACHE="refresh"))
    assert refreshed.returncode == 1 and refreshed.stdout == ""
    assert "CreateSession failed: AccessDeniedException (HTTP 403)" in refreshed.stderr
    assert glob.glob(str(host.cache_dir / "hybridcloud-rolesanywhere" / "*.json")) == []
    again = run(host.program_args(program), host.env())
    assert again.returncode == 1 and again.stdout == ""


def test_cache_max_age_bounds_how_long_an_answer_is_reused(program, make_host):
    host = make_host()
    credentials_of(host, program, "--cache-max-age", "2")
    credentials_of(host, program, "--cache-max-age", "2")
    assert len(host.sessions()) == 1
    # An entry's age is counted from the service's answer, kept in the entry (never printed).
    (entry,) = glob.glob(str(host.cache_dir / "hybridcloud-rolesanywhere" / "*.json"))
    with open(entry, encoding="utf-8") as handle:
        kept = json.load(handle)
    kept["ObtainedAt"] = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=3)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    with open(entry, "w", encoding="utf-8") as handle:
        json.dump(kept, handle)
    document = credentials_of(host, program, "--cache-max-age", "2")
    assert "ObtainedAt" not in document
    assert len(host.sessions()) == 2
    credentials_of(host, program, "--cache-max-age", "0")
    assert len(host.sessions()) == 3


def test_entry_of_an_older_version_without_its_age_is_refreshed(program, make_host):
    host = make_host()
    credentials_of(host, program)
    (entry,) = glob.glob(str(host.cache_dir / "hybridcloud-rolesanywhere" / "*.json"))
    with open(entry, encoding="utf-8") as handle:
        kept = json.load(handle)
    kept.pop("ObtainedAt")
    with open(entry, "w", encoding="utf-8") as handle:
        json.dump(kept, handle)
    credentials_of(host, program)
    assert len(host.sessions()) == 2


def test_after_revocation_the_next_call_is_refused_by_both_helpers(program, official_helper, make_host, localaws):
    """The official helper keeps no cache; the Python program with its cache removed (what revoke.yml does) is the same."""
    host = make_host()
    for helper in (official_helper.path, program):
        assert run(host.program_args(helper), host.env()).returncode == 0
    _revoke_in_the_service(localaws, host)
    shutil.rmtree(host.cache_dir / "hybridcloud-rolesanywhere")
    for helper in (official_helper.path, program):
        refused = run(host.program_args(helper), host.env())
        assert refused.returncode != 0 and refused.stdout == "", (helper, refused.stdout)
        assert "AccessDenied" in refused.stderr, (helper, refused.stderr)
