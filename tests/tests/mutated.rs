//! Structure-aware mutation of every dataset kind (issue 16): a valid
//! file of each kind (the conformance files, and those of every released
//! version) with bytes of its pages, directory or header changed and every
//! checksum recomputed, read through every dataset reader
//! (`gcol_tests::read_every_dataset`): each read ends in an error or
//! succeeds, never a panic or a hang. The same property as the cargo-fuzz
//! target `read_mutated` (`fuzz/`), here on stable in CI.

use std::sync::OnceLock;

use gcol_reader::Reader;
use gcol_tests::{conformance_paths, mutate_sealed, on_pool_within_a_minute, read_every_dataset};
use proptest::prelude::*;

/// Every conformance file and every file of `tests/data/versions`.
fn seeds() -> &'static [(String, Vec<u8>)] {
    static SEEDS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut paths = conformance_paths();
        let versions = gcol_tests::data_dir().join("versions");
        for dir in std::fs::read_dir(versions).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(dir).unwrap() {
                let p = f.unwrap().path();
                if p.extension().is_some_and(|e| e == "gcol") {
                    paths.push(p);
                }
            }
        }
        paths.sort();
        paths
            .into_iter()
            .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
            .collect()
    })
}

#[test]
fn every_seed_reads_whole_before_mutation() {
    for (name, bytes) in seeds() {
        let reader = Reader::from_bytes(bytes.clone()).unwrap();
        read_every_dataset(&reader).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn sealed_mutations_never_panic_a_dataset_reader(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<u32>(), 1u8..=255), 1..5),
    ) {
        let (name, base) = &seeds()[seed.index(seeds().len())];
        let bytes = mutate_sealed(base, &edits);
        let what = format!("reading {name} with edits {edits:?}");
        on_pool_within_a_minute(2, &what, move || {
            if let Ok(reader) = Reader::from_bytes(bytes) {
                let _ = read_every_dataset(&reader);
            }
        });
    }
}

/// Deep verification against damage only the invariants can catch: every
/// page byte of each seed changed in turn (xor 0x01, then 0x80) with every
/// checksum recomputed. Each error is recorded by the rule it names; every
/// dataset kind must have some of its invariants caught (spec 8.4), and
/// no damaged file may make `verify --deep` panic.
#[test]
fn sealed_damage_is_caught_by_each_kinds_invariants() {
    use std::collections::BTreeMap;
    let mut caught: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for (name, base) in seeds() {
        if !name.contains("conformance") {
            continue;
        }
        let reader = Reader::from_bytes(base.clone()).unwrap();
        let kinds: Vec<String> = reader.datasets().iter().map(|d| d.kind.clone()).collect();
        let layout = gcol_tests::Layout::of(base);
        // Page area only: the bytes the invariants guard.
        let span = layout.directory_offset as u32;
        let step = (span / 1500).max(1);
        for at in (64..span).step_by(step as usize) {
            for xor in [0x01u8, 0x80] {
                let bytes = mutate_sealed(base, &[(at, xor)]);
                let Ok(r) = Reader::from_bytes(bytes) else {
                    continue;
                };
                if let Err(gcol_reader::Error::Invariant { rule, .. }) =
                    r.verify_with(true, |_, _| {})
                {
                    for kind in &kinds {
                        *caught
                            .entry(kind.clone())
                            .or_default()
                            .entry(rule)
                            .or_default() += 1;
                    }
                }
            }
        }
    }
    for kind in [
        "sequences",
        "reads",
        "variants",
        "alignments",
        "graph",
        "table",
    ] {
        let rules = caught.get(kind).map(|r| r.len()).unwrap_or(0);
        assert!(rules > 0, "no invariant of {kind} caught: {caught:?}");
    }
    for (kind, rules) in &caught {
        eprintln!("{kind}: {rules:?}");
    }
}
