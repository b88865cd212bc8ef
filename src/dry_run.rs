//! `apimcap plan -f FILE`: what the operator would do for an ApimCapacity, against the live
//! (or simulated) service, without changing anything. Like the operator, it takes the unit
//! limits Azure reports for the service (`GET .../skus`) over the built-in table, and
//! `--unit-limits` over both, and checks the room in the subnets of VNet-injected regions; each step that takes the service down or gives it new IP
//! addresses says so.

use std::fmt::Write as _;

use crate::api::{ApimCapacity, planned_changes};
use crate::azure::{ApimApi, AzureError, AzureSettings, CredentialSource, ServiceResource};
use crate::domain::{UnitLimits, VnetType};
use crate::effective::effective_capacity;
use crate::plan::{self, DurationEstimates, Plan, SubnetFacts};
use crate::schedule::{ScheduleReport, Timetable};

/// What `apimcap plan` reads and how it reaches Azure.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// The ApimCapacity manifest (YAML); `-` reads standard input.
    pub file: std::path::PathBuf,
    /// How to reach Azure.
    pub azure: AzureSettings,
    /// Unit limits Azure support raised, e.g. `Premium=40`.
    pub unit_limits: String,
}

/// Why no plan could be printed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not an ApimCapacity: {source}")]
    Parse {
        path: String,
        #[source]
        source: Box<serde_saphyr::Error>,
    },
    #[error("invalid schedule or change window: {0}")]
    Schedule(#[from] crate::schedule::SpecError),
    #[error("invalid unit limits: {0}")]
    UnitLimits(#[from] crate::domain::limits::LimitOverrideError),
    #[error(transparent)]
    Azure(#[from] AzureError),
}

/// Reads the manifest, the live service and prints the plan.
pub async fn run(options: PlanOptions) -> Result<String, PlanError> {
    let path = options.file.display().to_string();
    let text = if path == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(&options.file)
    }
    .map_err(|source| PlanError::Read {
        path: path.clone(),
        source,
    })?;
    let resource: ApimCapacity =
        serde_saphyr::from_str(&text).map_err(|source| PlanError::Parse {
            path,
            source: Box::new(source),
        })?;
    let limits = UnitLimits::default().with_overrides(&options.unit_limits)?;
    let (arm, credentials) =
        crate::azure::connect(&options.azure, &CredentialSource::from_environment())?;
    let credential = credentials.own()?;
    let client = arm.with_credential(credential);
    let spec = &resource.spec;
    let timetable = Timetable::from_spec(spec)?;
    let (now, durations) = (jiff::Timestamp::now(), DurationEstimates::default());
    let effective = effective_capacity(&timetable, now, &durations);
    let service = spec.service.service_ref();
    let current = client.get_service(&service).await?;
    let mut notes = String::new();
    // Azure's own limits when it reports them; the built-in table stands in otherwise.
    let limits = match client.get_skus(&service).await {
        Ok(reported) => limits.with_azure(&reported),
        Err(e) => {
            let _ = writeln!(
                notes,
                "Note: Azure's unit limits for the service could not be read ({e}); the built-in table applies."
            );
            limits
        }
    };
    let mut policy = spec.planner_policy(limits, durations.clone());
    subnets(&client, &current, &mut policy, &mut notes).await;
    let desired = effective.desired(spec);
    let planned = plan::plan(&desired, &current.live, &policy, now);
    let schedules = ScheduleReport::new(&timetable, effective.status(), now, &durations);
    Ok(notes + &render(&current.live, &planned) + &schedules.render())
}

/// The prefixes of the subnets the service's regions are injected into, for the planner's
/// headroom check; a subnet that cannot be read is a note, not a stop.
async fn subnets(
    client: &impl ApimApi,
    current: &ServiceResource,
    policy: &mut plan::Policy,
    notes: &mut String,
) {
    let vnet = current.virtual_network_type();
    if vnet == VnetType::None {
        return;
    }
    for (location, id) in current.subnet_ids() {
        match client.get_subnet(&id).await {
            Ok(prefix) => {
                policy
                    .subnets
                    .insert(location, SubnetFacts { prefix, vnet });
            }
            Err(e) => {
                let _ = writeln!(
                    notes,
                    "Note: subnet {id} of {location} could not be read ({e}); its room for the units is not checked."
                );
            }
        }
    }
}

/// What a step costs beyond its time, as a suffix of its line.
fn step_warnings(step: &plan::Step) -> String {
    let mut out = String::new();
    if step.causes_downtime() {
        out.push_str(" [DOWNTIME: Azure serves no requests while this step runs]");
    }
    if step.changes_ip_addresses() {
        out.push_str(" [NEW IP ADDRESSES: Azure gives the service new public and private IPs]");
    }
    out
}

/// The plan as people read it.
pub fn render(live: &crate::domain::LiveService, plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Live: {} {} ({})",
        live.sku,
        live.units_summary(),
        live.provisioning_state.as_str()
    );
    match plan {
        Plan::InSync => out.push_str("In sync: nothing to do.\n"),
        Plan::Blocked(blocked) => {
            let _ = writeln!(
                out,
                "Blocked ({}): {}",
                blocked.reason.as_str(),
                blocked.message
            );
        }
        Plan::Steps(steps) => {
            let _ = writeln!(
                out,
                "{} Azure operation(s), expected to finish by {}:",
                steps.steps.len(),
                steps.expected_completion.strftime("%Y-%m-%d %H:%M UTC")
            );
            for (i, step) in steps.steps.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  {}. {}{}",
                    i + 1,
                    step.description(),
                    step_warnings(step)
                );
            }
            let changes = planned_changes(&steps.steps, 1);
            let _ = writeln!(out, "{} change(s) in all.", changes.len());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every example manifest reads with the YAML parser `apimcap plan` uses, each document
    /// of a multi-document file too.
    #[test]
    fn every_example_manifest_parses() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
        let mut found = 0;
        for entry in std::fs::read_dir(dir).expect("examples/ exists") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable");
            let documents: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for document in documents
                .into_iter()
                .filter(|d| d["kind"] == "ApimCapacity")
            {
                let resource: ApimCapacity = serde_json::from_value(document)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert!(!resource.spec.regions.is_empty(), "{}", path.display());
                Timetable::from_spec(&resource.spec)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                found += 1;
            }
        }
        assert!(found >= 7, "an ApimCapacity per tier, found {found}");
    }

    #[test]
    fn multi_document_manifests_read_one_resource_per_document() {
        let one = |name: &str, sku: &str| {
            format!(
                "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata:\n  name: {name}\n\
                 spec:\n  service: {{subscriptionId: 00000000-0000-0000-0000-000000000000, \
                 resourceGroup: rg, name: apim-{name}}}\n  sku: {sku}\n  regions:\n    - {{location: westeurope, units: 1}}\n"
            )
        };
        let text = format!(
            "---\n{}---\n# nothing\n---\n{}",
            one("a", "Standard"),
            one("b", "Basic")
        );
        let resources: Vec<ApimCapacity> =
            serde_saphyr::from_multiple(&text).expect("two documents and an empty one");
        let names: Vec<_> = resources
            .iter()
            .map(|r| (r.metadata.name.as_deref(), r.spec.sku.as_str()))
            .collect();
        assert_eq!(names, [(Some("a"), "Standard"), (Some("b"), "Basic")]);
    }
}
