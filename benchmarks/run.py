"""Benchmarks of the work that dominates a fleet rollout, measured on real parts (no mocks).

  make benchmarks            # all, writes benchmarks/results.md
  .venv/bin/python benchmarks/run.py signing credential_process fleet --hosts 5

- signing: the controller signs N host CSRs in one batch with the local CA (batch_signing.sign_batch), for an
  EC P-384 and an RSA-3072 CA; wall time per CSR and the process's peak memory.
- credential_process: the credential-process program against the local stand-in: a cold call (CreateSession),
  a warm call (cache hit), and a burst of concurrent calls on an empty cache (how many CreateSession calls).
- fleet: `onboard` on N local hosts against the stand-in, first run and the idempotent second run.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# build/ for the collection (its FQCN imports), tests/ for the shared test support (support.*). The stand-in is the
# installed localaws package (`make setup`), started as its own process.
sys.path[:0] = [os.path.join(REPO, "build"), os.path.join(REPO, "tests")]

RESULTS = os.path.join(REPO, "benchmarks", "results.md")


def _csr_requests(count):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    requests = {}
    for index in range(count):
        key = ec.generate_private_key(ec.SECP256R1())
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "host-%04d" % index)]))
            .sign(key, hashes.SHA256())
        )
        requests["host-%04d" % index] = {
            "csr": csr.public_bytes(serialization.Encoding.PEM).decode(),
            "needs_certificate": True,
        }
    return requests


def bench_signing(count):
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import batch_signing, local_ca

    rows = []
    requests = _csr_requests(count)
    for key_type in ("ec-p384", "rsa-3072"):
        with tempfile.TemporaryDirectory() as ca_path:
            local_ca.ensure_ca(ca_path, key_type=key_type, subject=local_ca.build_name("Benchmark CA"))
            issuer = batch_signing.LocalIssuer(ca_path)
            started = time.perf_counter()
            outcome = batch_signing.sign_batch(issuer, requests, 365)
            elapsed = time.perf_counter() - started
        assert len(outcome["certificates"]) == count, outcome["failures"]
        rows.append(
            (
                "batch signing, %s CA, %d CSRs" % (key_type, count),
                "%.2f s total, %.1f ms per CSR" % (elapsed, 1000 * elapsed / count),
            )
        )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak memory of the signing process (%d CSRs in memory)" % count, "%.0f MiB" % peak_mib))
    return rows


def _trust_setup(server, work):
    """Role, CA, trust anchor and profile in the stand-in, and one host certificate; returns the program's arguments."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import local_ca
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.trust_policy import render_trust_policy

    ca_path = os.path.join(work, "ca")
    local_ca.ensure_ca(ca_path, subject=local_ca.build_name("Benchmark CA"))
    ca = local_ca.LocalCA.load(ca_path)
    anywhere = server.client("rolesanywhere")
    anchor = anywhere.create_trust_anchor(
        name="bench",
        enabled=True,
        source={
            "sourceType": "CERTIFICATE_BUNDLE",
            "sourceData": {"x509CertificateData": local_ca.pem_of(ca.root_cert)},
        },
    )["trustAnchor"]
    iam = server.client("iam")
    role = iam.create_role(
        RoleName="bench", AssumeRolePolicyDocument=json.dumps(render_trust_policy([anchor["trustAnchorArn"]]))
    )["Role"]
    profile = anywhere.create_profile(name="bench", roleArns=[role["Arn"]], enabled=True)["profile"]

    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "bench-host")]))
        .sign(key, hashes.SHA256())
    )
    cert = local_ca.issue_leaf_certificate(csr, ca.issuer_cert, ca.issuer_key, 30)
    cert_path, key_path = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return [
        "credential-process",
        "--certificate",
        cert_path,
        "--private-key",
        key_path,
        "--trust-anchor-arn",
        anchor["trustAnchorArn"],
        "--profile-arn",
        profile["profileArn"],
        "--role-arn",
        role["Arn"],
        "--endpoint",
        server.endpoint,
        "--region",
        server.region,
    ]


PROGRAM = (
    "import sys; sys.path.insert(0, %r); "
    "from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.credential_process import main; "
    "sys.exit(main())" % os.path.join(REPO, "build")
)


def _invoke(arguments, cache_home):
    env = dict(os.environ, XDG_CACHE_HOME=cache_home)
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", PROGRAM] + arguments, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr)
    return elapsed


def bench_credential_process(server, work, repeats=10, burst=10):
    arguments = _trust_setup(server, work)
    cold = [_invoke(arguments, tempfile.mkdtemp(dir=work)) for _attempt in range(repeats)]
    warm_cache = tempfile.mkdtemp(dir=work)
    _invoke(arguments, warm_cache)
    warm = [_invoke(arguments, warm_cache) for _attempt in range(repeats)]

    burst_cache = tempfile.mkdtemp(dir=work)
    sessions_before = len(server.session_log())
    with ThreadPoolExecutor(burst) as pool:
        list(pool.map(lambda _index: _invoke(arguments, burst_cache), range(burst)))
    sessions = len(server.session_log()) - sessions_before
    return [
        (
            "credential_process, cold (CreateSession), median of %d" % repeats,
            "%.0f ms" % (1000 * statistics.median(cold)),
        ),
        ("credential_process, warm (cache hit), median of %d" % repeats, "%.0f ms" % (1000 * statistics.median(warm))),
        ("credential_process, %d concurrent calls on an empty cache" % burst, "%d CreateSession call(s)" % sessions),
    ]


def bench_fleet(server, work, hosts):
    from support import local_fleet
    from support.ansible_run import run_playbook

    os.makedirs(work, exist_ok=True)
    names = ["bench-%02d" % index for index in range(1, hosts + 1)]
    server.client("redshift").create_cluster(
        ClusterIdentifier="bench",
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Bench-only-Passw0rd",
        ClusterType="single-node",
    )
    variables = local_fleet.variables(
        server,
        work,
        rolesanywhere_trust_anchor_name="bench-fleet",
        rolesanywhere_profile_name="bench-fleet",
        rolesanywhere_role_name="bench-fleet",
    )
    rows = []
    for label in ("first onboard", "second onboard (changed=0)"):
        started = time.perf_counter()
        result = run_playbook(
            "hybridcloud.rolesanywhere.onboard",
            tmp_path=work,
            inventory=local_fleet.inventory(work, names),
            extra_vars=variables,
            env=local_fleet.environment(server, work),
        )
        elapsed = time.perf_counter() - started
        if result.rc != 0:
            raise RuntimeError(result.explain())
        rows.append(
            (
                "fleet %s, %d local hosts, forks 5" % (label, hosts),
                "%.0f s (%.1f s per host), changed=%d" % (elapsed, elapsed / hosts, result.changed),
            )
        )
    return rows


def write_results(rows, argv):
    lines = [
        "# Benchmark results",
        "",
        "Measured %s on %s, %d cores, Python %s, with `%s`."
        % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            platform.machine(),
            os.cpu_count(),
            platform.python_version(),
            " ".join(["benchmarks/run.py"] + argv),
        ),
        "Wall-clock figures on a shared machine: compare runs on the same machine, not across machines.",
        "",
        "| Measurement | Result |",
        "|---|---|",
    ]
    lines += ["| %s | %s |" % row for row in rows]
    # Sections other scripts write (benchmarks/verify_quota.py) stay as they are.
    kept = ""
    if os.path.exists(RESULTS):
        with open(RESULTS, encoding="utf-8") as handle:
            text = handle.read()
        if "<!-- verify-quota" in text:
            kept = "\n" + text[text.index("<!-- verify-quota") :]
    with open(RESULTS, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n" + kept)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("benchmarks", nargs="*", default=["signing", "credential_process", "fleet"])
    parser.add_argument("--csrs", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    if "signing" in args.benchmarks:
        rows += bench_signing(args.csrs)
    if {"credential_process", "fleet"} & set(args.benchmarks):
        from localaws.process import start_server

        with tempfile.TemporaryDirectory(dir=os.path.join(REPO, "build")) as work:
            started = time.perf_counter()
            server = start_server(os.path.join(work, "localaws"))
            rows.append(("local AWS stand-in, process start to ready line", "%.1f s" % (time.perf_counter() - started)))
            try:
                if "credential_process" in args.benchmarks:
                    rows += bench_credential_process(server, os.path.join(work))
                if "fleet" in args.benchmarks:
                    rows += bench_fleet(server, os.path.join(work, "fleet"), args.hosts)
            finally:
                server.stop()
    for row in rows:
        print("%-70s %s" % row)
    write_results(rows, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
