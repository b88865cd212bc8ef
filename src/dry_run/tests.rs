//! `apimcap plan`: manifests read, reports printed.

use super::*;

/// Every example manifest reads with the YAML parser `apimcap plan` uses, each document
/// of a multi-document file too.
#[test]
fn every_example_manifest_parses() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut found = 0;
    for entry in std::fs::read_dir(dir).expect("examples/ exists") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let documents: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for document in documents
            .into_iter()
            .filter(|d| d["kind"] == "ApimCapacity")
        {
            let resource: ApimCapacity = serde_json::from_value(document)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!resource.spec.regions.is_empty(), "{}", path.display());
            crate::schedule::Timetable::from_spec(&resource.spec)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            found += 1;
        }
    }
    assert!(found >= 7, "an ApimCapacity per tier, found {found}");
}

#[test]
fn multi_document_manifests_read_one_resource_per_document() {
    let one = |name: &str, sku: &str| {
        format!(
            "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata:\n  name: {name}\n\
             spec:\n  service: {{subscriptionId: 00000000-0000-0000-0000-000000000000, \
             resourceGroup: rg, name: apim-{name}}}\n  sku: {sku}\n  regions:\n    - {{location: westeurope, units: 1}}\n"
        )
    };
    let text = format!(
        "---\n{}---\n# nothing\n---\n{}",
        one("a", "Standard"),
        one("b", "Basic")
    );
    let resources: Vec<ApimCapacity> =
        serde_saphyr::from_multiple(&text).expect("two documents and an empty one");
    let names: Vec<_> = resources
        .iter()
        .map(|r| (r.metadata.name.as_deref(), r.spec.sku.as_str()))
        .collect();
    assert_eq!(names, [(Some("a"), "Standard"), (Some("b"), "Basic")]);
}

#[test]
fn documents_of_other_kinds_are_skipped_and_a_manifest_without_one_is_refused() {
    let capacity = "apiVersion: capacity.apim.dev/v1alpha1\nkind: ApimCapacity\nmetadata: {name: a, namespace: team}\n\
                    spec:\n  service: {subscriptionId: 00000000-0000-0000-0000-000000000000, resourceGroup: rg, name: apim-a}\n  \
                    sku: Premium\n  regions:\n    - {location: westeurope, units: 2}\n";
    let text = format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\n---\n{capacity}");
    let resources = read_resources(&text, "m.yaml").expect("one ApimCapacity");
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0].metadata.namespace.as_deref(), Some("team"));
    let none = read_resources("apiVersion: v1\nkind: ConfigMap\n", "m.yaml");
    assert!(matches!(none, Err(PlanError::NoResource(_))), "{none:?}");
    let broken = read_resources("kind: ApimCapacity\nspec: 3\n", "m.yaml");
    assert!(matches!(broken, Err(PlanError::Parse { .. })), "{broken:?}");
}

#[test]
fn output_formats_are_read_by_name() {
    assert_eq!("json".parse(), Ok(OutputFormat::Json));
    assert_eq!(" YAML".parse(), Ok(OutputFormat::Yaml));
    assert_eq!("table".parse(), Ok(OutputFormat::Table));
    assert!("xml".parse::<OutputFormat>().is_err());
}
