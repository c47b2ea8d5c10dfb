//! The same options give byte-identical files; another seed gives other data.

use crate::support::{KINDS, generate};

fn read_all(dir: &std::path::Path) -> Vec<Vec<u8>> {
    KINDS.iter().map(|kind| std::fs::read(dir.join(format!("{kind}.csv"))).expect("file written")).collect()
}

#[test]
fn same_seed_same_bytes_other_seed_other_data() {
    let first = tempfile::tempdir().expect("temporary directory");
    let second = tempfile::tempdir().expect("temporary directory");
    let other = tempfile::tempdir().expect("temporary directory");
    generate(first.path(), 0.02, 7);
    generate(second.path(), 0.02, 7);
    generate(other.path(), 0.02, 8);
    let (first, second, other) = (read_all(first.path()), read_all(second.path()), read_all(other.path()));
    for (kind, (a, b)) in KINDS.iter().zip(first.iter().zip(&second)) {
        assert!(a == b, "{kind}.csv differs between two runs with the same seed");
    }
    for (kind, (a, b)) in KINDS.iter().zip(first.iter().zip(&other)) {
        if !["users", "campaigns"].contains(kind) {
            assert!(a != b, "{kind}.csv is the same for seeds 7 and 8");
        }
    }
}

#[test]
fn bad_options_are_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let stages = vec!["Qualification".to_owned()];
    for scale in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let options = pulse_demo::DemoOptions { scale, seed: 1, stages: stages.clone() };
        assert!(matches!(pulse_demo::generate(dir.path(), &options), Err(pulse_demo::Error::InvalidScale { .. })));
    }
    let options = pulse_demo::DemoOptions { scale: 0.01, seed: 1, stages: Vec::new() };
    assert!(matches!(pulse_demo::generate(dir.path(), &options), Err(pulse_demo::Error::EmptyPipeline)));
}
