//! Tests of the autoscale settings listing and the conflict check.

use serde_json::json;

use super::*;

const SERVICE: &str = "/subscriptions/sub-1/resourceGroups/rg-payments/providers/Microsoft.ApiManagement/service/payments-apim";

fn setting(name: &str, enabled: serde_json::Value, target: &str) -> serde_json::Value {
    json!({
        "id": format!("/subscriptions/sub-1/resourceGroups/rg-payments/providers/microsoft.insights/autoscalesettings/{name}"),
        "name": name,
        "type": "Microsoft.Insights/autoscaleSettings",
        "location": "West Europe",
        "tags": {},
        "properties": {
            "profiles": [{"name": "default", "capacity": {"minimum": "1", "maximum": "4", "default": "1"}, "rules": []}],
            "enabled": enabled,
            "targetResourceUri": target,
            "targetResourceLocation": "West Europe",
            "notifications": [],
            "predictiveAutoscalePolicy": {"scaleMode": "Disabled"}
        }
    })
}

fn page(entries: Vec<serde_json::Value>, next: Option<&str>) -> Vec<u8> {
    let mut body = json!({"value": entries});
    if let Some(next) = next {
        body["nextLink"] = json!(next);
    }
    body.to_string().into_bytes()
}

#[test]
fn the_request_lists_the_resource_group() {
    let request = settings_request("sub-1", "rg-payments");
    assert_eq!(
        request.path_and_query(),
        "/subscriptions/sub-1/resourceGroups/rg-payments/providers/Microsoft.Insights/autoscaleSettings?api-version=2022-10-01"
    );
}

#[test]
fn an_enabled_setting_on_the_service_is_a_conflict_ignoring_case() {
    let body = page(
        vec![
            setting(
                "vmss-scale",
                json!(true),
                "/subscriptions/sub-1/resourceGroups/rg-payments/providers/Microsoft.Compute/virtualMachineScaleSets/vmss",
            ),
            setting("apim-off", json!(false), SERVICE),
            setting("apim-scale", json!(true), &SERVICE.to_uppercase()),
        ],
        None,
    );
    let parsed = SettingsPage::parse(&body).expect("readable");
    assert_eq!(parsed.settings.len(), 3);
    let found = conflicting_setting(&parsed.settings, &format!("{SERVICE}/")).expect("conflict");
    assert_eq!(found.name, "apim-scale");
    assert_eq!(
        SettingsVerdict::from_settings(&parsed.settings, SERVICE),
        SettingsVerdict::Targets(found.clone())
    );
}

#[test]
fn disabled_or_elsewhere_is_no_conflict() {
    let body = page(
        vec![
            setting("apim-off", json!(false), SERVICE),
            setting("other", json!(true), &format!("{SERVICE}-two")),
        ],
        None,
    );
    let parsed = SettingsPage::parse(&body).expect("readable");
    assert_eq!(
        SettingsVerdict::from_settings(&parsed.settings, SERVICE),
        SettingsVerdict::NoneFound
    );
}

#[test]
fn enabled_is_read_leniently() {
    let cases = [
        (json!(null), false),
        (json!("false"), false),
        (json!("FALSE"), false),
        (json!("true"), true),
        (json!(1), true),
    ];
    for (value, expected) in cases {
        let parsed = SettingsPage::parse(&page(vec![setting("s", value.clone(), SERVICE)], None))
            .expect("readable");
        assert_eq!(parsed.settings[0].enabled, expected, "enabled: {value}");
    }
    let missing =
        json!({"id": "/x/autoscalesettings/s", "properties": {"targetResourceUri": SERVICE}});
    let parsed = SettingsPage::parse(&page(vec![missing], None)).expect("readable");
    assert!(!parsed.settings[0].enabled, "Azure's default is false");
    assert_eq!(parsed.settings[0].name, "s", "name from the id");
}

#[test]
fn odd_entries_are_skipped_and_pages_link_on() {
    let body = page(
        vec![
            json!(null),
            json!("x"),
            json!({}),
            setting("ok", json!(true), SERVICE),
        ],
        Some(
            "https://management.azure.com/subscriptions/sub-1/resourceGroups/rg-payments/providers/Microsoft.Insights/autoscaleSettings?api-version=2022-10-01&$skiptoken=abc",
        ),
    );
    let parsed = SettingsPage::parse(&body).expect("readable");
    assert_eq!(parsed.skipped, 3);
    assert_eq!(parsed.settings.len(), 1);
    let base = Url::parse("https://management.azure.com").expect("valid");
    let link = parsed.next_link.expect("a next page");
    assert!(next_page_url(&base, &link).is_some());
}

#[test]
fn next_links_to_other_hosts_are_not_followed() {
    let base = Url::parse("https://management.azure.com").expect("valid");
    for link in [
        "https://evil.example/subscriptions/x",
        "http://management.azure.com/subscriptions/x",
        "https://management.azure.com:444/subscriptions/x",
        "/subscriptions/x",
        "",
    ] {
        assert_eq!(next_page_url(&base, link), None, "{link}");
    }
    assert!(next_page_url(&base, "https://MANAGEMENT.azure.com:443/s").is_some());
}

#[test]
fn unreadable_pages_are_errors() {
    assert!(matches!(
        SettingsPage::parse(b"{"),
        Err(SettingsError::NotJson(_))
    ));
    assert_eq!(
        SettingsPage::parse(br#"{"values": []}"#),
        Err(SettingsError::NoValueList)
    );
    assert_eq!(SettingsPage::parse(b"7"), Err(SettingsError::NoValueList));
}
