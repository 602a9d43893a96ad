"""How the signer reaches the service: endpoints per partition, environment settings, proxies, TLS and retries.

The endpoint and partition tables are checked against botocore's own data; the transport tests talk to real
HTTP(S) servers on the loopback interface.
"""

import http.server
import json
import ssl
import threading

import botocore.loaders
import botocore.regions
import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import sigv4x509
from support import x509 as x509_factory
from support.x509 import Chain

REGIONS = [
    "us-east-1",
    "eu-west-3",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-west-1",
    "us-gov-east-1",
    "us-iso-east-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "us-isof-south-1",
    "eusc-de-east-1",
    "il-central-1",
]


# --- endpoints -----------------------------------------------------------------------------


def test_partition_table_is_botocore_partitions_json():
    document = botocore.loaders.create_loader().load_data("partitions")
    botocore_table = {(p["id"], p["regionRegex"], p["outputs"]["dnsSuffix"]) for p in document["partitions"]}
    assert set(sigv4x509.PARTITIONS) == botocore_table


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("use_fips", [False, True])
def test_default_endpoint_is_what_botocore_resolves(region, use_fips):
    resolver = botocore.regions.EndpointResolver(botocore.loaders.create_loader().load_data("endpoints"))
    resolved = resolver.construct_endpoint("rolesanywhere", region, use_fips_endpoint=use_fips)
    if resolved is None:
        resolved = resolver.construct_endpoint(
            "rolesanywhere", region, use_fips_endpoint=use_fips, partition_name=sigv4x509.partition_of_region(region)[0]
        )
    assert sigv4x509.default_endpoint(region, use_fips) == "https://" + resolved["hostname"]


def test_unknown_region_resolves_in_the_aws_partition():
    assert sigv4x509.default_endpoint("xx-moon-1") == "https://rolesanywhere.xx-moon-1.amazonaws.com"


def test_service_specific_endpoint_variable_wins_over_the_generic_one():
    environ = {"AWS_ENDPOINT_URL": "https://generic.example", "AWS_ENDPOINT_URL_ROLESANYWHERE": "https://ra.example"}
    assert sigv4x509.resolve_endpoint(None, "us-east-1", environ) == "https://ra.example"
    assert (
        sigv4x509.resolve_endpoint(None, "us-east-1", {"AWS_ENDPOINT_URL": "https://generic.example"})
        == "https://generic.example"
    )
    assert sigv4x509.resolve_endpoint("https://flag.example", "us-east-1", environ) == "https://flag.example"


def test_configured_endpoints_can_be_ignored_and_fips_is_an_opt_in():
    environ = {
        "AWS_ENDPOINT_URL": "https://generic.example",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        "AWS_USE_FIPS_ENDPOINT": "TRUE",
    }
    assert (
        sigv4x509.resolve_endpoint(None, "us-gov-west-1", environ)
        == "https://rolesanywhere-fips.us-gov-west-1.amazonaws.com"
    )
    assert sigv4x509.resolve_endpoint(None, "cn-north-1", {}) == "https://rolesanywhere.cn-north-1.amazonaws.com.cn"


def test_a_flag_variable_with_another_value_is_an_error_naming_it():
    with pytest.raises(
        sigv4x509.SigningError, match="AWS_USE_FIPS_ENDPOINT='yes' is not valid; set it to true or false"
    ):
        sigv4x509.resolve_endpoint(None, "us-east-1", {"AWS_USE_FIPS_ENDPOINT": "yes"})


def test_signed_request_goes_to_the_partition_endpoint():
    pki = Chain()
    anchor = "arn:aws-cn:rolesanywhere:cn-north-1:123456789012:trust-anchor/0d7a4b1e-6f3c-4a57-9d2e-1b8f0c9e2a11"
    url, headers, _body = sigv4x509.sign_create_session(
        endpoint=None,
        region=None,
        trust_anchor_arn=anchor,
        profile_arn="arn:aws-cn:rolesanywhere:cn-north-1:123456789012:profile/5c1e9f20-3b7d-4e0a-8c6f-2d4b9a7e1f33",
        role_arn="arn:aws-cn:iam::123456789012:role/reader",
        certificate_pem=pki.leaf_pem,
        private_key_pem=pki.leaf_key_pem(),
        use_fips=True,
    )
    assert url.startswith("https://rolesanywhere-fips.cn-north-1.amazonaws.com.cn/sessions?")
    assert headers["Host"] == "rolesanywhere-fips.cn-north-1.amazonaws.com.cn"


# --- environment: proxies, retries --------------------------------------------------------


def test_proxies_come_from_the_environment_upper_case_first():
    environ = {
        "HTTPS_PROXY": "http://upper:3128",
        "https_proxy": "http://lower:3128",
        "http_proxy": "plain:8080",
        "no_proxy": ".internal,10.1.2.3",
    }
    assert sigv4x509.proxies_from_environment(environ) == {
        "https": "http://upper:3128",
        "http": "http://plain:8080",
        "no": ".internal,10.1.2.3",
    }


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://rolesanywhere.us-east-1.amazonaws.com/sessions", "http://proxy:3128"),
        ("https://vpce-1.rolesanywhere.us-east-1.vpce.internal/sessions", None),
        ("https://10.1.2.3:443/sessions", None),
        ("http://127.0.0.1:4566/sessions", None),  # no HTTP_PROXY set
    ],
)
def test_no_proxy_bypasses_the_proxy(url, expected):
    proxies = sigv4x509.proxies_from_environment({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": ".internal,10.1.2.3"})
    assert sigv4x509.proxy_for_url(url, proxies) == expected


def test_settings_from_the_environment():
    settings = sigv4x509.network_settings_from_environment(
        {"AWS_CA_BUNDLE": "/etc/ca.pem", "AWS_MAX_ATTEMPTS": "3", "HTTPS_PROXY": "http://p:1"}, verify_tls=False
    )
    assert (settings.ca_bundle, settings.max_attempts, settings.proxies, settings.verify_tls) == (
        "/etc/ca.pem",
        3,
        {"https": "http://p:1"},
        False,
    )
    assert sigv4x509.network_settings_from_environment({"HTTPS_PROXY": "http://p:1"}, use_proxy=False).proxies == {}
    assert sigv4x509.network_settings_from_environment({}).max_attempts == sigv4x509.DEFAULT_MAX_ATTEMPTS


@pytest.mark.parametrize("value", ["0", "many", "21"])
def test_bad_max_attempts_names_the_variable(value):
    with pytest.raises(sigv4x509.SigningError, match="AWS_MAX_ATTEMPTS=.* is not valid"):
        sigv4x509.network_settings_from_environment({"AWS_MAX_ATTEMPTS": value})


@pytest.mark.parametrize(
    "status,code,retryable",
    [
        (429, "ThrottlingException", True),
        (400, "ThrottlingException", True),
        (400, "TooManyRequestsException", True),
        (500, "InternalServerException", True),
        (503, "ServiceUnavailable", True),
        (None, "ConnectionError", True),
        (None, "Timeout", True),
        (None, "TLSError", False),
        (403, "AccessDeniedException", False),
        (400, "ValidationException", False),
        (404, "ResourceNotFoundException", False),
        (201, "InvalidResponse", False),
    ],
)
def test_only_transient_failures_are_retried(status, code, retryable):
    assert sigv4x509.is_retryable(sigv4x509.SessionError(status, code, "m")) is retryable


def test_backoff_doubles_with_full_jitter_and_is_capped():
    assert [sigv4x509.backoff_delay(n, uniform=lambda: 1.0) for n in range(1, 8)] == [1, 2, 4, 8, 16, 20, 20]
    assert sigv4x509.backoff_delay(3, uniform=lambda: 0.25) == 1.0


# --- transport against real loopback servers ---------------------------------------------


class ScriptedHandler(http.server.BaseHTTPRequestHandler):
    """Answers POSTs with the next (status, body) of the server's script and records each request's path."""

    def do_POST(self):  # pylint: disable=invalid-name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append(self.path)
        status, document = self.server.script.pop(0) if self.server.script else (201, {"ok": True})
        payload = json.dumps(document).encode()
        self.send_response(status)
        if status >= 400:
            self.send_header("x-amzn-ErrorType", document["code"])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args):
        pass


@pytest.fixture
def scripted_server():
    servers = []

    def start(script, tls_context=None):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ScriptedHandler)
        server.script, server.seen = list(script), []
        if tls_context is not None:
            server.socket = tls_context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        scheme = "https" if tls_context else "http"
        return server, "%s://localhost:%d/sessions" % (scheme, server.server_address[1])

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _throttled():
    return 429, {"code": "ThrottlingException", "message": "Rate exceeded"}


def test_throttling_and_server_errors_are_retried_until_success(scripted_server):
    server, url = scripted_server(
        [_throttled(), (500, {"code": "InternalServerException", "message": "x"}), _throttled()]
    )
    delays, log = [], []
    status, document = sigv4x509.send_request(
        url, {}, b"{}", sigv4x509.NetworkSettings(), sleep=delays.append, log=log.append
    )
    assert (status, document) == (201, {"ok": True})
    assert len(server.seen) == 4 and len(delays) == 3
    assert all(0 <= delay <= window for delay, window in zip(delays, (1, 2, 4)))
    assert "attempt 1 of 5 failed (ThrottlingException (HTTP 429): Rate exceeded)" in log[0]


def test_retries_are_bounded(scripted_server):
    server, url = scripted_server([_throttled()] * 10)
    with pytest.raises(sigv4x509.SessionError) as caught:
        sigv4x509.send_request(url, {}, b"{}", sigv4x509.NetworkSettings(max_attempts=3), sleep=lambda _s: None)
    assert caught.value.code == "ThrottlingException" and len(server.seen) == 3


def test_access_denied_is_never_retried(scripted_server):
    server, url = scripted_server(
        [(403, {"code": "AccessDeniedException", "message": "Untrusted signing certificate"})]
    )
    with pytest.raises(sigv4x509.SessionError) as caught:
        sigv4x509.send_request(url, {}, b"{}", sigv4x509.NetworkSettings(), sleep=pytest.fail)
    assert (caught.value.status, caught.value.code, len(server.seen)) == (403, "AccessDeniedException", 1)


def test_connection_refused_is_retried_then_reported():
    settings = sigv4x509.NetworkSettings(max_attempts=2)
    delays = []
    with pytest.raises(sigv4x509.SessionError) as caught:
        sigv4x509.send_request("http://127.0.0.1:9/sessions", {}, b"{}", settings, sleep=delays.append)
    assert caught.value.code == "ConnectionError" and "cannot reach http://127.0.0.1:9/sessions" in caught.value.message
    assert len(delays) == 1


def _self_signed_server_context(tmp_path):
    key = x509_factory.new_key()
    certificate = x509_factory.certificate(
        subject_key=key, subject=x509_factory.name("localhost"), ca=True, key_usage=None, dns_names=["localhost"]
    )
    cert_path = x509_factory.write_file(str(tmp_path / "server.pem"), x509_factory.pem_bytes(certificate))
    key_path = x509_factory.write_file(str(tmp_path / "server.key"), x509_factory.key_pem_bytes(key), 0o600)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert_path), str(key_path))
    return context, str(cert_path)


def test_aws_ca_bundle_verifies_a_private_endpoint_and_tls_failures_are_not_retried(scripted_server, tmp_path):
    context, ca_path = _self_signed_server_context(tmp_path)
    server, url = scripted_server([], tls_context=context)
    with pytest.raises(sigv4x509.SessionError) as caught:
        sigv4x509.send_request(url, {}, b"{}", sigv4x509.NetworkSettings(), sleep=pytest.fail)
    assert caught.value.code == "TLSError" and "AWS_CA_BUNDLE" in caught.value.message
    settings = sigv4x509.network_settings_from_environment({"AWS_CA_BUNDLE": ca_path})
    assert sigv4x509.send_request(url, {}, b"{}", settings) == (201, {"ok": True})
    assert sigv4x509.send_request(url, {}, b"{}", sigv4x509.NetworkSettings(verify_tls=False)) == (201, {"ok": True})
    assert len(server.seen) == 2


def test_a_missing_ca_bundle_is_named(tmp_path):
    settings = sigv4x509.network_settings_from_environment({"AWS_CA_BUNDLE": str(tmp_path / "absent.pem")})
    with pytest.raises(sigv4x509.SigningError, match="AWS_CA_BUNDLE .*absent.pem cannot be used as a CA bundle"):
        sigv4x509.send_request("https://localhost:1/sessions", {}, b"{}", settings)


def test_the_proxy_from_the_environment_is_used(scripted_server):
    """The scripted server plays the proxy: an HTTP proxy receives the absolute URL of the target."""
    proxy, proxy_url = scripted_server([])
    proxy_base = proxy_url.rsplit("/", 1)[0]
    settings = sigv4x509.network_settings_from_environment({"HTTP_PROXY": proxy_base})
    target = "http://rolesanywhere.invalid:4566/sessions?roleArn=x"
    assert sigv4x509.send_request(target, {}, b"{}", settings) == (201, {"ok": True})
    assert proxy.seen == [target]
    bypassing = sigv4x509.network_settings_from_environment(
        {"HTTP_PROXY": proxy_base, "NO_PROXY": "rolesanywhere.invalid"}
    )
    with pytest.raises(sigv4x509.SessionError, match="ConnectionError"):
        sigv4x509.send_request(target, {}, b"{}", sigv4x509.NetworkSettings(proxies=bypassing.proxies, max_attempts=1))
    assert proxy.seen == [target]  # the bypassing call went straight to the (unresolvable) host
