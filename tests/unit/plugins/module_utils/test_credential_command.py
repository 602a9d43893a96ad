"""The credential helper's command line: rendered, parsed and accepted by the program from one definition."""

import argparse

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import credential_command as cc

TRUST = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/ta"
PROFILE = "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/p"
ROLE = "arn:aws:iam::123456789012:role/batch"


def fields(**extra):
    base = {"helper": "/usr/local/bin/aws_signing_helper", "certificate": "/etc/ra/cert.pem", "private_key": "/etc/ra/key.pem",
            "trust_anchor_arn": TRUST, "profile_arn": PROFILE, "role_arn": ROLE, "session_duration": 3600}
    base.update(extra)
    return base


def test_render_writes_the_flags_in_a_fixed_order_and_leaves_out_empty_ones():
    line = cc.render(fields(intermediates="", role_session_name=None, endpoint="http://127.0.0.1:4566", cache_max_age=900))
    assert line == ("/usr/local/bin/aws_signing_helper credential-process --certificate /etc/ra/cert.pem "
                    "--private-key /etc/ra/key.pem --trust-anchor-arn %s --profile-arn %s --role-arn %s "
                    "--session-duration 3600 --endpoint http://127.0.0.1:4566 --cache-max-age 900" % (TRUST, PROFILE, ROLE))


def test_render_quotes_paths_and_appends_extra_flags():
    line = cc.render(fields(certificate="/srv/my certs/c.pem", intermediates="/etc/ra/chain.pem", extra_args=["--debug", "--region=eu-west-1"]))
    assert "--certificate '/srv/my certs/c.pem'" in line
    assert "--intermediates /etc/ra/chain.pem --trust-anchor-arn" in line
    assert line.endswith("--debug --region=eu-west-1")


def test_parse_reads_back_what_render_wrote():
    parsed = cc.parse(cc.render(fields(certificate="/srv/my certs/c.pem", subcommand="serve", extra_args=["--debug"])))
    assert parsed["helper"] == "/usr/local/bin/aws_signing_helper"
    assert parsed["subcommand"] == "serve"
    assert parsed["flags"]["certificate"] == "/srv/my certs/c.pem"
    assert parsed["flags"]["role-arn"] == ROLE
    assert parsed["flags"]["debug"] is True


def test_render_names_the_missing_fields():
    with pytest.raises(cc.CommandError, match="role_arn"):
        cc.render(fields(role_arn=""))


def test_program_parser_accepts_every_rendered_session_flag():
    parser = argparse.ArgumentParser()
    cc.add_session_arguments(parser)
    parser.add_argument("--cache-max-age", type=int)
    words = cc.parse(cc.render(fields(intermediates="/c.pem", role_session_name="s", endpoint="http://e", cache_max_age=5)))
    argv = []
    for name, value in words["flags"].items():
        argv += ["--" + name] + ([] if value is True else [value])
    arguments = parser.parse_args(argv)
    assert arguments.private_key == "/etc/ra/key.pem" and arguments.session_duration == 3600 and arguments.cache_max_age == 5
