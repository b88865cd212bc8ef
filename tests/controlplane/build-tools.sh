#!/usr/bin/env bash
# Builds the outside checkers of the chart and the alerts from their official Go modules:
# promtool (Prometheus, ./promtool) and kube-score (./kubescore). The same pattern as
# build.sh: each tool module pins its version in go.mod and go.sum; nothing is vendored.
# Usage: build-tools.sh OUT_DIR. A no-op when OUT_DIR holds binaries built from the same inputs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?output directory}
mkdir -p "$out"
out=$(cd "$out" && pwd)

inputs=("$here/build-tools.sh" "$here"/promtool/go.* "$here"/kubescore/go.*)
stamp=$(cat "${inputs[@]}" | sha256sum | cut -d' ' -f1)
if [ -x "$out/promtool" ] && [ -x "$out/kube-score" ] \
  && [ "$(cat "$out/.stamp-tools" 2>/dev/null)" = "$stamp" ]; then
  echo "promtool and kube-score are current in $out"
  exit 0
fi

version() { sed -n "s|^\t$1 \(v[0-9.]*\).*$|\1|p" "$2" | head -1; }
prom_ver=$(version github.com/prometheus/prometheus "$here/promtool/go.mod")
score_ver=$(version github.com/zegl/kube-score "$here/kubescore/go.mod")

cd "$here/promtool"
echo "building promtool (prometheus module $prom_ver)" >&2
go build -ldflags "-s -w -X github.com/prometheus/common/version.Version=$prom_ver" \
  -o "$out/promtool" github.com/prometheus/prometheus/cmd/promtool
cd "$here/kubescore"
echo "building kube-score $score_ver" >&2
go build -ldflags "-s -w -X main.version=$score_ver" -o "$out/kube-score" github.com/zegl/kube-score/cmd/kube-score
echo "$stamp" > "$out/.stamp-tools"
echo "promtool and kube-score built in $out" >&2
