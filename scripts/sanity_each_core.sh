#!/usr/bin/env bash
# ansible-test sanity with the ansible-test of every ansible-core release the collection claims besides the pinned one
# (`make sanity` runs that one from .venv): each release of tests/integration/compat/ansible-core-versions.txt, from
# the virtualenv `make core-venvs` built for it. Releases run one after another (they share ansible-test's caches).
# Each release's outcome goes to build/test-results/sanity-<release> for the summary of scripts/run_tests.sh.
# Usage: scripts/sanity_each_core.sh [release...]      (default: every release in the versions file)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
results=build/test-results
mkdir -p "$results"

if [ $# -gt 0 ]; then
    releases=("$@")
else
    mapfile -t releases < <(grep -vE '^\s*(#|$)' tests/integration/compat/ansible-core-versions.txt | awk '{print $1}')
fi

status=0
for release in "${releases[@]}"; do
    venv="build/ansible-core-$release"
    start=$SECONDS
    if [ ! -x "$venv/bin/ansible-test" ]; then
        echo "no virtualenv for ansible-core $release: run \`make core-venvs\`" >&2
        outcome="FAILED (no virtualenv; run make core-venvs)"
    else
        echo "--- ansible-test sanity with ansible-core $release"
        if ANSIBLE_TEST_VENV="$venv" scripts/ansible_test_offline.sh sanity --venv --requirements --python 3.11 --color no; then
            outcome="passed"
        else
            outcome="FAILED"
        fi
    fi
    [ "$outcome" = passed ] || status=1
    echo "$outcome ($((SECONDS - start)) s)" > "$results/sanity-$release"
    echo "ansible-core $release sanity: $outcome ($((SECONDS - start)) s)"
done
exit $status
