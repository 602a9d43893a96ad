"""Running the stand-in as a subprocess and talking to it: used by the pytest fixtures, `make demo` and the benchmarks."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable

import boto3

START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10


class LocalAwsError(RuntimeError):
    """The stand-in could not be started or answered an admin request with an error."""


class LocalAwsServer:
    """A running stand-in: where it listens, the administrator's credentials, and its admin API."""

    def __init__(self, process: subprocess.Popen, info: dict, work_dir: str, log_path: str):
        self.process = process
        self.endpoint = info["endpoint"]
        self.region = info["region"]
        self.account_id = info["account_id"]
        self.access_key_id = info["access_key_id"]
        self.secret_access_key = info["secret_access_key"]
        self.log_path = log_path
        # Set when the stand-in serves HTTPS: the PEM file of its own CA, which every client must trust.
        self.ca_bundle = info.get("ca_bundle")
        self._ssl_context = ssl.create_default_context(cafile=self.ca_bundle) if self.ca_bundle else None
        self._shared_session = boto3.session.Session(region_name=self.region)
        # boto3 sessions are not safe for creating clients from several threads at once.
        self._client_lock = threading.Lock()
        config_file = os.path.join(work_dir, "aws-config")
        credentials_file = os.path.join(work_dir, "aws-credentials")
        for path in (config_file, credentials_file):
            with open(path, "w", encoding="utf-8"):
                pass
        # Everything a subprocess (ansible-playbook, the AWS CLI) needs to talk to the stand-in as the administrator,
        # and nothing from the developer's own AWS configuration.
        self.env = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_CONFIG_FILE": config_file,
            "AWS_SHARED_CREDENTIALS_FILE": credentials_file,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        if self.ca_bundle:
            self.env["AWS_CA_BUNDLE"] = self.ca_bundle

    # ---- clients ------------------------------------------------------------------------------------------------

    def session(
        self, access_key_id: str | None = None, secret_access_key: str | None = None, session_token: str | None = None
    ) -> boto3.session.Session:
        """A boto3 session against the stand-in; the administrator's unless credentials are given."""
        return boto3.session.Session(
            aws_access_key_id=access_key_id or self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            aws_session_token=session_token,
            region_name=self.region,
        )

    def client(self, service: str, **kwargs):
        """A boto3 client for `service` as the administrator (kwargs go to Session.client, e.g. config=).

        `access_key_id`, `secret_access_key` and `session_token` select other credentials. Clients come from one
        shared session, which loads each service model once instead of once per client.
        """
        access_key_id = kwargs.pop("access_key_id", None) or self.access_key_id
        secret_access_key = kwargs.pop("secret_access_key", None) or self.secret_access_key
        session_token = kwargs.pop("session_token", None)
        with self._client_lock:
            if self.ca_bundle:
                kwargs.setdefault("verify", self.ca_bundle)
            return self._shared_session.client(
                service,
                endpoint_url=self.endpoint,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key,
                aws_session_token=session_token,
                **kwargs,
            )

    def create_user(self, user_name: str, policy: dict | None = None) -> dict[str, str]:
        """An IAM user with an optional inline policy (a dict); returns {"access_key_id", "secret_access_key", "arn"}."""
        iam = self.client("iam")
        user = iam.create_user(UserName=user_name)["User"]
        if policy is not None:
            iam.put_user_policy(UserName=user_name, PolicyName="inline", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=user_name)["AccessKey"]
        return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"], "arn": user["Arn"]}

    # ---- admin API ----------------------------------------------------------------------------------------------

    def _admin(self, method, action, document=None):
        data = None if document is None else json.dumps(document).encode("utf-8")
        request = urllib.request.Request(
            f"{self.endpoint}/_localaws/{action}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30, context=self._ssl_context) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise LocalAwsError(f"{method} /_localaws/{action} failed: {exc.code} {exc.read().decode()}") from None

    def inject_fault(
        self, operation: str, kind: str = "throttle", count: int = 1, seconds: float | None = None
    ) -> dict:
        """Make the next `count` calls of `operation` fail: kind "throttle" (429 ThrottlingException), "error500", or
        "hang" (accepted, then unanswered for `seconds` or until reset)."""
        document = {"operation": operation, "kind": kind, "count": count}
        if seconds is not None:
            document["seconds"] = seconds
        return self._admin("POST", "faults", document)

    def shift_clock(self, seconds: float) -> dict:
        """Run the emulated Roles Anywhere clock `seconds` ahead of real time (not cumulative; 0 undoes it)."""
        return self._admin("POST", "clock", {"shift_seconds": seconds})

    def session_log(self) -> list[dict]:
        """The CreateSession outcomes recorded so far (a list of dicts, oldest first)."""
        return self._admin("GET", "sessions")["sessions"]

    def reset(self) -> dict:
        """Forget all Roles Anywhere resources, session records, pending faults and the clock shift."""
        return self._admin("POST", "reset", {})

    def health(self) -> dict:
        return self._admin("GET", "health")

    # ---- life cycle ---------------------------------------------------------------------------------------------

    def kill(self) -> None:
        """End the stand-in at once (SIGKILL), as a crash or an OOM kill would: no clean shutdown, no last save."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def start_server(
    work_dir: str,
    region: str = "us-east-1",
    tls: bool = False,
    host: str = "127.0.0.1",
    tls_names: Iterable[str] = (),
    endpoint_host: str | None = None,
    state_file: str | None = None,
    port: int = 0,
) -> LocalAwsServer:
    """Start the stand-in on a free port and wait for its JSON line; returns a LocalAwsServer.

    With `state_file` it loads its state from that file (when it exists) and saves it there after every change: a
    stand-in started again with the same file serves the same resources to the same administrator key. `port` (0: a
    free one) lets a restarted stand-in keep the endpoint its clients were configured with.

    With `tls` it serves HTTPS; its CA, certificate and key are written to `work_dir`/tls (the server's `ca_bundle`),
    the certificate valid for `host`, localhost, 127.0.0.1 and `tls_names`. `endpoint_host` is the name clients put in
    the endpoint URL instead of the listening address (a proxy test needs a name Go does not treat as loopback).
    """
    # The process runs in work_dir, so every path it is given must not depend on the caller's directory.
    work_dir = os.path.abspath(work_dir)
    state_file = os.path.abspath(state_file) if state_file else None
    os.makedirs(work_dir, exist_ok=True)
    log_path = os.path.join(work_dir, "localaws.log")
    with open(log_path, "ab") as log:
        # The installed package, run by this interpreter: whoever imports this module can start the stand-in.
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "localaws", "--host", host, "--port", str(port), "--region", region]
            + (["--tls", "--tls-dir", os.path.join(work_dir, "tls")] if tls else [])
            + [argument for name in tls_names for argument in ("--tls-name", name)]
            + (["--state-file", str(state_file)] if state_file else []),
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=work_dir,
        )
    first_line = _read_line_with_timeout(process, START_TIMEOUT_SECONDS)
    try:
        info = json.loads(first_line)
    except ValueError:
        process.kill()
        process.wait()
        with open(log_path, encoding="utf-8", errors="replace") as log:
            raise LocalAwsError(f"the stand-in did not start (stdout {first_line!r}); its log:\n{log.read()}") from None
    if endpoint_host:
        info["endpoint"] = info["endpoint"].replace(f"://{host}:", f"://{endpoint_host}:", 1)
    return LocalAwsServer(process, info, work_dir, log_path)


def _read_line_with_timeout(process, timeout):
    lines = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not lines:
        process.kill()
        process.wait()
        raise LocalAwsError(f"the stand-in printed nothing within {timeout} s")
    return lines[0].decode("utf-8", "replace")
