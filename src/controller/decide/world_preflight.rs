//! The preflight side of the decision table's world: Azure's `/skus` answer, the subnets a
//! change reads, services injected into a virtual network, and a PATCH refused before.

use serde_json::json;

use super::world::{World, condition};
use super::{Facts, Need, SubnetProblem, SubnetRead};
use crate::api::{ConditionStatus, ConditionType, Reason};
use crate::azure::{AzureError, ErrorKind, ServiceResource};
use crate::domain::{AzureLimits, SubnetPrefix};

/// The same service injected into a virtual network (`External` or `Internal`), each
/// listed region (display name) in the subnet with that id.
pub fn injected(service: ServiceResource, vnet: &str, subnets: &[(&str, &str)]) -> ServiceResource {
    let mut raw = service.raw().clone();
    raw["properties"]["virtualNetworkType"] = json!(vnet);
    for (location, id) in subnets {
        let config = json!({"subnetResourceId": id});
        if raw["location"] == json!(location) {
            raw["properties"]["virtualNetworkConfiguration"] = config;
        } else if let Some(regions) = raw["properties"]["additionalLocations"].as_array_mut() {
            for region in regions
                .iter_mut()
                .filter(|r| r["location"] == json!(location))
            {
                region["virtualNetworkConfiguration"] = config.clone();
            }
        }
    }
    ServiceResource::from_value(raw).unwrap_or_else(|e| panic!("injected service: {e}"))
}

impl World {
    /// The previous PATCH was refused with a 409 while the service ran no operation.
    pub fn refused_while_idle_before(mut self) -> Self {
        let mut waiting = condition(
            ConditionType::Ready,
            ConditionStatus::False,
            Reason::WaitingForAzure,
        );
        waiting.message = "Azure refused the change with a 409 although the service ran no operation (Conflict); reading the service again".into();
        self.previous.conditions = vec![waiting];
        self
    }

    /// Azure's `/skus` is read (not remembered) and answers `answer`.
    pub fn skus(mut self, answer: impl Fn() -> Result<AzureLimits, AzureError> + 'static) -> Self {
        self.skus = Some(Box::new(answer));
        self
    }

    /// The subnet `id` is read and answers `answer`.
    pub fn subnet(
        mut self,
        id: &str,
        answer: impl Fn() -> Result<SubnetPrefix, SubnetProblem> + 'static,
    ) -> Self {
        self.subnets.push((id.to_string(), Box::new(answer)));
        self
    }

    /// The subnet `id` is remembered with this prefix from an earlier read.
    pub fn remembered_subnet(mut self, id: &str, prefix: SubnetPrefix) -> Self {
        self.remembered.push((id.to_string(), prefix));
        self
    }

    /// Gathers a preflight fact like `reads.rs` does: a remembered answer costs no call.
    pub(super) fn gather_preflight(
        &self,
        need: Need,
        facts: &mut Facts,
        calls: &mut Vec<&'static str>,
    ) {
        match need {
            Need::Skus(_) => match &self.skus {
                Some(answer) => {
                    calls.push("skus");
                    facts.skus = Some(answer());
                }
                None => facts.skus = Some(Ok(AzureLimits::default())),
            },
            Need::Subnets(wanted, again) => {
                let reads = wanted.into_iter().map(|subnet| {
                    let id = subnet.id.clone();
                    let remembered = self.remembered.iter().find(|(r, _)| *r == id);
                    let read = self.subnets.iter().find(|(r, _)| *r == id);
                    let (answer, fresh) = match (remembered, read) {
                        (Some((_, prefix)), _) if !again => (Ok(*prefix), false),
                        (_, Some((_, answer))) => {
                            calls.push("subnet");
                            (answer(), true)
                        }
                        _ => (Err(unreadable()), false),
                    };
                    SubnetRead {
                        subnet,
                        answer,
                        fresh,
                    }
                });
                facts.subnets = Some(reads.collect());
            }
            other => panic!("not a preflight read: {other:?}"),
        }
    }
}

/// A subnet remembered as unreadable (a 403 an hour ago).
fn unreadable() -> SubnetProblem {
    SubnetProblem {
        message: "remembered as unreadable".into(),
        kind: ErrorKind::Terminal,
        forbidden: true,
    }
}
