#!/usr/bin/env bash
# Run ansible-test on the collection through its import path, without the ansible CI file server.
# Usage: scripts/ansible_test_offline.sh sanity [ansible-test options...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv="$repo/.venv"
collection="$repo/build/ansible_collections/hybridcloud/rolesanywhere"

# ansible-test bootstraps pip in its virtualenvs with a script it downloads, unless a cached copy
# named after the pinned pip version exists; put the offline replacement there.
requirements_py=$(echo "$venv"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py)
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',$/\1/p" "$requirements_py" | head -n 1)
if [ -z "$pip_version" ]; then
    echo "cannot find the pip version ansible-test pins in $requirements_py" >&2
    exit 1
fi
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
mkdir -p "$(dirname "$cache")"
cp "$repo/scripts/offline_get_pip.py" "$cache"

cd "$collection"
exec "$venv/bin/ansible-test" "$@"
