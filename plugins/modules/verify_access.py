#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: verify_access
short_description: Prove that a host gets AWS credentials through IAM Roles Anywhere, or explain why not
version_added: 1.0.0
description:
  - Runs on the host, as the user whose AWS profile is checked (use C(become_user) for another user).
  - Through the AWS profile O(profile), exactly as a workload would, makes two calls, C(sts get-caller-identity) and
    C(redshift describe-clusters), and reports the assumed role, the account, the Redshift clusters it sees and the
    certificate in use.
  - Where the Python that runs the module can import botocore (1.31 or later), both calls are made in that process with
    one botocore session on the profile and config file, as the workload's SDK makes them (see O(client)), so the
    C(credential_process) starts once. Otherwise the real AWS CLI runs once per call.
  - Reads the profile's C(credential_process) line from the AWS config file to find the signing helper and the
    certificate, private key and intermediates files, and inspects them locally (with python3-cryptography when
    installed, else the C(openssl) binary).
  - When a call fails, names one cause and its fix in RV(diagnosis) - for example an expired certificate, a key that
    does not match the certificate, missing intermediates, a disabled profile, a role missing from the profile, a trust
    policy that refuses the certificate subject, a missing permission, a skewed host clock, a missing helper or a
    malformed config - and fails, unless O(fail_on_error=false).
  - The first call runs with E(ROLESANYWHERE_CREDENTIAL_CACHE=refresh), which makes the collection's credential-process
    program ask IAM Roles Anywhere now instead of answering from its cache, so a revoked or no longer trusted certificate
    fails verification at once (the official helper keeps no cache). The second call reuses what the first obtained.
  - Reads only; it changes nothing on the host or in AWS (beyond the credential cache), and runs in check mode too.
  - Credentials never appear in the result; error text is cleared of anything that looks like a secret.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  profile:
    description:
      - Name of the AWS CLI/SDK profile to check, as written in the AWS config file (V(default) for the default profile).
    type: str
    required: true
  region:
    description:
      - AWS region of the calls, e.g. V(us-east-1).
    type: str
    required: true
  aws_cli:
    description:
      - The AWS CLI to run, a command name looked up in E(PATH) or an absolute path.
    type: str
    default: aws
  aws_config_file:
    description:
      - AWS config file that holds the profile. It is passed to the CLI as E(AWS_CONFIG_FILE).
      - When omitted, E(AWS_CONFIG_FILE) of the environment or C(~/.aws/config) of the user is used, as the CLI does.
    type: path
  expiry_warning_days:
    description:
      - Warn when the certificate expires within this many days. V(0) turns the warning off.
    type: int
    default: 30
  certificate_backend:
    description:
      - How to read certificates and keys on the host. V(auto) uses python3-cryptography when importable, else C(openssl).
    type: str
    choices: [auto, cryptography, openssl]
    default: auto
  timeout:
    description:
      - Seconds each AWS CLI call (with the C(credential_process) it runs) may take before it is stopped and the check
        fails with the cause V(timed_out), naming the endpoint. An endpoint that accepts connections and never answers
        would otherwise hold the task for minutes.
      - The CLI's own connect and read timeouts are set to a third of it. The bound is kept with coreutils' C(timeout),
        which stops the whole process group; on a host without it only the CLI's own timeouts apply.
      - With the V(sdk) client, botocore's connect and read timeouts are a third of it, and both calls together (with the
        C(credential_process), whose process group is stopped at the deadline) must end within it.
    type: int
    default: 120
  client:
    description:
      - What makes the two calls through the profile.
      - V(sdk) makes them in the module's own Python process with botocore, one session for both calls, so the
        C(credential_process) (or, with O(delivery=serve) or O(delivery=update), the endpoint or credentials file) is
        used exactly as the workload's SDK uses it. It needs botocore 1.31 or later importable by the Python that runs
        the module (boto3 is not needed).
      - V(cli) runs the AWS CLI O(aws_cli) once per call.
      - V(auto) uses V(sdk) where botocore 1.31 or later is importable, else V(cli).
      - Either client gives the same RV(diagnosis) for the same failure.
    type: str
    choices: [auto, sdk, cli]
    default: auto
  delivery:
    description:
      - How the profile gets its credentials (the credential_helper role's C(rolesanywhere_credential_delivery)).
      - V(serve) first checks the profile's C(ec2_metadata_service_endpoint) the way the SDKs use it (IMDSv2 token, role,
        credentials) and names a stopped service, a port held by another program or a service without credentials.
      - V(update) first checks that the credentials file holds the profile, written within O(session_duration).
      - Then the AWS CLI calls prove the whole path in every mode.
    type: str
    choices: [process, serve, update]
    default: process
  credentials_file:
    description:
      - With O(delivery=update), the credentials file the service writes; passed to the CLI as E(AWS_SHARED_CREDENTIALS_FILE).
      - When omitted, E(AWS_SHARED_CREDENTIALS_FILE) or C(~/.aws/credentials), as the CLI does.
    type: path
  session_duration:
    description:
      - With O(delivery=update), the session duration in seconds; a profile written longer ago than this has expired.
    type: int
    default: 3600
  fail_on_error:
    description:
      - Fail the task when the check fails. With V(false) the task succeeds and RV(ok) and RV(diagnosis) tell the outcome.
    type: bool
    default: true
notes:
  - Credentials of the environment (E(AWS_ACCESS_KEY_ID), E(AWS_PROFILE), ...) are removed for the calls (either client),
    so only the profile's own configuration is proven.
  - The clock comparison asks the Roles Anywhere endpoint of the profile for its C(Date) header, only after a failure.
attributes:
  check_mode:
    details: It only reads, so it runs the same checks in check mode.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes.no_diff
seealso:
  - name: IAM Roles Anywhere troubleshooting
    description: What the service checks in CreateSession.
    link: https://docs.aws.amazon.com/rolesanywhere/latest/userguide/troubleshooting.html
"""

EXAMPLES = r"""
- name: Prove the Redshift profile of the service user works
  hybridcloud.rolesanywhere.verify_access:
    profile: redshift-reader
    region: eu-west-1
  become: true
  become_user: etl

- name: Check without failing, then report
  hybridcloud.rolesanywhere.verify_access:
    profile: redshift-reader
    region: eu-west-1
    aws_cli: /opt/awscli/bin/aws
    aws_config_file: /srv/etl/.aws/config
    fail_on_error: false
  register: access

- name: Show the cause and the fix
  ansible.builtin.debug:
    msg: "{{ access.diagnosis.message }} Fix: {{ access.diagnosis.fix }}"
  when: not access.ok
"""

RETURN = r"""
ok:
  description: Whether both calls worked through the profile with the role of its credential_process.
  returned: always
  type: bool
  sample: true
client:
  description: What made the calls, V(sdk) (botocore in the module's process) or V(cli) (the AWS CLI).
  returned: when the calls could be attempted
  type: str
  sample: sdk
delivery:
  description: The delivery mode checked.
  returned: when the AWS CLI was found
  type: str
  sample: serve
profile:
  description: The profile checked.
  returned: always
  type: str
  sample: redshift-reader
region:
  description: The region of the calls.
  returned: always
  type: str
  sample: us-east-1
config_file:
  description: The AWS config file that was read.
  returned: always
  type: str
  sample: /home/etl/.aws/config
helper:
  description: The signing helper named in the profile's credential_process.
  returned: when the profile has a credential_process
  type: str
  sample: /usr/local/bin/aws_signing_helper
role_arn:
  description: The role ARN named in the profile's credential_process.
  returned: when the profile has a credential_process
  type: str
  sample: arn:aws:iam::123456789012:role/redshift-reader
trust_anchor_arn:
  description: The trust anchor ARN named in the profile's credential_process.
  returned: when the profile has a credential_process
  type: str
  sample: arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45
profile_arn:
  description: The Roles Anywhere profile ARN named in the profile's credential_process.
  returned: when the profile has a credential_process
  type: str
  sample: arn:aws:rolesanywhere:us-east-1:123456789012:profile/6f4b2e8a-8d0e-4f8b-9a53-0b8f1c2d3e4f
assumed_role_arn:
  description: The identity the credentials belong to, from C(sts get-caller-identity).
  returned: always
  type: str
  sample: arn:aws:sts::123456789012:assumed-role/redshift-reader/1a2b3c
account:
  description: The AWS account of the credentials.
  returned: always
  type: str
  sample: "123456789012"
clusters:
  description: Identifiers of the Redshift clusters the role sees in the region.
  returned: always
  type: list
  elements: str
  sample: [analytics]
certificate:
  description: The certificate of the profile, read on the host. Null when it could not be read.
  returned: always
  type: dict
  contains:
    subject:
      description: Subject, RFC 4514.
      type: str
      sample: CN=db01.example.com,O=Example
    issuer:
      description: Issuer, RFC 4514.
      type: str
      sample: CN=Example Roles Anywhere CA
    serial:
      description: Serial number in hex as C(openssl x509 -serial -noout) prints it (upper case, whole bytes), the spelling
        the revoke playbook reads.
      type: str
      sample: "5A1F0C3E9B"
    not_before:
      description: Start of validity, UTC, ISO 8601.
      type: str
      sample: "2026-01-01T00:00:00Z"
    not_after:
      description: End of validity, UTC, ISO 8601.
      type: str
      sample: "2026-12-31T00:00:00Z"
    days_left:
      description: Whole days until the end of validity (negative when expired).
      type: int
      sample: 120
findings:
  description: Cause codes of the problems the host inspection found, whether or not they broke the calls.
  returned: always
  type: list
  elements: str
  sample: []
inspection_backend:
  description: What read the certificate files, V(cryptography) or V(openssl); null when nothing could.
  returned: always
  type: str
  sample: cryptography
clock_skew_seconds:
  description: Host clock minus the service's clock, measured after a failure that a wrong clock can cause; else null.
  returned: always
  type: int
  sample: null
diagnosis:
  description: The cause of the failure and how to fix it.
  returned: when RV(ok) is false
  type: dict
  contains:
    code:
      description: Cause code, e.g. V(certificate_expired), V(key_mismatch), V(intermediates_missing), V(profile_disabled),
        V(delivery_service_down), V(credentials_file_stale).
      type: str
      sample: certificate_expired
    message:
      description: What is wrong, naming the file, ARN or setting.
      type: str
      sample: The certificate /home/etl/.aws/rolesanywhere/cert.pem (serial 5A1F0C3E9B) expired on 2026-01-01T00:00:00Z.
    fix:
      description: What to do about it.
      type: str
      sample: Renew it, rerun the enroll role.
"""

import os
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import (
    access_check,
    access_sdk,
    host_crypto,
    host_inspection,
)

# What coreutils' timeout exits with when it stopped the command (TERM, then KILL after the grace period).
TIMEOUT_EXIT_CODES = (124, 137)

ARGUMENT_SPEC = dict(
    profile=dict(type="str", required=True),
    region=dict(type="str", required=True),
    aws_cli=dict(type="str", default="aws"),
    aws_config_file=dict(type="path"),
    expiry_warning_days=dict(type="int", default=30),
    client=dict(type="str", default="auto", choices=["auto", "sdk", "cli"]),
    certificate_backend=dict(type="str", default="auto", choices=["auto", "cryptography", "openssl"]),
    timeout=dict(type="int", default=120),
    fail_on_error=dict(type="bool", default=True),
    delivery=dict(type="str", default="process", choices=["process", "serve", "update"]),
    credentials_file=dict(type="path"),
    session_duration=dict(type="int", default=3600),
)


def server_date(url):
    """The Date header of whatever the endpoint answers; an error status still carries the service's clock."""
    # Imported here: only a failed check asks the service's clock, and the URL stack (email, http.client, ssl
    # wrappers) is a noticeable share of every host's start-up otherwise. AnsiballZ still packs it: its scan reads
    # imports inside functions too.
    from urllib.error import HTTPError, URLError

    from ansible.module_utils.urls import open_url

    try:
        response = open_url(url, method="GET", timeout=10, follow_redirects="none")
        return response.headers.get("Date")
    except HTTPError as error:
        return error.headers.get("Date") if error.headers else None
    except (URLError, OSError, ValueError):
        return None


def bounded_runner(module, timeout):
    """run(args, environ_update) -> (rc, stdout, stderr), stopping the command and its children after ``timeout`` s.

    Through coreutils' timeout, which runs the command in its own process group and signals the whole group: the
    credential_process the CLI started goes with it, instead of holding the output pipes open after the CLI is stopped.
    """
    timeout_bin = module.get_bin_path("timeout")

    def run(args, environ_update):
        if not timeout_bin:
            return module.run_command(args, environ_update=environ_update)
        rc, stdout, stderr = module.run_command(
            [timeout_bin, "--kill-after=5", str(timeout)] + list(args), environ_update=environ_update
        )
        if rc in TIMEOUT_EXIT_CODES:
            stderr = (stderr or "") + "\n{0} timed out after {1} s".format(" ".join(args[1:3]), timeout)
        return rc, stdout, stderr

    return run


def pick_backend(module):
    """The certificate backend for the inspection: auto finds one or none (the inspection is then skipped); a forced
    choice that the host cannot honour fails with the shared rule's message, which names the option and the fix."""
    choice = module.params["certificate_backend"]
    openssl = module.get_bin_path("openssl")
    if choice == "auto":
        return host_inspection.pick_backend(openssl_path=openssl)
    try:
        return host_crypto.select_backend(choice, option="certificate_backend", openssl_path=openssl)
    except host_crypto.CryptoError as exc:
        module.fail_json(msg=str(exc))


def pick_sdk_caller(module):
    """The in-process caller for client sdk (and auto where botocore can do it), else None: the AWS CLI calls."""
    choice = module.params["client"]
    if choice == "cli":
        return None
    if not access_sdk.usable():
        if choice == "sdk":
            found = access_sdk.botocore_version()
            module.fail_json(
                msg="client=sdk, but the Python running the module ({0}) {1}; install botocore {2} or later "
                "for it, or use client=auto or client=cli".format(
                    sys.executable,
                    "has botocore " + ".".join(map(str, found)) if found else "cannot import botocore",
                    ".".join(map(str, access_sdk.MINIMUM_BOTOCORE)),
                )
            )
        return None
    return access_sdk.SdkCaller(module.params["profile"], module.params["region"], module.params["timeout"])


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if module.params["expiry_warning_days"] < 0:
        module.fail_json(
            msg="expiry_warning_days must be 0 or more (0 turns the warning off), got {0}".format(
                module.params["expiry_warning_days"]
            )
        )
    for name in ("profile", "region"):
        if not module.params[name].strip():
            module.fail_json(msg="{0} must not be empty".format(name))
    if module.params["timeout"] < 10:
        module.fail_json(msg="timeout must be at least 10 seconds, got {0}".format(module.params["timeout"]))

    access_check.remove_ambient_credentials(os.environ)
    awscli = module.get_bin_path(module.params["aws_cli"])

    sdk = pick_sdk_caller(module)
    check = access_check.AccessCheck(
        module.params, bounded_runner(module, module.params["timeout"]), server_date, pick_backend(module), sdk=sdk
    )
    result = check.execute(awscli)

    certificate = result.get("certificate") or {}
    warning_days = module.params["expiry_warning_days"]
    if warning_days and certificate and 0 <= certificate["days_left"] < warning_days:
        module.warn(
            "The certificate {0} expires in {1} days ({2}); renew it with the enroll role.".format(
                certificate["subject"], certificate["days_left"], certificate["not_after"]
            )
        )

    if not result["ok"] and module.params["fail_on_error"]:
        problem = result["diagnosis"]
        module.fail_json(msg="{0} Fix: {1}".format(problem["message"], problem["fix"]), changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
