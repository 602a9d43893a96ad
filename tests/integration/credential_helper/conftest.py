"""Fixtures for the credential helper tests: the installed program, host certificates and trust in the stand-in."""

import os
import sys

import pytest
from trust_setup import create_trust

# The program fixture, shared with the delivery tests.
from support.credential_program import program  # noqa: F401 pylint: disable=unused-import
from support.x509 import Chain


class Host(object):
    """One host's certificate files, the trust in the stand-in that accepts them, and a private HOME/cache."""

    def __init__(self, server, directory, leaf_kind="ec", with_intermediate=False, duration_seconds=3600):
        self.server = server
        self.directory = directory
        os.makedirs(directory / "certs", mode=0o700)
        os.makedirs(directory / "home")
        self.pki = Chain(leaf_kind=leaf_kind, with_intermediate=with_intermediate)
        self.paths = self.pki.write(str(directory / "certs"))
        self.trust = create_trust(server, self.pki.root_pem, duration_seconds=duration_seconds)
        self.cache_dir = directory / "cache"

    def program_args(self, program, *extra):
        arguments = [
            program,
            "credential-process",
            "--certificate",
            self.paths["certificate"],
            "--private-key",
            self.paths["private_key"],
        ]
        if "intermediates" in self.paths:
            arguments += ["--intermediates", self.paths["intermediates"]]
        return arguments + self.trust.helper_args() + ["--endpoint", self.server.endpoint] + list(extra)

    def env(self, **extra):
        """A clean environment: no AWS credentials or endpoint variables, a private HOME and cache."""
        credentials_file = self.directory / "no-credentials"
        credentials_file.touch()
        env = {
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.directory / "home"),
            "XDG_CACHE_HOME": str(self.cache_dir),
            "AWS_SHARED_CREDENTIALS_FILE": str(credentials_file),
            "AWS_EC2_METADATA_DISABLED": "true",
            "LANG": "C.UTF-8",
        }
        env.update(extra)
        return env

    def sessions(self):
        """Successful CreateSession calls made for this host's trust anchor."""
        return [
            s
            for s in self.server.session_log()
            if s["trustAnchorArn"] == self.trust.trust_anchor_arn and s["outcome"] == "success"
        ]


@pytest.fixture
def make_host(localaws, tmp_path):
    counter = [0]

    def make(**kwargs):
        counter[0] += 1
        return Host(localaws, tmp_path / ("host%d" % counter[0]), **kwargs)

    return make
