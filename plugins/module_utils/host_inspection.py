# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host's AWS profile for IAM Roles Anywhere rests on, read from the host itself.

The profile's ``credential_process`` line names the signing helper and the certificate, key and
intermediates files. This module reads that line the way the AWS CLI does, then looks at each file:
does the helper exist and run, is the certificate inside its validity, does the key belong to it, is
its issuer among the intermediates. Certificates are read with python3-cryptography when it is
installed, else with the ``openssl`` binary, so the check runs on hosts with neither pip nor compilers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import re
import shutil

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import credential_command, host_crypto

# Both certificate backends are host_crypto's, shared with enrolment and signing; the names stay importable from here.
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.host_crypto import (  # noqa: F401 pylint: disable=unused-import
    CryptographyBackend,
    OpensslBackend,
)

try:
    import configparser
except ImportError:  # pragma: no cover - Python 2 hosts are out of scope, the import only keeps compile sanity quiet
    configparser = None

HAS_CRYPTOGRAPHY = host_crypto.cryptography_importable()

DEFAULT_CONFIG_FILE = os.path.join("~", ".aws", "config")
REQUIRED_FLAGS = ("trust-anchor-arn", "profile-arn", "role-arn")
# Flags that select the certificate from a store instead of files; then there are no files to inspect.
CERTIFICATE_STORE_FLAGS = ("cert-selector", "system-store-name", "pkcs11-lib")
_ARN_REGION = re.compile(r"^arn:[^:]+:rolesanywhere:(?P<region>[^:]+):")


class InspectionError(Exception):
    """A file could not be read or parsed; the message says which and why."""


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso8601(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def config_file_path(explicit=None, environ=None):
    """The AWS config file the CLI reads: the explicit path, else AWS_CONFIG_FILE, else ~/.aws/config."""
    environ = os.environ if environ is None else environ
    return os.path.expanduser(explicit or environ.get("AWS_CONFIG_FILE") or DEFAULT_CONFIG_FILE)


def _section_name(profile):
    return "default" if profile == "default" else "profile " + profile


def _profile_names(parser):
    names = []
    for section in parser.sections():
        if section == "default":
            names.append("default")
        elif section.startswith("profile "):
            names.append(section[len("profile ") :].strip())
    return names


def read_profile(config_text, profile):
    """Read one profile from the text of an AWS config file.

    Returns (settings, findings, details): settings holds ``credential_process`` (one line, or None),
    ``region`` and ``lines`` (how many lines the credential_process spans); findings are cause codes.
    """
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(config_text)
    except configparser.Error as error:
        return {}, ["aws_config_unparsable"], {"detail": str(error).splitlines()[0]}
    section = _section_name(profile)
    if not parser.has_section(section):
        available = ", ".join(_profile_names(parser)) or "none"
        return {}, ["profile_missing"], {"available": available}
    command = parser.get(section, "credential_process", fallback=None)
    settings = {
        "region": parser.get(section, "region", fallback=None),
        "credential_process": None,
        "lines": 0,
        "services": parser.get(section, "services", fallback=None),
        "ec2_metadata_service_endpoint": parser.get(section, "ec2_metadata_service_endpoint", fallback=None),
    }
    if not command or not command.strip():
        return settings, ["credential_process_missing"], {}
    lines = [line for line in command.splitlines() if line.strip()]
    settings["lines"] = len(lines)
    # Inspect what the CLI would run (it splits on any whitespace); report the line breaks separately.
    settings["credential_process"] = " ".join(line.strip().rstrip("\\").strip() for line in lines)
    findings = ["credential_process_multiline"] if len(lines) > 1 else []
    return settings, findings, {"lines": len(lines)}


def parse_credential_process(command):
    """Split a credential_process command into the helper, its subcommand and its --flags (credential_command.parse)."""
    try:
        return credential_command.parse(command)
    except credential_command.CommandError as error:
        raise InspectionError(str(error))


def missing_flags(parsed):
    """The flags a Roles Anywhere credential-process call cannot do without, as they are written."""
    flags = parsed["flags"]
    missing = [] if parsed["subcommand"] == "credential-process" else ["the credential-process subcommand"]
    if not any(name in flags for name in CERTIFICATE_STORE_FLAGS):
        missing += ["--" + name for name in ("certificate", "private-key") if not flags.get(name)]
    missing += ["--" + name for name in REQUIRED_FLAGS if not flags.get(name)]
    return missing


def resolve_executable(path, search_path=None):
    """The absolute path of a command as a shell would find it, or None."""
    if os.sep in path:
        return os.path.abspath(os.path.expanduser(path))
    return shutil.which(path, path=search_path)


def inspect_helper(parsed, search_path=None):
    """Cause codes (helper_missing / helper_not_executable) and details for the helper of the command."""
    helper = parsed["helper"]
    details = {"helper": helper}
    if parsed["interpreter"]:
        interpreter = resolve_executable(parsed["interpreter"], search_path)
        if not interpreter or not os.path.isfile(interpreter):
            return ["helper_missing"], {"helper": parsed["interpreter"]}
        script = os.path.expanduser(helper)
        if not os.path.isfile(script):
            return ["helper_missing"], details
        return ([] if os.access(script, os.R_OK) else ["helper_not_executable"]), details
    resolved = resolve_executable(helper, search_path)
    if not resolved or not os.path.exists(resolved):
        return ["helper_missing"], details
    details["helper"] = resolved
    if not os.path.isfile(resolved) or not os.access(resolved, os.X_OK):
        return ["helper_not_executable"], details
    return [], details


def endpoint_of(parsed, region=None):
    """The Roles Anywhere endpoint the helper talks to: --endpoint, else the regional one."""
    flags = parsed["flags"]
    if flags.get("endpoint") and flags["endpoint"] is not True:
        return flags["endpoint"]
    region = flags.get("region") if flags.get("region") is not True else None
    if not region:
        match = _ARN_REGION.match(str(flags.get("trust-anchor-arn") or ""))
        region = match.group("region") if match else region
    return "https://rolesanywhere.{0}.amazonaws.com".format(region) if region else None


# Certificate facts: both backends return the same plain facts, so the rules below do not care which one ran.


def certificates(backend, pem):
    """The facts of every PEM certificate in ``pem`` (bytes): subject, issuer, serial, validity, public key."""
    facts = []
    for block in host_crypto.pem_texts(pem, "CERTIFICATE"):
        try:
            info = backend.certificate_info(block, names=False)
        except (host_crypto.CryptoError, ValueError) as error:
            raise InspectionError("not a valid PEM certificate ({0})".format(getattr(error, "detail", error)))
        facts.append(
            {
                "subject": info["subject_name"],
                "issuer": info["issuer"],
                "serial": info["serial"],
                "not_before": info["not_before"],
                "not_after": info["not_after"],
                "public_key": info["public_key_der"],
            }
        )
    return facts


def public_key_of(backend, key_pem):
    """The DER public key of a private key, comparable with a certificate's ``public_key``."""
    try:
        return backend.public_key_der(key_pem)
    except host_crypto.CryptoError as error:
        raise InspectionError("not an unencrypted PEM private key ({0})".format(error.detail))


def pick_backend(prefer=None, openssl_path=None):
    """cryptography when importable (unless ``prefer`` says openssl), else the openssl binary, else None."""
    try:
        return host_crypto.select_backend("openssl" if prefer == "openssl" else "auto", openssl_path=openssl_path)
    except host_crypto.CryptoError:
        return None


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def certificate_summary(cert, now):
    """What the result reports about the certificate: no key material, just identity and validity."""
    return {
        "subject": cert["subject"],
        "issuer": cert["issuer"],
        "serial": cert["serial"],
        "not_before": iso8601(cert["not_before"]),
        "not_after": iso8601(cert["not_after"]),
        "days_left": int((cert["not_after"] - now).total_seconds() // 86400),
    }


def validity_findings(cert, now):
    if now > cert["not_after"]:
        return ["certificate_expired"]
    if now < cert["not_before"]:
        return ["certificate_not_yet_valid"]
    return []


def chain_facts(leaf, intermediates, candidates):
    """Does the issuer of the leaf appear where the helper will send it?

    ``intermediates`` are the certificates passed with --intermediates; ``candidates`` maps other PEM files
    near the certificate to their certificates. Returns (finding codes, details). A leaf whose issuer is an
    intermediate CA found next to it, but not passed, is the classic "Untrusted signing certificate".
    """
    if leaf["issuer"] == leaf["subject"] or any(cert["subject"] == leaf["issuer"] for cert in intermediates):
        return [], {}
    details = {
        "issuer": leaf["issuer"],
        "intermediates_state": "passes intermediates that do not include it"
        if intermediates
        else "passes no --intermediates",
    }
    for path, certs in sorted(candidates.items()):
        issuer = next((cert for cert in certs if cert["subject"] == leaf["issuer"]), None)
        # A self-issued issuer is a root: the trust anchor itself, which the helper need not send.
        if issuer is not None and issuer["subject"] != issuer["issuer"]:
            details["chain_hint"] = " " + path
            return ["intermediates_missing"], details
    return [], details


def nearby_certificate_files(certificate_path, exclude, backend):
    """PEM certificate files in the directory of the certificate (a chain or CA file the enroll role installed)."""
    directory = os.path.dirname(certificate_path) or "."
    found = {}
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return found
    for name in names:
        path = os.path.join(directory, name)
        if path in exclude or not os.path.isfile(path) or not name.endswith((".pem", ".crt", ".cer")):
            continue
        try:
            data = _read(path)
            if b"BEGIN CERTIFICATE" in data:
                found[path] = certificates(backend, data)
        except (OSError, InspectionError):
            continue
    return found


def inspect_certificate_files(flags, backend, now=None):
    """Inspect --certificate, --private-key and --intermediates. Returns (summary or None, findings, details)."""
    now = now or utcnow()
    cert_path = os.path.expanduser(str(flags.get("certificate") or ""))
    key_path = os.path.expanduser(str(flags.get("private-key") or ""))
    chain_path = flags.get("intermediates")
    chain_path = os.path.expanduser(chain_path) if isinstance(chain_path, str) else None
    details = {"certificate_path": cert_path, "private_key_path": key_path, "intermediates_path": chain_path}
    if backend is None:
        return None, [], dict(details, inspection="neither python3-cryptography nor openssl is available on the host")
    try:
        certs = certificates(backend, _read(cert_path))
        if not certs:
            raise InspectionError("no PEM certificate in the file")
    except (OSError, InspectionError) as error:
        return None, ["certificate_unreadable"], dict(details, detail=str(error))
    leaf = certs[0]
    summary = certificate_summary(leaf, now)
    details.update(
        subject=leaf["subject"],
        issuer=leaf["issuer"],
        serial=summary["serial"],
        not_before=summary["not_before"],
        not_after=summary["not_after"],
    )
    findings = validity_findings(leaf, now)
    try:
        if public_key_of(backend, _read(key_path)) != leaf["public_key"]:
            findings.append("key_mismatch")
    except (OSError, InspectionError) as error:
        findings.append("private_key_unreadable")
        details["detail"] = str(error)
    # Helpers send only the first certificate of --certificate; the chain must come from --intermediates.
    intermediates = []
    if chain_path:
        try:
            intermediates = certificates(backend, _read(chain_path))
        except (OSError, InspectionError) as error:
            details["intermediates_problem"] = str(error)
    exclude = set(path for path in (cert_path, key_path, chain_path) if path)
    chain_findings, chain_details = chain_facts(
        leaf, intermediates, nearby_certificate_files(cert_path, exclude, backend)
    )
    details.update(chain_details)
    return summary, findings + chain_findings, details
