"""A verify-ready fleet of local hosts built without onboarding them one task at a time.

Every host gets its own key and certificate (one CA for all, trusted by one trust anchor of the stand-in) and an AWS
config file whose profile runs a credential helper, exactly the files the enroll and credential_helper roles leave
behind. It lets a test or a benchmark run ``verify`` over many hosts at high forks, which is where the CreateSession
quota of the service bites, without spending minutes on onboarding first.
"""

import getpass
import os
import shlex
import sys
import time

from integration.credential_helper.trust_setup import create_trust

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import aws_config
from support import local_fleet
from support.ansible_run import run_playbook
from support.x509 import Authority, key_pem_bytes, name, new_key, pem_bytes, write_file

PROFILE = "fleet-verify"
OFFICIAL_HELPER = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "build",
    "official-helper",
    "aws_signing_helper",
)


def build(server, root, host_count, helper):
    """Write ``host_count`` hosts under ``root`` whose profile runs ``helper``; return (inventory, variables, trust)."""
    ca = Authority("Quota Fleet CA")
    trust = create_trust(server, pem_bytes(ca.cert))
    hosts = ["q%02d" % index for index in range(1, host_count + 1)]
    inventory = local_fleet.inventory(root, hosts)
    for host in hosts:
        base = local_fleet.host_root(root, host)
        key = new_key()
        leaf = ca.issue(key, name("%s.fleet.example" % host))
        certificate_path, key_path = (
            os.path.join(base, "certs", "certificate.pem"),
            os.path.join(base, "certs", "private-key.pem"),
        )
        write_file(certificate_path, pem_bytes(leaf))
        write_file(key_path, key_pem_bytes(key), 0o600)
        command = [
            helper,
            "credential-process",
            "--certificate",
            certificate_path,
            "--private-key",
            key_path,
            "--trust-anchor-arn",
            trust.trust_anchor_arn,
            "--profile-arn",
            trust.profile_arn,
            "--role-arn",
            trust.role_arn,
            "--endpoint",
            server.endpoint,
        ]
        config_path = os.path.join(base, "aws", "config")
        text = aws_config.render_profile(
            "",
            PROFILE,
            {"region": server.region, "credential_process": " ".join(shlex.quote(a) for a in command)},
            endpoint_url=server.endpoint,
        )
        write_file(config_path, text, 0o600)
    variables = {
        "rolesanywhere_region": server.region,
        "rolesanywhere_aws_profile": PROFILE,
        "rolesanywhere_service_user": getpass.getuser(),
        "rolesanywhere_awscli_path": os.path.join(os.path.dirname(sys.executable), "aws"),
        "rolesanywhere_endpoint_url": server.endpoint,
        # The control plane is asked only about untrusted certificates; none is expected here.
        "rolesanywhere_verify_inspect_control_plane": False,
    }
    return inventory, variables, trust


def run_verify(server, root, inventory, variables, forks):
    """Run the verify playbook at ``forks``; return (result, wall seconds)."""
    started = time.monotonic()
    result = run_playbook(
        "hybridcloud.rolesanywhere.verify",
        tmp_path=root,
        inventory=inventory,
        extra_vars=variables,
        env=local_fleet.environment(server, root),
        extra_args=("--forks", str(forks)),
    )
    return result, time.monotonic() - started


def session_outcomes(server, trust_anchor_arn):
    """Count of CreateSession outcomes (success, throttled, denied) recorded for the trust anchor."""
    counts = {"success": 0, "throttled": 0, "denied": 0}
    for entry in server.session_log():
        if entry["trustAnchorArn"] == trust_anchor_arn:
            counts[entry["outcome"]] = counts.get(entry["outcome"], 0) + 1
    return counts
