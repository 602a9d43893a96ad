"""The credential_helper role and the Python program's cache: its bounded lifetime and its removal with the profile."""

import glob
import os

from test_credential_helper_role import aws, play, python_helper_vars

from support.ansible_run import run_playbook


def helper_play(host, **extra):
    # The tests' hosts run with XDG_CACHE_HOME, as a workload may; the role is told where that puts the cache.
    cache_dir = str(host.cache_dir / "hybridcloud-rolesanywhere")
    return play(python_helper_vars(host, rolesanywhere_credential_cache_dir=cache_dir, **extra))


def caller_identity(host):
    return aws(host, "sts", "get-caller-identity", "--profile", "workload")


def test_cache_lifetime_is_written_and_absent_removes_the_cache(make_host, tmp_path):
    host = make_host()
    present = run_playbook(helper_play(host, rolesanywhere_credential_cache_max_age=60), tmp_path=tmp_path)
    assert present.rc == 0, present.explain()
    assert "--cache-max-age 60" in (host.directory / "aws" / "config").read_text()
    assert caller_identity(host).returncode == 0
    assert caller_identity(host).returncode == 0
    assert len(host.sessions()) == 1  # the second call came from the cache
    assert glob.glob(str(host.cache_dir / "hybridcloud-rolesanywhere" / "*.json"))

    removed = run_playbook(helper_play(host, rolesanywhere_credential_helper_state="absent"), tmp_path=tmp_path)
    assert removed.rc == 0, removed.explain()
    assert not os.path.exists(host.cache_dir / "hybridcloud-rolesanywhere")
    again = run_playbook(helper_play(host, rolesanywhere_credential_helper_state="absent"), tmp_path=tmp_path)
    assert again.rc == 0 and again.changed == 0, again.explain()


def test_a_negative_cache_lifetime_fails_before_anything_is_written(make_host, tmp_path):
    host = make_host()
    refused = run_playbook(helper_play(host, rolesanywhere_credential_cache_max_age=-5), tmp_path=tmp_path)
    assert refused.rc != 0
    assert "rolesanywhere_credential_cache_max_age must be a whole number of seconds" in refused.explain()
    assert not (host.directory / "aws" / "config").exists()
    assert not (host.directory / "bin").exists()
