"""Per-service endpoints: the role writes a [services NAME] section from rolesanywhere_endpoints, the helper's
--endpoint is the rolesanywhere entry, and the real AWS CLI follows the section service by service."""

import configparser
import socket

from test_credential_helper_role import aws, play, python_helper_vars

from support.ansible_run import run_playbook


def _unused_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return "http://127.0.0.1:%d" % probe.getsockname()[1]


def test_each_service_goes_to_its_own_endpoint(make_host, tmp_path):
    host = make_host()
    dead = _unused_url()
    endpoints = {"rolesanywhere": host.server.endpoint, "sts": host.server.endpoint, "redshift": dead}
    variables = python_helper_vars(host, rolesanywhere_endpoint_url="", rolesanywhere_endpoints=endpoints)
    first = run_playbook(play(variables), tmp_path=tmp_path)
    assert first.rc == 0, first.explain()
    config = configparser.ConfigParser()
    config.read(host.directory / "aws" / "config")
    assert config["profile workload"]["services"] == "workload-endpoints"
    assert "--endpoint %s" % host.server.endpoint in config["profile workload"]["credential_process"]
    section = config["services workload-endpoints"]
    assert {name: section[name].split("=", 1)[1].strip() for name in section} == endpoints

    # STS is routed to the stand-in: the whole chain works, credential_process included.
    identity = aws(host, "sts", "get-caller-identity", "--profile", "workload")
    assert identity.returncode == 0, identity.stderr
    # Redshift is routed to its own (here unreachable) endpoint, not to the public one and not to STS's.
    clusters = aws(host, "redshift", "describe-clusters", "--profile", "workload", "--cli-connect-timeout", "2")
    assert clusters.returncode != 0 and dead.split("//")[1] in clusters.stderr

    again = run_playbook(play(variables), tmp_path=tmp_path)
    assert again.rc == 0 and again.changed == 0, again.explain()


def test_shorthand_and_map_combine_and_bad_entries_fail_first(make_host, tmp_path):
    host = make_host()
    other = _unused_url()
    variables = python_helper_vars(host, rolesanywhere_endpoints={"redshift": other})
    result = run_playbook(play(variables), tmp_path=tmp_path)
    assert result.rc == 0, result.explain()
    config = configparser.ConfigParser()
    config.read(host.directory / "aws" / "config")
    section = config["services workload-endpoints"]
    routes = {name: section[name].split("=", 1)[1].strip() for name in section}
    assert routes == {
        "sts": host.server.endpoint,
        "redshift": other,
        "iam": host.server.endpoint,
        "rolesanywhere": host.server.endpoint,
    }

    bad = run_playbook(
        play(python_helper_vars(host, rolesanywhere_endpoints={"redshift": "vpce-0abc.example"})), tmp_path=tmp_path
    )
    assert bad.rc != 0
    assert "rolesanywhere_endpoints" in bad.stdout and "vpce-0abc.example" in bad.stdout
