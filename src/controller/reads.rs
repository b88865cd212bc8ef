//! The preflight reads (I/O) and what they remember: the unit limits Azure reports for a
//! service (`GET .../skus`, kept for a day) and the prefixes of the subnets its regions are
//! injected into (kept for an hour, an unreadable subnet too, so its warning is not repeated
//! every reconcile). Entries of services no ApimCapacity manages any more are dropped at the
//! next read.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::context::Context;
use super::decide::{SUBNET_READ_ACTION, SubnetProblem, SubnetRead, SubnetToRead};
use super::gather::log_failure;
use crate::azure::{ApimApi, ArmClient, AzureError, ErrorKind};
use crate::domain::{AzureLimits, ServiceRef, SubnetPrefix};

/// How long Azure's unit limits of a service are kept.
pub const SKUS_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a subnet's prefix (or the fact that it cannot be read) is kept.
pub const SUBNET_TTL: Duration = Duration::from_secs(3600);

/// A subnet as remembered.
#[derive(Debug, Clone)]
enum Remembered {
    Prefix(SubnetPrefix),
    /// A terminal failure (403, 404, a malformed id): `(message, forbidden)`.
    Unreadable(String, bool),
}

/// What the preflight reads remember, per service (the key of [`ServiceRef::key`]).
#[derive(Default)]
pub struct ReadCache {
    skus: Mutex<HashMap<String, (Instant, AzureLimits)>>,
    subnets: Mutex<HashMap<(String, String), (Instant, Remembered)>>,
}

impl ReadCache {
    fn skus(&self, service: &str) -> Option<AzureLimits> {
        let cache = self.skus.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(service)
            .filter(|(at, _)| at.elapsed() < SKUS_TTL)
            .map(|(_, limits)| limits.clone())
    }

    fn subnet(&self, service: &str, id: &str) -> Option<Remembered> {
        let cache = self.subnets.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(&(service.to_string(), id.to_ascii_lowercase()))
            .filter(|(at, _)| at.elapsed() < SUBNET_TTL)
            .map(|(_, remembered)| remembered.clone())
    }

    /// Drops expired entries and those of services not in `managed`.
    fn prune(&self, managed: &HashSet<String>) {
        let mut skus = self.skus.lock().unwrap_or_else(|e| e.into_inner());
        skus.retain(|service, (at, _)| managed.contains(service) && at.elapsed() < SKUS_TTL);
        drop(skus);
        let mut subnets = self.subnets.lock().unwrap_or_else(|e| e.into_inner());
        subnets
            .retain(|(service, _), (at, _)| managed.contains(service) && at.elapsed() < SUBNET_TTL);
    }
}

/// The services the ApimCapacity objects in the store manage.
fn managed(ctx: &Context) -> HashSet<String> {
    ctx.store
        .state()
        .iter()
        .map(|obj| obj.spec.service.service_ref().key())
        .collect()
}

/// Azure's unit limits for `service`, remembered for a day. A failure is logged and
/// answered as is (the built-in table stands in); it is not remembered.
pub async fn skus(
    ctx: &Context,
    azure: Option<&ArmClient>,
    service: &ServiceRef,
) -> Result<AzureLimits, AzureError> {
    let key = service.key();
    ctx.reads.prune(&managed(ctx));
    if let Some(limits) = ctx.reads.skus(&key) {
        return Ok(limits);
    }
    let answer = match azure {
        Some(api) => api.get_skus(service).await,
        None => Err(super::gather::no_client()),
    };
    match &answer {
        Ok(limits) => {
            let mut cache = ctx.reads.skus.lock().unwrap_or_else(|e| e.into_inner());
            cache.insert(key, (Instant::now(), limits.clone()));
        }
        Err(e) => log_failure("reading the service's unit limits (/skus)", e),
    }
    answer
}

/// The prefix of each subnet of `service` in `wanted`, remembered for an hour (unless
/// `again`); a terminal failure is remembered too, a transient one is not.
pub async fn subnets(
    ctx: &Context,
    azure: Option<&ArmClient>,
    service: &ServiceRef,
    wanted: Vec<SubnetToRead>,
    again: bool,
) -> Vec<SubnetRead> {
    let key = service.key();
    ctx.reads.prune(&managed(ctx));
    let mut reads = Vec::with_capacity(wanted.len());
    for subnet in wanted {
        let remembered = if again {
            None
        } else {
            ctx.reads.subnet(&key, &subnet.id)
        };
        let (answer, fresh) = match remembered {
            Some(Remembered::Prefix(prefix)) => (Ok(prefix), false),
            Some(Remembered::Unreadable(message, forbidden)) => {
                let kind = ErrorKind::Terminal;
                let problem = SubnetProblem {
                    message,
                    kind,
                    forbidden,
                };
                (Err(problem), false)
            }
            None => (read_subnet(ctx, azure, &key, &subnet).await, true),
        };
        reads.push(SubnetRead {
            subnet,
            answer,
            fresh,
        });
    }
    reads
}

async fn read_subnet(
    ctx: &Context,
    azure: Option<&ArmClient>,
    service: &str,
    subnet: &SubnetToRead,
) -> Result<SubnetPrefix, SubnetProblem> {
    let answer = match azure {
        Some(api) => api.get_subnet(&subnet.id).await,
        None => Err(super::gather::no_client()),
    };
    let remembered = match &answer {
        Ok(prefix) => Some(Remembered::Prefix(*prefix)),
        Err(e) if e.kind() == ErrorKind::Transient => None,
        Err(e) => Some(Remembered::Unreadable(
            e.to_string(),
            matches!(e, AzureError::Forbidden(_)),
        )),
    };
    if let Err(e) = &answer {
        log_failure("reading the subnet of a VNet-injected region", e);
        if matches!(e, AzureError::Forbidden(_)) {
            tracing::warn!(
                subnet = %subnet.id,
                location = %subnet.location,
                "the operator's identity lacks {SUBNET_READ_ACTION}: the subnet's room for the units is not checked"
            );
        }
    }
    if let Some(remembered) = remembered {
        let mut cache = ctx.reads.subnets.lock().unwrap_or_else(|e| e.into_inner());
        let id = (service.to_string(), subnet.id.to_ascii_lowercase());
        cache.insert(id, (Instant::now(), remembered));
    }
    answer.map_err(|e| SubnetProblem {
        message: e.to_string(),
        kind: e.kind(),
        forbidden: matches!(e, AzureError::Forbidden(_)),
    })
}
