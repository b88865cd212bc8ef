//! `GET .../service/{name}/skus` in the shape of Microsoft's example
//! (`ApiManagementListSKUs-Dedicated.json` in the shared fixtures, when present).

use crate::support::*;
use serde_json::Value;

/// The example's body, when the shared fixtures are beside the checkout.
fn example() -> Option<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/arm/2024-05-01/ApiManagementListSKUs-Dedicated.json");
    let text = std::fs::read_to_string(&path).ok()?;
    let value: Value = serde_json::from_str(&text).expect("the example is JSON");
    Some(value["responses"]["200"]["body"].clone())
}

/// The keys of an object, sorted.
fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

#[tokio::test]
async fn skus_have_the_shape_of_azures_example() {
    let sim = start_default().await;
    let path = format!("{}/skus?{API}", service_path("rg-global", "global-apim"));
    let (status, skus) = sim.get_json(&path).await;
    assert_eq!(status, 200, "{skus}");
    let entries = skus["value"].as_array().expect("a list");
    let premium = entries
        .iter()
        .find(|e| e["sku"]["name"] == "Premium")
        .expect("Premium is listed");
    assert_eq!(
        premium["capacity"]["maximum"], 31,
        "the simulator's own limit"
    );
    let Some(example) = example() else {
        eprintln!("skipped the comparison: the shared fixtures are absent");
        return;
    };
    assert_eq!(keys(&skus), keys(&example));
    let reference = &example["value"][0];
    for entry in entries {
        assert_eq!(keys(entry), keys(reference), "{entry}");
        assert_eq!(
            keys(&entry["capacity"]),
            keys(&reference["capacity"]),
            "{entry}"
        );
        assert_eq!(keys(&entry["sku"]), keys(&reference["sku"]), "{entry}");
    }
}
