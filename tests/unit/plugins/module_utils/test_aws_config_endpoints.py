"""Per-service endpoints in the AWS config: one URL per service in the profile's [services NAME] section."""

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import aws_config

VPCE = {
    "sts": "https://vpce-0a1b-sts.sts.eu-west-1.vpce.amazonaws.com",
    "redshift": "https://vpce-0a1b-rs.redshift.eu-west-1.vpce.amazonaws.com",
    "rolesanywhere": "https://vpce-0a1b-ra.rolesanywhere.eu-west-1.vpce.amazonaws.com",
}
EXPECTED = (
    "[profile redshift]\n"
    "region = eu-west-1\n"
    "services = redshift-endpoints\n"
    "\n"
    "[services redshift-endpoints]\n"
    "sts =\n"
    "  endpoint_url = https://vpce-0a1b-sts.sts.eu-west-1.vpce.amazonaws.com\n"
    "redshift =\n"
    "  endpoint_url = https://vpce-0a1b-rs.redshift.eu-west-1.vpce.amazonaws.com\n"
    "rolesanywhere =\n"
    "  endpoint_url = https://vpce-0a1b-ra.rolesanywhere.eu-west-1.vpce.amazonaws.com\n"
)


def render(text, **arguments):
    return aws_config.render_profile(text, "redshift", {"region": "eu-west-1"}, **arguments)


def test_each_service_gets_its_own_url_and_a_second_run_changes_nothing():
    first = render("", endpoints=VPCE)
    assert first == EXPECTED
    assert render(first, endpoints=VPCE) == first


def test_the_single_url_is_a_shorthand_that_the_map_overrides_per_service():
    text = render(
        "",
        endpoint_url="http://127.0.0.1:4566",
        services=("sts", "redshift"),
        endpoints={"redshift": VPCE["redshift"], "rolesanywhere": VPCE["rolesanywhere"]},
    )
    assert aws_config.service_endpoints(
        "http://127.0.0.1:4566",
        ("sts", "redshift"),
        {"redshift": VPCE["redshift"], "rolesanywhere": VPCE["rolesanywhere"]},
    ) == {"sts": "http://127.0.0.1:4566", "redshift": VPCE["redshift"], "rolesanywhere": VPCE["rolesanywhere"]}
    assert "sts =\n  endpoint_url = http://127.0.0.1:4566\nredshift =\n  endpoint_url = %s\n" % VPCE["redshift"] in text


def test_changing_one_url_rewrites_only_the_services_section_and_removal_drops_it():
    first = render("[default]\nregion = us-east-1\n", endpoints=VPCE)
    moved = dict(VPCE, sts="https://vpce-9z9z-sts.sts.eu-west-1.vpce.amazonaws.com")
    second = render(first, endpoints=moved)
    assert second.replace("vpce-9z9z-sts", "vpce-0a1b-sts") == first
    assert render(second) == "[default]\nregion = us-east-1\n\n[profile redshift]\nregion = eu-west-1\n"
    assert aws_config.remove_profile(second, "redshift") == "[default]\nregion = us-east-1\n"


@pytest.mark.parametrize(
    "endpoints,message",
    [
        ({"red shift": "https://x.example"}, "service name 'red shift' is not valid"),
        ({"redshift": "vpce-0a1b.example"}, "the endpoint URL of redshift, 'vpce-0a1b.example', is not valid"),
        ({"sts": None}, "the endpoint URL of sts, None, is not valid"),
    ],
)
def test_bad_entries_are_refused_with_the_service_named(endpoints, message):
    with pytest.raises(aws_config.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        render("", endpoints=endpoints)
