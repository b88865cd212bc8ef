//! The preflight reads (I/O): the unit limits Azure reports for a service (`GET .../skus`)
//! and the prefixes of the subnets its regions are injected into, each answered from
//! [`super::read_cache::ReadCache`] while remembered. Entries of services no ApimCapacity
//! manages any more are dropped on the controller's heartbeat ([`Context::prune`]).

use super::azure_log::{log_failure, no_client};
use super::context::Context;
use super::read_cache::Remembered;
use super::read_facts::{SUBNET_READ_ACTION, SubnetProblem, SubnetRead, SubnetToRead};
use crate::azure::{ApimApi, ArmClient, AzureError, ErrorKind};
use crate::domain::{AzureLimits, ServiceRef, SubnetPrefix};

/// Azure's unit limits for `service`, remembered for a day. A failure is logged and
/// answered as is (the built-in table stands in); it is not remembered.
pub async fn skus(
    ctx: &Context,
    azure: Option<&ArmClient>,
    service: &ServiceRef,
) -> Result<AzureLimits, AzureError> {
    let key = service.key();
    if let Some(limits) = ctx.reads.skus(&key) {
        return Ok(limits);
    }
    let answer = match azure {
        Some(api) => api.get_skus(service).await,
        None => Err(no_client()),
    };
    match &answer {
        Ok(limits) => ctx.reads.remember_skus(key, limits.clone()),
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
        None => Err(no_client()),
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
        ctx.reads.remember_subnet(service, &subnet.id, remembered);
    }
    answer.map_err(|e| SubnetProblem {
        message: e.to_string(),
        kind: e.kind(),
        forbidden: matches!(e, AzureError::Forbidden(_)),
    })
}
