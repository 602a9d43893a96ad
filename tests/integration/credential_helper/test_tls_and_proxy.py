"""Both credential helpers and the AWS CLI against the stand-in over HTTPS, verification on, and through a real proxy.

The stand-in serves HTTPS with its own CA and is addressed by a name other than localhost: Go's HTTP client never
sends requests for localhost or a loopback address through a proxy, so only such a name shows whether the official
helper honours HTTPS_PROXY. The proxy is a real tinyproxy whose log records every CONNECT.
"""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from conftest import Host

from localaws.process import start_server
from support.field_tools import loopback_alias, unavailable

AWS = os.path.join(os.path.dirname(sys.executable), "aws")
HELPERS = ("official", "python")


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    alias = loopback_alias()
    if alias is None:
        unavailable(
            "no name other than localhost maps to a loopback address in /etc/hosts, and Go never proxies "
            "requests for localhost or loopback addresses",
            "ROLESANYWHERE_REQUIRE_TINYPROXY",
        )
    name, address = alias
    server = start_server(
        str(tmp_path_factory.mktemp("localaws-https")), tls=True, host=address, tls_names=[name], endpoint_host=name
    )
    yield server
    server.stop()


@pytest.fixture
def https_host(https_server, tmp_path):
    return Host(https_server, tmp_path / "host", leaf_kind="ec", with_intermediate=True)


def helper_program(helper, request):
    """The executable of `helper`: the built official binary, or the Python program as the role installs it."""
    if helper == "official":
        return request.getfixturevalue("official_helper").path
    return request.getfixturevalue("program")


def write_config(host, program):
    """An AWS config whose `workload` profile runs `program` as credential_process, everything at the stand-in."""
    endpoint = host.server.endpoint
    line = " ".join(host.program_args(program))
    config = host.directory / "aws-config"
    config.write_text(
        "[profile workload]\nregion = %s\nendpoint_url = %s\ncredential_process = %s\n"
        % (host.server.region, endpoint, line)
    )
    return config


def environment(host, config, **extra):
    """The host's clean environment (no proxy, no CA bundle unless given) with the Python program's cache off."""
    env = host.env(AWS_CONFIG_FILE=str(config), ROLESANYWHERE_CREDENTIAL_CACHE="off")
    env.update(extra)
    return env


def aws(env, *arguments):
    return subprocess.run(
        [AWS] + list(arguments) + ["--profile", "workload", "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_helper(host, program, env):
    return subprocess.run(host.program_args(program), env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("helper", HELPERS)
def test_https_with_certificate_verification(helper, request, https_host):
    program = helper_program(helper, request)
    config = write_config(https_host, program)
    ca_bundle = https_host.server.ca_bundle

    untrusted = aws(environment(https_host, config), "sts", "get-caller-identity")
    assert untrusted.returncode != 0
    assert "certificate" in untrusted.stderr.lower(), untrusted.stderr
    assert not https_host.sessions()

    trusted = environment(https_host, config, AWS_CA_BUNDLE=ca_bundle)
    identity = aws(trusted, "sts", "get-caller-identity")
    assert identity.returncode == 0, identity.stderr
    assert "/%s/" % https_host.trust.role_arn.split("/")[-1] in json.loads(identity.stdout)["Arn"]
    clusters = aws(trusted, "redshift", "describe-clusters")
    assert clusters.returncode == 0, clusters.stderr
    assert len(https_host.sessions()) == 2

    if helper == "official":
        # Go's crypto/x509 reads the system roots from SSL_CERT_FILE / SSL_CERT_DIR: the official helper alone
        # (not the AWS CLI) trusts the stand-in's CA through them as well.
        by_system_roots = run_helper(https_host, program, environment(https_host, config, SSL_CERT_FILE=ca_bundle))
        assert by_system_roots.returncode == 0, by_system_roots.stderr
        assert json.loads(by_system_roots.stdout)["Version"] == 1


@pytest.mark.parametrize("helper", HELPERS)
def test_https_proxy_is_used_and_no_proxy_bypasses_it(helper, request, https_host, tinyproxy):
    program = helper_program(helper, request)
    config = write_config(https_host, program)
    target = urlsplit(https_host.server.endpoint).netloc
    proxied = environment(https_host, config, AWS_CA_BUNDLE=https_host.server.ca_bundle, HTTPS_PROXY=tinyproxy.url)

    alone = run_helper(https_host, program, proxied)
    assert alone.returncode == 0, alone.stderr
    assert tinyproxy.connects() == [target]

    # The AWS CLI runs the helper (one CONNECT for CreateSession) and then calls STS (a second one).
    identity = aws(proxied, "sts", "get-caller-identity")
    assert identity.returncode == 0, identity.stderr
    assert tinyproxy.connects() == [target] * 3

    bypassed = dict(proxied, NO_PROXY=urlsplit(https_host.server.endpoint).hostname)
    direct = aws(bypassed, "sts", "get-caller-identity")
    assert direct.returncode == 0, direct.stderr
    assert tinyproxy.connects() == [target] * 3
    assert len(https_host.sessions()) == 3
