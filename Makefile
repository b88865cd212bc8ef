# apim-capacity-operator: build, test and demo targets.
#
#   make test   formatting, lints, unit tests, the real test control plane, integration tests
#   make demo   local control plane + Azure simulator + operator, with a sample applied
#   make bench  planner and operator benchmarks; writes docs/performance.md
#   make soak   a long soak test: random changes and faults, invariants on Azure writes

SHELL := /usr/bin/env bash
CARGO ?= cargo
CONTROLPLANE_BIN ?= $(CURDIR)/target/controlplane
export APIMCAP_CONTROLPLANE_BIN := $(CONTROLPLANE_BIN)
CRD_FILE := crds/apimcapacities.capacity.apim.dev.yaml

.PHONY: all build test fmt-check clippy unit-and-integration controlplane crds crds-check demo bench soak

all: build

build:
	$(CARGO) build --release --bin apimcap

## Everything CI runs.
test: fmt-check clippy controlplane crds-check unit-and-integration

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets --locked -- -D warnings

unit-and-integration: controlplane
	$(CARGO) test --all-targets --locked

## The real kube-apiserver, etcd, kubectl and helm, built from their Go modules (a no-op
## when current).
controlplane:
	tests/controlplane/build.sh $(CONTROLPLANE_BIN)

## Regenerates the committed CRD from the Rust types.
crds:
	$(CARGO) run --quiet --locked --bin apimcap -- crd > $(CRD_FILE)

## Fails when the committed CRD differs from `apimcap crd`.
crds-check:
	@$(CARGO) run --quiet --locked --bin apimcap -- crd | diff -u $(CRD_FILE) - \
	  || { echo "$(CRD_FILE) is stale: run 'make crds' and commit it" >&2; exit 1; }

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
	$(CARGO) bench --locked --bench operator

## The soak test, long: SOAK_OPERATIONS random changes and faults (default 60); replay a
## failure with APIMCAP_SOAK_SEED=<seed it printed>.
SOAK_OPERATIONS ?= 60
soak: controlplane
	APIMCAP_SOAK_OPERATIONS=$(SOAK_OPERATIONS) $(CARGO) test --release --locked --test soak -- --nocapture
