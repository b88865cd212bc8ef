#!/usr/bin/env bash
# Checks ApimCapacity manifests in CI against the Azure simulator (`apimcap sim`), without an
# Azure subscription: for each manifest, `apimcap plan` prints what the operator would do to
# the simulated service; the script fails when a plan is Blocked (a change Azure refuses,
# or a destructive one the manifest does not consent to): the operator would stall on it.
#
# Usage: plan-against-sim.sh SEED MANIFEST...
#   SEED      the simulator's seed: your services as they are live (docs/simulator.md)
#   APIMCAP   the apimcap binary (default: apimcap on PATH)
#   SIM_PORT  the simulator's port on 127.0.0.1 (default 18443)
set -euo pipefail
seed=${1:?usage: plan-against-sim.sh SEED MANIFEST...}
shift
apimcap=${APIMCAP:-apimcap}
port=${SIM_PORT:-18443}
url="https://127.0.0.1:$port"
work=$(mktemp -d)
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2> /dev/null || true; wait "$sim_pid" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$apimcap" sim --listen "127.0.0.1:$port" --seed "$seed" --ca-cert-out "$work/ca.pem" \
  > "$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do
  [ -s "$work/ca.pem" ] && break
  kill -0 "$sim_pid" 2> /dev/null || { cat "$work/sim.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/ca.pem" ] || { echo "the simulator did not start" >&2; exit 1; }

# A principal of the seed (the simulator checks its secret like Entra ID would).
export AZURE_TENANT_ID=${AZURE_TENANT_ID:-72f988bf-86f1-41af-91ab-2d7cd011db47}
export AZURE_CLIENT_ID=${AZURE_CLIENT_ID:-6b1f0e0e-0000-4000-8000-000000000001}
export AZURE_CLIENT_SECRET=${AZURE_CLIENT_SECRET:-demo-secret}

failed=0
for manifest in "$@"; do
  echo "== $manifest"
  if ! plan=$("$apimcap" plan -f "$manifest" --arm-endpoint "$url" --authority-host "$url" \
      --ca-bundle "$work/ca.pem" 2>&1); then
    echo "$plan"
    failed=1
    continue
  fi
  echo "$plan"
  if grep -q '^Blocked' <<< "$plan"; then
    echo "-> the operator would stall on $manifest" >&2
    failed=1
  fi
done
exit "$failed"
