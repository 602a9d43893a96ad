#!/usr/bin/env bash
# One virtualenv per ansible-core release the collection claims besides the pinned one, under
# build/ansible-core-<version>, with the controller-side Python packages of requirements.txt, on the Python each
# release needs (tests/integration/compat/ansible-core-versions.txt: "<release> <python command>"). The collections
# (amazon.aws and its friends) are not installed again: the tests point ANSIBLE_COLLECTIONS_PATH at the copy in .venv.
# Idempotent: a complete virtualenv is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
pins=$(grep -E '^(boto3|botocore|cryptography)==' requirements.txt | tr '\n' ' ')

# The interpreter named in the versions file (python3.12, say): from PATH when it runs there, else from pyenv's
# installed versions (pyenv's shim for a version that is not selected exists on PATH but refuses to run).
find_python() {
    local command=$1 candidate
    if "$command" -c '' 2>/dev/null; then
        command -v "$command"
        return
    fi
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/"$command"; do
        if [ -x "$candidate" ] && "$candidate" -c '' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "no $command interpreter: install it (or add it to pyenv) to test the ansible-core releases that need it" >&2
    return 1
}

grep -vE '^\s*(#|$)' tests/integration/compat/ansible-core-versions.txt | while read -r version python_command; do
    venv="build/ansible-core-$version"
    if [ -x "$venv/bin/ansible-playbook" ] && [ -e "$venv/.complete" ]; then
        continue
    fi
    python=$(find_python "${python_command:-python3}")
    rm -rf "$venv"
    "$python" -m venv "$venv"
    # shellcheck disable=SC2086  # the pins are separate words
    "$venv/bin/python" -m pip install --quiet "ansible-core==$version" $pins
    touch "$venv/.complete"
    echo "installed ansible-core $version into $venv ($("$venv/bin/python" --version))"
done
