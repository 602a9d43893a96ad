"""A key rotation that stops at any step leaves a matching key and certificate that still get credentials.

The host's certificate directory sits on its own small tmpfs, so the install step can meet a full file system. Three
faults, each followed by a run that converges: the CSR cannot be built (the openssl command fails at `req`), the
playbook is interrupted (SIGINT) while the controller waits for the CA to sign, the install finds no room for the
certificate. After each, the key and the certificate on disk belong together and the stand-in issues credentials for
them through the collection's credential program.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from host_safety_support import local_host, run_enroll

from support.ansible_run import BIN, COLLECTIONS_ROOT, ansible_env, write_yaml

pytestmark = pytest.mark.root

REQUEST_TASK = "hybridcloud.rolesanywhere.enroll : Ensure the private key and a CSR on the host"
INSTALL_TASK = "hybridcloud.rolesanywhere.enroll : Install the certificate, chain and CA certificate"
HOST = "h1"
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "rolesanywhere.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        }
    ],
}
PROGRAM = (
    "import sys\nfrom ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.credential_process import main\n"
    "sys.exit(main())\n"
)


class Host:
    """One host: its certificate directory on a tmpfs of its own, the trust that accepts its CA in the stand-in."""

    def __init__(self, tmp_path, localaws):
        self.tmp_path, self.localaws = tmp_path, localaws
        self.mount = str(tmp_path / "host")
        os.makedirs(self.mount)
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m,nr_inodes=64,mode=0755", "tmpfs", self.mount], check=True
        )
        self.cert_dir = os.path.join(self.mount, "certs")
        self.key_path = os.path.join(self.cert_dir, "private-key.pem")
        self.cert_path = os.path.join(self.cert_dir, "certificate.pem")
        self.runs = 0
        self.trust = None

    def vars(self, **overrides):
        return {HOST: local_host(rolesanywhere_cert_dir=self.cert_dir, **overrides)}

    def enroll(self, **extra_vars):
        self.runs += 1
        return run_enroll(self.tmp_path, self.vars(), "run%d" % self.runs, **extra_vars)

    def limit_inodes_to_what_is_used_plus(self, spare):
        """Leave room for ``spare`` more files on the host's file system (tmpfs counts its inodes)."""
        used = os.statvfs(self.mount).f_files - os.statvfs(self.mount).f_ffree
        subprocess.run(["mount", "-o", "remount,nr_inodes=%d" % (used + spare), self.mount], check=True)

    def close(self):
        subprocess.run(["umount", "-l", self.mount], check=False)

    # ---- what is on disk ---------------------------------------------------------------------------------------------

    def pair(self):
        """(private key bytes, certificate bytes) as they are on disk now."""
        with open(self.key_path, "rb") as key, open(self.cert_path, "rb") as cert:
            return key.read(), cert.read()

    def pair_matches(self):
        key_bytes, cert_bytes = self.pair()
        key = serialization.load_pem_private_key(key_bytes, password=None)
        certificate = x509.load_pem_x509_certificate(cert_bytes)
        der = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        return key.public_key().public_bytes(*der) == certificate.public_key().public_bytes(*der)

    def leftovers(self):
        return sorted(name for name in os.listdir(self.cert_dir) if name.endswith(".next") or name.endswith(".tmp"))

    # ---- AWS side ----------------------------------------------------------------------------------------------------

    def trust_the_ca(self):
        suffix = uuid.uuid4().hex[:8]
        with open(str(self.tmp_path / "ca" / "ca.crt"), encoding="ascii") as handle:
            ca_pem = handle.read()
        iam = self.localaws.client("iam")
        role = iam.create_role(RoleName="rotation-%s" % suffix, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))[
            "Role"
        ]
        rolesanywhere = self.localaws.client("rolesanywhere")
        anchor = rolesanywhere.create_trust_anchor(
            name="rotation-%s" % suffix,
            enabled=True,
            source={"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": ca_pem}},
        )["trustAnchor"]
        profile = rolesanywhere.create_profile(name="rotation-%s" % suffix, enabled=True, roleArns=[role["Arn"]])[
            "profile"
        ]
        self.trust = [
            "--trust-anchor-arn",
            anchor["trustAnchorArn"],
            "--profile-arn",
            profile["profileArn"],
            "--role-arn",
            role["Arn"],
        ]

    def credentials(self):
        """Credentials for the pair on disk, straight from CreateSession (no cache), or the program's error output."""
        command = [
            sys.executable,
            "-c",
            PROGRAM,
            "credential-process",
            "--certificate",
            self.cert_path,
            "--private-key",
            self.key_path,
            "--endpoint",
            self.localaws.endpoint,
            "--region",
            self.localaws.region,
            "--no-cache",
        ] + self.trust
        env = dict(os.environ, PYTHONPATH=COLLECTIONS_ROOT, **self.localaws.env)
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout)["AccessKeyId"]


@pytest.fixture
def host(tmp_path, localaws):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount the host's small file system")
    made = Host(tmp_path, localaws)
    yield made
    made.close()


def failing_openssl(directory):
    """The real openssl command, except that it cannot build certificate requests."""
    real = shutil.which("openssl")
    if real is None:
        pytest.skip("no openssl command on this machine")
    os.makedirs(directory)
    path = os.path.join(directory, "openssl")
    with open(path, "w", encoding="ascii") as handle:
        handle.write(
            '#!/bin/sh\nif [ "$1" = req ]; then echo "req: cannot build the request" >&2; exit 1; fi\nexec %s "$@"\n'
            % real
        )
    os.chmod(path, 0o755)
    return directory


class SilentCA(threading.Thread):
    """An endpoint that accepts connections and never answers: the controller waits there, in the signing step."""

    def __init__(self):
        super().__init__(daemon=True)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.url = "http://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.called = threading.Event()
        self.connections = []

    def run(self):
        while True:
            try:
                connection = self.listener.accept()[0]
            except OSError:
                return
            self.connections.append(connection)
            self.called.set()

    def close(self):
        self.listener.close()
        for connection in self.connections:
            connection.close()


def interrupt_while_signing(host, silent_ca):
    """Start a rotation that signs through ``silent_ca``; once it waits there, check the pair and press Ctrl-C."""
    run_dir = host.tmp_path / "interrupted"
    run_dir.mkdir()
    variables = {
        "rolesanywhere_ca_path": str(host.tmp_path / "ca"),
        "rolesanywhere_rotate_key": True,
        "rolesanywhere_acm_pca_arn": "arn:aws:acm-pca:%s:123456789012:certificate-authority/%s"
        % (host.localaws.region, uuid.uuid4()),
        "rolesanywhere_endpoint_url": silent_ca.url,
        "rolesanywhere_region": host.localaws.region,
    }
    command = [
        os.path.join(BIN, "ansible-playbook"),
        "-i",
        write_yaml(run_dir, "inventory.yml", {"all": {"hosts": host.vars()}}),
        write_yaml(
            run_dir,
            "playbook.yml",
            [{"hosts": "all", "gather_facts": False, "roles": ["hybridcloud.rolesanywhere.enroll"]}],
        ),
        "-e",
        "@" + write_yaml(run_dir, "vars.yml", variables),
    ]
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        command,
        env=ansible_env(host.localaws.env),
        cwd=str(run_dir),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert silent_ca.called.wait(180), "the run never reached the signing step"
        matched_while_signing = host.pair_matches()
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return matched_while_signing, process.returncode


def test_rotation_stopped_at_each_step_keeps_a_working_pair_and_converges(host, tmp_path):
    first = host.enroll()
    assert first.rc == 0, first.explain()
    host.trust_the_ca()
    host.credentials()
    original = host.pair()

    # 1. The CSR cannot be built: the working pair stays, the new key waits beside it.
    path = failing_openssl(str(tmp_path / "failing-bin")) + os.pathsep + BIN + os.pathsep + os.environ.get("PATH", "")
    failed = run_enroll(
        tmp_path,
        host.vars(rolesanywhere_crypto_backend="openssl"),
        "csr-fails",
        env={"PATH": path},
        rolesanywhere_rotate_key=True,
    )
    assert failed.rc != 0
    assert "cannot build the request" in failed.task(REQUEST_TASK, HOST)["msg"]
    assert host.pair() == original and host.pair_matches()
    assert host.leftovers() == ["private-key.pem.next"]
    host.credentials()

    # ... and the next run finishes the rotation with that pending key.
    converged = host.enroll(rolesanywhere_rotate_key=True)
    assert converged.rc == 0, converged.explain()
    assert "reused" in converged.task(REQUEST_TASK, HOST)["key"]["reason"]
    assert converged.task(INSTALL_TASK, HOST)["key_replaced"] is True
    assert host.pair()[0] != original[0] and host.pair_matches() and host.leftovers() == []
    host.credentials()
    rotated = host.pair()

    # 2. Interrupted while the controller waits for the CA to sign.
    silent_ca = SilentCA()
    silent_ca.start()
    try:
        matched_while_signing, returncode = interrupt_while_signing(host, silent_ca)
    finally:
        silent_ca.close()
    assert matched_while_signing
    assert returncode != 0
    assert host.pair() == rotated and host.pair_matches()
    host.credentials()

    # ... and a run that no longer asks for a new key removes the pending one and changes nothing else.
    cleaned = host.enroll()
    assert cleaned.rc == 0, cleaned.explain()
    assert cleaned.task(REQUEST_TASK, HOST)["changed"] is True
    assert host.pair() == rotated and host.leftovers() == []

    # 3. The install finds the file system full: room for the pending key, none for the new certificate.
    host.limit_inodes_to_what_is_used_plus(1)
    full = host.enroll(rolesanywhere_rotate_key=True)
    assert full.rc != 0
    assert "No space left on device" in full.task(INSTALL_TASK, HOST)["msg"]
    assert host.pair() == rotated and host.pair_matches()
    host.credentials()

    host.limit_inodes_to_what_is_used_plus(16)
    converged = host.enroll(rolesanywhere_rotate_key=True)
    assert converged.rc == 0, converged.explain()
    assert host.pair()[0] != rotated[0] and host.pair_matches() and host.leftovers() == []
    host.credentials()
    again = host.enroll()
    assert again.rc == 0 and again.changed == 0, again.explain()
