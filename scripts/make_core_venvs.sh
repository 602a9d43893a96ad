#!/usr/bin/env bash
# One virtualenv per older ansible-core release the collection claims, under build/ansible-core-<version>, with the
# controller-side Python packages of requirements.txt. The collections (amazon.aws and its friends) are not
# installed again: the tests point ANSIBLE_COLLECTIONS_PATH at the copy in .venv. Idempotent: a complete
# virtualenv is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
pins=$(grep -E '^(boto3|botocore|cryptography)==' requirements.txt | tr '\n' ' ')
grep -vE '^\s*(#|$)' tests/integration/compat/ansible-core-versions.txt | while read -r version; do
    venv="build/ansible-core-$version"
    if [ -x "$venv/bin/ansible-playbook" ] && [ -e "$venv/.complete" ]; then
        continue
    fi
    rm -rf "$venv"
    "$python" -m venv "$venv"
    # shellcheck disable=SC2086  # the pins are separate words
    "$venv/bin/python" -m pip install --quiet "ansible-core==$version" $pins
    touch "$venv/.complete"
    echo "installed ansible-core $version into $venv"
done
