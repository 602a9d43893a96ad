#!/usr/bin/env bash
# Run ansible-test on a snapshot of the collection, without the ansible CI file server.
# Usage: scripts/ansible_test_offline.sh sanity [ansible-test options...]
# ANSIBLE_TEST_VENV=build/ansible-core-<version> runs that release's ansible-test instead of the one in .venv
# (scripts/sanity_each_core.sh does so for every release the collection claims).
#
# ansible-test insists that its physical working directory is .../ansible_collections/NS/NAME, which a
# symlink cannot satisfy, so it runs on a copy of the files git would ship (tracked plus untracked,
# minus ignored) under build/ansible-test/ (build/ansible-test-<venv name>/ for another virtualenv's ansible-test).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
main_venv="$repo/.venv"
venv=$(cd "${ANSIBLE_TEST_VENV:-$main_venv}" && pwd)
snapshot="$repo/build/ansible-test"
if [ "$venv" != "$(cd "$main_venv" && pwd)" ]; then
    snapshot="$repo/build/ansible-test-$(basename "$venv")"
fi
collection="$snapshot/ansible_collections/hybridcloud/rolesanywhere"

rm -rf "$collection"
mkdir -p "$collection"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' path; do [ -e "$path" ] && printf '%s\0' "$path"; done \
    | tar --null -T - -cf -) | tar -xf - -C "$collection"
# The snapshot is its own git repository: otherwise ansible-test would consult the checkout's git,
# which ignores build/, and skip every file.
git -C "$collection" init --quiet
git -C "$collection" add --all

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

# Collections the code imports (amazon.aws) must sit in the same ansible_collections tree for the import test;
# they come from the `ansible` package in .venv whichever ansible-test runs.
site_collections=$(echo "$main_venv"/lib/python3*/site-packages/ansible_collections)
dependencies=(amazon/aws)
for dependency in "${dependencies[@]}"; do
    mkdir -p "$(dirname "$collection")/../$(dirname "$dependency")"
    ln -sfn "$site_collections/$dependency" "$collection/../../$dependency"
done

cd "$collection"
exec "$venv/bin/ansible-test" "$@"
