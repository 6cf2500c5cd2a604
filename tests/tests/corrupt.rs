//! The corrupt corpus: each damaged file gives its specific error class, at
//! the stage it must (open or read), without panicking. The committed files
//! under tests/data/corrupt must equal what the generator makes.
//! Regenerate: `GCOL_REGENERATE=1 cargo test -p gcol-tests --test corrupt`.

use gcol_tests::corpus::{cases, evaluate};
use gcol_tests::{data_dir, write_file};

#[test]
fn every_corrupt_file_gives_its_error() {
    let regenerate = std::env::var_os("GCOL_REGENERATE").is_some();
    let dir = data_dir().join("corrupt");
    let mut expected = Vec::new();
    for case in cases() {
        let (stage, class) = evaluate(&case.bytes)
            .unwrap_or_else(|| panic!("{}: accepted a corrupt file ({})", case.name, case.what));
        assert_eq!(
            (stage, class.as_str()),
            (case.stage, case.expected),
            "{}: {}",
            case.name,
            case.what
        );
        let path = dir.join(format!("{}.gcol", case.name));
        if regenerate {
            write_file(&path, &case.bytes);
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            committed == case.bytes,
            "{}: committed corpus file is stale",
            case.name
        );
        expected.push(serde_json::json!({
            "file": format!("{}.gcol", case.name),
            "damage": case.what,
            "stage": case.stage,
            "error": case.expected,
        }));
    }
    // No stale files: every corrupt file on disk is a current case.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".gcol") {
            assert!(
                expected.iter().any(|e| e["file"] == name.as_str()),
                "{name} is not a case of the corpus any more; delete it"
            );
        }
    }
    let json = serde_json::to_string_pretty(&expected).unwrap() + "\n";
    let path = dir.join("expected.json");
    if regenerate {
        write_file(&path, json.as_bytes());
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        json,
        "expected.json is stale"
    );
}

#[test]
fn verify_reports_the_same_errors_with_skip_policy() {
    // With checksums skipped on load, verify still checks everything.
    use gcol_reader::{ChecksumPolicy, ReadOptions, Reader};
    for case in cases().into_iter().filter(|c| c.stage == "read") {
        let reader = Reader::from_bytes_with(
            case.bytes.clone(),
            ReadOptions::default().checksums(ChecksumPolicy::Skip),
        )
        .unwrap();
        assert!(
            reader.verify(|_, _| {}).is_err(),
            "{}: verify passed",
            case.name
        );
    }
}

/// `verify_all` goes on past a problem: two damaged pages of different
/// columns and a damaged page of the same column are each named (page
/// and offset); the first is what `verify` reports.
#[test]
fn verify_all_names_every_damaged_page() {
    let base = gcol_tests::build_small();
    let layout = gcol_tests::Layout::of(&base);
    assert!(layout.num_pages >= 3);
    let mut bytes = base.clone();
    let pages = [0usize, 1, layout.num_pages - 1];
    for &p in &pages {
        let at = layout.page_offset(&bytes, p);
        bytes[at] ^= 0x40;
    }
    let reader = gcol_reader::Reader::from_bytes(bytes).unwrap();
    let (_, problems) = reader.verify_all(true, None, |_, _| {});
    let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    for &p in &pages {
        let at = layout.page_offset(&base, p);
        assert!(
            text.iter()
                .any(|t| t.contains(&format!("page {p} at offset {at}"))),
            "page {p} not named: {text:#?}"
        );
    }
    // Each once: the datasets the pages belong to are not checked again
    // (their invariants would fail on the same pages).
    assert_eq!(text.len(), pages.len(), "{text:#?}");
    let first = reader.verify(|_, _| {}).unwrap_err().to_string();
    assert_eq!(first, text[0]);
}
