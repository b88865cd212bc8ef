//! Flux's view of `ApimCapacity` health: the kstatus library (sigs.k8s.io/cli-utils), run
//! through `kstatus-check` (tests/controlplane/kstatus, built by `make controlplane`),
//! against sample objects in the shape the operator writes.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::controlplane::bin_dir;

/// The kstatus status (first output line) of `object`.
fn kstatus(object: &str) -> String {
    let bin = bin_dir().join("kstatus-check");
    assert!(
        bin.is_file(),
        "{} is missing; run `make controlplane` first",
        bin.display()
    );
    let mut child = Command::new(&bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kstatus-check starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(object.as_bytes())
        .expect("kstatus-check reads stdin");
    let out = child.wait_with_output().expect("kstatus-check finishes");
    assert!(
        out.status.success(),
        "kstatus-check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// An ApimCapacity at `generation` with `status` (YAML under `status:`).
fn object(generation: i64, status: &str) -> String {
    format!(
        "apiVersion: capacity.apim.dev/v1alpha1
kind: ApimCapacity
metadata:
  name: payments
  namespace: platform
  generation: {generation}
spec:
  service: {{subscriptionId: 00000000-0000-0000-0000-000000000000, resourceGroup: rg-payments, name: payments-apim}}
  sku: Premium
  regions: [{{location: westeurope, units: 2}}, {{location: eastus, units: 3}}]
status:
{status}"
    )
}

#[test]
fn ready_with_current_generation_is_current() {
    let status = "  observedGeneration: 3
  conditions:
  - {type: Ready, status: 'True', reason: Succeeded, message: In sync}
";
    assert_eq!(kstatus(&object(3, status)), "Current");
}

#[test]
fn operation_in_flight_is_in_progress() {
    let status = "  observedGeneration: 2
  conditions:
  - {type: Ready, status: 'False', reason: Scaling, message: Scale eastus from 1 to 3 units}
  - {type: Reconciling, status: 'True', reason: Scaling, message: Scale eastus from 1 to 3 units}
  operation: {step: 1, totalSteps: 1, description: Scale eastus from 1 to 3 units}
";
    assert_eq!(kstatus(&object(3, status)), "InProgress");
}

#[test]
fn reconciling_on_the_current_generation_is_in_progress() {
    let status = "  observedGeneration: 3
  conditions:
  - {type: Ready, status: 'False', reason: WaitingForAzure, message: The service is busy}
  - {type: Reconciling, status: 'True', reason: WaitingForAzure, message: The service is busy}
";
    assert_eq!(kstatus(&object(3, status)), "InProgress");
}

#[test]
fn stalled_is_failed() {
    let status = "  observedGeneration: 3
  conditions:
  - {type: Ready, status: 'False', reason: Blocked, message: Tier downgrade needs consent}
  - {type: Stalled, status: 'True', reason: Blocked, message: Tier downgrade needs consent}
";
    assert_eq!(kstatus(&object(3, status)), "Failed");
}

#[test]
fn first_sight_before_any_generation_is_handled_is_in_progress() {
    let status = "  observedGeneration: -1
  conditions:
  - {type: Ready, status: Unknown, reason: Reconciling, message: Reading the service}
";
    assert_eq!(kstatus(&object(1, status)), "InProgress");
}

#[test]
fn unhandled_new_generation_is_in_progress_even_when_ready() {
    let status = "  observedGeneration: 2
  conditions:
  - {type: Ready, status: 'True', reason: Succeeded, message: In sync}
";
    assert_eq!(kstatus(&object(3, status)), "InProgress");
}
