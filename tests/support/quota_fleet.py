"""A verify-ready fleet of local hosts built without onboarding them one task at a time.

Every host gets its own key and certificate (one CA for all, trusted by one trust anchor of the stand-in) and an AWS
config file whose profile runs a credential helper, exactly the files the enroll and credential_helper roles leave
behind. It lets a test or a benchmark run ``verify`` over many hosts at high forks, which is where the CreateSession
quota of the service bites, without spending minutes on onboarding first.
"""

import datetime
import getpass
import os
import shlex
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import aws_config
from integration.credential_helper.trust_setup import create_trust
from support import local_fleet
from support.ansible_run import run_playbook

PROFILE = "fleet-verify"
OFFICIAL_HELPER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                               "build", "official-helper", "aws_signing_helper")


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject_key, subject, issuer_key, issuer, ca):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(subject_key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                                            encipher_only=False, decipher_only=False), critical=True))
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path, data, mode):
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def build(server, root, host_count, helper):
    """Write ``host_count`` hosts under ``root`` whose profile runs ``helper``; return (inventory, variables, trust)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate(ca_key, _name("Quota Fleet CA"), ca_key, _name("Quota Fleet CA"), ca=True)
    trust = create_trust(server, ca.public_bytes(serialization.Encoding.PEM))
    hosts = ["q%02d" % index for index in range(1, host_count + 1)]
    inventory = local_fleet.inventory(root, hosts)
    for host in hosts:
        base = local_fleet.host_root(root, host)
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = _certificate(key, _name("%s.fleet.example" % host), ca_key, ca.subject, ca=False)
        certificate_path, key_path = os.path.join(base, "certs", "certificate.pem"), os.path.join(base, "certs", "private-key.pem")
        _write(certificate_path, leaf.public_bytes(serialization.Encoding.PEM), 0o644)
        _write(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()), 0o600)
        command = [helper, "credential-process", "--certificate", certificate_path, "--private-key", key_path,
                   "--trust-anchor-arn", trust.trust_anchor_arn, "--profile-arn", trust.profile_arn,
                   "--role-arn", trust.role_arn, "--endpoint", server.endpoint]
        config_path = os.path.join(base, "aws", "config")
        text = aws_config.render_profile("", PROFILE, {"region": server.region,
                                                       "credential_process": " ".join(shlex.quote(a) for a in command)},
                                         endpoint_url=server.endpoint)
        _write(config_path, text.encode("utf-8"), 0o600)
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
    result = run_playbook("hybridcloud.rolesanywhere.verify", tmp_path=root, inventory=inventory, extra_vars=variables,
                          env=local_fleet.environment(server, root), extra_args=("--forks", str(forks)))
    return result, time.monotonic() - started


def session_outcomes(server, trust_anchor_arn):
    """Count of CreateSession outcomes (success, throttled, denied) recorded for the trust anchor."""
    counts = {"success": 0, "throttled": 0, "denied": 0}
    for entry in server.session_log():
        if entry["trustAnchorArn"] == trust_anchor_arn:
            counts[entry["outcome"]] = counts.get(entry["outcome"], 0) + 1
    return counts
