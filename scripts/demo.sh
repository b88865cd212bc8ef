#!/usr/bin/env bash
# make demo: a local kube-apiserver + etcd, the Azure simulator and the operator, with a
# sample ApimCapacity that upgrades a Standard service to Premium and adds a second region.
# Everything runs on loopback from a temporary directory; Ctrl-C stops it all and removes
# the directory.
#
# Environment:
#   APIMCAP_CONTROLPLANE_BIN  kube-apiserver, etcd and kubectl (default target/controlplane)
#   DEMO_TIME_SCALE           simulator time scale (default 0.0037: a 45-minute tier change
#                             takes 10 s)
#   DEMO_EXIT_WHEN_READY=1    stop and clean up once the sample is Ready instead of waiting
#                             for Ctrl-C
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin_dir=${APIMCAP_CONTROLPLANE_BIN:-$root/target/controlplane}
time_scale=${DEMO_TIME_SCALE:-0.0037}
tenant=72f988bf-86f1-41af-91ab-2d7cd011db47
client_id=6b1f0e0e-0000-4000-8000-000000000001
client_secret=demo-secret

if [ -t 2 ]; then
  say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
else
  say() { printf '==> %s\n' "$*" >&2; }
fi

# ----- build what is missing -----
for b in etcd kube-apiserver kubectl; do
  if [ ! -x "$bin_dir/$b" ]; then
    say "building the control plane into $bin_dir (first run only)"
    make --no-print-directory controlplane CONTROLPLANE_BIN="$bin_dir"
    break
  fi
done
say "building apimcap"
cargo build --quiet --bin apimcap
apimcap=${CARGO_TARGET_DIR:-$root/target}/debug/apimcap

# ----- cleanup of everything started here -----
work=$(mktemp -d "${TMPDIR:-/tmp}/apimcap-demo.XXXXXX")
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo >&2
  say "stopping"
  local pid
  # Newest first: watcher, operator, simulator, kube-apiserver, etcd.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
  say "stopped; removed $work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

wait_until() { # seconds, description, command...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq $((seconds * 4))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  echo "timed out waiting for $what" >&2
  return 1
}

# ----- certificates and credentials for the apiserver -----
say "starting etcd and kube-apiserver in $work"
certs=$work/certs
mkdir -p "$certs"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=apimcap-demo-ca" \
  -keyout "$certs/ca.key" -out "$certs/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
  -keyout "$certs/apiserver.key" -out "$certs/apiserver.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$certs/san.ext"
openssl x509 -req -in "$certs/apiserver.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" \
  -CAcreateserial -days 1 -extfile "$certs/san.ext" -out "$certs/apiserver.crt" 2>/dev/null
openssl genrsa -out "$certs/sa.key" 2048 2>/dev/null
openssl rsa -in "$certs/sa.key" -pubout -out "$certs/sa.pub" 2>/dev/null
token=$(openssl rand -hex 16)
echo "$token,demo-admin,demo-admin,\"system:masters\"" >"$work/tokens.csv"

etcd_port=$(free_port)
peer_port=$(free_port)
"$bin_dir/etcd" --name=default --data-dir="$work/etcd" \
  --listen-client-urls="http://127.0.0.1:$etcd_port" \
  --advertise-client-urls="http://127.0.0.1:$etcd_port" \
  --listen-peer-urls="http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
  --initial-cluster="default=http://127.0.0.1:$peer_port" \
  --unsafe-no-fsync=true --log-level=warn >"$work/etcd.log" 2>&1 &
pids+=($!)

api_port=$(free_port)
server=https://127.0.0.1:$api_port
"$bin_dir/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$etcd_port" \
  --secure-port="$api_port" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
  --cert-dir="$certs" \
  --tls-cert-file="$certs/apiserver.crt" --tls-private-key-file="$certs/apiserver.key" \
  --token-auth-file="$work/tokens.csv" --authorization-mode=RBAC \
  --service-cluster-ip-range=10.0.0.0/24 --service-account-issuer="$server" \
  --service-account-key-file="$certs/sa.pub" --service-account-signing-key-file="$certs/sa.key" \
  --disable-admission-plugins=ServiceAccount --endpoint-reconciler-type=none \
  --allow-privileged=true --event-ttl=1h >"$work/kube-apiserver.log" 2>&1 &
pids+=($!)

export KUBECONFIG=$work/kubeconfig
cat >"$KUBECONFIG" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: demo
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$certs/ca.crt")
users:
- name: admin
  user:
    token: $token
contexts:
- name: demo
  context: {cluster: demo, user: admin}
current-context: demo
EOF
kubectl() { "$bin_dir/kubectl" "$@"; }
wait_until 90 "kube-apiserver" kubectl get --raw=/readyz ||
  { tail -30 "$work/kube-apiserver.log" >&2; exit 1; }

say "installing the ApimCapacity CRD"
kubectl apply --server-side -f crds/ >/dev/null 2>"$work/crd.err" || { cat "$work/crd.err" >&2; exit 1; }
kubectl wait --for=condition=Established --timeout=60s crd/apimcapacities.capacity.apim.dev >/dev/null
wait_until 30 "the apimcap resource" kubectl get apimcap -A

# ----- the Azure simulator and the operator -----
sim_port=$(free_port)
sim=https://127.0.0.1:$sim_port
say "starting the Azure simulator on $sim (time scale $time_scale)"
"$apimcap" sim --listen "127.0.0.1:$sim_port" --seed examples/simulator/seed.yaml \
  --ca-cert-out "$work/sim-ca.pem" --time-scale "$time_scale" --retry-after 2 \
  >"$work/sim.log" 2>&1 &
pids+=($!)
wait_until 30 "the simulator" test -s "$work/sim-ca.pem"

metrics_port=$(free_port)
# Closed by default: only the demo namespace may target the simulator's subscription.
cat >"$work/namespace-policy.yaml" <<EOF
demo:
  - /subscriptions/00000000-0000-0000-0000-000000000000
EOF
say "starting the operator (metrics on http://127.0.0.1:$metrics_port/metrics)"
NO_COLOR=1 AZURE_TENANT_ID=$tenant AZURE_CLIENT_ID=$client_id AZURE_CLIENT_SECRET=$client_secret \
  "$apimcap" run --kubeconfig "$KUBECONFIG" --arm-endpoint "$sim" --authority-host "$sim" \
  --ca-bundle "$work/sim-ca.pem" --min-retry-after 1s --resync-interval 30s \
  --namespace-policy "$work/namespace-policy.yaml" \
  --metrics-addr "127.0.0.1:$metrics_port" --log-format text >"$work/operator.log" 2>&1 &
operator=$!
pids+=("$operator")

# ----- the sample -----
say "applying scripts/demo-apimcap.yaml: payments-apim Standard (1 unit, westeurope) -> Premium + eastus"
kubectl create namespace demo >/dev/null
kubectl apply -n demo -f scripts/demo-apimcap.yaml >/dev/null
say "kubectl get apimcap -n demo -w   (until Ready=True)"
"$bin_dir/kubectl" get apimcap -n demo -w &
pids+=($!)
ready() {
  [ "$(kubectl get apimcap -n demo payments \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
deadline=$((SECONDS + 300))
until ready; do
  if ! kill -0 "$operator" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
    echo "the sample is not Ready (operator exited or 5 minutes passed); its log:" >&2
    tail -40 "$work/operator.log" >&2
    exit 1
  fi
  sleep 0.5
done
sleep 1 # let the watch print the last line
kill "${pids[-1]}" 2>/dev/null || true
echo
say "kubectl get events -n demo"
kubectl get events -n demo --sort-by=.eventTime \
  -o custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message
say "Ready. The service in the simulator now reads:"
curl -s --cacert "$work/sim-ca.pem" "$sim/_sim/services/payments-apim" |
  jq -c '{sku, additionalLocations: [.properties.additionalLocations[] | {location, capacity: .sku.capacity}]}' 2>/dev/null || true

if [ "${DEMO_EXIT_WHEN_READY:-0}" = 1 ]; then
  exit 0
fi
cat >&2 <<EOF

Everything keeps running. In another terminal:
  export KUBECONFIG=$KUBECONFIG
  $bin_dir/kubectl describe apimcap -n demo payments
  $bin_dir/kubectl patch apimcap -n demo payments --type merge -p '{"spec":{"regions":[{"location":"westeurope","units":2},{"location":"eastus","units":1}]}}'
  curl -s --cacert $work/sim-ca.pem $sim/_sim/requests | jq .
Logs: $work/operator.log, $work/sim.log
Press Ctrl-C to stop everything and clean up.
EOF
"$bin_dir/kubectl" get apimcap -n demo -w &
pids+=($!)
wait "${pids[-1]}"
