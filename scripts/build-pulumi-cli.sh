#!/usr/bin/env bash
# Build the pinned Pulumi CLI from the Go module proxy, into a cache outside the repository, with
# upstream's exec helper for Python programs and the dynamic-provider launcher from the sdk/v3 module.
# (Our language host is built next to it by infra/toolchain/hostbuild.py, with the same Go settings.)
#
# Why a build: no package registry ships the Pulumi CLI and download sites may be unreachable.
# Usage: scripts/build-pulumi-cli.sh [VERSION]   (prints the bin directory on its last line)
set -euo pipefail

PV="${1:-${PULUMI_VERSION:-3.274.1}}"
CACHE_ROOT="${WORKSHELF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/workshelf-infra}"
BIN="$CACHE_ROOT/pulumi/v$PV/bin"
STAMP="$BIN/.complete"

log() { printf '[pulumi-cli %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ -f "$STAMP" ]]; then
  log "cached build found in $BIN"
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { log "Go is not installed: install Go >= 1.25 (https://go.dev/doc/install) or put a pulumi CLI on PATH"; exit 3; }

export CGO_ENABLED=0            # release builds are static (upstream scripts/go-wrapper.sh)
export GOFLAGS="-mod=mod -buildvcs=false"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pulumi-wrapper.XXXXXX")"
GOLOG="$WORK/go.log"
# Go's own output (hundreds of "downloading" lines) goes to a log, shown only if a step fails.
trap 'status=$?; if [[ $status -ne 0 ]]; then log "failed; last lines of the Go log:"; tail -n 30 "$GOLOG" >&2 || true; fi; rm -rf "$WORK"' EXIT
cd "$WORK"
go mod init example.invalid/pulumi-wrapper 2>>"$GOLOG"

log "1/4 resolving github.com/pulumi/pulumi/pkg/v3@v$PV"
GOMOD=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$PV" 2>>"$GOLOG" | python3 -c 'import json,sys;print(json.load(sys.stdin)["GoMod"])')
# go install refuses modules with replace directives, so a wrapper module copies the non-local ones.
go mod edit -json "$GOMOD" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    old, new = r["Old"], r["New"]
    if new.get("Version"):  # directory replaces (../sdk) have no version: skip them
        print(old["Path"] + ("@" + old["Version"] if old.get("Version") else "") + "=" + new["Path"] + "@" + new["Version"])
' | while read -r rep; do log "   replace $rep"; go mod edit -replace "$rep"; done

log "2/4 downloading the CLI's modules (about 1.5 GB into the Go module cache when cold)"
go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PV" "github.com/pulumi/pulumi/sdk/v3@v$PV" 2>>"$GOLOG"

mkdir -p "$BIN.tmp"
LDF="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PV"
log "3/4 compiling pulumi (about 4 minutes on 2 cores)"
go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$BIN.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi 2>>"$GOLOG"
log "4/4 installing the exec helper and the dynamic-provider launcher from the sdk/v3 module"
SDK=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
# The exec helper must sit next to the language host; the launcher starts dynamic providers.
install -m 0755 "$SDK/python/cmd/pulumi-language-python-exec" "$BIN.tmp/"
install -m 0755 "$SDK/python/dist/pulumi-resource-pulumi-python" "$BIN.tmp/"
rm -rf "$BIN"; mv "$BIN.tmp" "$BIN"
touch "$STAMP"
"$BIN/pulumi" version >&2
log "done: $BIN"
echo "$BIN"
