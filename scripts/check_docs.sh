#!/usr/bin/env bash
# Every plugin's documentation renders with ansible-doc and passes antsibull-docs' collection lint; the generated
# docs are current; the paths the docs cite exist.
set -euo pipefail
cd "$(dirname "$0")/.."
export ANSIBLE_COLLECTIONS_PATH="$PWD/build"
bin=.venv/bin
status=0

for type in module filter; do
    names=$("$bin/ansible-doc" -t "$type" -l hybridcloud.rolesanywhere --json | "$bin/python" -c 'import json,sys; print("\n".join(sorted(json.load(sys.stdin))))')
    for name in $names; do
        if "$bin/ansible-doc" -t "$type" "$name" > /dev/null; then
            echo "renders: $type $name"
        else
            echo "does not render: $type $name" >&2
            status=1
        fi
    done
done
shopt -s nullglob
for role in roles/*/; do
    role=$(basename "$role")
    if "$bin/ansible-doc" -t role "hybridcloud.rolesanywhere.$role" > /dev/null; then
        echo "renders: role $role"
    else
        echo "does not render: role $role" >&2
        status=1
    fi
done

"$bin/python" scripts/render_generated_docs.py --check || status=1
# Every repository path README, CONTRIBUTING, SECURITY, docs/ and .ansible-lint cite exists.
"$bin/python" scripts/check_doc_paths.py || status=1
# antsibull-docs copies dependencies with git when they sit inside a git checkout (.venv does), which copies
# nothing; a copy of amazon.aws outside the checkout lets it resolve the doc fragments and M() references.
# It takes whichever copy `ansible-galaxy collection list` names first, in path order, so the one in .venv is
# hidden (ANSIBLE_COLLECTIONS_SCAN_SYS_PATH) rather than left to depend on where the checkout lives.
deps=$(mktemp -d)
trap 'rm -rf "$deps"' EXIT
mkdir -p "$deps/ansible_collections/amazon"
cp -r .venv/lib/python3*/site-packages/ansible_collections/amazon/aws "$deps/ansible_collections/amazon/"
PATH="$PWD/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$deps:$PWD/build" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
    "$bin/antsibull-docs" lint-collection-docs --plugin-docs build/ansible_collections/hybridcloud/rolesanywhere || status=1
exit $status
