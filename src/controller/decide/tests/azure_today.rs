//! Decision rows of the preflight (live limits, subnets), consent for zones and downtime,
//! and Azure's own refusals of the PATCH.

use super::super::world::{Run, azure_error_saying, service, world};
use super::super::world_preflight::injected;
use super::super::{SUBNET_READ_ACTION, SubnetProblem};
use super::*;
use crate::azure::ErrorKind;
use crate::domain::{AzureLimits, SubnetPrefix};

const SUBNET: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apim";

fn premium_max(max: u32) -> AzureLimits {
    let mut limits = AzureLimits::default();
    limits.insert(Sku::Premium, max);
    limits
}

fn prefix(text: &str) -> SubnetPrefix {
    text.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// The default world's service with westeurope in `SUBNET` (Internal).
fn in_subnet() -> crate::azure::ServiceResource {
    let live = service(
        Sku::Premium,
        &[("West Europe", 2), ("East US", 1)],
        "Succeeded",
    );
    injected(live, "Internal", &[("West Europe", SUBNET)])
}

fn problem(kind: ErrorKind, forbidden: bool) -> SubnetProblem {
    SubnetProblem {
        message: "AuthorizationFailed from Azure".into(),
        kind,
        forbidden,
    }
}

fn started_zones(r: &Run) -> Vec<(String, Vec<String>)> {
    let target = &r.started.as_ref().expect("a step started").step.target;
    target
        .zones
        .iter()
        .map(|z| (z.location.to_string(), z.zones.clone()))
        .collect()
}

#[rustfmt::skip]
decisions! {
    // Live limits: read only when a change is pending, remembered for a day.
    a_pending_change_reads_azures_limits:
        world().skus(|| Ok(premium_max(31)))
        => ["credentials", "get", "skus", "patch"], Scaling, secs(60);
    in_sync_reads_no_limits:
        world().live(|| Ok(service(Sku::Premium, &[("West Europe", 3), ("East US", 1)], "Succeeded"))).skus(|| Ok(premium_max(31)))
        => ["credentials", "get"], Succeeded, Resync;
    a_spec_the_rules_refuse_reads_no_limits:
        world().spec(|s| s.regions.retain(|r| r.location != "westeurope")).skus(|| Ok(premium_max(31)))
        => ["credentials", "get"], Blocked, Resync;
    a_lower_limit_azure_reports_blocks:
        world().spec(|s| s.regions[0].units = Some(20)).skus(|| Ok(premium_max(12)))
        => ["credentials", "get", "skus"], Blocked, Resync,
        then |r: &Run| assert!(r.message().contains("Azure reports at most 12 units per region of Premium"), "{}", r.message());
    a_higher_limit_azure_reports_allows_what_the_table_does_not:
        world().spec(|s| s.regions[0].units = Some(40)).skus(|| Ok(premium_max(40)))
        => ["credentials", "get", "skus", "patch"], Scaling, secs(60);
    the_operators_override_wins_over_azure:
        { let mut w = world().spec(|s| s.regions[0].units = Some(20)).skus(|| Ok(premium_max(40)));
          w.settings.limits = w.settings.limits.clone().with_overrides("Premium=12").unwrap_or_else(|e| panic!("{e}")); w }
        => ["credentials", "get", "skus"], Blocked, Resync,
        then |r: &Run| assert!(r.message().contains("the operator configuration allows at most 12"), "{}", r.message());
    unreadable_limits_fall_back_to_the_table:
        world().skus(|| Err(azure_error(Call::GetSkus, 403, "AuthorizationFailed")))
        => ["credentials", "get", "skus", "patch"], Scaling, secs(60);

    // Subnet headroom of a VNet-injected region that grows.
    a_scale_up_the_subnet_cannot_hold_is_subnet_too_small:
        world().live(|| Ok(in_subnet())).spec(|s| s.regions[0].units = Some(14)).subnet(SUBNET, || Ok(prefix("10.0.1.0/27")))
        => ["credentials", "get", "subnet"], SubnetTooSmall, Resync,
        then |r: &Run| {
            let m = r.message();
            assert!(m.contains("subnet 10.0.1.0/27") && m.contains("at most 13 units") && m.contains("use /26"), "{m}");
            assert_eq!(r.verdict.findings.observed.plan, Some(vec![]));
        };
    a_scale_up_that_fits_the_subnet_starts:
        world().live(|| Ok(in_subnet())).spec(|s| s.regions[0].units = Some(14)).subnet(SUBNET, || Ok(prefix("10.0.1.0/26")))
        => ["credentials", "get", "subnet", "patch"], Scaling, secs(60);
    a_scale_down_reads_no_subnet:
        world().live(|| Ok(in_subnet())).spec(|s| s.regions[0].units = Some(1)).subnet(SUBNET, || Ok(prefix("10.0.1.0/29")))
        => ["credentials", "get", "patch"], Scaling, secs(60);
    a_forbidden_subnet_read_warns_and_goes_on:
        world().live(|| Ok(in_subnet())).subnet(SUBNET, || Err(problem(ErrorKind::Terminal, true)))
        => ["credentials", "get", "subnet", "patch"], Scaling, secs(60),
        then |r: &Run| {
            let events = &r.verdict.findings.events;
            assert_eq!(events.iter().map(|e| e.reason).collect::<Vec<_>>(), [EventReason::SubnetUnreadable]);
            assert!(events[0].note.contains(SUBNET_READ_ACTION) && events[0].note.contains(SUBNET), "{}", events[0].note);
        };
    a_subnet_remembered_as_unreadable_warns_no_more:
        world().live(|| Ok(in_subnet()))
        => ["credentials", "get", "patch"], Scaling, secs(60),
        then |r: &Run| assert!(r.verdict.findings.events.is_empty());
    a_subnet_read_that_fails_for_a_while_retries:
        world().live(|| Ok(in_subnet())).subnet(SUBNET, || Err(problem(ErrorKind::Transient, false)))
        => ["credentials", "get", "subnet"], Retrying, Backoff;
    a_remembered_prefix_that_fits_costs_no_read:
        world().live(|| Ok(in_subnet())).spec(|s| s.regions[0].units = Some(14)).remembered_subnet(SUBNET, prefix("10.0.1.0/26"))
        => ["credentials", "get", "patch"], Scaling, secs(60);
    a_remembered_prefix_too_small_is_read_again:
        world().live(|| Ok(in_subnet())).spec(|s| s.regions[0].units = Some(14)).remembered_subnet(SUBNET, prefix("10.0.1.0/27")).subnet(SUBNET, || Ok(prefix("10.0.1.0/26")))
        => ["credentials", "get", "subnet", "patch"], Scaling, secs(60);
    a_subnet_still_too_small_when_read_again_stalls:
        world().live(|| Ok(in_subnet())).spec(|s| s.regions[0].units = Some(14)).remembered_subnet(SUBNET, prefix("10.0.1.0/27")).subnet(SUBNET, || Ok(prefix("10.0.1.0/27")))
        => ["credentials", "get", "subnet"], SubnetTooSmall, Resync;
    a_rule_is_reported_before_a_missing_consent:
        world().live(|| Ok(in_subnet())).spec(|s| { s.regions.truncate(1); s.regions[0].units = Some(14); }).subnet(SUBNET, || Ok(prefix("10.0.1.0/27")))
        => ["credentials", "get", "subnet"], SubnetTooSmall, Resync;

    // Consent: zones (new IP addresses) and downtime (to or from Developer).
    a_zone_change_without_consent_is_not_consented:
        world().spec(|s| { s.regions[0].units = Some(2); s.regions[0].zones = Some(vec!["1".into(), "2".into()]); })
        => ["credentials", "get"], NotConsented, Resync,
        then |r: &Run| assert!(r.message().contains("new public and private IP addresses") && r.message().contains("allowZoneChange"), "{}", r.message());
    a_zone_change_with_consent_is_a_step_of_its_own:
        world().spec(|s| { s.regions[0].units = Some(2); s.regions[0].zones = Some(vec!["2".into(), "1".into()]); s.change_policy.allow_zone_change = true; })
        => ["credentials", "get", "patch"], ChangingZones, secs(60),
        then |r: &Run| assert_eq!(started_zones(r), [("westeurope".to_string(), vec!["1".to_string(), "2".to_string()])]);
    leaving_developer_without_consent_is_not_consented:
        world().live(|| Ok(service(Sku::Developer, &[("West Europe", 1)], "Succeeded"))).spec(|s| { s.sku = Sku::Standard; s.regions.truncate(1); s.regions[0].units = Some(1); })
        => ["credentials", "get"], NotConsented, Resync,
        then |r: &Run| assert!(r.message().contains("takes the service down") && r.message().contains("allowDowntime"), "{}", r.message());
    leaving_developer_with_consent_changes_the_tier:
        world().live(|| Ok(service(Sku::Developer, &[("West Europe", 1)], "Succeeded"))).spec(|s| { s.sku = Sku::Standard; s.regions.truncate(1); s.regions[0].units = Some(1); s.change_policy.allow_downtime = true; })
        => ["credentials", "get", "patch"], ChangingTier, secs(60);

    // Azure's own refusals of the PATCH: a person must act, no retry loop.
    a_locked_service_stalls_with_azures_message:
        world().patch(|| Err(azure_error_saying(Call::PatchCapacity, 409, "ScopeLocked", "The scope '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc' cannot perform write operation because following scope(s) are locked: '/subscriptions/s/resourceGroups/rg'. Please remove the lock and try again.")))
        => ["credentials", "get", "patch"], ScopeLocked, Resync,
        then |r: &Run| assert!(r.message().contains("following scope(s) are locked: '/subscriptions/s/resourceGroups/rg'"), "{}", r.message());
    zones_azure_does_not_offer_stall_with_azures_message:
        world().spec(|s| { s.regions[0].units = Some(2); s.regions[0].zones = Some(vec!["1".into(), "2".into()]); s.change_policy.allow_zone_change = true; })
            .patch(|| Err(azure_error_saying(Call::PatchCapacity, 400, "NotSupported", "Subscription 00000000-0000-0000-0000-000000000000 is not enabled for Availability Zone deployment in location 'West Europe'.")))
        => ["credentials", "get", "patch"], AzureError, Resync,
        then |r: &Run| assert!(r.message().contains("is not enabled for Availability Zone deployment in location 'West Europe'"), "{}", r.message());
}
