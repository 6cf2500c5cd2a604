//! Every committed fuzz input replayed through its target's entry point
//! (`gcol_tests::fuzz::run`, the code the cargo-fuzz targets call) on
//! stable: the seeds of `fuzz/seeds/<target>/` and the findings kept in
//! `fuzz/regressions/<target>/` (each fixed; none may panic again).

use std::path::Path;

fn replay(dir: &Path) -> usize {
    let mut replayed = 0;
    let Ok(targets) = std::fs::read_dir(dir) else {
        return 0;
    };
    for target in targets {
        let target = target.unwrap().path();
        if !target.is_dir() {
            continue;
        }
        let name = target.file_name().unwrap().to_str().unwrap().to_string();
        for input in std::fs::read_dir(&target).unwrap() {
            let input = input.unwrap().path();
            let data = std::fs::read(&input).unwrap();
            let what = format!("{name} on {}", input.display());
            let target = name.clone();
            gcol_tests::on_pool_within_a_minute(2, &what, move || {
                gcol_tests::fuzz::run(&target, &data);
            });
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn every_seed_and_finding_replays() {
    let fuzz = gcol_tests::crate_dir().join("../fuzz");
    let seeds = replay(&fuzz.join("seeds"));
    assert!(seeds >= 20, "{seeds} seeds replayed");
    replay(&fuzz.join("regressions"));
}

#[test]
fn every_seed_of_read_mutated_reads_whole_unmutated() {
    for seed in gcol_tests::fuzz::SEEDS {
        let reader = gcol_reader::Reader::from_bytes(seed.to_vec()).unwrap();
        gcol_tests::read_every_dataset(&reader).unwrap();
    }
}
