#!/usr/bin/env bash
# Run every test layer, report each one's outcome, and fail if any layer failed.
# Layers run even after an earlier failure so one CI run shows everything that is broken.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

layers=(sanity lint units integration molecule docs)
declare -A outcome
failed=0
for layer in "${layers[@]}"; do
    echo "=== make $layer ==="
    start=$SECONDS
    if make --no-print-directory "$layer"; then
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
exit $failed
