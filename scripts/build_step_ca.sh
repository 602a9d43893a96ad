#!/usr/bin/env bash
# Build the step-ca server and the step CLI at the versions pinned in scripts/step_ca.pin into build/step/, from the
# Go module proxy. The tests use them as a real external CA (the external-signer mode of the enroll role). Idempotent:
# binaries already built from the pinned versions with the same Go are kept.
#
#   scripts/build_step_ca.sh              build, or fail when `go` is missing
#   scripts/build_step_ca.sh --if-go      build when `go` is on PATH, else say why not and succeed
#                                         (unless ROLESANYWHERE_REQUIRE_STEP_CA=1, as in CI)
#
# Go's module, build and path caches are the ones scripts/build_official_helper.sh uses (build/go).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=/dev/null
source scripts/step_ca.pin
out_dir=build/step
stamp=$out_dir/built-from

if_go=0
if [ "${1:-}" = "--if-go" ]; then if_go=1; fi

if ! command -v go > /dev/null; then
    message="go is not on PATH: step-ca ($STEP_CA_PACKAGE@$STEP_CA_VERSION) and step ($STEP_CLI_PACKAGE@$STEP_CLI_VERSION) are not built and the external-signer tests that run them will be skipped"
    if [ "$if_go" = 1 ] && [ "${ROLESANYWHERE_REQUIRE_STEP_CA:-0}" != 1 ]; then
        echo "$message"
        exit 0
    fi
    echo "error: $message; install Go >= 1.25 (https://go.dev/dl/)" >&2
    exit 1
fi

go_version=$(go env GOVERSION)
wanted="$STEP_CA_PACKAGE@$STEP_CA_VERSION $STEP_CLI_PACKAGE@$STEP_CLI_VERSION $go_version"

binaries_match_stamp() {
    [ -x "$out_dir/step-ca" ] && [ -x "$out_dir/step" ] && [ -f "$stamp" ] || return 1
    [ "$(sed -n 1p "$stamp")" = "$wanted" ] || return 1
    [ "$(sed -n 2p "$stamp")" = "$(cat "$out_dir/step-ca" "$out_dir/step" | sha256sum | cut -d' ' -f1)" ]
}

if binaries_match_stamp; then
    echo "$out_dir is up to date ($wanted)"
    exit 0
fi

root=$(pwd)/build/go
mkdir -p "$out_dir" "$root/bin"
build() {  # build PACKAGE@VERSION with the project's Go caches
    echo "building $1 with $go_version"
    # GOTOOLCHAIN=local: build with the installed Go rather than downloading the one the module's go.mod names.
    # CGO off: neither binary needs a C library for what the tests use (no PKCS#11, no YubiKey).
    env GOPATH="$root" GOMODCACHE="$root/mod" GOCACHE="$root/cache" GOBIN="$root/bin" GOTOOLCHAIN=local \
        CGO_ENABLED=0 GOFLAGS="-mod=mod -modcacherw" \
        go install -trimpath -ldflags "-s -w" "$1"
}
build "$STEP_CA_PACKAGE@$STEP_CA_VERSION"
build "$STEP_CLI_PACKAGE@$STEP_CLI_VERSION"

# Copy, then rename: a concurrent reader never sees a half-written binary (per-process temporary names: two test
# workers may build at once).
for name in step-ca step; do
    install -m 0755 "$root/bin/$name" "$out_dir/$name.tmp.$$"
    mv -f "$out_dir/$name.tmp.$$" "$out_dir/$name"
done
printf '%s\n%s\n' "$wanted" "$(cat "$out_dir/step-ca" "$out_dir/step" | sha256sum | cut -d' ' -f1)" > "$stamp.tmp.$$"
mv -f "$stamp.tmp.$$" "$stamp"
echo "$out_dir/step-ca: $("$out_dir/step-ca" version | head -1)"
echo "$out_dir/step: $("$out_dir/step" version | head -1)"
