//! `apimcap plan -f FILE`: what the operator would do for an ApimCapacity, against the live
//! (or simulated) service, without changing anything.

use std::fmt::Write as _;

use crate::api::ApimCapacity;
use crate::azure::{ApimApi, ArmClient, ServiceRef};
use crate::controller::convert::{desired_capacity, planned_changes};
use crate::controller::{RunError, arm_config, credential_source};
use crate::plan::{self, Plan, Policy};

/// Options of `apimcap plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// The ApimCapacity manifest (YAML); `-` reads standard input.
    #[arg(short = 'f', long = "filename")]
    pub file: std::path::PathBuf,

    /// Azure endpoints, CA bundle and limits, as for `apimcap run`.
    #[command(flatten)]
    pub azure: crate::cli::AzureArgs,
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
    #[error(transparent)]
    Setup(#[from] RunError),
    #[error(transparent)]
    Azure(#[from] crate::azure::AzureError),
}

/// Reads the manifest, the live service and prints the plan.
pub async fn run(args: PlanArgs) -> Result<String, PlanError> {
    let path = args.file.display().to_string();
    let text = if path == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(&args.file)
    }
    .map_err(|source| PlanError::Read {
        path: path.clone(),
        source,
    })?;
    let resource: ApimCapacity =
        serde_yaml::from_str(&text).map_err(|source| PlanError::Parse { path, source })?;
    let limits = crate::domain::UnitLimits::default()
        .with_overrides(&args.azure.unit_limits)
        .map_err(RunError::from)?;
    let source = credential_source();
    // The client's HTTPS settings (CA bundle) are needed by the credential too: build the
    // client first with a credential that is never asked for a token, then swap it.
    let unused = crate::azure::credentials::build_credential(&source, &Default::default())?
        .ok_or_else(|| crate::azure::AzureError::Config("no Azure identity configured".into()))?;
    let client = ArmClient::new(arm_config(&args.azure), unused)?;
    let options = crate::azure::CredentialOptions {
        authority_host: args.azure.authority_host.clone(),
        http_client: Some(client.http_client().clone()),
    };
    let credential = crate::azure::credentials::build_credential(&source, &options)?
        .ok_or_else(|| crate::azure::AzureError::Config("no Azure identity configured".into()))?;
    let client = client.with_credential(credential);
    let s = &resource.spec.service;
    let service = ServiceRef::new(&s.subscription_id, &s.resource_group, &s.name);
    let live = client.get_service(&service).await?.live;
    let policy = Policy {
        allow_tier_downgrade: resource.spec.change_policy.allow_tier_downgrade,
        allow_region_removal: resource.spec.change_policy.allow_region_removal,
        limits,
        ..Policy::default()
    };
    let desired = desired_capacity(&resource);
    Ok(render(
        &live,
        &plan::plan(&desired, &live, &policy, jiff::Timestamp::now()),
    ))
}

/// The plan as people read it.
pub fn render(live: &crate::domain::LiveService, plan: &Plan) -> String {
    let mut out = String::new();
    let regions: Vec<String> = live
        .regions
        .iter()
        .map(|r| format!("{}={}", r.location, r.units))
        .collect();
    let _ = writeln!(
        out,
        "Live: {} {} ({})",
        live.sku,
        regions.join(","),
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
            let changes = planned_changes(&steps.steps);
            let _ = writeln!(out, "{} change(s) in all.", changes.len());
        }
    }
    out
}
