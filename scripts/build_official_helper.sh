#!/usr/bin/env bash
# Build the official IAM Roles Anywhere credential helper at the version pinned in scripts/official_helper.pin into
# build/official-helper/aws_signing_helper, from the Go module proxy. Idempotent: a binary already built from the
# pinned version, and still carrying the checksum recorded at build time, is kept.
#
#   scripts/build_official_helper.sh              build, or fail when `go` is missing
#   scripts/build_official_helper.sh --if-go      build when `go` is on PATH, else say why not and succeed
#                                                 (unless ROLESANYWHERE_REQUIRE_OFFICIAL_HELPER=1, as in CI)
#
# Go's module, build and path caches live under build/go: the build needs nothing from (and writes nothing to) the
# user's home, and `make clean` removes everything it downloaded. -modcacherw keeps that cache deletable by rm.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=/dev/null
source scripts/official_helper.pin
out_dir=build/official-helper
binary=$out_dir/aws_signing_helper
stamp=$out_dir/built-from

if_go=0
if [ "${1:-}" = "--if-go" ]; then if_go=1; fi

if ! command -v go > /dev/null; then
    message="go is not on PATH: the official credential helper ($OFFICIAL_HELPER_MODULE@$OFFICIAL_HELPER_VERSION) is not built and the tests that run it will be skipped"
    if [ "$if_go" = 1 ] && [ "${ROLESANYWHERE_REQUIRE_OFFICIAL_HELPER:-0}" != 1 ]; then
        echo "$message"
        exit 0
    fi
    echo "error: $message; install Go >= 1.24 (https://go.dev/dl/)" >&2
    exit 1
fi

go_version=$(go env GOVERSION)
wanted="$OFFICIAL_HELPER_MODULE@$OFFICIAL_HELPER_VERSION $go_version"

if [ -x "$binary" ] && [ -f "$stamp" ]; then
    recorded_from=$(sed -n 1p "$stamp")
    recorded_sha=$(sed -n 2p "$stamp")
    actual_sha=$(sha256sum "$binary" | cut -d' ' -f1)
    if [ "$recorded_from" = "$wanted" ] && [ "$recorded_sha" = "$actual_sha" ]; then
        echo "$binary is up to date ($wanted, sha256 $actual_sha)"
        exit 0
    fi
fi

root=$(pwd)/build/go
mkdir -p "$out_dir" "$root/bin"
echo "building $OFFICIAL_HELPER_MODULE@$OFFICIAL_HELPER_VERSION with $go_version"
# GOTOOLCHAIN=local: build with the installed Go rather than downloading the toolchain the module's go.mod names.
# CGO stays on (the default with a C compiler): the helper's PKCS#11 support is cgo code.
env GOPATH="$root" GOMODCACHE="$root/mod" GOCACHE="$root/cache" GOBIN="$root/bin" GOTOOLCHAIN=local \
    GOFLAGS="-mod=mod -modcacherw" \
    go install -trimpath \
    -ldflags "-s -w -X $OFFICIAL_HELPER_MODULE/cmd.Version=${OFFICIAL_HELPER_VERSION#v}" \
    "$OFFICIAL_HELPER_MODULE@$OFFICIAL_HELPER_VERSION"

built=$root/bin/$(basename "$OFFICIAL_HELPER_MODULE")
sha=$(sha256sum "$built" | cut -d' ' -f1)
if [ "$go_version" = "$OFFICIAL_HELPER_GO" ] && [ "$sha" != "$OFFICIAL_HELPER_SHA256" ]; then
    echo "error: $go_version built $OFFICIAL_HELPER_MODULE@$OFFICIAL_HELPER_VERSION with sha256 $sha," \
         "but scripts/official_helper.pin records $OFFICIAL_HELPER_SHA256 for this toolchain" >&2
    exit 1
fi
if [ "$go_version" != "$OFFICIAL_HELPER_GO" ]; then
    echo "note: built with $go_version, not the pinned $OFFICIAL_HELPER_GO: sha256 $sha (pinned: $OFFICIAL_HELPER_SHA256)"
fi
# Copy, then rename: a concurrent reader never sees a half-written binary.
# Per-process temporary names: two test workers may build at once and must not rename each other's files.
install -m 0755 "$built" "$binary.tmp.$$"
mv -f "$binary.tmp.$$" "$binary"
printf '%s\n%s\n' "$wanted" "$sha" > "$stamp.tmp.$$"
mv -f "$stamp.tmp.$$" "$stamp"
echo "$binary: $("$binary" version), sha256 $sha"
