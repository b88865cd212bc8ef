//! What the store keeps of an ApimCapacity: the object as the apiserver sends it, less what
//! no reconcile reads. `metadata.managedFields` is most of an object's size (one entry per
//! writer, each a tree of every field it set); only the entries that set the approve
//! annotation are read (to name the approver), so those stay, cut down to that field. The
//! `kubectl.kubernetes.io/last-applied-configuration` annotation (a copy of the whole spec
//! that client-side `kubectl apply` leaves) is never read. Applied to every object as it
//! enters the store, so a fleet's memory grows with what the operator uses.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ManagedFieldsEntry};

use crate::api::{APPROVE_ANNOTATION, ApimCapacity};

/// The annotation `kubectl apply` (client-side) writes: the last applied object, in full.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `obj` less what no reconcile reads (see the module documentation).
pub fn slim(obj: &mut ApimCapacity) {
    let meta = &mut obj.metadata;
    meta.managed_fields = meta
        .managed_fields
        .take()
        .map(|entries| {
            entries
                .into_iter()
                .filter_map(approve_only)
                .collect::<Vec<_>>()
        })
        .filter(|kept| !kept.is_empty());
    if let Some(annotations) = meta.annotations.as_mut() {
        annotations.remove(LAST_APPLIED);
    }
}

/// The part of a managedFields entry that says who set the approve annotation, and when;
/// `None` for an entry that does not own it.
fn approve_only(entry: ManagedFieldsEntry) -> Option<ManagedFieldsEntry> {
    let key = format!("f:{APPROVE_ANNOTATION}");
    let owns = entry
        .fields_v1
        .as_ref()
        .is_some_and(|fields| fields.0["f:metadata"]["f:annotations"].get(&key).is_some());
    owns.then(|| ManagedFieldsEntry {
        manager: entry.manager,
        time: entry.time,
        fields_v1: Some(FieldsV1(serde_json::json!({
            "f:metadata": {"f:annotations": {key: {}}}
        }))),
        ..ManagedFieldsEntry::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::approval::approver;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use serde_json::json;

    fn entry(manager: &str, second: i64, fields: serde_json::Value) -> ManagedFieldsEntry {
        ManagedFieldsEntry {
            manager: Some(manager.into()),
            operation: Some("Apply".into()),
            api_version: Some("capacity.apim.dev/v1alpha1".into()),
            fields_type: Some("FieldsV1".into()),
            time: Some(Time(jiff::Timestamp::from_second(second).expect("valid"))),
            fields_v1: Some(FieldsV1(fields)),
            ..ManagedFieldsEntry::default()
        }
    }

    fn resource(entries: Vec<ManagedFieldsEntry>, annotations: &[(&str, &str)]) -> ApimCapacity {
        let spec = serde_json::from_value(json!({
            "service": {"subscriptionId": "00000000-0000-0000-0000-000000000000",
                        "resourceGroup": "rg", "name": "svc"},
            "sku": "Premium",
            "regions": [{"location": "westeurope", "units": 1}]
        }))
        .expect("a valid spec");
        let mut obj = ApimCapacity::new("cap", spec);
        obj.metadata.managed_fields = Some(entries);
        obj.metadata.annotations = Some(
            annotations
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        obj
    }

    fn approve() -> serde_json::Value {
        json!({"f:metadata": {"f:annotations": {format!("f:{APPROVE_ANNOTATION}"): {}, "f:team": {}}},
               "f:spec": {"f:sku": {}}})
    }

    fn slimmed(mut obj: ApimCapacity) -> ApimCapacity {
        slim(&mut obj);
        obj
    }

    #[test]
    fn only_the_approvers_entries_stay_cut_to_the_annotation() {
        let spec = json!({"f:spec": {"f:sku": {}, "f:regions": {}}});
        let obj = resource(
            vec![
                entry("argocd-controller", 10, spec.clone()),
                entry("kubectl-annotate", 20, approve()),
                entry("apimcap", 30, json!({"f:status": {}})),
            ],
            &[],
        );
        let before = approver(obj.metadata.managed_fields.as_deref().unwrap_or_default());
        let slimmed = slimmed(obj);
        let kept = slimmed.metadata.managed_fields.clone().unwrap_or_default();
        assert_eq!(kept.len(), 1, "{kept:#?}");
        assert_eq!(kept[0].manager.as_deref(), Some("kubectl-annotate"));
        assert_eq!(
            kept[0].fields_v1.as_ref().map(|f| f.0.clone()),
            Some(json!({"f:metadata": {"f:annotations": {format!("f:{APPROVE_ANNOTATION}"): {}}}}))
        );
        assert_eq!(kept[0].operation, None);
        assert_eq!(approver(&kept), before);
        assert_eq!(before.as_deref(), Some("kubectl-annotate"));
    }

    #[test]
    fn no_approver_leaves_no_managed_fields() {
        let obj = resource(vec![entry("flux", 1, json!({"f:spec": {}}))], &[]);
        assert_eq!(slimmed(obj).metadata.managed_fields, None);
    }

    #[test]
    fn the_last_applied_copy_goes_and_other_annotations_stay() {
        let obj = resource(
            Vec::new(),
            &[
                (LAST_APPLIED, "{\"spec\": \"a whole copy\"}"),
                (APPROVE_ANNOTATION, "abc1234567"),
                ("capacity.apim.dev/reconcile-requested-at", "now"),
            ],
        );
        let annotations = slimmed(obj).metadata.annotations.unwrap_or_default();
        assert!(!annotations.contains_key(LAST_APPLIED));
        assert_eq!(
            annotations.get(APPROVE_ANNOTATION).map(String::as_str),
            Some("abc1234567")
        );
        assert!(annotations.contains_key("capacity.apim.dev/reconcile-requested-at"));
    }

    #[test]
    fn a_slimmed_object_is_smaller_and_slims_to_itself() {
        let spec = json!({"f:spec": {"f:sku": {}, "f:regions": {}, "f:service": {}}});
        let obj = resource(
            vec![
                entry("kubectl", 1, spec),
                entry("kubectl-annotate", 2, approve()),
            ],
            &[(LAST_APPLIED, &"x".repeat(2000))],
        );
        let size = |o: &ApimCapacity| serde_json::to_vec(o).map(|v| v.len()).unwrap_or(0);
        let once = slimmed(obj.clone());
        assert!(
            size(&once) + 2000 < size(&obj),
            "{} vs {}",
            size(&once),
            size(&obj)
        );
        let json = |o: &ApimCapacity| serde_json::to_value(o).unwrap_or_default();
        assert_eq!(json(&slimmed(once.clone())), json(&once));
    }
}
