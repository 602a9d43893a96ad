"""The credential helper's command line: rendered, parsed and accepted by the program from one definition."""

import argparse
import shlex

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import credential_command as cc

TRUST = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/ta"
PROFILE = "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/p"
ROLE = "arn:aws:iam::123456789012:role/batch"


def fields(**extra):
    base = {
        "helper": "/usr/local/bin/aws_signing_helper",
        "certificate": "/etc/ra/cert.pem",
        "private_key": "/etc/ra/key.pem",
        "trust_anchor_arn": TRUST,
        "profile_arn": PROFILE,
        "role_arn": ROLE,
        "session_duration": 3600,
    }
    base.update(extra)
    return base


def test_render_writes_the_flags_in_a_fixed_order_and_leaves_out_empty_ones():
    line = cc.render(
        fields(intermediates="", role_session_name=None, endpoint="http://127.0.0.1:4566", cache_max_age=900)
    )
    assert line == (
        "/usr/local/bin/aws_signing_helper credential-process --certificate /etc/ra/cert.pem "
        "--private-key /etc/ra/key.pem --trust-anchor-arn %s --profile-arn %s --role-arn %s "
        "--session-duration 3600 --endpoint http://127.0.0.1:4566 --cache-max-age 900" % (TRUST, PROFILE, ROLE)
    )


def test_render_quotes_paths_and_appends_extra_flags():
    line = cc.render(
        fields(
            certificate="/srv/my certs/c.pem",
            intermediates="/etc/ra/chain.pem",
            extra_args=["--debug", "--region=eu-west-1"],
        )
    )
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
    words = cc.parse(
        cc.render(fields(intermediates="/c.pem", role_session_name="s", endpoint="http://e", cache_max_age=5))
    )
    argv = []
    for name, value in words["flags"].items():
        argv += ["--" + name] + ([] if value is True else [value])
    arguments = parser.parse_args(argv)
    assert (
        arguments.private_key == "/etc/ra/key.pem"
        and arguments.session_duration == 3600
        and arguments.cache_max_age == 5
    )


# --- the serve and update services ---------------------------------------------------------------------------------

SERVICE = {
    "port": 49533,
    "profile": "redshift",
    "credentials_file": "/home/batch/.aws/credentials",
    "refresh_window": 600,
    "refresh_min_lead": 60,
    "cache_max_age": 900,
}
SESSION_WORDS = [
    "--certificate",
    "/etc/ra/cert.pem",
    "--private-key",
    "/etc/ra/key.pem",
    "--trust-anchor-arn",
    TRUST,
    "--profile-arn",
    PROFILE,
    "--role-arn",
    ROLE,
    "--session-duration",
    "3600",
]


@pytest.mark.parametrize(
    "mode, helper, mode_words",
    [
        ("serve", "python", ["--port", "49533", "--refresh-window", "600", "--refresh-min-lead", "60"]),
        ("serve", "official", ["--port", "49533"]),
        (
            "update",
            "python",
            [
                "--profile",
                "redshift",
                "--credentials-file",
                "/home/batch/.aws/credentials",
                "--refresh-window",
                "600",
                "--refresh-min-lead",
                "60",
            ],
        ),
        ("update", "official", ["--profile", "redshift"]),
    ],
)
def test_service_argv_has_the_flags_of_each_mode_and_helper(mode, helper, mode_words):
    words = cc.service_argv(fields(**SERVICE), mode, helper)
    assert words == ["/usr/local/bin/aws_signing_helper", mode] + SESSION_WORDS + mode_words


def test_service_argv_never_writes_the_cache_flag_and_puts_the_mode_flags_after_extra_args():
    words = cc.service_argv(fields(extra_args=["--debug"], **SERVICE), "serve", "python")
    assert "--cache-max-age" not in words
    assert words[words.index("--debug") + 1] == "--port"


@pytest.mark.parametrize("mode, missing", [("serve", "port"), ("update", "profile")])
def test_service_argv_names_the_missing_mode_field(mode, missing):
    with pytest.raises(cc.CommandError, match=missing):
        cc.service_argv(fields(**dict(SERVICE, **{missing: None})), mode, "python")


def test_service_argv_refuses_an_unknown_mode_or_helper():
    with pytest.raises(cc.CommandError, match="serve or update"):
        cc.service_argv(fields(**SERVICE), "credential-process", "python")
    with pytest.raises(cc.CommandError, match="python, official"):
        cc.service_argv(fields(**SERVICE), "serve", "go")


def test_the_official_helper_accepts_every_flag_of_its_service_lines():
    """The flags rendered for the official helper, against its `serve --help` / `update --help` (1.7.3 and 1.8.0)."""
    session_flags = {
        "--certificate",
        "--private-key",
        "--intermediates",
        "--trust-anchor-arn",
        "--profile-arn",
        "--role-arn",
        "--session-duration",
        "--role-session-name",
        "--endpoint",
    }
    official = {"serve": session_flags | {"--port"}, "update": session_flags | {"--profile"}}
    every = fields(intermediates="/c.pem", role_session_name="s", endpoint="http://e", **SERVICE)
    for mode, accepted in official.items():
        flags = {word for word in cc.service_argv(every, mode, "official") if word.startswith("--")}
        assert flags <= accepted, mode


def test_exec_start_leaves_plain_words_as_they_are():
    words = cc.service_argv(fields(**SERVICE), "update", "official")
    assert cc.exec_start(words) == " ".join(words)


def test_exec_start_quotes_paths_with_spaces_and_quotes_for_systemd_and_splits_back():
    words = cc.service_argv(
        fields(
            helper="/opt/ra tools/aws_signing_helper",
            certificate="/srv/my certs/c.pem",
            private_key='/srv/it\'s "k"\\key.pem',
            **SERVICE,
        ),
        "serve",
        "python",
    )
    line = cc.exec_start(words)
    assert line.startswith('"/opt/ra tools/aws_signing_helper" serve --certificate "/srv/my certs/c.pem"')
    assert '"/srv/it\'s \\"k\\"\\\\key.pem"' in line
    assert shlex.split(line) == words


def test_exec_start_escapes_systemd_specifiers_and_variables():
    words = ["/usr/local/bin/helper", "serve", "--role-session-name", "a%h$HOME", "--endpoint", "http://e/ 50%"]
    line = cc.exec_start(words)
    assert line == '/usr/local/bin/helper serve --role-session-name "a%%h$$HOME" --endpoint "http://e/ 50%%"'
    # What delivery_port and the tests' unit supervisor do with an installed unit's ExecStart.
    unescaped = line.replace("$$", "\0").replace("%%", "%").replace("\0", "$")
    assert shlex.split(unescaped) == words


def test_exec_start_refuses_a_relative_program_and_control_characters():
    with pytest.raises(cc.CommandError, match="absolute path"):
        cc.exec_start(["aws_signing_helper", "serve"])
    with pytest.raises(cc.CommandError, match="control character"):
        cc.exec_start(["/usr/local/bin/helper", "serve", "--profile", "a\nb"])


@pytest.mark.parametrize("mode", ["serve", "update"])
def test_the_program_parser_accepts_every_rendered_service_flag(mode):
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import credential_process

    every = fields(
        intermediates="/c.pem", role_session_name="s", endpoint="http://e", extra_args=["--debug"], **SERVICE
    )
    arguments = credential_process.build_parser().parse_args(cc.service_argv(every, mode, "python")[1:])
    assert arguments.command == mode and arguments.refresh_window == 600 and arguments.refresh_min_lead == 60
    assert (arguments.port == 49533) if mode == "serve" else (arguments.credentials_file == SERVICE["credentials_file"])
