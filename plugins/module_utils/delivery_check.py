# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is the serve or update service of a profile delivering? Looked at the way the workload reaches it.

serve: the profile's ``ec2_metadata_service_endpoint`` must answer the IMDSv2 token request and list a role whose
credentials it returns. update: the credentials file must hold the profile, written within one session duration.
Each check returns None (delivering) or a (cause code, details) pair of the diagnosis catalogue. Only loopback is
contacted; nothing is changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import configparser
import os
import socket
import time
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import ProxyHandler, Request, build_opener

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import delivery_port

TOKEN_PATH = "/latest/api/token"
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"
# The unit the credential_helper role installs for a user and profile, named in the diagnoses.
unit_name = delivery_port.unit_name


def _open(url, method="GET", headers=None, timeout=5):
    # Never through a proxy: the endpoint is on this host.
    opener = build_opener(ProxyHandler({}))
    response = opener.open(Request(url, method=method, headers=headers or {}), timeout=timeout)
    try:
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        response.close()


def _listening(host, port, timeout=5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def check_serve(endpoint, opener=_open):
    """None when the endpoint hands out credentials, else (cause code, details)."""
    details = {"metadata_endpoint": endpoint}
    parts = urlsplit(endpoint or "")
    if not parts.hostname or not parts.port:
        details["detail"] = "the profile names no endpoint with a port"
        return "delivery_service_down", details
    if not _listening(parts.hostname, parts.port):
        return "delivery_service_down", details
    base = endpoint.rstrip("/")
    try:
        status, token = opener(base + TOKEN_PATH, "PUT", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
        header = {"X-aws-ec2-metadata-token": token}
        status, role = opener(base + CREDENTIALS_PATH, "GET", header)
    except HTTPError as error:
        details["detail"] = "HTTP %s to the IMDSv2 token request" % error.code
        return "delivery_port_taken", details
    except (URLError, OSError, ValueError) as error:
        details["detail"] = str(getattr(error, "reason", error))
        return "delivery_port_taken", details
    role = role.strip().splitlines()[0] if role.strip() else ""
    if not role:
        details["detail"] = "it lists no role"
        return "delivery_port_taken", details
    try:
        opener(base + CREDENTIALS_PATH + role, "GET", header)
    except HTTPError as error:
        details["detail"] = "HTTP %s for the credentials of %s" % (error.code, role)
        return "delivery_service_failing", details
    except (URLError, OSError, ValueError) as error:
        details["detail"] = str(getattr(error, "reason", error))
        return "delivery_service_failing", details
    return None


def credentials_file_path(explicit=None, environ=None):
    environ = os.environ if environ is None else environ
    return os.path.expanduser(explicit or environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials")


def check_update(credentials_file, profile, session_duration, now=None):
    """None when the file holds the profile's keys, written within one session duration; else (cause, details)."""
    details = {"credentials_file": credentials_file, "session_duration": session_duration}
    parser = configparser.RawConfigParser()
    try:
        with open(credentials_file, "r") as handle:
            parser.read_string(handle.read())
        modified = os.stat(credentials_file).st_mtime
    except (OSError, UnicodeDecodeError, configparser.Error):
        return "credentials_file_missing", details
    if not parser.has_section(profile) or not parser.get(profile, "aws_session_token", fallback=None):
        return "credentials_file_missing", details
    age = int((time.time() if now is None else now) - modified)
    if age > session_duration:
        details["age"] = age
        return "credentials_file_stale", details
    return None
