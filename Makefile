# apim-capacity-operator: build, test and demo targets.
#
#   make test   formatting, lints, unit tests, the real test control plane, integration tests
#   make demo   local control plane + Azure simulator + operator, with a sample applied
#   make bench  planner, autoscale-day and operator benchmarks; writes docs/performance.md
#   make soak   a long soak test: random changes and faults, invariants on Azure writes

SHELL := /usr/bin/env bash
CARGO ?= cargo
CONTROLPLANE_BIN ?= $(CURDIR)/target/controlplane
export APIMCAP_CONTROLPLANE_BIN := $(CONTROLPLANE_BIN)
CRD_FILE := crds/apimcapacities.capacity.apim.dev.yaml
CHART := charts/apim-capacity-operator
CHART_CRD_FILE := $(CHART)/files/crd.yaml
HELM := $(CONTROLPLANE_BIN)/helm
# The static binary `make static` builds and checks: glibc with crt-static, because this
# machine's toolchain has no musl std (the Dockerfile builds the same way; see there).
STATIC_TARGET := x86_64-unknown-linux-gnu
STATIC_BIN := $(or $(CARGO_TARGET_DIR),target)/$(STATIC_TARGET)/release/apimcap

.PHONY: all build test fmt-check import-cycles clippy unit-and-integration controlplane crds crds-check chart-check static image demo bench soak
.PHONY: image-test check-tools monitoring-check kube-score

all: build

build:
	$(CARGO) build --release --bin apimcap

## Everything CI runs.
test: fmt-check import-cycles clippy controlplane crds-check chart-check static image-test monitoring-check kube-score unit-and-integration

fmt-check:
	$(CARGO) fmt --all -- --check

## Modules must not import each other in a cycle (scripts/import_cycles.py), in the operator
## and in the simulator.
IMPORT_CYCLE_DIRS ?= src crates/apimcap-sim/src
import-cycles:
	python3 scripts/import_cycles.py --self-test
	python3 scripts/import_cycles.py $(IMPORT_CYCLE_DIRS)

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

## The tests run with a temp folder of their own, which must be empty when they end.
unit-and-integration: controlplane
	$(CARGO) test --workspace --all-targets --locked --no-run
	APIMCAP_TEST_IMAGE=$$(cat $(IMAGE_STATE)/name 2>/dev/null) \
	  scripts/with-private-tmpdir.sh $(CARGO) test --workspace --all-targets --locked

## The real kube-apiserver, etcd, kubectl and helm, built from their Go modules (a no-op
## when current).
controlplane:
	tests/controlplane/build.sh $(CONTROLPLANE_BIN)

## Regenerates the committed CRD from the Rust types, and the chart's copy of it.
crds:
	$(CARGO) run --quiet --locked --bin apimcap -- crd > $(CRD_FILE)
	cp $(CRD_FILE) $(CHART_CRD_FILE)

## Fails when the committed CRD differs from `apimcap crd`.
crds-check:
	@$(CARGO) run --quiet --locked --bin apimcap -- crd | diff -u $(CRD_FILE) - \
	  || { echo "$(CRD_FILE) is stale: run 'make crds' and commit it" >&2; exit 1; }
	@diff -u $(CRD_FILE) $(CHART_CRD_FILE) \
	  || { echo "$(CHART_CRD_FILE) differs from $(CRD_FILE): run 'make crds' and commit it" >&2; exit 1; }

## helm lint and helm template of the chart (the least it needs, and every optional part on);
## the default values alone must not render (no namespace policy).
chart-check: controlplane
	$(HELM) lint --strict $(CHART) --set allowAllNamespaces=true
	$(HELM) template apimcap $(CHART) --namespace apimcap-system --set allowAllNamespaces=true > /dev/null
	@if $(HELM) template apimcap $(CHART) --namespace apimcap-system > /dev/null 2>&1; then \
	  echo "the chart renders without namespacePolicy or allowAllNamespaces" >&2; exit 1; fi
	$(HELM) template apimcap $(CHART) --namespace apimcap-system \
	  --set replicaCount=2 --set serviceMonitor.enabled=true --set rbac.aggregateToEdit=true \
	  --set azure.workloadIdentity.enabled=true \
	  --set azure.workloadIdentity.clientId=00000000-0000-0000-0000-000000000000 \
	  --set azure.caBundle.configMap.name=corp-ca \
	  --set-json 'namespacePolicy={"platform":["/subscriptions/00000000-0000-0000-0000-000000000000"]}' \
	  --set-json 'operator.unitLimits={"Premium":40}' > /dev/null
	$(HELM) template apimcap $(CHART) --namespace apimcap-system --set allowAllNamespaces=true \
	  --set prometheusRule.enabled=true --set grafanaDashboard.enabled=true \
	  --set networkPolicy.enabled=true --set-json 'networkPolicy.apiServer.cidrs=["10.0.0.1/32"]' > /dev/null

## The fully static release binary (the one the container image holds); fails unless it is
## static and `apimcap --version` runs.
static:
	RUSTFLAGS="-C target-feature=+crt-static" CARGO_PROFILE_RELEASE_STRIP=symbols \
	  $(CARGO) build --release --locked --target $(STATIC_TARGET) --bin apimcap
	@if readelf -lW $(STATIC_BIN) | grep -q 'INTERP' || readelf -dW $(STATIC_BIN) | grep -q 'NEEDED'; then \
	  readelf -dW $(STATIC_BIN) | grep NEEDED; echo "$(STATIC_BIN) is not statically linked" >&2; exit 1; fi
	$(STATIC_BIN) --version
	@echo "static binary: $(STATIC_BIN), $$(du -h $(STATIC_BIN) | cut -f1) ($$(stat -c %s $(STATIC_BIN)) bytes)"

## The release image (needs docker or podman and network access to the base images).
IMAGE ?= apim-capacity-operator:dev
CONTAINER_BUILD ?= $(if $(shell command -v docker 2>/dev/null),docker,podman)
image:
	$(CONTAINER_BUILD) build -t $(IMAGE) .

## The test image, built from the Dockerfile with local bases (the static binary on scratch)
## by podman (installed from Debian when missing); a no-op when current. The e2e test
## `image::` runs it (APIMCAP_TEST_IMAGE, set by unit-and-integration).
IMAGE_STATE := $(or $(CARGO_TARGET_DIR),target)/image
image-test: static
	scripts/image-test.sh $(STATIC_BIN) $(IMAGE_STATE)

## promtool and kube-score, built from their Go modules (a no-op when current).
TOOLS_BIN ?= $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/tools
check-tools:
	tests/controlplane/build-tools.sh $(TOOLS_BIN)

## The alert rules the chart ships: promtool's syntax check and its unit tests
## (tests/monitoring/alerts.test.yaml).
RULES := $(CHART)/files/prometheus-rules.yaml
monitoring-check: check-tools
	$(TOOLS_BIN)/promtool check rules $(RULES)
	$(TOOLS_BIN)/promtool test rules tests/monitoring/alerts.test.yaml

## kube-score of the rendered chart: with every optional part on and two replicas, and with
## the defaults. The checks skipped and why: the chart's README ("kube-score").
KUBE_SCORE := $(TOOLS_BIN)/kube-score score --output-format ci --exit-one-on-warning \
  --enable-optional-test container-seccomp-profile --enable-optional-test container-ports-check \
  --ignore-test container-image-pull-policy
KUBE_SCORE_RENDER := $(HELM) template apimcap $(CHART) --namespace apimcap-system
kube-score: check-tools controlplane
	@$(KUBE_SCORE_RENDER) --set replicaCount=2 --set networkPolicy.enabled=true \
	  --set serviceMonitor.enabled=true --set prometheusRule.enabled=true \
	  --set grafanaDashboard.enabled=true --set rbac.aggregateToEdit=true \
	  --set-json 'namespacePolicy={"platform":["/subscriptions/00000000-0000-0000-0000-000000000000"]}' \
	  | $(KUBE_SCORE) - | { grep -Ev '^\[(OK|SKIPPED)\]' || true; }; st=("$${PIPESTATUS[@]}"); [ "$${st[0]}$${st[1]}" = 00 ]
	@$(KUBE_SCORE_RENDER) --set allowAllNamespaces=true \
	  | $(KUBE_SCORE) --ignore-test pod-networkpolicy --ignore-test deployment-replicas \
	    --ignore-test deployment-strategy - | { grep -Ev '^\[(OK|SKIPPED)\]' || true; }; st=("$${PIPESTATUS[@]}"); [ "$${st[0]}$${st[1]}" = 00 ]
	@echo "kube-score: the chart passes (skipped checks: $(CHART)/README.md)"

## A local kube-apiserver + etcd, the Azure simulator and the operator, with a sample that
## upgrades a service to Premium and adds a region; Ctrl-C stops and removes everything.
demo: controlplane
	scripts/demo.sh

## Benchmarks against the real control plane and the simulator, with the release build of
## `apimcap run` as its own process (≤ 15 minutes on 2 cores); prints the table and writes
## docs/performance.md. Knobs: APIMCAP_BENCH_FLEET (1000), APIMCAP_BENCH_RUNS (3), ... (see
## benches/operator.rs).
bench: controlplane
	$(CARGO) bench --locked --bench planner
	$(CARGO) bench --locked --bench autoscale
	scripts/with-private-tmpdir.sh $(CARGO) bench --locked --bench operator

## The soak test, long: SOAK_OPERATIONS random changes and faults (default 60); replay a
## failure with APIMCAP_SOAK_SEED=<seed it printed>.
SOAK_OPERATIONS ?= 60
soak: controlplane
	APIMCAP_SOAK_OPERATIONS=$(SOAK_OPERATIONS) scripts/with-private-tmpdir.sh \
	  $(CARGO) test --release --locked --test soak -- --nocapture
