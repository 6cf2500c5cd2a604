//! spec/conformance: rebuilt files must equal the committed ones byte for
//! byte, and each JSON expectation must equal what the reader decodes.

use gcol_reader::Reader;
use gcol_tests::conformance::{conformance_dir, conformance_files};
use gcol_tests::write_file;

#[test]
fn conformance_files_are_reproducible_and_decode_to_their_json() {
    let regenerate = std::env::var_os("GCOL_REGENERATE").is_some();
    let dir = conformance_dir();
    let mut table = String::from("| file | covers |\n|---|---|\n");
    for (name, covers, bytes) in conformance_files() {
        let path = dir.join(name);
        let reader = Reader::from_bytes(bytes.clone()).unwrap();
        reader.verify(|_, _| {}).unwrap();
        let json = serde_json::to_string(&reader.dump_json(None).unwrap()).unwrap() + "\n";
        let json_path = path.with_extension("json");
        if regenerate {
            write_file(&path, &bytes);
            write_file(&json_path, json.as_bytes());
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            committed == bytes,
            "{name}: a rebuild changed bytes; a format change needs a spec version bump, a change in the writer's choices GCOL_REGENERATE=1 and a CHANGELOG line"
        );
        assert_eq!(
            std::fs::read_to_string(&json_path).unwrap(),
            json,
            "{name}: JSON expectation is stale"
        );
        table.push_str(&format!("| `{name}` | {covers} |\n"));
    }
    let readme = format!("{README_HEAD}{table}{README_TAIL}");
    if regenerate {
        write_file(&dir.join("README.md"), readme.as_bytes());
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).unwrap(),
        readme,
        "README.md is stale"
    );
}

const README_HEAD: &str = "# Conformance vectors

Small `.gcol` files that together use every structure and every encoding id
of [the v1 spec](../gcol-v1.md), each with a JSON file giving its decoded
content: every column of every dataset, in row order, integers and floats as
JSON numbers (floats in shortest round-trip form, `f32` in the shortest form
that reads back as the same 32-bit float; compare `f32` values as 32-bit
floats), binary values as lower-case hex, and nulls (spec 6.5) as `null`.
`values` are the column's flat values: for a list column (6.6) its end
offsets, for a chunked column (6.7) its chunks' values in page order. A list
column also has `lists` (each row's items, nested for lists of lists, or
`null`), a chunked column `array` (`[row][column][inner]`).

The files are built by `tests/src/conformance.rs` from fixed inputs (the
code, and `inputs/`) with a fixed timestamp and producer. `cargo test -p
gcol-tests --test conformance` fails if a rebuild changes one byte. A change
to the format needs a spec version bump; a change in the writer's choices
within the format (which encoding a page gets) needs `GCOL_REGENERATE=1` and
a line in `CHANGELOG.md`.

";

const README_TAIL: &str = "
`inputs/dna.fa` is `examples/data/sample.fa`; `inputs/protein.fa` holds the
first 6 records of `uniprot_500_mmseqs2_QUERY.fasta.gz` and
`inputs/reads_R{1,2}.fq` the first 20 reads each of
`CHM1_illumina_42k.fastq.gz` (see `../shared/data/SOURCES.md`);
`inputs/alignments_view.sam` is `samtools view --no-PG -h` of
`inputs/alignments.sam`.

`tests/spec_reader/` holds a second reader written from the spec alone
(Python standard library plus `zstandard`); CI runs it over these files,
over the corrupt corpus in `tests/data/corrupt/`, and over files converted
from `../shared/data`.
";
