//! `apimcap plan -f FILE`: what the operator would do for an ApimCapacity, against the live
//! (or simulated) service, without changing anything.

use std::fmt::Write as _;

use crate::api::{ApimCapacity, planned_changes};
use crate::azure::{ApimApi, AzureError, AzureSettings, CredentialSource};
use crate::domain::UnitLimits;
use crate::plan::{self, DurationEstimates, Plan};

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
        source: serde_yaml::Error,
    },
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
        serde_yaml::from_str(&text).map_err(|source| PlanError::Parse { path, source })?;
    let limits = UnitLimits::default().with_overrides(&options.unit_limits)?;
    let (arm, credentials) =
        crate::azure::connect(&options.azure, &CredentialSource::from_environment())?;
    let credential = credentials.own()?;
    let client = arm.with_credential(credential);
    let spec = &resource.spec;
    let live = client.get_service(&spec.service.service_ref()).await?.live;
    let policy = spec.planner_policy(limits, DurationEstimates::default());
    Ok(render(
        &live,
        &plan::plan(&spec.desired(), &live, &policy, jiff::Timestamp::now()),
    ))
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
                let _ = writeln!(out, "  {}. {}", i + 1, step.description());
            }
            let changes = planned_changes(&steps.steps, 1);
            let _ = writeln!(out, "{} change(s) in all.", changes.len());
        }
    }
    out
}
