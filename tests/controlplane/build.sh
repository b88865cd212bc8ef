#!/usr/bin/env bash
# Builds the test control plane from official Go modules: kube-apiserver, kubectl and etcd
# (this module, every k8s.io staging module pinned by replace) and helm (./helm).
# Usage: build.sh OUT_DIR. A no-op when OUT_DIR holds binaries built from the same inputs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?output directory}
mkdir -p "$out"
out=$(cd "$out" && pwd)

inputs=("$here/build.sh" "$here/go.mod" "$here/go.sum" "$here/helm/go.mod" "$here/helm/go.sum")
bins=(kube-apiserver kubectl etcd helm)
if [ -d "$here/kstatus" ]; then
  inputs+=("$here"/kstatus/*)
  bins+=(kstatus-check)
fi
stamp=$(cat "${inputs[@]}" | sha256sum | cut -d' ' -f1)
current=1
for b in "${bins[@]}"; do [ -x "$out/$b" ] || current=0; done
if [ "$current" = 1 ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "control plane binaries are current in $out"
  exit 0
fi

kver=$(sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p;s/^\tk8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$here/go.mod" | head -1)
[ -n "$kver" ] || { echo "cannot find the k8s.io/kubernetes version in go.mod" >&2; exit 1; }
major=${kver#v}; major=${major%%.*}
minor=${kver#v*.}; minor=${minor%%.*}
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ver_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ver_flags+=" -X $pkg.gitVersion=$kver -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ver_flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
done
helm_ver=$(sed -n 's/^\thelm.sh\/helm\/v3 \(v[0-9.]*\).*$/\1/p' "$here/helm/go.mod" | head -1)

cd "$here"
echo "building kube-apiserver $kver" >&2
go build -ldflags "-s -w$ver_flags" -o "$out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
echo "building kubectl $kver" >&2
go build -ldflags "-s -w$ver_flags" -o "$out/kubectl" k8s.io/kubernetes/cmd/kubectl
echo "building etcd" >&2
go build -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
if [ -d "$here/kstatus" ]; then
  echo "building kstatus-check" >&2
  go build -ldflags "-s -w" -o "$out/kstatus-check" ./kstatus
fi
cd "$here/helm"
echo "building helm $helm_ver" >&2
go build -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$helm_ver" -o "$out/helm" helm.sh/helm/v3/cmd/helm
echo "$stamp" > "$out/.stamp"
echo "control plane binaries built in $out" >&2
