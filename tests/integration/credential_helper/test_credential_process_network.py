"""The installed credential-process program on a real network path: proxy from the environment, endpoint
variables, retries of throttled CreateSession calls, no retry of a refusal."""

import http.server
import json
import socket
import subprocess
import threading
import urllib.error
import urllib.request

import pytest


def run(host, program, *extra, drop_endpoint=False, **environment):
    arguments = host.program_args(program, "--no-cache", *extra)
    if drop_endpoint:
        position = arguments.index("--endpoint")
        del arguments[position : position + 2]
    return subprocess.run(
        arguments, env=host.env(**environment), capture_output=True, text=True, timeout=120, check=False
    )


class ForwardingProxy(http.server.BaseHTTPRequestHandler):
    """A plain HTTP forward proxy: relays absolute-URL requests to their target and records each one."""

    def do_POST(self):  # pylint: disable=invalid-name
        self.server.requests.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {
            name: value
            for name, value in self.headers.items()
            if name.lower() not in ("proxy-connection", "connection")
        }
        request = urllib.request.Request(self.path, data=body, headers=headers, method="POST")
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            response = direct.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        payload = response.read()
        self.send_response(response.status if hasattr(response, "status") else response.code)
        for name, value in response.headers.items():
            if name.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args):
        pass


@pytest.fixture
def proxy():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ForwardingProxy)
    server.requests = []
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_proxy_from_the_environment_is_used_without_any_flag(program, make_host, proxy):
    host = make_host()
    proxy_url = "http://127.0.0.1:%d" % proxy.server_address[1]
    completed = run(host, program, HTTP_PROXY=proxy_url)
    assert completed.returncode == 0, completed.stderr
    assert len(proxy.requests) == 1 and proxy.requests[0].startswith(host.server.endpoint + "/sessions?")
    # --with-proxy stays accepted and changes nothing.
    assert run(host, program, "--with-proxy", http_proxy=proxy_url).returncode == 0
    assert len(proxy.requests) == 2
    bypass = run(host, program, HTTP_PROXY=proxy_url, NO_PROXY="127.0.0.1")
    assert bypass.returncode == 0, bypass.stderr
    assert len(proxy.requests) == 2 and len(host.sessions()) == 3


def test_endpoint_comes_from_the_environment_when_not_given(program, make_host):
    host = make_host()
    unreachable = "http://127.0.0.1:%d" % _closed_port()
    completed = run(
        host,
        program,
        drop_endpoint=True,
        AWS_ENDPOINT_URL=unreachable,
        AWS_ENDPOINT_URL_ROLESANYWHERE=host.server.endpoint,
    )
    assert completed.returncode == 0, completed.stderr
    generic = run(host, program, drop_endpoint=True, AWS_ENDPOINT_URL=host.server.endpoint)
    assert generic.returncode == 0, generic.stderr
    wrong = run(host, program, drop_endpoint=True, AWS_ENDPOINT_URL_ROLESANYWHERE=unreachable, AWS_MAX_ATTEMPTS="2")
    assert wrong.returncode == 1 and "ConnectionError: cannot reach %s/sessions" % unreachable in wrong.stderr
    assert len(host.sessions()) == 2


def test_throttled_create_session_is_retried_and_a_refusal_is_not(program, make_host, localaws):
    host = make_host()
    localaws.inject_fault("CreateSession", kind="throttle", count=2)
    completed = run(host, program, "--debug")
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["AccessKeyId"]
    assert completed.stderr.count("failed (ThrottlingException (HTTP 429)") == 2
    stranger = make_host()
    arguments = ["--trust-anchor-arn", stranger.trust.trust_anchor_arn]
    refused = run(host, program, *arguments, "--debug")
    assert refused.returncode == 1 and "AccessDeniedException (HTTP 403)" in refused.stderr
    assert "retrying" not in refused.stderr
