"""A working IAM Roles Anywhere setup for one host, built against the stand-in, that tests then break one way each.

AWS side (admin boto3 clients): an IAM role allowed to describe Redshift clusters, a trust anchor holding the test
CA, a profile listing the role, a Redshift cluster. Host side (files under tmp_path): key, certificate, chain, the
collection's credential-process program, and an AWS config file whose profile runs it, as the credential_helper role
writes them.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import uuid

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.trust_policy import render_trust_policy
from support.ansible_run import COLLECTIONS_ROOT, run_playbook
from support.x509 import certificate, key_pem_bytes, name, new_key, pem_bytes, write_file

CLUSTER = "analytics"
PROFILE_NAME = "reader"
SITE_PACKAGES = sysconfig.get_paths()["purelib"]


def subject_name(common_name):
    """Every certificate of these worlds names the same organization."""
    return name(common_name, "Example")


def openssl_serial(cert):
    """The serial as `openssl x509 -serial -noout` prints it: the one spelling the collection reports."""
    printed = subprocess.run(
        ["openssl", "x509", "-serial", "-noout"], input=pem_bytes(cert), capture_output=True, check=True
    )
    return printed.stdout.decode("ascii").strip().split("=", 1)[1]


def python_program(python, import_main):
    """A program run by ``python`` that finds the test virtualenv's packages and the collection, then calls main()."""
    return "#!{0}\nimport sys\nsys.path.append({1!r})\nsys.path.insert(0, {2!r})\n{3}\nsys.exit(main())\n".format(
        python, SITE_PACKAGES, COLLECTIONS_ROOT, import_main
    )


def ensure_cluster(localaws):
    """Create the cluster the checks expect, unless it exists: the stand-in is shared with other tests' clusters."""
    redshift = localaws.client("redshift")
    if CLUSTER not in [cluster["ClusterIdentifier"] for cluster in redshift.describe_clusters()["Clusters"]]:
        redshift.create_cluster(
            ClusterIdentifier=CLUSTER,
            NodeType="dc2.large",
            MasterUsername="admin",
            MasterUserPassword="Secret-Passw0rd",
            ClusterType="single-node",
        )


class World:
    """One host's working setup. Break it, then call verify()."""

    def __init__(
        self, localaws, tmp_path, two_tier=False, common_name="db01", python=sys.executable, official_helper=None
    ):
        self.localaws = localaws
        # The official aws_signing_helper (an OfficialHelper) instead of the collection's program, when given.
        self.official_helper = official_helper
        self.python = python
        self.extra_host_vars = {}
        self.tmp_path = tmp_path
        self.suffix = uuid.uuid4().hex[:8]
        self.common_name = common_name
        self.root_key = new_key()
        self.root = certificate(subject_key=self.root_key, subject=subject_name("Root CA " + self.suffix), ca=True)
        self.issuer_key, self.issuer = self.root_key, self.root
        self.intermediates = []
        if two_tier:
            self.issuer_key = new_key()
            self.issuer = certificate(
                subject_key=self.issuer_key,
                subject=subject_name("Issuing CA " + self.suffix),
                issuer_key=self.root_key,
                issuer=self.root.subject,
                ca=True,
            )
            self.intermediates = [self.issuer]
        self.host_key = new_key()
        self.leaf = self.issue_leaf()
        self.host_dir = str(tmp_path / "host")
        os.makedirs(self.host_dir, exist_ok=True)
        self.cert_path = os.path.join(self.host_dir, "cert.pem")
        self.key_path = os.path.join(self.host_dir, "key.pem")
        self.chain_path = os.path.join(self.host_dir, "chain.pem")
        self.config_path = os.path.join(self.host_dir, "aws-config")
        self.helper_path = os.path.join(
            self.host_dir, "bin", "aws_signing_helper" if official_helper else "rolesanywhere-credential-process"
        )
        ensure_cluster(localaws)
        self.create_aws_side()
        self.install_host_files()

    # ---- AWS side -------------------------------------------------------------------------------------------------

    def create_aws_side(self):
        rolesanywhere = self.localaws.client("rolesanywhere")
        anchor = rolesanywhere.create_trust_anchor(
            name="verify-" + self.suffix,
            enabled=True,
            source={
                "sourceType": "CERTIFICATE_BUNDLE",
                "sourceData": {"x509CertificateData": pem_bytes(self.root).decode("ascii")},
            },
        )
        self.trust_anchor = anchor["trustAnchor"]
        self.role_arn = self.create_role("verify-" + self.suffix, subject_cn=self.common_name, allow_describe=True)
        profile = rolesanywhere.create_profile(name="verify-" + self.suffix, roleArns=[self.role_arn], enabled=True)
        self.profile = profile["profile"]

    def create_role(self, role_name, subject_cn, allow_describe):
        iam = self.localaws.client("iam")
        policy = render_trust_policy([self.trust_anchor["trustAnchorArn"]], subject={"CN": subject_cn})
        role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(policy))["Role"]
        if allow_describe:
            iam.put_role_policy(
                RoleName=role_name,
                PolicyName="redshift",
                PolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": ["redshift:DescribeClusters"], "Resource": "*"}],
                    }
                ),
            )
        return role["Arn"]

    # ---- host side ------------------------------------------------------------------------------------------------

    def issue_leaf(self, not_before=None, not_after=None):
        return certificate(
            subject_key=self.host_key,
            subject=subject_name(self.common_name),
            issuer_key=self.issuer_key,
            issuer=self.issuer.subject,
            not_before=not_before,
            not_after=not_after,
        )

    def install_host_files(self, intermediates=True):
        write_file(self.key_path, key_pem_bytes(self.host_key), 0o600)
        write_file(self.cert_path, pem_bytes(self.leaf))
        if self.intermediates:
            write_file(self.chain_path, b"".join(pem_bytes(cert) for cert in self.intermediates))
        os.makedirs(os.path.dirname(self.helper_path), exist_ok=True)
        if self.official_helper:
            shutil.copyfile(self.official_helper.path, self.helper_path)
            os.chmod(self.helper_path, 0o755)
        else:
            # The collection's credential-process program, run from the checkout instead of its installed single file.
            write_file(
                self.helper_path,
                python_program(
                    self.python,
                    "from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.credential_process import main",
                ),
                0o755,
            )
        self.write_config(self.credential_process(intermediates=intermediates))

    def credential_process(self, intermediates=True):
        words = [
            self.helper_path,
            "credential-process",
            "--certificate",
            self.cert_path,
            "--private-key",
            self.key_path,
        ]
        if intermediates and self.intermediates:
            words += ["--intermediates", self.chain_path]
        words += [
            "--trust-anchor-arn",
            self.trust_anchor["trustAnchorArn"],
            "--profile-arn",
            self.profile["profileArn"],
            "--role-arn",
            self.role_arn,
            "--endpoint",
            self.localaws.endpoint,
            "--region",
            self.localaws.region,
        ]
        return " ".join(words)

    def write_config(self, credential_process, profile=PROFILE_NAME, extra=""):
        text = "[profile {0}]\nregion = {1}\nendpoint_url = {2}\n{3}credential_process = {4}\n".format(
            profile, self.localaws.region, self.localaws.endpoint, extra, credential_process
        )
        write_file(self.config_path, text, 0o600)

    # ---- running the role -----------------------------------------------------------------------------------------

    def host_vars(self):
        host_vars = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "rolesanywhere_aws_config_file": self.config_path,
            "rolesanywhere_awscli_path": os.path.join(os.path.dirname(sys.executable), "aws"),
        }
        host_vars.update(self.extra_host_vars)
        return host_vars

    def verify(self, check=False, **extra_vars):
        return run_verify(self.localaws, self.tmp_path, {"host1": self}, check=check, **extra_vars)


def run_verify(localaws, tmp_path, worlds, check=False, **extra_vars):
    """Run the verify role once over several hosts, each with the files of its own world (host name -> World)."""
    variables = {"rolesanywhere_region": localaws.region, "rolesanywhere_aws_profile": PROFILE_NAME}
    variables.update(extra_vars)
    play = [
        {
            "name": "verify",
            "hosts": "all",
            "gather_facts": False,
            "roles": [{"role": "hybridcloud.rolesanywhere.verify"}],
        }
    ]
    hosts = dict((host, world.host_vars()) for host, world in worlds.items())
    env = dict(localaws.env)
    # A credential cache of their own: a session cached by another test would hide what this one broke.
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return run_playbook(
        play,
        tmp_path=tmp_path,
        inventory={"all": {"hosts": hosts}},
        extra_vars=variables,
        env=env,
        check=check,
        extra_args=("--forks", str(max(5, len(worlds)))),
    )
