# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""External signer for step-ca: signs each CSR of the batch with `step ca sign` through a JWK provisioner.

Run on the controller by the sign_certificates action (external_signer: [step-ca, ...]); reads the contract's request
document on stdin and writes its answer on stdout (docs/pki.md, "The external signer contract"). Python standard
library only. A host whose CSR step-ca refuses is reported in "errors"; the others are signed all the same.

    python3 step_ca_signer.py --ca-url https://ca.example.com:9000 --root root_ca.crt \\
        --provisioner ansible --provisioner-password-file provisioner-password [--step /usr/local/bin/step]
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

# `step ca sign` answers quickly; a CA that does not answer within this is down, not busy.
SIGN_TIMEOUT_SECONDS = 120


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Sign Roles Anywhere CSRs through step-ca (the collection's external signer contract)"
    )
    parser.add_argument("--ca-url", required=True, help="URL of the step-ca server")
    parser.add_argument(
        "--root", required=True, help="PEM file of the step-ca root certificate (to trust the CA's TLS)"
    )
    parser.add_argument("--provisioner", required=True, help="name of the JWK provisioner that signs")
    parser.add_argument("--provisioner-password-file", required=True, help="file holding the provisioner's password")
    parser.add_argument("--step", default="step", help="the step CLI (default: step on PATH)")
    return parser.parse_args(argv)


def sign_one(options, request, workdir):
    """(certificate PEM, chain PEM) for one request; raises RuntimeError with step's message when refused."""
    csr_path = os.path.join(workdir, "request.csr")
    crt_path = os.path.join(workdir, "certificate.crt")
    with open(csr_path, "w") as handle:
        handle.write(request["csr_pem"])
    command = [
        options.step,
        "ca",
        "sign",
        csr_path,
        crt_path,
        "--force",
        "--ca-url",
        options.ca_url,
        "--root",
        options.root,
        "--provisioner",
        options.provisioner,
        "--provisioner-password-file",
        options.provisioner_password_file,
        "--not-after",
        "%dh" % (int(request["validity_days"]) * 24),
    ]
    env = dict(os.environ, STEPPATH=os.path.join(workdir, "step"))  # no state of the user's own step configuration
    completed = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=SIGN_TIMEOUT_SECONDS, check=False
    )
    if completed.returncode != 0:
        message = (completed.stderr or completed.stdout).decode("utf-8", "replace").strip()
        raise RuntimeError("step ca sign failed (exit %d): %s" % (completed.returncode, message))
    with open(crt_path) as handle:
        bundle = handle.read()
    # step writes the leaf followed by the intermediate that signed it.
    end = "-----END CERTIFICATE-----"
    blocks = [block.strip() + "\n" + end + "\n" for block in bundle.split(end) if block.strip()]
    return blocks[0], "".join(blocks[1:])


def main(argv=None):
    options = parse_arguments(sys.argv[1:] if argv is None else argv)
    document = json.load(sys.stdin)
    if document.get("version") != 1:
        sys.stderr.write(
            "unsupported request document version %r; this signer speaks version 1\n" % document.get("version")
        )
        return 2
    answer = {"certificates": {}, "errors": {}}
    for request in document.get("requests", []):
        workdir = tempfile.mkdtemp(prefix="rolesanywhere-step-")
        try:
            certificate, chain = sign_one(options, request, workdir)
            answer["certificates"][request["host"]] = {"certificate_pem": certificate, "chain_pem": chain}
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            answer["errors"][request["host"]] = str(exc)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    json.dump(answer, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
