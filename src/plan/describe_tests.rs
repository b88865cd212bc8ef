//! How steps read: their kind, their descriptions, the names used in Events and metrics.

use crate::domain::Sku::*;

use super::StepKind;
use super::test_support::*;

#[test]
fn step_kind_is_the_dominant_change() {
    let cases = [
        (vec![scale("eastus", 1, 2)], StepKind::Scale),
        (
            vec![add("eastus", 1), scale("westeurope", 1, 2)],
            StepKind::AddRegion,
        ),
        (
            vec![remove("eastus", 1), add("northeurope", 1)],
            StepKind::RemoveRegion,
        ),
        (
            vec![tier(Basic, Standard), scale("eastus", 1, 2)],
            StepKind::ChangeTier,
        ),
        (
            vec![
                zones("eastus", &["1", "2"], &["1", "2", "3"]),
                scale("eastus", 2, 3),
            ],
            StepKind::ChangeZones,
        ),
    ];
    for (changes, kind) in cases {
        assert_eq!(step(changes, target(Premium, 1, &[])).kind(), kind);
    }
}

#[test]
fn descriptions_read_well() {
    let cases: [(Vec<super::Change>, &str); 10] = [
        (
            vec![scale("eastus", 1, 3)],
            "Scale eastus from 1 to 3 units",
        ),
        (vec![scale("eastus", 3, 1)], "Scale eastus from 3 to 1 unit"),
        (
            vec![tier(Standard, Premium), scale("westeurope", 1, 2)],
            "Change tier from Standard to Premium (westeurope 1 to 2 units)",
        ),
        (
            vec![tier(Premium, Standard)],
            "Change tier from Premium to Standard",
        ),
        (vec![add("eastus", 3)], "Add region eastus with 3 units"),
        (
            vec![remove("eastus", 1), scale("westeurope", 2, 3)],
            "Remove region eastus; scale westeurope from 2 to 3 units",
        ),
        (
            vec![
                add("eastus", 1),
                add("westus", 2),
                scale("westeurope", 2, 4),
            ],
            "Add region eastus with 1 unit; add region westus with 2 units; \
             scale westeurope from 2 to 4 units",
        ),
        (
            vec![zones("eastus", &[], &["1", "2"])],
            "Pin eastus to zones 1, 2",
        ),
        (
            vec![zones("westeurope", &["1", "2"], &[])],
            "Unpin westeurope from zones 1, 2",
        ),
        (
            vec![
                zones("eastus", &["1", "2"], &["1", "2", "3"]),
                scale("eastus", 2, 3),
            ],
            "Move eastus from zones 1, 2 to zones 1, 2, 3; scale eastus from 2 to 3 units",
        ),
    ];
    for (changes, text) in cases {
        assert_eq!(step(changes, target(Premium, 1, &[])).description(), text);
    }
    assert_eq!(remove("eastus", 2).description(), "Remove region eastus");
    assert_eq!(
        step(vec![], target(Premium, 1, &[])).description(),
        "No change"
    );
}

#[test]
fn names_are_pascal_case() {
    let kinds: Vec<&str> = StepKind::ALL.iter().map(StepKind::as_str).collect();
    assert_eq!(
        kinds,
        [
            "Scale",
            "ChangeTier",
            "AddRegion",
            "RemoveRegion",
            "ChangeZones"
        ]
    );
}
