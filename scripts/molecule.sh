#!/usr/bin/env bash
# Molecule for this checkout, from any directory: scripts/molecule.sh <command> -s <scenario> [molecule options...]
# (test, create, converge, verify, destroy, ...). It runs .venv's molecule in extensions/ with .venv/bin on PATH
# (Molecule calls ansible-config and ansible-playbook from PATH), this checkout on ANSIBLE_COLLECTIONS_PATH, and the
# scenario's state in build/molecule/<scenario>/. Molecule's own default, ~/.ansible/tmp/molecule.<hash>.<scenario>,
# hashes only the project directory's name ("extensions"), so every checkout on a machine would share it: a run in one
# checkout would find, and destroy, the stand-in and hosts of a run in another.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

scenario=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        -s | --scenario-name) scenario=${args[i + 1]:-} ;;
        --scenario-name=*) scenario=${args[i]#*=} ;;
    esac
done
if [ -z "$scenario" ]; then
    scenarios=$(find "$repo/extensions/molecule" -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -rn1 basename | sort | xargs)
    echo "usage: scripts/molecule.sh <command> -s <scenario>   (scenarios: $scenarios)" >&2
    exit 2
fi

export PATH="$repo/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$repo/build"
export MOLECULE_EPHEMERAL_DIRECTORY="$repo/build/molecule/$scenario"
cd "$repo/extensions"
exec "$repo/.venv/bin/molecule" "$@"
