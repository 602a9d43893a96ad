"""The line-based AWS config editor: only the profile's own lines change, everything else stays byte-for-byte."""

import configparser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import aws_config

CP = "/usr/local/bin/aws_signing_helper credential-process --certificate /etc/pki/cert.pem --private-key /etc/pki/key.pem"
FOREIGN = (
    "# managed by hand, do not touch\n"
    "[default]\n"
    "region = us-west-2\n"
    "output=json   \n"
    "\n"
    "; the production account\n"
    "[profile prod]\n"
    "role_arn = arn:aws:iam::111111111111:role/admin\n"
    "source_profile = default\n"
    "s3 =\n"
    "  max_concurrent_requests = 20\n"
)


def _profile(text, **kwargs):
    arguments = {"settings": {"region": "eu-west-1", "credential_process": CP}}
    arguments.update(kwargs)
    return aws_config.render_profile(text, "redshift", **arguments)


def test_new_profile_is_appended_and_foreign_text_is_untouched():
    result = _profile(FOREIGN)
    assert result.startswith(FOREIGN)
    assert result[len(FOREIGN) :] == "\n[profile redshift]\nregion = eu-west-1\ncredential_process = %s\n" % CP


def test_rendering_twice_changes_nothing():
    once = _profile(FOREIGN, endpoint_url="http://127.0.0.1:4566")
    assert _profile(once, endpoint_url="http://127.0.0.1:4566") == once


def test_endpoint_adds_a_services_section_for_each_service():
    result = _profile("", endpoint_url="http://127.0.0.1:4566", services=("sts", "redshift"))
    assert result == (
        "[profile redshift]\nregion = eu-west-1\ncredential_process = %s\nservices = redshift-endpoints\n"
        "\n[services redshift-endpoints]\nsts =\n  endpoint_url = http://127.0.0.1:4566\n"
        "redshift =\n  endpoint_url = http://127.0.0.1:4566\n" % CP
    )
    parsed = configparser.RawConfigParser()
    parsed.read_string(result)
    assert parsed.get("profile redshift", "credential_process") == CP
    assert parsed.get("services redshift-endpoints", "sts").strip() == "endpoint_url = http://127.0.0.1:4566"


def test_changed_value_replaces_only_its_line_and_keeps_other_keys_and_comments():
    text = (
        FOREIGN
        + "\n[profile redshift]\n# our profile\nregion=us-east-1\noutput = table\ncredential_process = old\n\n# next\n[profile z]\nregion = x\n"
    )
    result = _profile(text)
    assert result == FOREIGN + (
        "\n[profile redshift]\n# our profile\nregion = eu-west-1\noutput = table\ncredential_process = %s\n"
        "\n# next\n[profile z]\nregion = x\n" % CP
    )


def test_missing_key_goes_before_the_comments_that_introduce_the_next_section():
    text = "[profile redshift]\nregion = eu-west-1\n\n# the next one\n[profile z]\nregion = x\n"
    result = _profile(text)
    assert (
        result
        == "[profile redshift]\nregion = eu-west-1\ncredential_process = %s\n\n# the next one\n[profile z]\nregion = x\n"
        % CP
    )


def test_removing_the_endpoint_removes_the_services_link_and_section():
    with_endpoint = _profile(FOREIGN, endpoint_url="http://127.0.0.1:4566")
    assert _profile(with_endpoint) == _profile(FOREIGN)


def test_foreign_services_link_is_kept_without_endpoint():
    text = "[profile redshift]\nregion = eu-west-1\nservices = corporate\n"
    assert "services = corporate\n" in _profile(text)


def test_absent_removes_profile_and_services_but_keeps_the_rest():
    with_profile = _profile(FOREIGN, endpoint_url="http://127.0.0.1:4566")
    assert aws_config.remove_profile(with_profile, "redshift") == FOREIGN
    middle = "[a]\nx = 1\n\n[profile redshift]\nregion = r\n\n# about b\n[b]\ny = 2\n"
    assert aws_config.remove_profile(middle, "redshift") == "[a]\nx = 1\n\n# about b\n[b]\ny = 2\n"
    assert aws_config.remove_profile(FOREIGN, "redshift") == FOREIGN


def test_default_profile_uses_the_default_section():
    result = aws_config.render_profile("", "default", {"region": "eu-west-1"})
    assert result == "[default]\nregion = eu-west-1\n"


def test_crlf_files_keep_crlf_and_a_missing_final_newline_is_handled():
    text = "[default]\r\nregion = us-west-2"
    result = _profile(text)
    assert (
        result
        == "[default]\r\nregion = us-west-2\r\n\r\n[profile redshift]\r\nregion = eu-west-1\r\ncredential_process = %s\r\n"
        % CP
    )
    assert _profile("[profile redshift]") == "[profile redshift]\nregion = eu-west-1\ncredential_process = %s\n" % CP


def test_duplicate_sections_are_refused_with_their_line_numbers():
    text = "[profile redshift]\nregion = a\n[profile redshift]\nregion = b\n"
    with pytest.raises(aws_config.ConfigError, match=r"2 \[profile redshift\] sections \(lines 1, 3\)"):
        _profile(text)


@pytest.mark.parametrize(
    "settings_value,message",
    [
        ({"credential_process": "a\nb"}, "must be one line"),
        ({"bad key": "x"}, "setting name"),
    ],
)
def test_invalid_settings_are_refused(settings_value, message):
    with pytest.raises(aws_config.ConfigError, match=message):
        _profile("", settings=settings_value)


def test_invalid_profile_name_is_refused():
    with pytest.raises(aws_config.ConfigError, match="profile"):
        aws_config.render_profile("", "bad]name", {"region": "x"})


def test_read_profile():
    expected = {"role_arn": "arn:aws:iam::111111111111:role/admin", "source_profile": "default", "s3": ""}
    assert aws_config.read_profile(FOREIGN, "prod") == expected
    assert aws_config.read_profile(FOREIGN, "missing") is None


_LINE = st.one_of(
    st.sampled_from(
        [
            "",
            "# comment",
            "; other comment",
            "key = value",
            "k=v",
            "  nested = 1",
            "[profile other]",
            "[default]",
            "[services x]",
            "region = us-east-1",
        ]
    ),
    st.text(alphabet="abc =#;[]\t", max_size=12),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=12))
def test_foreign_lines_survive_add_and_remove(lines):
    text = "\n".join(lines) + ("\n" if lines else "")
    sections = [s.name for s in aws_config.find_sections(aws_config.split_lines(text))]
    if "profile redshift" in sections or "services redshift-endpoints" in sections:
        return
    added = _profile(text, endpoint_url="http://127.0.0.1:4566")
    assert added.startswith(text)
    assert aws_config.remove_profile(added, "redshift").rstrip("\n") == text.rstrip("\n")


def test_file_is_created_private_in_a_private_directory_and_then_left_alone(tmp_path):
    path = tmp_path / "home" / ".aws" / "config"
    changed, before, after = aws_config.ensure_profile_file(str(path), "redshift", settings={"region": "eu-west-1"})
    assert changed and before == "" and after == "[profile redshift]\nregion = eu-west-1\n"
    assert path.read_text() == after
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert aws_config.ensure_profile_file(str(path), "redshift", settings={"region": "eu-west-1"})[0] is False


def test_check_mode_writes_nothing(tmp_path):
    path = tmp_path / "config"
    path.write_text(FOREIGN)
    changed, _before, after = aws_config.ensure_profile_file(
        str(path), "redshift", settings={"region": "x"}, check_mode=True
    )
    assert changed and "[profile redshift]" in after
    assert path.read_text() == FOREIGN


def test_a_too_open_mode_is_corrected_without_touching_the_text(tmp_path):
    path = tmp_path / "config"
    path.write_text(FOREIGN + "\n[profile redshift]\nregion = x\n")
    path.chmod(0o644)
    changed, before, after = aws_config.ensure_profile_file(str(path), "redshift", settings={"region": "x"})
    assert changed and before == after
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_symlinked_config_is_edited_through_the_link(tmp_path):
    target = tmp_path / "real-config"
    target.write_text(FOREIGN)
    link = tmp_path / "config"
    link.symlink_to(target)
    aws_config.ensure_profile_file(str(link), "redshift", settings={"region": "x"})
    assert link.is_symlink()
    assert target.read_text().endswith("[profile redshift]\nregion = x\n")


def test_absent_on_a_missing_file_changes_nothing(tmp_path):
    assert aws_config.ensure_profile_file(str(tmp_path / "config"), "redshift", state="absent") == (False, "", "")
    assert not (tmp_path / "config").exists()


@pytest.mark.parametrize("mode,expected", [("0600", 0o600), (0o640, 0o640), ("600", 0o600)])
def test_parse_mode(mode, expected):
    assert aws_config.parse_mode(mode) == expected


def test_parse_mode_rejects_garbage():
    with pytest.raises(aws_config.ConfigError, match="octal file mode"):
        aws_config.parse_mode("rw-------")
