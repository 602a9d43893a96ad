#!/usr/bin/env bash
# Run every Molecule scenario under extensions/molecule, each through scripts/molecule.sh (this checkout's .venv and
# collection, the scenario's state in build/molecule/<scenario>/, so checkouts on one machine do not share it).
# Scenarios whose molecule.yml says they need root are reported as skipped when run by another user; CI runs as root
# and runs them all.
set -uo pipefail
cd "$(dirname "$0")/../extensions" || exit 1

scenarios=$(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -rn1 basename | sort)
if [ -z "$scenarios" ]; then
    echo "no Molecule scenarios found under extensions/molecule" >&2
    exit 1
fi

# Each scenario tests one role or the fleet, so there is no "default" scenario; Molecule says so with a
# "'molecule/default/molecule.yml' glob failed" line per scenario and carries on without shared state.
echo "note: the \"molecule/default ... glob failed\" lines below mean only that there is no default scenario"
# Scenarios that run the official helper need it built (`go` on PATH); without Go they are skipped, except in CI
# (ROLESANYWHERE_REQUIRE_OFFICIAL_HELPER=1), where the build script fails instead.
../scripts/build_official_helper.sh --if-go || exit 1
status=0
for scenario in $scenarios; do
    if grep -q 'requires_root: true' "molecule/$scenario/molecule.yml" && [ "$(id -u)" != 0 ]; then
        echo "SKIPPED molecule scenario $scenario: it needs root (real service users, chroot hosts)"
        continue
    fi
    if grep -q 'requires_official_helper: true' "molecule/$scenario/molecule.yml" && [ ! -x ../build/official-helper/aws_signing_helper ]; then
        echo "SKIPPED molecule scenario $scenario: it runs the official credential helper, which needs Go to build"
        continue
    fi
    echo "--- molecule test -s $scenario"
    if ../scripts/molecule.sh test -s "$scenario"; then
        echo "PASSED molecule scenario $scenario"
    else
        echo "FAILED molecule scenario $scenario"
        status=1
    fi
done
exit $status
