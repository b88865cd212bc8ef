//! A scenario builder for the decision tests: a Premium service in westeurope (primary, 3
//! units) and eastus (2 units), both autoscaled 2..8 with Microsoft's defaults, 30 minutes
//! of Capacity at 50 % each, no Azure autoscale setting, nothing running.

use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::decide::decide;
use super::drift::{Bounds, RegionMemory};
use super::evaluation::{AutoscaledRegion, Evaluation, Guardrails, ServiceDecision};
use super::guardrail::ScaleInGuardrail;
use super::metrics::MetricReadings;
use super::settings::{AutoscaleSetting, SettingsVerdict};
use crate::api::autoscale::{
    AutoscaleAction, AutoscaleMetric, AutoscaleReason, AzureAutoscaleMode, RegionAutoscale,
};
use crate::domain::{LiveRegion, LiveService, Location, ProvisioningState, Sku, UnitLimits};

pub(super) fn at(text: &str) -> Timestamp {
    text.parse().expect("valid timestamp")
}

/// The evaluation time of every scenario.
pub(super) fn now() -> Timestamp {
    at("2026-12-01T12:00:00Z")
}

pub(super) fn minutes_ago(minutes: i64) -> Timestamp {
    now() - SignedDuration::from_mins(minutes)
}

/// A metric series in the answer: location (`None` for no dimension), metric, the average
/// of every minute, and how many minutes back from now have data.
#[derive(Debug, Clone)]
pub(super) struct Feed {
    pub location: Option<&'static str>,
    pub metric: AutoscaleMetric,
    pub average: f64,
    pub minutes: i64,
}

pub(super) fn capacity(location: &'static str, average: f64) -> Feed {
    Feed {
        location: Some(location),
        metric: AutoscaleMetric::Capacity,
        average,
        minutes: 30,
    }
}

/// Builds the answer as Azure Monitor would send it and reads it with the real parser.
pub(super) fn readings(feeds: &[Feed]) -> MetricReadings {
    let value: Vec<_> = AutoscaleMetric::ALL
        .iter()
        .map(|metric| {
            let series: Vec<_> = feeds
                .iter()
                .filter(|f| f.metric == *metric)
                .map(|f| {
                    let data: Vec<_> = (1..=f.minutes)
                        .map(|k| json!({"timeStamp": minutes_ago(k).to_string(), "average": f.average}))
                        .collect();
                    let metadata: Vec<_> = f
                        .location
                        .map(|l| json!({"name": {"value": "location"}, "value": l}))
                        .into_iter()
                        .collect();
                    json!({"metadatavalues": metadata, "data": data})
                })
                .collect();
            json!({"name": {"value": metric.azure_name()}, "unit": "Percent", "timeseries": series})
        })
        .collect();
    let body = json!({ "value": value }).to_string();
    MetricReadings::parse(body.as_bytes()).expect("the test answer is readable")
}

/// One autoscaled region of a scenario.
#[derive(Debug, Clone)]
pub(super) struct Scaled {
    pub location: &'static str,
    pub rule: RegionAutoscale,
    /// Bounds in force; the rule's own when `None`.
    pub bounds: Option<Bounds>,
    pub memory: RegionMemory,
}

#[derive(Debug, Clone)]
pub(super) struct Scenario {
    pub sku: Sku,
    /// Live regions, the first is the primary: (location, units, zones).
    pub live: Vec<(&'static str, u32, u32)>,
    pub regions: Vec<Scaled>,
    pub feeds: Vec<Feed>,
    pub metrics_error: Option<&'static str>,
    pub settings: SettingsVerdict,
    pub mode: AzureAutoscaleMode,
    pub operation_running: bool,
    pub guardrail: ScaleInGuardrail,
    pub limits: UnitLimits,
}

impl Default for Scenario {
    fn default() -> Self {
        let scaled = |location, units| Scaled {
            location,
            rule: RegionAutoscale::with_bounds(2, 8),
            bounds: None,
            memory: RegionMemory {
                own_units: Some(units),
                last_scale_at: None,
            },
        };
        Scenario {
            sku: Sku::Premium,
            live: vec![("westeurope", 3, 0), ("eastus", 2, 0)],
            regions: vec![scaled("westeurope", 3), scaled("eastus", 2)],
            feeds: vec![capacity("West Europe", 50.0), capacity("East US", 50.0)],
            metrics_error: None,
            settings: SettingsVerdict::NoneFound,
            mode: AzureAutoscaleMode::Conflict,
            operation_running: false,
            guardrail: ScaleInGuardrail::default(),
            limits: UnitLimits::default(),
        }
    }
}

impl Scenario {
    pub fn region(&mut self, location: &str) -> &mut Scaled {
        self.regions
            .iter_mut()
            .find(|r| r.location == location)
            .expect("an autoscaled region of the scenario")
    }

    /// Sets the live units of a region and records them as the operator's own.
    pub fn units(&mut self, location: &str, units: u32) -> &mut Self {
        for live in self.live.iter_mut().filter(|l| l.0 == location) {
            live.1 = units;
        }
        if let Some(region) = self.regions.iter_mut().find(|r| r.location == location) {
            region.memory.own_units = Some(units);
        }
        self
    }

    /// Replaces the Capacity feed of a region (display or normalised name).
    pub fn load(&mut self, location: &'static str, average: f64) -> &mut Self {
        let key = Location::new(location);
        self.feeds
            .retain(|f| f.location.map(Location::new).as_ref() != Some(&key));
        self.feeds.push(capacity(location, average));
        self
    }

    /// The live service of the scenario; the first region is the primary.
    pub fn live_service(&self) -> LiveService {
        LiveService {
            id: SERVICE_ID.to_string(),
            sku: self.sku,
            regions: self
                .live
                .iter()
                .enumerate()
                .map(|(i, (location, units, zones))| LiveRegion {
                    location: Location::new(location),
                    units: *units,
                    primary: i == 0,
                    zones: (1..=*zones).map(|z| z.to_string()).collect(),
                })
                .collect(),
            provisioning_state: ProvisioningState::Succeeded,
            target_provisioning_state: None,
            zone_redundant: None,
        }
    }

    /// The autoscaled regions as the decision takes them.
    pub fn autoscaled(&self) -> Vec<AutoscaledRegion<'_>> {
        self.regions
            .iter()
            .map(|r| AutoscaledRegion {
                location: Location::new(r.location),
                rule: &r.rule,
                bounds: r
                    .bounds
                    .unwrap_or(Bounds::new(r.rule.min_units, r.rule.max_units)),
                memory: r.memory,
            })
            .collect()
    }

    pub fn decide(&self) -> ServiceDecision {
        let live = self.live_service();
        let regions = self.autoscaled();
        let readings = readings(&self.feeds);
        let input = Evaluation {
            sku: self.sku,
            live: &live,
            regions: &regions,
            metrics: match self.metrics_error {
                Some(why) => Err(why),
                None => Ok(&readings),
            },
            settings: &self.settings,
            mode: self.mode,
            operation_running: self.operation_running,
            guardrails: Guardrails {
                limits: &self.limits,
                scale_in: self.guardrail,
                zones_must_divide_units: true,
            },
            now: now(),
        };
        decide(&input)
    }
}

pub(super) const SERVICE_ID: &str = "/subscriptions/sub-1/resourceGroups/rg-payments/providers/Microsoft.ApiManagement/service/payments-apim";

pub(super) fn azure_setting() -> AutoscaleSetting {
    AutoscaleSetting {
        id: "/subscriptions/sub-1/resourceGroups/rg-payments/providers/microsoft.insights/autoscalesettings/apim-scale".into(),
        name: "apim-scale".into(),
        enabled: true,
        target_resource_uri: Some(SERVICE_ID.into()),
    }
}

/// What a table row expects of one region: action, reason, wanted units.
pub(super) type Expect = (&'static str, AutoscaleAction, AutoscaleReason, u32);

/// A table row: the behaviour's name, how it changes the default scenario, what it expects.
pub(super) type Row = (&'static str, fn(&mut Scenario), &'static [Expect]);

pub(super) const WE: &str = "westeurope";
pub(super) const US: &str = "eastus";

/// Runs every row on a fresh default scenario.
pub(super) fn run(rows: &[Row]) {
    for (name, setup, expected) in rows {
        let mut scenario = Scenario::default();
        setup(&mut scenario);
        check(name, &scenario, expected);
    }
}

/// Makes the scenario a one-region service on `sku` with `units` in westeurope.
pub(super) fn single_region(s: &mut Scenario, sku: Sku, units: u32) {
    s.sku = sku;
    s.live = vec![(WE, units, 0)];
    s.regions.truncate(1);
    s.units(WE, units);
}

/// Checks every expected region and returns the decision for further checks.
pub(super) fn check(name: &str, scenario: &Scenario, expected: &[Expect]) -> ServiceDecision {
    let decision = scenario.decide();
    for (location, action, reason, wanted) in expected {
        let region = decision
            .region(&Location::new(location))
            .unwrap_or_else(|| panic!("{name}: no decision for {location}"));
        assert_eq!(
            (region.action, region.reason, region.wanted_units),
            (*action, *reason, *wanted),
            "{name}: {location}: {}",
            region.message
        );
        assert!(
            !region.message.is_empty(),
            "{name}: {location} has a message"
        );
    }
    decision
}
