//! One service, one manager: when several ApimCapacity resources name the same service,
//! the oldest keeps it and the others stand aside.

use crate::api::{ApimCapacity, ServiceReference};

/// Whether two references name one service (Azure compares the names case-insensitively).
/// It runs for every other resource in every reconcile of a fleet, so it allocates nothing
/// and compares the part most likely to differ first (subscription ids of a fleet often
/// share all but their last characters).
pub fn same_service(a: &ServiceReference, b: &ServiceReference) -> bool {
    a.name.eq_ignore_ascii_case(&b.name)
        && a.resource_group.eq_ignore_ascii_case(&b.resource_group)
        && a.subscription_id.eq_ignore_ascii_case(&b.subscription_id)
}

/// The resource that manages a service, when it is not the one asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manager {
    pub namespace: String,
    pub name: String,
}

/// The resource that manages the service of `me`, when it is another one: the oldest by
/// creation time (then by namespace and name) among `all`, resources being deleted left out.
pub fn other_manager<'a>(
    me: &ApimCapacity,
    all: impl IntoIterator<Item = &'a ApimCapacity>,
) -> Option<Manager> {
    let rank = |r: &ApimCapacity| {
        (
            r.metadata.creation_timestamp.as_ref().map(|t| t.0),
            r.metadata.namespace.clone().unwrap_or_default(),
            r.metadata.name.clone().unwrap_or_default(),
        )
    };
    let me_rank = rank(me);
    all.into_iter()
        .filter(|other| same_service(&other.spec.service, &me.spec.service))
        .filter(|other| other.metadata.deletion_timestamp.is_none())
        .map(rank)
        .filter(|other| *other != me_rank)
        .min()
        .filter(|oldest| *oldest < me_rank)
        .map(|(_, namespace, name)| Manager { namespace, name })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ApimCapacitySpec;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn resource(ns: &str, name: &str, service: &str, created: i64) -> ApimCapacity {
        let spec: ApimCapacitySpec = serde_json::from_value(serde_json::json!({
            "service": {"subscriptionId": "00000000-0000-0000-0000-000000000000",
                        "resourceGroup": "RG", "name": service},
            "sku": "Premium",
            "regions": [{"location": "westeurope", "units": 1}]
        }))
        .expect("valid spec");
        let mut r = ApimCapacity::new(name, spec);
        r.metadata.namespace = Some(ns.into());
        r.metadata.creation_timestamp = Some(Time(
            jiff::Timestamp::from_second(created).expect("valid time"),
        ));
        r
    }

    #[test]
    fn the_oldest_resource_keeps_the_service() {
        let first = resource("a", "one", "svc", 100);
        let second = resource("b", "two", "SVC", 200);
        let unrelated = resource("c", "three", "other", 50);
        let all = [first.clone(), second.clone(), unrelated];
        assert_eq!(other_manager(&first, &all), None);
        assert_eq!(
            other_manager(&second, &all),
            Some(Manager {
                namespace: "a".into(),
                name: "one".into()
            })
        );
    }

    #[test]
    fn equal_ages_are_ordered_by_namespace_and_name() {
        let x = resource("a", "x", "svc", 100);
        let y = resource("a", "y", "svc", 100);
        let all = [y.clone(), x.clone()];
        assert_eq!(other_manager(&x, &all), None);
        assert_eq!(
            other_manager(&y, &all),
            Some(Manager {
                namespace: "a".into(),
                name: "x".into()
            })
        );
    }

    #[test]
    fn a_resource_being_deleted_gives_way() {
        let mut first = resource("a", "one", "svc", 100);
        first.metadata.deletion_timestamp = first.metadata.creation_timestamp.clone();
        let second = resource("b", "two", "svc", 200);
        assert_eq!(other_manager(&second, &[first, second.clone()]), None);
    }
}
