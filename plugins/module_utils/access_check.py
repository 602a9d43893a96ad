# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prove that a host's AWS profile works the way its workload uses it, and explain it when it does not.

The proof is two calls through the profile, ``sts get-caller-identity`` and ``redshift describe-clusters``: made
in-process with botocore where the host's Python has it (access_sdk), else with the real AWS CLI. Around it, the
host's own files are inspected (config, helper, certificate, key, chain) and, after a failure, the host clock is compared with the service's, so the
result names one cause and its fix. Command execution and the clock probe are passed in, which keeps
this testable without a network.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import getpass
import json
import os
import random
import re
import time

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import awscli_version, host_inspection


# A check that succeeds reads neither the diagnosis catalogue nor the serve/update delivery checks: they are imported
# when first needed, which spares every host compiling them (AnsiballZ ships module_utils as source) and compiling the
# catalogue's patterns. AnsiballZ still packs them: its scan reads imports inside functions too.
def diagnoses():
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import diagnosis

    return diagnosis


def delivery_checks():
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import delivery_check

    return delivery_check


# Ambient credentials would let the CLI succeed without the profile's credential_process; the workload's
# own configuration is what is being proven, so they are removed from the CLI's environment.
AMBIENT_CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
)

# The collection's credential-process program honours this variable: "refresh" makes it ask the service now, even
# with fresh credentials in its cache, so a revoked or untrusted certificate fails verification at once. The official
# helper keeps no cache and ignores it.
CREDENTIAL_CACHE_VARIABLE = "ROLESANYWHERE_CREDENTIAL_CACHE"

CALLER_IDENTITY = ("sts", "get-caller-identity")
DESCRIBE_CLUSTERS = ("redshift", "describe-clusters", "--query", "Clusters[].ClusterIdentifier")
ACTIONS = {CALLER_IDENTITY: "sts:GetCallerIdentity", DESCRIBE_CLUSTERS: "redshift:DescribeClusters"}


def remove_ambient_credentials(environ):
    for name in AMBIENT_CREDENTIAL_VARIABLES:
        environ.pop(name, None)


def current_user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.geteuid())


def parse_http_date(value):
    """A datetime from an HTTP Date header, or None."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def inspect_host(profile, config_file, backend, now=None, search_path=None):
    """Everything the host itself can tell: (facts, findings, certificate summary or None)."""
    facts = {"profile": profile, "config_file": config_file, "user": current_user()}
    if not os.path.isfile(config_file):
        return facts, ["aws_config_missing"], None
    try:
        with open(config_file, "r") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        facts["detail"] = str(error)
        return facts, ["aws_config_unparsable"], None
    settings, findings, details = host_inspection.read_profile(text, profile)
    facts.update(details)
    facts["services"] = settings.get("services")
    facts["metadata_endpoint"] = settings.get("ec2_metadata_service_endpoint")
    command = settings.get("credential_process")
    if not command:
        return facts, findings, None
    try:
        parsed = host_inspection.parse_credential_process(command)
    except host_inspection.InspectionError as error:
        facts["missing"] = str(error)
        return facts, findings + ["credential_process_incomplete"], None
    flags = parsed["flags"]
    facts.update(
        trust_anchor_arn=flags.get("trust-anchor-arn"),
        profile_arn=flags.get("profile-arn"),
        role_arn=flags.get("role-arn"),
        endpoint=host_inspection.endpoint_of(parsed, settings.get("region")),
    )
    missing = host_inspection.missing_flags(parsed)
    if missing:
        facts["missing"] = ", ".join(missing)
        findings.append("credential_process_incomplete")
    helper_findings, helper_details = host_inspection.inspect_helper(parsed, search_path)
    findings += helper_findings
    facts.update(helper_details)
    summary = None
    if flags.get("certificate") and not any(name in flags for name in host_inspection.CERTIFICATE_STORE_FLAGS):
        summary, cert_findings, cert_details = host_inspection.inspect_certificate_files(flags, backend, now)
        findings += cert_findings
        facts.update(cert_details)
    facts["inspection_backend"] = backend.name if backend else None
    return facts, findings, summary


# CreateSession allows 10 calls per second per account and region. The official helper gives up after its SDK's three
# retries, so a fleet verified at high forks can see a throttled CLI call; the check is worth repeating, the answer
# of a denial is not.
THROTTLED = re.compile(
    r"ThrottlingException|TooManyRequestsException|Rate exceeded|status code: 429|\(HTTP 429\)", re.I
)
THROTTLE_RETRIES = 4
THROTTLE_BACKOFF_CAP_SECONDS = 8.0


def throttle_delay(retry_number, uniform=random.random):
    """Full jitter over a doubling window (1, 2, 4, 8 s), so the hosts of one fleet do not retry in step."""
    return uniform() * min(THROTTLE_BACKOFF_CAP_SECONDS, 2.0 ** (retry_number - 1))


class AccessCheck:
    """One verification of one profile on one host.

    ``run(args, environ_update)`` runs a command and returns (rc, stdout, stderr);
    ``server_date(url)`` returns the Date header of an HTTP answer from url as text, or None.

    ``sdk`` (an access_sdk.SdkCaller) makes the calls in-process; without it the AWS CLI makes them through ``run``.
    """

    def __init__(self, params, run, server_date, backend, now=None, sleep=time.sleep, sdk=None):
        self.sdk = sdk
        self.params = params
        self.run = run
        self.server_date = server_date
        self.backend = backend
        self.now = now or host_inspection.utcnow
        self.sleep = sleep
        self.throttled_retries = 0

    def environment(self, refresh_credentials=False):
        update = {"AWS_PAGER": ""}
        if self.params.get("aws_config_file"):
            update["AWS_CONFIG_FILE"] = self.params["aws_config_file"]
        if self.params.get("credentials_file"):
            update["AWS_SHARED_CREDENTIALS_FILE"] = self.params["credentials_file"]
        if refresh_credentials:
            update[CREDENTIAL_CACHE_VARIABLE] = "refresh"
        return update

    def aws(self, awscli, command):
        args = (
            [awscli]
            + list(command)
            + ["--profile", self.params["profile"], "--region", self.params["region"], "--output", "json"]
        )
        if self.params.get("timeout"):
            # The CLI's own calls give up before the whole command is stopped, with the endpoint in their message.
            seconds = str(max(1, self.params["timeout"] // 3))
            args += ["--cli-connect-timeout", seconds, "--cli-read-timeout", seconds]
        # The first call proves what the service says now; the second reuses the credentials the first one just obtained.
        environ_update = self.environment(refresh_credentials=command == CALLER_IDENTITY)
        return self.retrying_throttled(lambda: self.run(args, environ_update))

    def retrying_throttled(self, attempt):
        """attempt() -> (rc, stdout, stderr), repeated while CreateSession is throttled."""
        retry = 0
        while True:
            rc, stdout, stderr = attempt()
            if rc == 0 or retry >= THROTTLE_RETRIES or not THROTTLED.search(stderr or ""):
                return rc, stdout, stderr
            retry += 1
            self.throttled_retries += 1
            self.sleep(throttle_delay(retry))

    def call(self, awscli, command):
        """One call through the profile, by the SDK or the CLI: (document, None) or (None, error text)."""
        if self.sdk is not None:
            environ_update = self.environment(refresh_credentials=command == CALLER_IDENTITY)
            answers = {}

            def attempt():
                document, error = self.sdk.call(command, environ_update)
                answers["document"] = document
                return (1, "", error) if error is not None else (0, "", "")

            rc, _stdout, error = self.retrying_throttled(attempt)
            return (answers["document"], None) if rc == 0 else (None, error)
        rc, stdout, stderr = self.aws(awscli, command)
        if rc != 0:
            return None, stderr or stdout
        try:
            return json.loads(stdout or "null"), None
        except ValueError:
            # A wrapper or an old CLI printed something else than the JSON asked for.
            return None, "unexpected output of the AWS CLI (not the JSON asked for): " + (stdout or "")[:200]

    def clock_skew(self, endpoint):
        """Host clock minus service clock in whole seconds, or None when the service cannot be asked."""
        if not endpoint:
            return None
        before = self.now()
        server = parse_http_date(self.server_date(endpoint))
        if server is None:
            return None
        # The Date header has whole seconds; compare with the midpoint of the request.
        host = before + (self.now() - before) / 2
        return int(round((host - server).total_seconds()))

    def execute(self, awscli):
        config_file = host_inspection.config_file_path(self.params.get("aws_config_file"))
        facts, findings, certificate = inspect_host(self.params["profile"], config_file, self.backend, self.now())
        delivery = self.params.get("delivery") or "process"
        if delivery != "process":
            # The profile has no credential_process by design: the service delivers.
            findings = [code for code in findings if code != "credential_process_missing"]
        result = {
            "ok": False,
            "profile": self.params["profile"],
            "region": self.params["region"],
            "config_file": config_file,
            "helper": facts.get("helper"),
            "role_arn": facts.get("role_arn"),
            "trust_anchor_arn": facts.get("trust_anchor_arn"),
            "profile_arn": facts.get("profile_arn"),
            "assumed_role_arn": None,
            "account": None,
            "clusters": [],
            "certificate": certificate,
            "findings": sorted(set(findings)),
            "inspection_backend": facts.get("inspection_backend"),
            "clock_skew_seconds": None,
        }
        if awscli is None and self.sdk is None:
            result["diagnosis"] = diagnoses().make(
                "awscli_missing", awscli=self.params.get("aws_cli"), user=facts.get("user")
            )
            return result
        result["delivery"] = delivery
        result["client"] = "sdk" if self.sdk is not None else "cli"
        problem = self.delivery_problem(delivery, facts, findings)
        if problem:
            result["findings"] = sorted(set(findings + [problem["code"]]))
            result["diagnosis"] = problem
            return result
        if facts.get("services") and self.sdk is None:
            # (the SDK client is only chosen where botocore reads the services section: access_sdk.usable)
            problem = self.services_section_ignored(awscli, facts)
            if problem:
                result["diagnosis"] = problem
                return result
        for command in (CALLER_IDENTITY, DESCRIBE_CLUSTERS):
            document, error = self.call(awscli, command)
            if error is None:
                try:
                    self.record(command, document, result)
                    continue
                except (ValueError, TypeError, AttributeError):
                    error = "unexpected answer to {0} (not the document asked for): {1}".format(
                        " ".join(command[:2]), str(document)[:200]
                    )
            result["diagnosis"] = self.diagnose(command, error, facts, findings, result)
            return result
        problem = self.problem_after_success(result, facts, findings)
        if problem:
            result["diagnosis"] = problem
            return result
        result["ok"] = True
        return result

    def delivery_problem(self, delivery, facts, findings):
        """serve and update: is the service delivering where the workload looks? (None for process.)"""
        if delivery == "process" or any(
            code in findings for code in ("aws_config_missing", "aws_config_unparsable", "profile_missing")
        ):
            return None
        profile = self.params["profile"]
        delivery_check = delivery_checks()
        values = dict(facts, unit=delivery_check.unit_name(facts.get("user"), profile))
        if delivery == "serve":
            found = delivery_check.check_serve(facts.get("metadata_endpoint"))
        else:
            path = delivery_check.credentials_file_path(self.params.get("credentials_file"))
            found = delivery_check.check_update(path, profile, self.params.get("session_duration") or 3600)
        if found is None:
            return None
        code, details = found
        values.update(details)
        return diagnoses().make(code, **values)

    def services_section_ignored(self, awscli, facts):
        """A CLI too old for the profile's services section would call the public endpoints instead: say so first."""
        _rc, stdout, stderr = self.run([awscli, "--version"], self.environment())
        version = awscli_version.parse((stdout or "") + " " + (stderr or ""))
        if version is None or awscli_version.reads_services_section(version):
            return None
        minimum = awscli_version.minimum_for_services_section(version)
        return diagnoses().make(
            "awscli_ignores_services",
            **dict(facts, awscli=awscli, version=awscli_version.text(version), minimum=awscli_version.text(minimum)),
        )

    @staticmethod
    def record(command, document, result):
        if command == CALLER_IDENTITY:
            result["assumed_role_arn"] = document.get("Arn")
            result["account"] = document.get("Account")
        else:
            result["clusters"] = sorted(document or [])

    def problem_after_success(self, result, facts, findings):
        """The CLI worked, but not the way the workload relies on: other credentials, or a line other SDKs break on."""
        expected_role = (facts.get("role_arn") or "").split("/")[-1]
        assumed = result.get("assumed_role_arn") or ""
        if expected_role and ":assumed-role/{0}/".format(expected_role) not in assumed:
            return diagnoses().make("wrong_identity", **dict(facts, assumed_role_arn=assumed))
        if "credential_process_multiline" in findings:
            return diagnoses().make("credential_process_multiline", **facts)
        return None

    def diagnose(self, command, error_text, facts, findings, result):
        diagnosis = diagnoses()
        service_cause, details = diagnosis.classify_error(error_text, ACTIONS[command])
        if service_cause in diagnosis.CAUSES_A_SKEWED_CLOCK_CAN_EXPLAIN:
            result["clock_skew_seconds"] = self.clock_skew(facts.get("endpoint"))
        cause = diagnosis.choose(service_cause, findings, result["clock_skew_seconds"])
        # The facts of the chosen side win: the host's for a local cause, the service's words otherwise.
        first, second = (details, facts) if cause in diagnosis.LOCAL_CAUSES else (facts, details)
        values = dict(first)
        values.update(second)
        values.update(
            operation=" ".join(command[:2]),
            command=" ".join(command),
            skew=result["clock_skew_seconds"],
            limit=diagnosis.MAX_CLOCK_SKEW_SECONDS,
        )
        return diagnosis.make(cause, **values)
