"""Offline replacement for the pip bootstrap script ansible-test downloads.

ansible-test bootstraps pip in each sanity virtualenv by running a ``get-pip.py`` it fetches from its
CI file server, which is unreachable from air-gapped machines. It uses a cached copy when one exists,
so ``scripts/ansible_test_offline.sh`` installs this file there. It bootstraps pip from the
interpreter's bundled wheel (ensurepip) and then installs what ansible-test asked for from the
configured package index.
"""

import os
import subprocess
import sys

# Options get-pip.py understands but pip install does not.
GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def main():
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    # ansible-test strips PIP_* variables from the environment, so the CA bundle is passed explicitly.
    if os.path.exists(CA_BUNDLE):
        args = ["--cert", CA_BUNDLE] + args
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)


if __name__ == "__main__":
    main()
