//! The world a decision table runs in: one resource, its previous status, the namespace
//! policy, the other resources, and what Azure answers to each read and to the PATCH. A
//! small driver feeds `decide` like the real one does and records which reads it asked for.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::json;

use super::{Decision, Facts, Input, Need, Start, Verdict, after_start, decide};
use crate::api::{
    Action, ApimCapacity, ApimCapacitySpec, ApimCapacityStatus, Condition, ConditionStatus,
    ConditionType, LastOperation, OperationResult, OperationStatus, PollStyle, Reason,
};
use crate::azure::error::{Call, HttpFailure};
use crate::azure::{
    AzureError, AzureErrorBody, OperationHandle, PatchOutcome, PollOutcome, RequestIds,
    ServiceResource,
};
use crate::controller::context::Settings;
use crate::controller::outcomes::Requeue;
use crate::cost::Quotes;
use crate::domain::{AzureLimits, Sku, SubnetPrefix, UnitLimits};

use crate::plan::DurationEstimates;
use crate::policy::NamespacePolicy;
use crate::status::Outcome;

pub type Answer<T> = Box<dyn Fn() -> Result<T, AzureError>>;

/// A subnet read's answer.
pub type SubnetAnswer = Box<dyn Fn() -> Result<SubnetPrefix, super::SubnetProblem>>;

/// One resource and everything around it.
pub struct World {
    pub resource: ApimCapacity,
    pub previous: ApimCapacityStatus,
    pub now: Timestamp,
    pub settings: Settings,
    pub policy: Option<NamespacePolicy>,
    pub others: Vec<Arc<ApimCapacity>>,
    pub credentials: Answer<()>,
    pub poll: Answer<PollOutcome>,
    pub service: Answer<ServiceResource>,
    pub patch: Answer<PatchOutcome>,
    /// The quotes the price cache gives (empty: the built-in table).
    pub prices: Quotes,
    /// Azure's `/skus` answer; `None`: remembered from an earlier read (no call, nothing
    /// reported, so the built-in table applies).
    pub skus: Option<Answer<AzureLimits>>,
    /// Each subnet read's answer, by subnet id; a subnet not listed is remembered as
    /// unreadable (no call).
    pub subnets: Vec<(String, SubnetAnswer)>,
    /// Subnets remembered from an earlier read (no call unless read again).
    pub remembered: Vec<(String, SubnetPrefix)>,
    /// The autoscale reads' answers.
    pub autoscale: super::autoscale_answers::AutoscaleAnswers,
}

/// What one reconcile did in a world.
pub struct Run {
    /// The reads and writes, in order: `credentials`, `poll`, `get`, `patch`.
    pub calls: Vec<&'static str>,
    /// How often the prices were asked for (the day cache of the Retail Prices API, not
    /// an ARM call, so not in `calls`).
    pub prices_read: usize,
    /// The step started, when one was.
    pub started: Option<Start>,
    pub verdict: Verdict,
}

pub const POLL_URL: &str = "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc/operationresults/op1";
pub const SECOND: Duration = Duration::from_secs(1);

pub fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + minutes * 60).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A Premium service in westeurope (2 units) and eastus (1 unit); the spec asks for
/// westeurope=3, eastus=1: one scale is planned. Azure answers every read and starts the
/// PATCH; no poll is expected (no operation recorded).
pub fn world() -> World {
    let spec: ApimCapacitySpec = serde_json::from_value(json!({
        "service": {"subscriptionId": "00000000-0000-0000-0000-000000000000",
                    "resourceGroup": "rg", "name": "svc"},
        "sku": "Premium",
        "regions": [{"location": "westeurope", "units": 3}, {"location": "eastus", "units": 1}]
    }))
    .unwrap_or_else(|e| panic!("test spec: {e}"));
    let mut resource = ApimCapacity::new("payments", spec);
    resource.metadata.namespace = Some("platform".into());
    resource.metadata.generation = Some(1);
    resource.metadata.creation_timestamp = Some(Time(at(-600)));
    World {
        resource,
        previous: ApimCapacityStatus {
            conditions: vec![
                condition(
                    ConditionType::Ready,
                    ConditionStatus::Unknown,
                    Reason::Pending,
                ),
                condition(
                    ConditionType::Reconciling,
                    ConditionStatus::True,
                    Reason::Pending,
                ),
            ],
            ..ApimCapacityStatus::default()
        },
        now: at(0),
        settings: Settings {
            limits: UnitLimits::default(),
            resync_interval: Duration::from_secs(600),
            min_retry_after: Duration::from_secs(10),
            backoff_base: SECOND,
            backoff_max: Duration::from_secs(300),
            currency: crate::cost::Currency::USD,
            autoscale_interval: Duration::from_secs(300),
        },
        policy: None,
        others: Vec::new(),
        credentials: Box::new(|| Ok(())),
        poll: Box::new(|| panic!("no operation is recorded: nothing to poll")),
        service: Box::new(|| {
            Ok(service(
                Sku::Premium,
                &[("West Europe", 2), ("East US", 1)],
                "Succeeded",
            ))
        }),
        patch: Box::new(|| Ok(PatchOutcome::Started(handle(Duration::from_secs(60))))),
        prices: Quotes::default(),
        skus: None,
        subnets: Vec::new(),
        remembered: Vec::new(),
        autoscale: Default::default(),
    }
}

/// A service as ARM answers: display-name locations, the primary first.
pub fn service(sku: Sku, regions: &[(&str, u32)], state: &str) -> ServiceResource {
    let (primary, additional) = regions.split_first().unwrap_or((&("West Europe", 1), &[]));
    let additional: Vec<_> = additional
        .iter()
        .map(|(location, units)| json!({"location": location, "sku": {"name": sku.as_str(), "capacity": units}}))
        .collect();
    ServiceResource::from_value(json!({
        "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc",
        "location": primary.0,
        "sku": {"name": sku.as_str(), "capacity": primary.1},
        "properties": {"provisioningState": state, "additionalLocations": additional}
    }))
    .unwrap_or_else(|e| panic!("test service: {e}"))
}

pub fn handle(retry_after: Duration) -> OperationHandle {
    OperationHandle {
        url: POLL_URL.into(),
        style: PollStyle::Location,
        retry_after,
        started_at: at(0),
    }
}

/// An Azure error answer with this status and code.
pub fn azure_error(call: Call, status: u16, code: &str) -> AzureError {
    azure_error_saying(call, status, code, &format!("{code} from Azure"))
}

/// An Azure error answer with this status, code and message.
pub fn azure_error_saying(call: Call, status: u16, code: &str, message: &str) -> AzureError {
    AzureError::from_http(HttpFailure {
        call,
        status,
        error: AzureErrorBody {
            code: code.into(),
            message: message.into(),
            ..AzureErrorBody::default()
        },
        ids: RequestIds::default(),
        retry_after: None,
    })
}

/// Step `step` of `total`, scaling westeurope from 2 to 3, started `minutes` ago.
pub fn operation(step: u32, total: u32, started_minutes_ago: i64) -> OperationStatus {
    OperationStatus {
        step,
        total_steps: total,
        description: "Scale westeurope from 2 to 3 units".into(),
        action: Action::Scale,
        started_at: Time(at(-started_minutes_ago)),
        expected_completion: Time(at(30 - started_minutes_ago)),
        poll_url: POLL_URL.into(),
        poll_style: PollStyle::Location,
        target_sku: Sku::Premium,
        target_units: "westeurope=3,eastus=1".into(),
        generation: Some(1),
        failed_polls: 0,
    }
}

/// The same operation aiming at other units (`westeurope=2,eastus=1`).
pub fn aiming_at(operation: OperationStatus, units: &str) -> OperationStatus {
    OperationStatus {
        target_units: units.into(),
        ..operation
    }
}

pub(super) fn condition(
    type_: ConditionType,
    status: ConditionStatus,
    reason: Reason,
) -> Condition {
    Condition {
        type_,
        status,
        reason,
        message: format!("previously {reason}"),
        last_transition_time: Time(at(-60)),
        observed_generation: Some(1),
    }
}

impl World {
    pub fn spec(mut self, change: impl FnOnce(&mut ApimCapacitySpec)) -> Self {
        change(&mut self.resource.spec);
        self
    }

    pub fn generation(mut self, generation: i64) -> Self {
        self.resource.metadata.generation = Some(generation);
        self
    }

    /// The spec's schedules and change windows, as YAML under `spec:`.
    pub fn clock(self, yaml: &str) -> Self {
        let extra: ApimCapacitySpec = {
            let mut value = serde_json::to_value(&self.resource.spec).unwrap_or_default();
            let more: serde_json::Value =
                serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("clock yaml: {e}"));
            for (key, v) in more.as_object().into_iter().flatten() {
                value[key] = v.clone();
            }
            serde_json::from_value(value).unwrap_or_else(|e| panic!("clock spec: {e}"))
        };
        self.spec(|s| *s = extra)
    }

    /// The previous reconcile aimed at these units: `(location, units, source)`.
    pub fn previous_aim(mut self, regions: &[(&str, u32, &str)]) -> Self {
        self.previous.effective = regions
            .iter()
            .map(
                |(location, units, source)| crate::api::EffectiveRegionStatus {
                    location: location.to_string(),
                    units: *units,
                    source: source.to_string(),
                },
            )
            .collect();
        self
    }

    pub fn annotate(mut self, key: &str, value: &str) -> Self {
        self.resource
            .metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(key.into(), value.into());
        self
    }

    pub fn policy(mut self, yaml: &str) -> Self {
        self.policy = Some(serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("policy: {e}")));
        self
    }

    /// Another ApimCapacity for the same service, created `minutes` after this one
    /// (negative: before it).
    pub fn other_manager(self, namespace: &str, minutes: i64) -> Self {
        self.other_manager_like(namespace, minutes, |_| {})
    }

    /// Another ApimCapacity for the same service, changed by `change`.
    pub fn other_manager_like(
        mut self,
        namespace: &str,
        minutes: i64,
        change: impl FnOnce(&mut ApimCapacity),
    ) -> Self {
        let mut other = self.resource.clone();
        other.metadata.namespace = Some(namespace.into());
        other.metadata.name = Some("other".into());
        other.metadata.creation_timestamp = Some(Time(at(-600 + minutes)));
        change(&mut other);
        self.others = vec![Arc::new(self.resource.clone()), Arc::new(other)];
        self
    }

    /// The operator has not written a status for the resource yet.
    pub fn never_seen(mut self) -> Self {
        self.previous = ApimCapacityStatus::default();
        self
    }

    pub fn credentials(mut self, answer: impl Fn() -> Result<(), AzureError> + 'static) -> Self {
        self.credentials = Box::new(answer);
        self
    }

    pub fn live(
        mut self,
        answer: impl Fn() -> Result<ServiceResource, AzureError> + 'static,
    ) -> Self {
        self.service = Box::new(answer);
        self
    }

    pub fn patch(
        mut self,
        answer: impl Fn() -> Result<PatchOutcome, AzureError> + 'static,
    ) -> Self {
        self.patch = Box::new(answer);
        self
    }

    /// An operation of ours is recorded in status, and polling it answers `answer`.
    pub fn recorded(
        mut self,
        operation: OperationStatus,
        answer: impl Fn() -> Result<PollOutcome, AzureError> + 'static,
    ) -> Self {
        self.previous.operation = Some(Box::new(operation));
        self.previous.conditions = vec![
            condition(
                ConditionType::Ready,
                ConditionStatus::False,
                Reason::Scaling,
            ),
            condition(
                ConditionType::Reconciling,
                ConditionStatus::True,
                Reason::Scaling,
            ),
        ];
        self.poll = Box::new(answer);
        self
    }

    /// The previous reconcile found the service in sync with this generation.
    pub fn was_ready(mut self) -> Self {
        self.previous.observed_generation = 1;
        self.previous.conditions = vec![condition(
            ConditionType::Ready,
            ConditionStatus::True,
            Reason::Succeeded,
        )];
        self
    }

    /// The previous operation failed `minutes` ago and the resource stalled on it.
    pub fn failed_minutes_ago(mut self, minutes: i64) -> Self {
        self.previous.observed_generation = 1;
        self.previous.conditions = vec![
            condition(
                ConditionType::Ready,
                ConditionStatus::False,
                Reason::OperationFailed,
            ),
            condition(
                ConditionType::Stalled,
                ConditionStatus::True,
                Reason::OperationFailed,
            ),
        ];
        self.previous.last_operation = Some(Box::new(LastOperation {
            description: "Scale westeurope from 2 to 3 units".into(),
            result: OperationResult::Failed,
            started_at: Time(at(-minutes - 30)),
            finished_at: Time(at(-minutes)),
            error: Some("(InternalError) boom".into()),
            generation: None,
            target_missed: None,
        }));
        self
    }

    /// Azure reported the last step of generation 1 done without reaching its target, once
    /// (`stalled`: and then again, so the resource stalled).
    pub fn missed_target_before(mut self, stalled: bool) -> Self {
        self.previous.observed_generation = 1;
        if stalled {
            self.previous.conditions = vec![
                condition(
                    ConditionType::Ready,
                    ConditionStatus::False,
                    Reason::TargetNotReached,
                ),
                condition(
                    ConditionType::Stalled,
                    ConditionStatus::True,
                    Reason::TargetNotReached,
                ),
            ];
        }
        self.previous.last_operation = Some(Box::new(LastOperation {
            description: "Scale westeurope from 2 to 3 units".into(),
            result: OperationResult::Succeeded,
            started_at: Time(at(-60)),
            finished_at: Time(at(-30)),
            error: None,
            generation: Some(1),
            target_missed: Some("Azure reports Premium westeurope=2,eastus=1".into()),
        }));
        self
    }

    /// Runs one reconcile the way the driver does.
    pub fn reconcile(&self) -> Run {
        let durations = DurationEstimates::default();
        let input = Input {
            resource: &self.resource,
            previous: &self.previous,
            now: self.now,
            settings: &self.settings,
            durations: &durations,
            scopes: self.policy.as_ref(),
            others: &self.others,
        };
        let mut facts = Facts::default();
        let mut calls = Vec::new();
        let mut prices_read = 0;
        loop {
            assert!(calls.len() < 8, "the decision keeps asking: {calls:?}");
            match decide(&input, &facts) {
                Decision::Gather(Need::Credentials) => {
                    calls.push("credentials");
                    facts.credentials = Some((self.credentials)());
                }
                Decision::Gather(Need::Poll(_)) => {
                    calls.push("poll");
                    facts.poll = Some((self.poll)());
                }
                Decision::Gather(Need::Service(_)) => {
                    calls.push("get");
                    facts.service = Some((self.service)());
                }
                Decision::Gather(Need::Prices(wanted)) => {
                    prices_read += 1;
                    assert!(prices_read == 1, "the prices are asked for again");
                    facts.prices = Some(Quotes::snapshot(&self.prices, &wanted));
                }
                Decision::Gather(need @ (Need::AutoscaleSettings(_) | Need::Metrics(_))) => {
                    self.gather_autoscale(need, &mut facts, &mut calls)
                }
                Decision::Gather(need) => self.gather_preflight(need, &mut facts, &mut calls),
                Decision::Start(start) => {
                    calls.push("patch");
                    let verdict = after_start(
                        (*start).clone(),
                        (self.patch)(),
                        &self.settings,
                        &durations,
                        self.now,
                    );
                    return Run {
                        calls,
                        prices_read,
                        started: Some(*start),
                        verdict,
                    };
                }
                Decision::Conclude(verdict) => {
                    return Run {
                        calls,
                        prices_read,
                        started: None,
                        verdict: *verdict,
                    };
                }
            }
        }
    }
}

impl Run {
    /// The reason the Ready condition will show.
    pub fn reason(&self) -> Reason {
        match &self.verdict.outcome {
            Outcome::Pending => Reason::Pending,
            Outcome::Suspended => Reason::Suspended,
            Outcome::InSync => Reason::Succeeded,
            Outcome::DriftReported { .. } => Reason::DriftDetected,
            Outcome::InProgress { reason, .. } | Outcome::Stalled { reason, .. } => *reason,
            Outcome::WaitingForAzure { .. } => Reason::WaitingForAzure,
            Outcome::Waiting { reason, .. } => *reason,
            Outcome::Retrying { .. } => Reason::Retrying,
        }
    }

    pub fn requeue(&self) -> Requeue {
        self.verdict.requeue
    }

    /// The message of the outcome, when it has one.
    pub fn message(&self) -> String {
        match &self.verdict.outcome {
            Outcome::DriftReported { message }
            | Outcome::WaitingForAzure { message }
            | Outcome::Waiting { message, .. }
            | Outcome::Stalled { message, .. }
            | Outcome::Retrying { message } => message.clone(),
            Outcome::InProgress { operation, .. } => operation.headline(),
            Outcome::Pending | Outcome::Suspended | Outcome::InSync => String::new(),
        }
    }
}
