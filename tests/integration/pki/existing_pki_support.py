"""An existing PKI for the tests: a root and an intermediate made here with cryptography, and a real step-ca server
built from its Go module (scripts/build_step_ca.sh), initialised and started on a free loopback port."""

import datetime
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from support.ansible_run import REPO
from support.field_tools import unavailable
from support.x509 import certificate, crl, key_pem, name, new_key, pem

STEP_DIR = os.path.join(REPO, "build", "step")
STEP_BUILD_SCRIPT = os.path.join(REPO, "scripts", "build_step_ca.sh")
PROVISIONER = "ansible"


class Pki:
    """Root -> intermediate -> leaves, as an organization's own CA would issue them."""

    def __init__(self, name="Example"):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.root_key = new_key("ec-p384")
        self.root = certificate(
            subject_key=self.root_key,
            subject=_name("%s Root CA" % name),
            ca=True,
            not_before=now,
            not_after=now + datetime.timedelta(days=3650),
        )
        self.intermediate_key = new_key("ec-p384")
        self.intermediate = self._issue(
            _name("%s Issuing CA" % name),
            self.intermediate_key.public_key(),
            now,
            now + datetime.timedelta(days=1825),
            ca=True,
            issuer=(self.root, self.root_key),
        )

    def _issue(self, subject, public_key, not_before, not_after, ca=False, dns_names=(), issuer=None):
        issuer_cert, issuer_key = issuer or (self.intermediate, self.intermediate_key)
        return certificate(
            public_key=public_key,
            subject=subject,
            issuer_key=issuer_key,
            issuer=issuer_cert.subject,
            ca=ca,
            not_before=not_before,
            not_after=not_after,
            client_auth=not ca,
            dns_names=dns_names,
        )

    def leaf(self, common_name, key=None, days=365, expired=False, ca=False):
        """(certificate, key) issued by the intermediate."""
        key = key or new_key()
        now = datetime.datetime.now(datetime.timezone.utc)
        start = now - datetime.timedelta(days=30 if expired else 0, minutes=1)
        end = now - datetime.timedelta(days=1) if expired else now + datetime.timedelta(days=days)
        return self._issue(_name(common_name), key.public_key(), start, end, ca=ca), key

    def sign_csr(self, csr, days):
        now = datetime.datetime.now(datetime.timezone.utc)
        try:
            san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            dns_names = san.get_values_for_type(x509.DNSName)
        except x509.ExtensionNotFound:
            dns_names = ()
        return self._issue(
            csr.subject,
            csr.public_key(),
            now - datetime.timedelta(minutes=1),
            now + datetime.timedelta(days=days) - datetime.timedelta(minutes=2),
            dns_names=dns_names,
        )

    def crl(self, revoked_serials):
        return pem(crl(self.intermediate, self.intermediate_key, revoked_serials))

    def save(self, directory):
        """Root, intermediate and their keys as files: what the test signer script signs with."""
        os.makedirs(directory, exist_ok=True)
        paths = {
            "intermediate": os.path.join(directory, "intermediate.pem"),
            "key": os.path.join(directory, "intermediate.key"),
        }
        with open(paths["intermediate"], "w") as handle:
            handle.write(pem(self.intermediate))
        with open(paths["key"], "w") as handle:
            handle.write(key_pem(self.intermediate_key))
        return paths


def _name(common_name):
    return name(common_name, "Example PKI")


def pkcs12_bundle(cert, key, chain, password):
    return pkcs12.serialize_key_and_certificates(
        b"host", key, cert, chain, serialization.BestAvailableEncryption(password.encode())
    )


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def step_binaries():
    """build/step/{step-ca,step}, built from the pinned Go modules; skipped (failed in CI) without Go."""
    if shutil.which("go") is None:
        if os.path.exists(os.path.join(STEP_DIR, "step-ca")) and os.path.exists(os.path.join(STEP_DIR, "step")):
            return STEP_DIR
        unavailable(
            "step-ca and step need Go to build them (scripts/build_step_ca.sh); go is not on PATH",
            "ROLESANYWHERE_REQUIRE_STEP_CA",
        )
    built = subprocess.run([STEP_BUILD_SCRIPT], capture_output=True, text=True, timeout=1800, check=False)
    if built.returncode != 0:
        raise RuntimeError("building step-ca failed:\n%s%s" % (built.stdout, built.stderr))
    return STEP_DIR


class StepCA:
    """A real step-ca: `step ca init` with a JWK provisioner, X.509 validity up to 400 days and its CRL enabled."""

    def __init__(self, binaries, directory):
        self.step = os.path.join(binaries, "step")
        self.directory = str(directory)
        os.makedirs(self.directory, exist_ok=True)
        self.steppath = os.path.join(self.directory, "step")
        self.port = free_port()
        self.url = "https://127.0.0.1:%d" % self.port
        self.password_file = self._secret("ca-password", "ca password for the tests")
        self.provisioner_password_file = self._secret("provisioner-password", "provisioner password for the tests")
        self._step(
            "ca",
            "init",
            "--name",
            "Step Test PKI",
            "--dns",
            "127.0.0.1",
            "--address",
            "127.0.0.1:%d" % self.port,
            "--provisioner",
            PROVISIONER,
            "--password-file",
            self.password_file,
            "--provisioner-password-file",
            self.provisioner_password_file,
            "--deployment-type",
            "standalone",
        )
        self._configure()
        self.root_path = os.path.join(self.steppath, "certs", "root_ca.crt")
        with open(self.root_path) as handle:
            self.root_pem = handle.read()
        with open(os.path.join(self.steppath, "certs", "intermediate_ca.crt")) as handle:
            self.intermediate_pem = handle.read()
        self.log = open(os.path.join(self.directory, "step-ca.log"), "w")
        self.process = subprocess.Popen(
            [os.path.join(binaries, "step-ca"), self.config, "--password-file", self.password_file],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=self._env(),
        )
        self._wait_until_serving()

    def _secret(self, name, text):
        path = os.path.join(self.directory, name)
        with open(path, "w") as handle:
            handle.write(text + "\n")
        os.chmod(path, 0o600)
        return path

    def _env(self):
        return dict(os.environ, STEPPATH=self.steppath)

    def _step(self, *args):
        done = subprocess.run(
            [self.step] + list(args), capture_output=True, text=True, env=self._env(), timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError("step %s failed: %s%s" % (" ".join(args[:2]), done.stdout, done.stderr))
        return done.stdout

    def _configure(self):
        """Host certificates of a year need a longer maximum than step-ca's default 24 hours; the CRL is off by default."""
        self.config = os.path.join(self.steppath, "config", "ca.json")
        with open(self.config) as handle:
            config = json.load(handle)
        for provisioner in config["authority"]["provisioners"]:
            provisioner["claims"] = {"maxTLSCertDuration": "9600h", "defaultTLSCertDuration": "24h"}
        config["crl"] = {"enabled": True, "generateOnRevoke": True, "cacheDuration": "24h"}
        with open(self.config, "w") as handle:
            json.dump(config, handle, indent=2)

    def _context(self):
        return ssl.create_default_context(cafile=self.root_path)

    def _wait_until_serving(self):
        # Bounded: step-ca answers /health as soon as it listens; a CA that never does fails the test with its log.
        for _attempt in range(300):
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/health", context=self._context(), timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        with open(os.path.join(self.directory, "step-ca.log")) as handle:
            raise RuntimeError("step-ca did not start:\n" + handle.read())

    def signer(self):
        """The rolesanywhere_external_signer value for this CA (the signer the collection ships)."""
        return [
            "step-ca",
            "--ca-url",
            self.url,
            "--root",
            self.root_path,
            "--provisioner",
            PROVISIONER,
            "--provisioner-password-file",
            self.provisioner_password_file,
            "--step",
            self.step,
        ]

    def revoke(self, serial_hex):
        """Revoke through step-ca's API with a provisioner token, as its operator would."""
        serial = str(int(serial_hex, 16))
        common = ["--ca-url", self.url, "--root", self.root_path]
        token = self._step(
            "ca",
            "token",
            serial,
            "--revoke",
            "--provisioner",
            PROVISIONER,
            "--provisioner-password-file",
            self.provisioner_password_file,
            *common,
        ).strip()
        self._step("ca", "revoke", serial, "--token", token, *common)

    def crl_pem(self):
        """step-ca's own CRL, fetched from the CA and turned into PEM."""
        with urllib.request.urlopen(self.url + "/crl", context=self._context(), timeout=30) as answer:
            der = answer.read()
        return x509.load_der_x509_crl(der).public_bytes(serialization.Encoding.PEM).decode("ascii")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture
def step_ca(step_binaries, tmp_path):
    ca = StepCA(step_binaries, tmp_path / "step-ca")
    yield ca
    ca.stop()


def python_signer_command(pki_paths, mode="sign"):
    """An external signer written in Python against the test PKI's issuing CA: the contract with no step-ca in between.

    mode: sign (correct answers), fail (exit 3), garbage (no JSON), wrong-key (a certificate for another key).
    """
    script = os.path.join(os.path.dirname(pki_paths["key"]), "signer-%s.py" % mode)
    with open(script, "w") as handle:
        handle.write(SIGNER_SCRIPT)
    return [sys.executable, script, mode, pki_paths["intermediate"], pki_paths["key"]]


SIGNER_SCRIPT = r'''
"""Test signer following the external signer contract, signing with an issuing CA given as files."""
import datetime
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

mode, issuer_path, key_path = sys.argv[1:4]
document = json.load(sys.stdin)
if mode == "fail":
    sys.stderr.write("CA unreachable: connection refused\n")
    sys.exit(3)
if mode == "garbage":
    print("<html>502 Bad Gateway</html>")
    sys.exit(0)
issuer = x509.load_pem_x509_certificate(open(issuer_path, "rb").read())
issuer_key = serialization.load_pem_private_key(open(key_path, "rb").read(), None)
answer = {"certificates": {}, "errors": {}}
now = datetime.datetime.now(datetime.timezone.utc)
for request in document["requests"]:
    csr = x509.load_pem_x509_csr(request["csr_pem"].encode())
    public_key = ec.generate_private_key(ec.SECP256R1()).public_key() if mode == "wrong-key" else csr.public_key()
    builder = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(issuer.subject).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
               .not_valid_after(now + datetime.timedelta(days=request["validity_days"]) - datetime.timedelta(minutes=2))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
    if request["dns_names"]:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in request["dns_names"]]), critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    answer["certificates"][request["host"]] = {
        "certificate_pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "chain_pem": issuer.public_bytes(serialization.Encoding.PEM).decode()}
json.dump(answer, sys.stdout)
'''
