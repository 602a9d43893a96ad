#!/usr/bin/env bash
# Run every test layer, report each one's outcome, and fail if any layer failed.
# Layers run even after an earlier failure so one CI run shows everything that is broken.
# The summary ends with one line per ansible-core release the collection claims: its sanity and onboard+verify results.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

layers=(sanity sanity-cores lint units integration molecule docs)
declare -A outcome
failed=0
# Per-release results of this run only (scripts/sanity_each_core.sh, the integration layer's JUnit report).
rm -rf build/test-results
mkdir -p build/test-results
for layer in "${layers[@]}"; do
    echo "=== make $layer ==="
    start=$SECONDS
    extra=()
    if [ "$layer" = integration ]; then
        extra=(PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} --junitxml=$PWD/build/test-results/integration.xml")
    fi
    if env "${extra[@]}" make --no-print-directory "$layer"; then
        outcome[$layer]="passed"
    else
        outcome[$layer]="FAILED"
        failed=1
    fi
    outcome[$layer]+=" ($((SECONDS - start)) s)"
done

echo "=== summary ==="
for layer in "${layers[@]}"; do
    printf '%-12s %s\n' "$layer" "${outcome[$layer]}"
done
echo "=== ansible-core releases ==="
.venv/bin/python scripts/core_versions_summary.py "${outcome[sanity]}" "${outcome[integration]}" || failed=1
exit $failed
