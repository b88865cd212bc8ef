//! One simulated day of a multi-region service under a load day ([`super::model`]), minute
//! by minute, run three ways: static units sized for each region's peak; Azure-style
//! autoscale of the primary region only (the same rule, the other regions fixed at their
//! peak); and this operator's autoscale of every region. Both autoscaling ways decide with
//! the operator's own [`super::decide`] on an [`Evaluation`] built as the reconcile builds
//! it, from a metrics answer in Azure Monitor's shape read by the real parser. A decision
//! starts one operation (all changed regions in one PATCH) that takes the planner's expected
//! Scale duration; units change when it ends; no decision is taken while it runs.
//!
//! The benchmark (`cargo bench --bench autoscale`) reports it; the loop is pure and
//! deterministic, so its numbers are checked by unit tests.

use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::drift::{Bounds, RegionMemory};
use super::evaluation::{AutoscaledRegion, Evaluation, Guardrails};
use super::guardrail::ScaleInGuardrail;
use super::metrics::MetricReadings;
use super::model::{LoadProfile, MINUTES_PER_DAY, capacity_percent, units_needed};
use super::settings::SettingsVerdict;
use crate::api::autoscale::{AutoscaleDuration, AzureAutoscaleMode, RegionAutoscale};
use crate::domain::{LiveRegion, LiveService, ProvisioningState, Sku, UnitLimits};
use crate::plan::{DurationEstimates, StepKind};

/// A `Capacity` above this counts as a minute of pressure.
pub const PRESSURE_PERCENT: f64 = 80.0;

/// What a day is run with.
#[derive(Debug, Clone)]
pub struct DayPlan {
    /// The regions' loads; the first is the primary.
    pub profiles: Vec<LoadProfile>,
    /// The autoscale rule of every autoscaled region.
    pub rule: RegionAutoscale,
    /// Requests per second one unit serves at 100 % `Capacity`.
    pub rps_per_unit: f64,
    /// Minutes between evaluations (the operator's `--autoscale-interval`).
    pub interval_minutes: u32,
    /// How long a Scale operation takes, in minutes.
    pub scale_minutes: u32,
    /// The `Capacity` the static way's peak sizing aims at.
    pub peak_target_percent: f64,
}

/// The three ways a day is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Every region at the units its peak needs, all day.
    StaticPeak,
    /// The rule on the primary region only; the others at their peak units.
    PrimaryOnly,
    /// The rule on every region.
    EveryRegion,
}

impl Way {
    pub const ALL: [Way; 3] = [Way::StaticPeak, Way::PrimaryOnly, Way::EveryRegion];

    pub fn label(self) -> &'static str {
        match self {
            Way::StaticPeak => "static, sized for the peak",
            Way::PrimaryOnly => "autoscale of the primary region only (Azure)",
            Way::EveryRegion => "apimcap, every region",
        }
    }
}

/// The measured day of one way (the second of two: the first one warms the state up).
#[derive(Debug, Clone, PartialEq)]
pub struct DayResult {
    pub way: Way,
    /// Units per region (the plan's order) per minute.
    pub units: Vec<Vec<u32>>,
    /// Load per region per minute, requests per second.
    pub load: Vec<Vec<f64>>,
    /// Units × minutes over every region.
    pub unit_minutes: u64,
    /// Minutes in which at least one region was above [`PRESSURE_PERCENT`].
    pub minutes_over: u32,
    /// Operations started (one PATCH each).
    pub operations: u32,
}

impl DayResult {
    pub fn unit_hours(&self) -> f64 {
        self.unit_minutes as f64 / 60.0
    }
}

/// The rule of the benchmark, on every autoscaled region: 1 to 8 units, one unit out when
/// the 5-minute average is above 40 %, one in below 30 %, cooldowns of 5 minutes out and 15
/// in after an operation ends. Low thresholds and short windows, because a scale takes
/// 30 minutes: the headroom must carry the load while it runs.
pub fn benchmark_rule() -> RegionAutoscale {
    RegionAutoscale {
        scale_out_above: 40,
        scale_in_below: 30,
        window: AutoscaleDuration::from_minutes(5),
        cooldown_out: AutoscaleDuration::from_minutes(5),
        cooldown_in: AutoscaleDuration::from_minutes(15),
        ..RegionAutoscale::with_bounds(1, 8)
    }
}

impl DayPlan {
    /// The benchmark's day: [`super::model::realistic_day`], 1,000 rps per unit, the rule
    /// `rule`, evaluations every 5 minutes (the operator's default), Scale operations as
    /// long as the planner expects with no observation (30 minutes), static units sized for
    /// 70 % at the peak.
    pub fn realistic(rule: RegionAutoscale) -> Self {
        let scale = DurationEstimates::default().expected(StepKind::Scale);
        DayPlan {
            profiles: super::model::realistic_day(),
            rule,
            rps_per_unit: super::model::DEFAULT_RPS_PER_UNIT,
            interval_minutes: 5,
            scale_minutes: u32::try_from(scale.as_secs().div_ceil(60)).unwrap_or(u32::MAX),
            peak_target_percent: 70.0,
        }
    }
}

/// The units each region's peak needs at the plan's target.
pub fn peak_units(plan: &DayPlan) -> Vec<u32> {
    plan.profiles
        .iter()
        .map(|p| {
            let peak = p.day().into_iter().fold(0.0, f64::max);
            units_needed(peak, plan.rps_per_unit, plan.peak_target_percent)
        })
        .collect()
}

/// Where the simulated days start.
fn day_zero() -> Timestamp {
    Timestamp::from_second(1_796_083_200).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn minute_at(minute: u32) -> Timestamp {
    day_zero() + SignedDuration::from_mins(i64::from(minute))
}

/// An operation under way: when it ends and the units it leaves.
struct Running {
    ends: u32,
    target: Vec<u32>,
}

/// The state of the service during the run.
struct Service<'p> {
    plan: &'p DayPlan,
    units: Vec<u32>,
    memory: Vec<RegionMemory>,
    /// `Capacity` per region per minute so far.
    history: Vec<Vec<f64>>,
    running: Option<Running>,
}

/// Runs two days in `way` and measures the second.
pub fn simulate(plan: &DayPlan, way: Way) -> DayResult {
    let peak = peak_units(plan);
    let regions = plan.profiles.len();
    let mut service = Service {
        plan,
        units: peak.clone(),
        memory: peak
            .iter()
            .map(|u| RegionMemory {
                own_units: Some(*u),
                last_scale_at: None,
            })
            .collect(),
        history: vec![Vec::new(); regions],
        running: None,
    };
    let autoscaled: Vec<usize> = match way {
        Way::StaticPeak => Vec::new(),
        Way::PrimaryOnly => vec![0],
        Way::EveryRegion => (0..regions).collect(),
    };
    let mut result = DayResult {
        way,
        units: vec![Vec::new(); regions],
        load: vec![Vec::new(); regions],
        unit_minutes: 0,
        minutes_over: 0,
        operations: 0,
    };
    for minute in 0..2 * MINUTES_PER_DAY {
        service.finish_operation(minute);
        let measured = minute >= MINUTES_PER_DAY;
        let mut over = false;
        for (r, profile) in plan.profiles.iter().enumerate() {
            let load = profile.rps_at(minute % MINUTES_PER_DAY);
            let capacity = capacity_percent(load, service.units[r], plan.rps_per_unit);
            service.history[r].push(capacity);
            over |= capacity > PRESSURE_PERCENT;
            if measured {
                result.units[r].push(service.units[r]);
                result.load[r].push(load);
                result.unit_minutes += u64::from(service.units[r]);
            }
        }
        result.minutes_over += u32::from(measured && over);
        let end = minute + 1;
        if !autoscaled.is_empty() && end % plan.interval_minutes.max(1) == 0 {
            let started = service.evaluate(&autoscaled, end);
            result.operations += u32::from(started && end >= MINUTES_PER_DAY);
        }
    }
    result
}

impl Service<'_> {
    /// Applies the running operation's units once its time has come and records them as the
    /// operator does ([`RegionMemory::after_operation`]: the cooldowns start at its end).
    fn finish_operation(&mut self, minute: u32) {
        if self.running.as_ref().is_some_and(|r| r.ends <= minute) {
            let Some(done) = self.running.take() else {
                return;
            };
            for (r, units) in done.target.iter().enumerate() {
                self.memory[r] = self.memory[r].after_operation(*units, minute_at(minute));
            }
            self.units = done.target;
        }
    }

    /// One evaluation at the end of minute `end - 1`; whether it started an operation.
    fn evaluate(&mut self, autoscaled: &[usize], end: u32) -> bool {
        let plan = self.plan;
        let live = self.live();
        let readings = self.readings(autoscaled, end);
        let bounds = Bounds::new(plan.rule.min_units, plan.rule.max_units);
        let regions: Vec<AutoscaledRegion<'_>> = autoscaled
            .iter()
            .map(|&r| AutoscaledRegion {
                location: plan.profiles[r].location.clone(),
                rule: &plan.rule,
                bounds,
                memory: self.memory[r],
            })
            .collect();
        let limits = UnitLimits::default();
        let input = Evaluation {
            sku: Sku::Premium,
            live: &live,
            regions: &regions,
            metrics: Ok(&readings),
            settings: &SettingsVerdict::NoneFound,
            mode: AzureAutoscaleMode::Conflict,
            operation_running: self.running.is_some(),
            guardrails: Guardrails {
                limits: &limits,
                scale_in: ScaleInGuardrail::default(),
                zones_must_divide_units: true,
            },
            now: minute_at(end),
        };
        let decision = super::decide(&input);
        for (&r, d) in autoscaled.iter().zip(&decision.regions) {
            self.memory[r] = d.memory;
        }
        let changes = decision.changes();
        if changes.is_empty() || self.running.is_some() {
            return false;
        }
        let mut target = self.units.clone();
        for change in changes {
            if let Some(r) = plan
                .profiles
                .iter()
                .position(|p| p.location == change.location)
            {
                target[r] = change.units;
            }
        }
        self.running = Some(Running {
            ends: end + plan.scale_minutes,
            target,
        });
        true
    }

    fn live(&self) -> LiveService {
        LiveService {
            id: "/subscriptions/day/resourceGroups/day/providers/Microsoft.ApiManagement/service/day".into(),
            sku: Sku::Premium,
            regions: self
                .plan
                .profiles
                .iter()
                .zip(&self.units)
                .enumerate()
                .map(|(i, (p, units))| LiveRegion {
                    location: p.location.clone(),
                    units: *units,
                    primary: i == 0,
                    zones: Vec::new(),
                })
                .collect(),
            provisioning_state: ProvisioningState::Succeeded,
            target_provisioning_state: None,
            zone_redundant: None,
        }
    }

    /// The metrics answer Azure Monitor would give at `end` for the autoscaled regions: one
    /// `Capacity` series per `Location`, the window's minutes, read by the real parser.
    fn readings(&self, autoscaled: &[usize], end: u32) -> MetricReadings {
        let window = self.plan.rule.window.minutes().min(end);
        let series: Vec<_> = autoscaled
            .iter()
            .map(|&r| {
                let data: Vec<_> = (end - window..end)
                    .map(|m| {
                        let average = self.history[r][m as usize];
                        json!({"timeStamp": minute_at(m).to_string(), "average": average})
                    })
                    .collect();
                let location = self.plan.profiles[r].location.as_str();
                json!({"metadatavalues": [{"name": {"value": "location"}, "value": location}], "data": data})
            })
            .collect();
        let body = json!({"value": [{"name": {"value": "Capacity"}, "unit": "Percent", "timeseries": series}]});
        MetricReadings::parse(body.to_string().as_bytes()).unwrap_or_default()
    }
}
