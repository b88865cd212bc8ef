//! `apimcap plan -f FILE`: what the operator would do for each ApimCapacity of a manifest,
//! against the live (or simulated) service, without changing anything: the steps with their
//! expected durations (p50 and p90), the finish time, the monthly cost before and after, the
//! approval the change needs and warnings. Like the operator, it takes the unit limits Azure
//! reports for the service (`GET .../skus`) over the built-in table, and `--unit-limits` over
//! both, and checks the room in the subnets of VNet-injected regions; each step that takes
//! the service down or gives it new IP addresses says so. `-o json|yaml` prints the versioned
//! [`crate::cost::report::PlanReport`] (one per manifest document; a
//! [`PLAN_LIST_KIND`] document holds several); `-o table` is for people ([`table`]).

mod table;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;
use std::str::FromStr;

use jiff::Timestamp;
use kube::ResourceExt;
use serde::Serialize;

use crate::api::{APPROVE_ANNOTATION, ApimCapacity};
use crate::azure::{ApimApi, AzureError, AzureSettings, CredentialSource, ServiceResource};
use crate::cost::report::{PLAN_REPORT_API_VERSION, PlanReport};
use crate::cost::report_build::{ReportInput, build};
use crate::cost::{self, GateInput, HttpPageSource, PriceService, PriceSettings};
use crate::domain::{DesiredCapacity, LiveService, UnitLimits, VnetType};
use crate::effective::effective_capacity;
use crate::plan::{self, DurationEstimates, SubnetFacts};
use crate::schedule::{ScheduleReport, Timetable};

pub use table::render;

/// The `kind` of the document `-o json|yaml` prints for a manifest with several
/// ApimCapacities: `{"apiVersion": "capacity.apim.dev/plan/v1", "kind": "CapacityPlanList",
/// "items": [CapacityPlan, ...]}`.
pub const PLAN_LIST_KIND: &str = "CapacityPlanList";

/// How the plan is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// Text for people.
    #[default]
    Table,
    /// The versioned report as JSON.
    Json,
    /// The versioned report as YAML.
    Yaml,
}

impl FromStr for OutputFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "table" => Ok(OutputFormat::Table),
            "json" => Ok(OutputFormat::Json),
            "yaml" => Ok(OutputFormat::Yaml),
            _ => Err(format!("{text:?} is not one of table, json, yaml")),
        }
    }
}

/// What `apimcap plan` reads and how it reaches Azure.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// The manifest (YAML, one or more documents); `-` reads standard input.
    pub file: std::path::PathBuf,
    /// How to reach Azure.
    pub azure: AzureSettings,
    /// Unit limits Azure support raised, e.g. `Premium=40`.
    pub unit_limits: String,
    /// Where unit prices are read, and the currency.
    pub prices: PriceSettings,
    /// How the plan is printed.
    pub output: OutputFormat,
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
    #[error("{path} is not an ApimCapacity manifest: {message}")]
    Parse { path: String, message: String },
    #[error("{0} holds no document of kind ApimCapacity")]
    NoResource(String),
    #[error("invalid schedule or change window: {0}")]
    Schedule(#[from] crate::schedule::SpecError),
    #[error("invalid unit limits: {0}")]
    UnitLimits(#[from] crate::domain::limits::LimitOverrideError),
    #[error("cannot write the plan: {0}")]
    Encode(String),
    #[error(transparent)]
    Azure(#[from] AzureError),
}

/// The plan of one ApimCapacity.
#[derive(Debug, Clone)]
pub struct Planned {
    /// `namespace/name` as the manifest gives it.
    pub name: String,
    pub live: LiveService,
    pub report: PlanReport,
    /// What could not be checked (limits or subnets Azure did not give), for people.
    pub notes: String,
    /// The schedules and change windows in the coming days, for people.
    pub schedules: String,
}

/// Several reports in one document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanList<'a> {
    api_version: &'static str,
    kind: &'static str,
    items: Vec<&'a PlanReport>,
}

/// The ApimCapacities of a manifest with one or more YAML documents (others are skipped).
pub fn read_resources(text: &str, path: &str) -> Result<Vec<ApimCapacity>, PlanError> {
    let parse = |message: String| PlanError::Parse {
        path: path.to_string(),
        message,
    };
    let documents: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(text).map_err(|e| parse(e.to_string()))?;
    let resources = documents
        .into_iter()
        .filter(|d| d["kind"] == "ApimCapacity")
        .map(|d| serde_json::from_value(d).map_err(|e| parse(e.to_string())))
        .collect::<Result<Vec<ApimCapacity>, _>>()?;
    if resources.is_empty() {
        return Err(PlanError::NoResource(path.to_string()));
    }
    Ok(resources)
}

/// Reads the manifest, each live service and the prices, and prints the plans.
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
    let resources = read_resources(&text, &path)?;
    let limits = UnitLimits::default().with_overrides(&options.unit_limits)?;
    let (arm, credentials) =
        crate::azure::connect(&options.azure, &CredentialSource::from_environment())?;
    let prices = PriceService::new(
        options.prices.clone(),
        HttpPageSource::new(arm.http_client().clone()),
    );
    let client = arm.with_credential(credentials.own()?);
    let now = Timestamp::now();
    let mut planned = Vec::with_capacity(resources.len());
    for resource in &resources {
        let service = resource.spec.service.service_ref();
        let current = client.get_service(&service).await?;
        let mut notes = String::new();
        // Azure's own limits when it reports them; the built-in table stands in otherwise.
        let limits = match client.get_skus(&service).await {
            Ok(reported) => limits.clone().with_azure(&reported),
            Err(e) => {
                let _ = writeln!(
                    notes,
                    "Note: Azure's unit limits for the service could not be read ({e}); the built-in table applies."
                );
                limits.clone()
            }
        };
        let durations = DurationEstimates::default();
        let timetable = Timetable::from_spec(&resource.spec)?;
        let mut effective = effective_capacity(&timetable, now, &durations);
        // Autoscaled regions hold their live units, brought into the range in force.
        let ranges = crate::effective::autoscale_ranges(&resource.spec, &timetable, now);
        let live_units = |l: &crate::domain::Location| current.live.region(l).map(|r| r.units);
        effective.with_autoscale(&resource.spec, &ranges, live_units, &[]);
        let desired = effective.desired(&resource.spec);
        let schedules = ScheduleReport::new(&timetable, effective.status(), now, &durations);
        let mut policy = resource.spec.planner_policy(limits, durations.clone());
        subnets(&client, &current, &mut policy, &mut notes).await;
        let live = current.live;
        let aimed = Aimed {
            resource,
            desired: &desired,
            durations: &durations,
        };
        let report = report_for(&aimed, &live, &policy, &prices, now).await;
        let name = match resource.namespace() {
            Some(ns) => format!("{ns}/{}", resource.name_any()),
            None => resource.name_any(),
        };
        planned.push(Planned {
            name,
            live,
            report,
            notes,
            schedules: schedules.render(),
        });
    }
    print(&planned, options.output)
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

/// One resource and the capacity it aims at now (its spec with the schedules in force).
struct Aimed<'a> {
    resource: &'a ApimCapacity,
    desired: &'a DesiredCapacity,
    /// The documented defaults (learned ones live in the operator's ConfigMap, not here).
    durations: &'a DurationEstimates,
}

/// The report of one resource against its live service under `policy`.
async fn report_for(
    aimed: &Aimed<'_>,
    live: &LiveService,
    policy: &plan::Policy,
    prices: &PriceService,
    now: Timestamp,
) -> PlanReport {
    let (resource, desired, durations) = (aimed.resource, aimed.desired, aimed.durations);
    let spec = &resource.spec;
    let plan = plan::plan(desired, live, policy, now);
    let quotes = prices.quotes(&cost::wanted(live, desired), now).await;
    let change = cost::cost_of_change(live, desired, &quotes).ok();
    let gate = cost::gate(&GateInput {
        rules: spec.change_policy.require_approval.as_ref(),
        currency: prices.currency(),
        service_id: &live.id,
        plan: &plan,
        cost: change.as_ref(),
        annotation: resource
            .annotations()
            .get(APPROVE_ANNOTATION)
            .map(String::as_str),
        previous: None,
    });
    build(&ReportInput {
        service_id: &live.id,
        live: Some(live),
        desired,
        plan: &plan,
        durations,
        cost: change.as_ref(),
        prices: Some(&quotes),
        gate: &gate,
        now,
    })
}

/// The plans in `format`.
pub fn print(planned: &[Planned], format: OutputFormat) -> Result<String, PlanError> {
    let encode = |e: &dyn std::fmt::Display| PlanError::Encode(e.to_string());
    let reports: Vec<&PlanReport> = planned.iter().map(|p| &p.report).collect();
    let list = PlanList {
        api_version: PLAN_REPORT_API_VERSION,
        kind: PLAN_LIST_KIND,
        items: reports.clone(),
    };
    match (format, reports.as_slice()) {
        (OutputFormat::Table, _) => Ok(planned
            .iter()
            .map(|p| {
                let header = if planned.len() > 1 {
                    format!("== {} ==\n", p.name)
                } else {
                    String::new()
                };
                header + &p.notes + &render(&p.live, &p.report) + &p.schedules
            })
            .collect::<Vec<_>>()
            .join("\n")),
        (OutputFormat::Json, [one]) => serde_json::to_string_pretty(one)
            .map(|t| t + "\n")
            .map_err(|e| encode(&e)),
        (OutputFormat::Json, _) => serde_json::to_string_pretty(&list)
            .map(|t| t + "\n")
            .map_err(|e| encode(&e)),
        (OutputFormat::Yaml, [one]) => serde_saphyr::to_string(one).map_err(|e| encode(&e)),
        (OutputFormat::Yaml, _) => serde_saphyr::to_string(&list).map_err(|e| encode(&e)),
    }
}
