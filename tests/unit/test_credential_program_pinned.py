"""The committed credential-process program and its pinned digest match what plugins/module_utils builds."""

import hashlib
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATOR = os.path.join(ROOT, "scripts", "build_credential_program.py")
PROGRAM = os.path.join(ROOT, "roles", "credential_helper", "files", "rolesanywhere-credential-process")
VARS = os.path.join(ROOT, "roles", "credential_helper", "vars", "main.yml")


def pinned_digest():
    with open(VARS, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("__rolesanywhere_credential_program_sha256:"):
                return line.split(":", 1)[1].strip()
    return None


def test_committed_program_and_digest_are_current():
    completed = subprocess.run([sys.executable, GENERATOR, "--check"], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, (
        "the committed credential-process program or its pinned SHA-256 is stale; run `make credential-program` and "
        "commit the result:\n" + completed.stderr
    )


def test_pinned_digest_is_that_of_the_program_after_its_interpreter_line():
    with open(PROGRAM, "rb") as handle:
        interpreter_line, body = handle.read().split(b"\n", 1)
    assert interpreter_line.startswith(b"#!")
    assert pinned_digest() == hashlib.sha256(body).hexdigest(), "run `make credential-program` and commit the result"


def test_program_runs_without_the_collection_on_the_path(tmp_path):
    # As on a host: a copy elsewhere, no ansible_collections importable, only its own bundled sources.
    copy = tmp_path / "program"
    copy.write_bytes(open(PROGRAM, "rb").read())
    completed = subprocess.run(
        [sys.executable, "-I", str(copy), "credential-process", "--help"],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "--trust-anchor-arn" in completed.stdout
