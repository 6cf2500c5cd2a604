//! GenBank from the command line: every GenBank file under
//! `../shared/data/annotation` converts, verifies and exports back byte
//! for byte; the ORIGIN sequences equal the FASTA derived from the same
//! GenBank file (SOURCES.md); feature counts equal the feature keys
//! counted in the text; search prints a record's features as written;
//! clear errors on cut or malformed records.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Output;

mod common;
use common::{gcol, ok, s};

/// The bytes of a file, gunzipped when its name ends in `.gz`.
fn source_bytes(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    }
}

const GENBANK: [&str; 15] = [
    "antismash/NZ_CP016793.1.cluster001.antismash5.gbk",
    "antismash/NZ_CP016793_reversed_double_chopped.antismash5.gbk",
    "biopython_genbank/DS830848.gb",
    "biopython_genbank/NC_000932.gb",
    "biopython_genbank/NC_005816.gb",
    "biopython_genbank/NT_019265.gb",
    "biopython_genbank/arab1.gb",
    "biopython_genbank/cor6_6.gb",
    "biopython_genbank/extra_keywords.gb",
    "biopython_genbank/iro.gb",
    "biopython_genbank/one_of.gb",
    "biopython_genbank/pri1.gb",
    "biopython_genbank/protein_refseq2.gb",
    "biopython_genbank/tls_KDHP01000000.gb",
    "scerevisiae_S288C_R64_16chr.gbk.gz",
];

/// Feature keys as the text states them: lines of the FEATURES sections
/// with a key at column 6 (5 spaces, then a non-space).
fn feature_keys(text: &str) -> BTreeMap<String, u64> {
    let mut keys = BTreeMap::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            inside = line.starts_with("FEATURES");
            continue;
        }
        if inside && line.len() > 5 && line[..5].trim().is_empty() && !line[5..6].trim().is_empty()
        {
            let key = line.split_whitespace().next().unwrap();
            *keys.entry(key.to_string()).or_default() += 1;
        }
    }
    keys
}

#[test]
fn every_genbank_file_exports_byte_for_byte() {
    let Some(data) = gcol_tests::shared_data("GenBank round trips") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for file in GENBANK {
        let input = data.join("annotation").join(file);
        let out = dir.path().join("g.gcol");
        ok(
            gcol(&["convert", "-q", s(&input), "-o", s(&out), "--name", "t"]),
            file,
        );
        ok(gcol(&["verify", "--deep", s(&out)]), file);
        let back = dir.path().join("back.gbk");
        ok(
            gcol(&["export", s(&out), "--dataset", "t", "-o", s(&back)]),
            file,
        );
        let source = source_bytes(&input);
        assert!(
            std::fs::read(&back).unwrap() == source,
            "{file}: export differs from the source"
        );
        // Rows per feature key equal the keys counted in the text.
        let text = String::from_utf8(source).unwrap();
        for (key, n) in feature_keys(&text) {
            let count = ok(
                gcol(&["search", s(&out), &format!("type={key}"), "-c"]),
                file,
            );
            assert_eq!(count.trim(), n.to_string(), "{file}: {key}");
        }
    }
}

/// `../shared/data/fasta/scerevisiae_S288C_R64_16chr.fa.gz` was derived
/// from the same GenBank file: its sequences are the ORIGIN blocks.
#[test]
fn genbank_sequences_equal_the_fasta_derived_from_it() {
    let Some(data) = gcol_tests::shared_data("GenBank sequences") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sc.gcol");
    let input = data.join("annotation/scerevisiae_S288C_R64_16chr.gbk.gz");
    ok(
        gcol(&["convert", "-q", s(&input), "-o", s(&out), "--name", "sc"]),
        "convert",
    );
    let fasta = String::from_utf8(source_bytes(
        &data.join("fasta/scerevisiae_S288C_R64_16chr.fa.gz"),
    ))
    .unwrap();
    let mut records: Vec<(String, String)> = Vec::new();
    for line in fasta.lines() {
        if let Some(header) = line.strip_prefix('>') {
            let name = header.split_whitespace().next().unwrap().to_string();
            records.push((name, String::new()));
        } else {
            records.last_mut().unwrap().1.push_str(line);
        }
    }
    assert_eq!(records.len(), 16);
    let fetched = ok(
        gcol(&[
            "fetch",
            s(&out),
            "--dataset",
            "sc.sequences",
            "-n",
            "0",
            &records[0].0,
            &format!("{}:1000-1100", records[15].0),
        ]),
        "fetch",
    );
    let first = &records[0];
    let last = &records[15];
    assert_eq!(
        fetched,
        format!(
            ">{}\n{}\n>{}:1000-1100\n{}\n",
            first.0,
            first.1,
            last.0,
            &last.1[999..1100]
        )
    );
    // Every record, whole: names and residues in order.
    let fa = dir.path().join("sc.fa");
    ok(
        gcol(&["export", s(&out), "--dataset", "sc.sequences", "-o", s(&fa)]),
        "export fasta",
    );
    let ours = std::fs::read_to_string(&fa).unwrap();
    let mut names = Vec::new();
    let mut residues = 0usize;
    for line in ours.lines() {
        match line.strip_prefix('>') {
            Some(h) => names.push(h.split_whitespace().next().unwrap().to_string()),
            None => residues += line.len(),
        }
    }
    let theirs: Vec<String> = records.iter().map(|r| r.0.clone()).collect();
    assert_eq!(names, theirs);
    assert_eq!(residues, records.iter().map(|r| r.1.len()).sum::<usize>());
    assert_eq!(residues, 12_071_326);
    // A locus tag finds the gene, mRNA and CDS, printed as in the source.
    let found = ok(gcol(&["search", s(&out), "locus_tag=YAL060W"]), "search");
    let source = String::from_utf8(source_bytes(&input)).unwrap();
    assert_eq!(found.matches("/locus_tag=\"YAL060W\"").count(), 3);
    assert!(found.starts_with("     gene            35155..36303\n"));
    assert!(source.contains(&found), "search output is not source text");
}

#[test]
fn genbank_errors_name_file_record_and_field() {
    let cases: [(&str, &str); 3] = [
        (
            "LOCUS       A1  20 bp    DNA     linear   UNA 01-JAN-2000\nFEATURES             Location/Qualifiers\n     source          1..20\nORIGIN\n        1 acgtacgtac gtacgtacgt\n",
            "x.gbk: record 1, line 5, //: the file ends inside record \"A1\"",
        ),
        (
            "LOCUS       A1  20 bp    DNA     linear   UNA 01-JAN-2000\nFEATURES             Location/Qualifiers\n                     /gene=\"a\"\n//\n",
            "x.gbk: record 1, line 3, feature: a continuation line before any feature key",
        ),
        (
            "LOCUS       A1  20 bp    DNA     linear   UNA 01-JAN-2000\nFEATURES             Location/Qualifiers\n     gene            1..20\n                     loose text\n//\n",
            "x.gbk: record 1, line 4, qualifier: \"loose text\" is neither a location nor a /qualifier",
        ),
    ];
    refused_with(&cases, "x.gbk");
}

/// Each input text (written to `name`) is refused by convert with exit 4,
/// a message containing the text given, and no output left.
fn refused_with(cases: &[(&str, &str)], name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.gcol");
    for (text, message) in cases {
        let input = dir.path().join(name);
        std::fs::write(&input, text).unwrap();
        let o = gcol(&["convert", "-q", s(&input), "-o", s(&out)]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "{err}");
        assert!(err.contains(message), "{err}");
        assert!(!out.exists());
    }
}

/// The committed example study (`examples/data/study`, with
/// `examples/data/sample.fa` as the `sample` sequences dataset).
fn study_inputs(dir: &Path) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data");
    let mut inputs = vec![s(&root.join("sample.fa")).to_string()];
    for table in gcol_format::schema::genomics::TABLES.iter().map(|t| t.name) {
        let to = dir.join(format!("{table}.csv"));
        std::fs::copy(root.join("study").join(format!("{table}.csv")), &to).unwrap();
        inputs.push(s(&to).to_string());
    }
    inputs
}

fn convert_study(inputs: &[String], out: &Path) -> Output {
    let mut args = vec!["convert", "-q", "--schema", "genomics", "-o", s(out)];
    args.extend(inputs.iter().map(String::as_str));
    gcol(&args)
}

#[test]
fn genomics_schema_tables_are_typed_and_their_keys_checked() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = study_inputs(dir.path());
    let out = dir.path().join("study.gcol");
    ok(convert_study(&inputs, &out), "convert");
    let checked = ok(gcol(&["schema", s(&out)]), "schema FILE");
    assert_eq!(checked.lines().count(), 8);
    assert!(checked.contains("gene_expression\t6 rows\tkeys ok"));
    ok(gcol(&["verify", "--deep", s(&out)]), "verify");
    // Types come from the schema: a bare date is a timestamp at midnight
    // UTC, quality a list of integers.
    let experiments = ok(
        gcol(&["export", s(&out), "--dataset", "experiments", "-o", "-"]),
        "export",
    );
    assert!(
        experiments.contains("\t2024-03-01T00:00:00Z\n"),
        "{experiments}"
    );
    assert!(experiments.contains("\t2024-05-17T09:30:00Z\n"));
    let inspect = ok(gcol(&["inspect", s(&out)]), "inspect");
    assert!(inspect.contains("schema: genomics"));
    // `gcol cat` prints timestamps as text and nulls as nothing.
    let cat = ok(
        gcol(&["cat", s(&out), "metadata", "key", "timestamp"]),
        "cat",
    );
    assert_eq!(
        cat,
        "study\t2024-06-01T12:00:00Z\ncontact\t2024-06-01T12:00:00Z\ngenome_build\t\n"
    );
    // The schema itself, as text and JSON.
    let text = ok(gcol(&["schema"]), "schema");
    assert!(text.contains("table gene_expression:"));
    assert!(text.contains("-> samples.sample_id"));
    let json: serde_json::Value =
        serde_json::from_str(&ok(gcol(&["schema", "--json"]), "schema --json")).unwrap();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "experiments",
            "samples",
            "genes",
            "gene_variants",
            "gene_expression",
            "sequences",
            "alignments",
            "metadata"
        ]
    );
}

#[test]
fn genomics_schema_violations_are_refused_with_the_row_named() {
    // (table, line to replace, replacement, message)
    let cases: [(&str, &str, &str, &str); 6] = [
        (
            "samples",
            "S3,E2,",
            "S3,E9,",
            "samples.csv: record 3, line 4, experiment_id: no row of table experiments has experiment_id \"E9\"",
        ),
        (
            "gene_expression",
            "WBGene00003271,S2,58.9",
            "WBGene00003271,S1,58.9",
            "gene_expression.csv: record 6, line 7, primary key: (gene_id, sample_id) = (WBGene00003271, S1) repeats row 5",
        ),
        (
            "gene_variants",
            "V2,lambda_cI,S3,lambda,37702",
            "V2,lambda_cI,S3,lambda,",
            "gene_variants.csv: record 2, line 3, position: table gene_variants needs a value here",
        ),
        (
            "genes",
            "lambda,37227",
            "lambda,37k",
            "genes.csv: record 4, line 5, start: \"37k\" is not an integer",
        ),
        (
            "sequences",
            "sample,cel-let-7",
            "sample,cel-let-8",
            "sequences.csv: record 3, line 4, record: \"cel-let-8\" is not a record of sequences dataset \"sample\"",
        ),
        (
            "sequences",
            "sample,lambda_5k",
            "reads,lambda_5k",
            "sequences.csv: record 2, line 3, dataset: \"reads\" is not a sequences dataset of this conversion",
        ),
    ];
    for (table, from, to, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let inputs = study_inputs(dir.path());
        let file = dir.path().join(format!("{table}.csv"));
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(from), "{table}: {from}");
        std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
        let out = dir.path().join("study.gcol");
        let o = convert_study(&inputs, &out);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "{err}");
        assert!(err.contains(message), "{err}");
        assert!(!out.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            8,
            "a temporary was left"
        );
    }
    // A table the schema lacks, and a schema gcol lacks.
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("patients.csv");
    std::fs::write(&extra, "patient_id,name\nP1,a\n").unwrap();
    let out = dir.path().join("x.gcol");
    let o = gcol(&[
        "convert",
        "-q",
        "--schema",
        "genomics",
        s(&extra),
        "-o",
        s(&out),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(
        err.contains("\"patients\" is not a table of the genomics schema"),
        "{err}"
    );
    let o = gcol(&[
        "convert",
        "-q",
        "--schema",
        "clinical",
        s(&extra),
        "-o",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn csv_columns_take_the_types_given() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("t.csv");
    std::fs::write(
        &input,
        "id,code,when,vals\n1,007,2024-01-02,1 2 3\n2,012,,\"[4,5]\"\n",
    )
    .unwrap();
    let out = dir.path().join("t.gcol");
    // Inferred: code is int64 (7, 12), when text, vals text.
    ok(
        gcol(&["convert", "-q", s(&input), "-o", s(&out)]),
        "convert",
    );
    let inferred = ok(gcol(&["export", s(&out), "-o", "-"]), "export");
    assert_eq!(
        inferred,
        "id\tcode\twhen\tvals\n1\t7\t2024-01-02\t1 2 3\n2\t12\t\t[4,5]\n"
    );
    // Given: code keeps its zeros, when is a timestamp, vals a list.
    ok(
        gcol(&[
            "convert",
            "-q",
            s(&input),
            "-o",
            s(&out),
            "--types",
            "code=string,when=timestamp",
            "--types",
            "vals=list<int64>",
        ]),
        "convert --types",
    );
    let given = ok(gcol(&["export", s(&out), "-o", "-"]), "export");
    assert_eq!(
        given,
        "id\tcode\twhen\tvals\n1\t007\t2024-01-02T00:00:00Z\t[1,2,3]\n2\t012\t\t[4,5]\n"
    );
    let inspect = ok(gcol(&["inspect", s(&out)]), "inspect");
    assert!(inspect.contains("list<int64>") && inspect.contains("timestamp"));
    // A cell not of its type, a column the header lacks, a type gcol lacks.
    let o = gcol(&[
        "convert",
        "-q",
        s(&input),
        "-o",
        s(&out),
        "--types",
        "id=bool",
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("t.csv: record 1, line 2, cell: column \"id\": \"1\" is not true or false"));
    let o = gcol(&[
        "convert",
        "-q",
        s(&input),
        "-o",
        s(&out),
        "--types",
        "nope=int64",
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--types names column \"nope\""));
    let o = gcol(&[
        "convert",
        "-q",
        s(&input),
        "-o",
        s(&out),
        "--types",
        "id=int32",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn gtf_semicolon_inside_quotes_belongs_to_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("n.gtf");
    let text = "chr1\tx\tgene\t1\t90\t.\t+\t.\tgene_id \"g1\"; note \"a; b\";\n\
                chr1\tx\ttranscript\t1\t90\t.\t+\t.\tgene_id \"g1\"; transcript_id \"t1\";\n";
    std::fs::write(&input, text).unwrap();
    let out = dir.path().join("n.gcol");
    ok(
        gcol(&["convert", "-q", s(&input), "-o", s(&out)]),
        "convert",
    );
    let found = ok(gcol(&["search", s(&out), "note=a; b"]), "search");
    assert_eq!(found, text.lines().next().unwrap().to_string() + "\n");
    let back = dir.path().join("back.gtf");
    ok(gcol(&["export", s(&out), "-o", s(&back)]), "export");
    assert_eq!(std::fs::read_to_string(&back).unwrap(), text);
}

/// antiSMASH results JSON (spec 17.9): the document exports byte for
/// byte, its record sequence equals the ORIGIN sequence of the GenBank
/// file antiSMASH wrote in the same run, feature rows per type equal the
/// feature objects counted in the text, and search prints objects as
/// written.
#[test]
fn antismash_json_exports_byte_for_byte_and_matches_its_genbank() {
    let Some(data) = gcol_tests::shared_data("antiSMASH JSON") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let stem = data.join("annotation/antismash/NZ_CP016793_reversed_double_chopped.antismash5");
    let json = stem.with_extension("antismash5.json");
    let gbk = stem.with_extension("antismash5.gbk");
    let out = dir.path().join("a.gcol");
    ok(
        gcol(&["convert", "-q", s(&json), "-o", s(&out), "--name", "as"]),
        "convert",
    );
    ok(gcol(&["verify", "--deep", s(&out)]), "verify");
    // The table is the file's export without --dataset (its sequences
    // dataset aside).
    let back = dir.path().join("back.json");
    ok(gcol(&["export", s(&out), "-o", s(&back)]), "export");
    let source = std::fs::read(&json).unwrap();
    assert!(std::fs::read(&back).unwrap() == source, "export differs");
    let text = String::from_utf8(source).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for record in doc["records"].as_array().unwrap() {
        for f in record["features"].as_array().unwrap() {
            *kinds
                .entry(f["type"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    assert_eq!(kinds.values().sum::<usize>(), 396);
    for (kind, n) in kinds {
        let count = ok(
            gcol(&["search", s(&out), &format!("type={kind}"), "-c"]),
            &kind,
        );
        assert_eq!(count.trim(), n.to_string(), "{kind}");
    }
    // The same run's GenBank file: the same residues.
    let g = dir.path().join("g.gcol");
    ok(
        gcol(&["convert", "-q", s(&gbk), "-o", s(&g), "--name", "gb"]),
        "convert gbk",
    );
    let ours = ok(
        gcol(&["export", s(&out), "--dataset", "as.sequences", "-o", "-"]),
        "fa",
    );
    let theirs = ok(
        gcol(&["export", s(&g), "--dataset", "gb.sequences", "-o", "-"]),
        "fa",
    );
    let residues = |t: &str| -> String { t.lines().filter(|l| !l.starts_with('>')).collect() };
    assert_eq!(residues(&ours).len(), 226_822);
    assert_eq!(residues(&ours), residues(&theirs));
    assert!(ours.starts_with(">NZ_CP016793.1 Lentzea guizhouensis strain DHS C013"));
    // Search prints each object as it stands in the document (JSON Lines).
    let found = ok(
        gcol(&["search", s(&out), "locus_tag=BBK82_RS47140"]),
        "search",
    );
    assert!(found.lines().count() > 1);
    for line in found.lines() {
        assert!(line.starts_with("{\"id\": "));
        assert!(text.contains(line), "not source text: {line}");
    }
}

/// Edge cases of the canonical text (spec 17.9), each exported byte for
/// byte: pretty-printed documents, escapes and non-ASCII text, a
/// qualifier that is not a list of strings, another `id`, a record
/// without a sequence, a protein record, a sequence with escapes kept in
/// the text, and a final newline.
#[test]
fn antismash_json_edge_cases_export_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let docs = [
        "{\"version\": \"5\", \"input_file\": \"x.gb\", \"records\": [{\"id\": \"R1\", \"seq\": {\"alphabet\": \"DNAAlphabet\", \"data\": \"ACGTNacgt\"}, \"features\": [{\"id\": \"<unknown id>\", \"qualifiers\": {\"note\": [\"caf\\u00e9 \\\"q\\\" \\\\ \\n\\ud83d\\ude00\"], \"locus_tag\": [\"A1\"]}, \"location\": \"[0:9](-)\", \"type\": \"CDS\"}, {\"id\": \"x\", \"qualifiers\": {\"n\": 5, \"e\": []}, \"location\": \"join{[0:2](+), [4:6](+)}\", \"type\": \"CDS_motif\"}], \"description\": \"one\"}, {\"id\": \"R2\", \"features\": []}, {\"id\": \"P1\", \"seq\": {\"alphabet\": \"ProteinAlphabet\", \"data\": \"MKLV*\"}, \"features\": [{\"id\": \"<unknown id>\", \"qualifiers\": {}, \"location\": \"[0:5](+)\", \"type\": \"region\"}]}, {\"id\": \"R3\", \"seq\": {\"data\": \"AC\\u0047T\"}, \"features\": []}], \"timings\": {\"R1\": {\"a\": 1.5e-07}}}\n",
        "{\n  \"records\": [\n    {\n      \"id\": \"R1\",\n      \"seq\": {\n        \"data\": \"ACGT\"\n      },\n      \"features\": [\n        {\n          \"id\": \"<unknown id>\",\n          \"qualifiers\": {},\n          \"location\": \"[0:4](+)\",\n          \"type\": \"source\"\n        }\n      ]\n    }\n  ],\n  \"input_file\": \"x\"\n}",
        "{\"input_file\": \"x\", \"records\": []}",
        // A line break in the description: the sequence stays text.
        "{\"input_file\": \"x\", \"records\": [{\"id\": \"R1\", \"seq\": {\"data\": \"ACGT\"}, \"features\": [], \"description\": \"line1\\nTTTT\"}]}",
    ];
    for (i, doc) in docs.iter().enumerate() {
        let input = dir.path().join(format!("d{i}.json"));
        std::fs::write(&input, doc).unwrap();
        let out = dir.path().join(format!("d{i}.gcol"));
        ok(
            gcol(&["convert", "-q", s(&input), "-o", s(&out), "--name", "t"]),
            doc,
        );
        ok(gcol(&["verify", "--deep", s(&out)]), doc);
        let back = dir.path().join(format!("d{i}.back.json"));
        ok(
            gcol(&["export", s(&out), "--dataset", "t", "-o", s(&back)]),
            doc,
        );
        assert_eq!(std::fs::read_to_string(&back).unwrap(), *doc);
    }
    let d3 = dir.path().join("d3.gcol");
    let r = gcol_reader::Reader::open(&d3).unwrap();
    assert_eq!(r.datasets().len(), 1, "no sequence cut out");
    // A search prints JSON Lines, one object per line, even of every row
    // and of an object stored over several lines; no hit prints nothing.
    let d1 = dir.path().join("d1.gcol");
    let found = ok(gcol(&["search", s(&d1), "type=source"]), "search");
    assert_eq!(found.lines().count(), 1, "{found}");
    let v: serde_json::Value = serde_json::from_str(found.trim()).unwrap();
    assert_eq!(v["location"], "[0:4](+)");
    let d2 = dir.path().join("d2.gcol");
    assert_eq!(ok(gcol(&["search", s(&d2), "type=CDS"]), "none"), "");
    let out = dir.path().join("d0.gcol");
    // Sequences: R1, P1 (R3's escaped string stays in the text).
    let fa = ok(
        gcol(&["export", s(&out), "--dataset", "t.sequences", "-o", "-"]),
        "fa",
    );
    assert_eq!(fa, ">R1 one\nACGTNacgt\n>P1\nMKLV*\n");
    let strand = ok(
        gcol(&["cat", s(&out), "t", "type", "start", "end", "strand"]),
        "cat",
    );
    assert_eq!(strand, "CDS\t1\t9\t-\nCDS_motif\t1\t6\t+\nregion\t1\t5\t\n");
    let note = ok(
        gcol(&["search", s(&out), "locus_tag=A1", "--rows"]),
        "search",
    );
    assert_eq!(note.trim(), "0");
    // List columns print as JSON arrays (spec 16.4), not end offsets.
    let lists = ok(
        gcol(&["cat", s(&out), "t", "attr_keys", "attr_values", "parents"]),
        "cat",
    );
    assert_eq!(
        lists.lines().take(2).collect::<Vec<_>>(),
        [
            "[\"note\",\"locus_tag\"]\t[\"café \\\"q\\\" \\\\ \\n😀\",\"A1\"]\t[]",
            "[\"n\"]\t[\"5\"]\t[]"
        ]
    );
}

#[test]
fn antismash_json_errors_name_file_record_and_field() {
    let cases: [(&str, &str); 3] = [
        (
            "{\"input_file\": \"x\", \"records\": [{\"id\": \"R1\",\n \"seq\": {\"data\": \"AC\"",
            "x.json: record 0, line 2, document: EOF while parsing",
        ),
        (
            "{\"input_file\": \"x\", \"records\": [{\"id\": \"R1\", \"seq\": {}, \"features\": [5]}]}",
            "x.json: record 1, feature: invalid type: integer `5`, expected a JSON object",
        ),
        (
            "{\"input_file\": \"x\", \"records\": [{\"id\": \"R1\", \"seq\": {\"data\": \"AC\"}}, [1]]}",
            "x.json: record 2, record: invalid type: sequence, expected a JSON object",
        ),
    ];
    refused_with(&cases, "x.json");
}

/// Files mixing line ends (spec 17.3): lines ending in CRLF in a file of
/// LF line ends export byte for byte (GFF3, GTF, GenBank: header, feature
/// and sequence lines) with their fields read without the CR; LF lines in
/// a CRLF file are warned of.
#[test]
fn mixed_line_ends_export_byte_for_byte_or_warn() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("m.gff3", "##gff-version 3\nc1\tx\tgene\t1\t9\t.\t+\t.\tID=g1\r\n# c\r\nc1\tx\tmRNA\t1\t9\t.\t+\t.\tID=t1;Parent=g1\n"),
        ("m.gtf", "c1\tx\tgene\t1\t9\t.\t+\t.\tgene_id \"g1\";\nc1\tx\ttranscript\t1\t9\t.\t+\t.\tgene_id \"g1\"; transcript_id \"t1\";\r\n"),
        ("m.gbk", "LOCUS       A1  20 bp    DNA     linear   UNA 01-JAN-2000\nDEFINITION  Mixed.\r\nFEATURES             Location/Qualifiers\n     gene            1..20\r\n                     /locus_tag=\"g1\"\r\n     CDS             1..9\n                     /locus_tag=\"g1\"\nORIGIN      \n        1 acgtacgtac gtacgtacgt\r\n//\n"),
    ];
    for (name, text) in cases {
        let input = dir.path().join(name);
        std::fs::write(&input, text).unwrap();
        let out = dir.path().join("m.gcol");
        let o = gcol(&["convert", s(&input), "-o", s(&out), "--name", "t"]);
        ok(o.clone(), name);
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("warning"),
            "{name}"
        );
        ok(gcol(&["verify", "--deep", s(&out)]), name);
        let back = dir.path().join(format!("back.{name}"));
        ok(
            gcol(&["export", s(&out), "--dataset", "t", "-o", s(&back)]),
            name,
        );
        assert_eq!(std::fs::read_to_string(&back).unwrap(), text, "{name}");
    }
    // Fields are read without the CR.
    let out = dir.path().join("m.gcol");
    let input = dir.path().join("m.gff3");
    ok(
        gcol(&["convert", "-q", s(&input), "-o", s(&out), "--name", "t"]),
        "gff3",
    );
    assert_eq!(
        ok(gcol(&["search", s(&out), "ID=g1", "--rows"]), "search").trim(),
        "0"
    );
    assert_eq!(
        ok(gcol(&["search", s(&out), "Parent=g1", "--rows"]), "search").trim(),
        "1"
    );
    let input = dir.path().join("m.gbk");
    ok(
        gcol(&["convert", "-q", s(&input), "-o", s(&out), "--name", "t"]),
        "gbk",
    );
    assert_eq!(
        ok(
            gcol(&["search", s(&out), "locus_tag=g1", "--count"]),
            "search"
        )
        .trim(),
        "2"
    );
    let fa = ok(
        gcol(&["export", s(&out), "--dataset", "t.sequences", "-o", "-"]),
        "fa",
    );
    assert_eq!(fa, ">A1 Mixed.\nACGTACGTACGTACGTACGT\n");
    // LF lines after a CRLF first line: a warning.
    let input = dir.path().join("w.gff3");
    std::fs::write(
        &input,
        "##gff-version 3\r\nc1\tx\tgene\t1\t9\t.\t+\t.\tID=g1\n",
    )
    .unwrap();
    let o = gcol(&["convert", s(&input), "-o", s(&out), "--name", "t"]);
    ok(o.clone(), "warn");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("lines ending in LF alone (1)"), "{err}");
}

/// Every file under `../shared/data/annotation` and `../shared/data/graph`
/// (walked, so a new file is covered) converts and verifies deeply.
#[test]
fn every_annotation_and_graph_file_converts() {
    let Some(data) = gcol_tests::shared_data("annotation and graph files") else {
        return;
    };
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_none_or(|e| e != "md") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&data.join("annotation"), &mut files);
    walk(&data.join("graph"), &mut files);
    assert!(files.len() >= 60, "{} files", files.len());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.gcol");
    for file in &files {
        let name = file.display().to_string();
        ok(gcol(&["convert", "-q", s(file), "-o", s(&out)]), &name);
        ok(gcol(&["verify", "--deep", s(&out)]), &name);
    }
}
