#!/usr/bin/env bash
# Regenerates go.mod's replace block: every k8s.io staging module that k8s.io/kubernetes
# maps to ./staging is pinned to its published v0.X.Y tag (the tag matching v1.X.Y).
# Usage: ./gen-replaces.sh v1.36.3
set -euo pipefail
cd "$(dirname "$0")"
kver=${1:?kubernetes version, e.g. v1.36.3}
sver="v0.${kver#v1.}"
modfile=$(go mod download -json "k8s.io/kubernetes@${kver}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
grep -E '=> \./staging/src/k8s.io/' "$modfile" | awk '{print $1}' | while read -r mod; do
  go mod edit -replace "${mod}=${mod}@${sver}"
done
go mod edit -require "k8s.io/kubernetes@${kver}"
