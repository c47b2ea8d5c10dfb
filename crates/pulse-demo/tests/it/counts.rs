//! Row counts follow the product's targets for scale 1 and grow linearly with the scale.

use std::collections::HashMap;

use crate::support::generate;

/// (kind, rows at scale 1, allowed relative deviation). Exact counts are planned; the others
/// come out of simulated behaviour.
const TARGETS: [(&str, f64, f64); 13] = [
    ("customers", 10_000.0, 0.0),
    ("leads", 20_000.0, 0.0),
    ("deals", 8_000.0, 0.0),
    ("campaigns", 20.0, 0.0),
    ("social_mentions", 3_000.0, 0.0),
    ("users", 50.0, 0.0),
    ("orders", 100_000.0, 0.2),
    ("activities", 50_000.0, 0.2),
    ("subscriptions", 5_000.0, 0.2),
    ("tickets", 15_000.0, 0.2),
    ("survey_responses", 10_000.0, 0.25),
    ("deal_stage_changes", 28_000.0, 0.25),
    ("subscription_changes", 4_500.0, 0.3),
];

/// Three years of days, eight channels.
const DAILY: [(&str, u64); 2] = [("web_traffic", 1_096 * 8), ("email_list", 1_096)];

fn row_counts(scale: f64, seed: u64) -> HashMap<String, u64> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let summary = generate(dir.path(), scale, seed);
    for (kind, path, _) in &summary.files {
        assert_eq!(path, &dir.path().join(format!("{kind}.csv")));
    }
    summary.files.into_iter().map(|(kind, _, rows)| (kind, rows)).collect()
}

#[test]
fn counts_match_the_targets_at_scale_one_tenth() {
    let scale = 0.1;
    let counts = row_counts(scale, 3);
    assert_eq!(counts.len(), 17);
    for (kind, at_scale_one, tolerance) in TARGETS {
        let expected = at_scale_one * scale;
        let actual = counts[kind] as f64;
        assert!(
            (actual - expected).abs() <= expected * tolerance + 0.5,
            "{kind}: {actual} rows, expected {expected} ± {}%",
            tolerance * 100.0
        );
    }
    for (kind, expected) in DAILY {
        assert_eq!(counts[kind], expected, "{kind}");
    }
    // Every channel every day, plus retention, brand and campaign rows.
    assert!(counts["marketing_spend"] > 1_096 * 9);
}

#[test]
fn counts_grow_linearly_with_the_scale() {
    let small = row_counts(0.1, 5);
    let large = row_counts(0.3, 5);
    for (kind, _, _) in TARGETS {
        let ratio = large[kind] as f64 / small[kind] as f64;
        assert!((2.5..=3.5).contains(&ratio), "{kind}: {} rows at scale 0.1, {} at 0.3", small[kind], large[kind]);
    }
}

#[test]
fn tiny_scales_keep_a_few_of_each() {
    let counts = row_counts(0.0001, 9);
    for (kind, minimum) in [("customers", 5), ("leads", 5), ("deals", 3), ("campaigns", 2), ("users", 3)] {
        assert!(counts[kind] >= minimum, "{kind}: {} rows", counts[kind]);
    }
}
