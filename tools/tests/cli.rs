//! The CLI contract: commands, output and exit codes that scripts rely on.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gcol_writer::demo::{demo_rows, DEMO_ROWS};

fn gcol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gcol"))
        .args(args)
        .output()
        .unwrap()
}

/// Run gcol and require success (the message shows its stderr).
fn gcol_ok(args: &[&str]) -> Output {
    let o = gcol(args);
    assert!(o.status.success(), "gcol {args:?}: {}", stderr(&o));
    o
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn sample(dir: &Path) -> PathBuf {
    let path = dir.join("sample.gcol");
    gcol_ok(&["sample", "-o", path.to_str().unwrap(), "--reproducible"]);
    path
}

fn corpus(name: &str) -> String {
    format!(
        "{}/../tests/data/corrupt/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn inspect_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample(dir.path());
    let o = gcol(&["inspect", path.to_str().unwrap()]);
    assert!(o.status.success());
    let text = stdout(&o);
    for needle in [
        "gcol 1.1",
        "dataset \"features\"",
        "zstd+dictionary",
        "for-bitpack",
        "0-based half-open",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let o = gcol(&["inspect", "--json", path.to_str().unwrap()]);
    assert!(o.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["version"]["major"], 1);
    assert_eq!(json["manifest"]["datasets"][0]["name"], "features");
    assert_eq!(json["manifest"]["datasets"][0]["num_rows"], DEMO_ROWS);
    // 52 pages, 13 of them tiny enough to go inline in the footer (spec 5.4).
    assert_eq!(json["num_pages"].as_u64().unwrap(), 39);
    let inline = json["manifest"]["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["columns"].as_array().unwrap())
        .filter(|c| c.get("inline").is_some())
        .count();
    assert_eq!(inline, 13);
}

#[test]
fn verify_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample(dir.path());
    let o = gcol(&["verify", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(": ok"));
    let o = gcol(&["verify", "--quiet", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).is_empty());
    // Corrupt: exit 1 and a message with the offset and the expectation.
    let o = gcol(&["verify", &corpus("page_flip.gcol")]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("checksum mismatch")
            && err.contains("offset")
            && err.contains("expected crc32c"),
        "{err}"
    );
    let o = gcol(&["verify", &corpus("padding_nonzero.gcol")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("padding"), "{}", stderr(&o));
    let o = gcol(&["verify", &corpus("truncated_00758.gcol")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("truncated"), "{}", stderr(&o));
    // Missing file: exit 3.
    let o = gcol(&["verify", "/nonexistent/x.gcol"]);
    assert_eq!(o.status.code(), Some(3));
    // Usage error: exit 2.
    let o = gcol(&["verify"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn cat_prints_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample(dir.path());
    let o = gcol_ok(&[
        "cat",
        path.to_str().unwrap(),
        "features",
        "chrom",
        "start",
        "end",
        "name",
        "--start",
        "600",
        "--end",
        "700",
    ]);
    let expected: Vec<String> = demo_rows()
        .skip(600)
        .take(100)
        .map(|(c, s, e, _, _, n)| format!("{c}\t{s}\t{e}\t{n}"))
        .collect();
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), expected);
    let o = gcol(&["cat", path.to_str().unwrap(), "features", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("has no column \"nope\""));
    let o = gcol(&[
        "cat",
        path.to_str().unwrap(),
        "features",
        "start",
        "--start",
        "10",
        "--end",
        "999999",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn help_explains() {
    let o = gcol(&["--help"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for needle in ["inspect", "verify", "cat", "Exit codes"] {
        assert!(text.contains(needle), "{text}");
    }
}

fn sample_fasta() -> String {
    format!("{}/../examples/data/sample.fa", env!("CARGO_MANIFEST_DIR"))
}

fn converted(dir: &Path) -> PathBuf {
    let out = dir.join("s.gcol");
    gcol_ok(&[
        "convert",
        "-q",
        &sample_fasta(),
        "-o",
        out.to_str().unwrap(),
    ]);
    out
}

#[test]
fn convert_fetch_export_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let file = converted(dir.path());
    let exported = dir.path().join("back.fa");
    gcol_ok(&[
        "export",
        "-q",
        file.to_str().unwrap(),
        "-o",
        exported.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(&exported).unwrap(),
        std::fs::read(sample_fasta()).unwrap()
    );
    // Without -o (or with -o -) the records go to standard output.
    for args in [
        vec!["export", "-q", file.to_str().unwrap()],
        vec!["export", "-q", file.to_str().unwrap(), "-o", "-"],
    ] {
        let o = gcol(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(o.stdout, std::fs::read(sample_fasta()).unwrap());
    }
    // Rewrapped export equals what seqkit-style fixed-width output would be.
    let o = gcol(&[
        "export",
        "-q",
        file.to_str().unwrap(),
        "-o",
        exported.to_str().unwrap(),
        "--width",
        "0",
    ]);
    assert!(o.status.success());
    let one_line = std::fs::read_to_string(&exported).unwrap();
    assert_eq!(one_line.lines().count(), 10);
}

#[test]
fn fetch_matches_samtools_faidx() {
    let dir = tempfile::tempdir().unwrap();
    let file = converted(dir.path());
    let regions = [
        "lambda_5k",
        "lambda_5k:1-120",
        "lambda_5k:4990-5010",
        "lambda_masked:490-520",
        "lambda_masked:1190-1360",
        "lambda_masked:1,990-2,010",
        "cel-let-7:5",
        "cel-lin-4:-10",
    ];
    let mut args = vec!["fetch", file.to_str().unwrap()];
    args.extend(regions);
    let ours = gcol(&args);
    assert!(ours.status.success(), "{}", stderr(&ours));
    let mut rc_args = vec!["fetch", "-i", "-n", "50", file.to_str().unwrap()];
    rc_args.extend(regions);
    let ours_rc = gcol(&rc_args);
    if !gcol_tests::have_tool("samtools", "fetch_matches_samtools_faidx") {
        return;
    }
    let theirs = Command::new("samtools")
        .arg("faidx")
        .arg(copy_of_sample(dir.path()))
        .args(regions)
        .output()
        .unwrap();
    assert_eq!(stdout(&ours), String::from_utf8(theirs.stdout).unwrap());
    let theirs_rc = Command::new("samtools")
        .args(["faidx", "-i", "-n", "50"])
        .arg(copy_of_sample(dir.path()))
        .args(regions)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&ours_rc),
        String::from_utf8(theirs_rc.stdout).unwrap()
    );
}

/// samtools faidx / fqidx options (`-r`, `-c`, `--mark-strand`, `-f`,
/// `-o`) give byte-identical output and the same exit status, including
/// regions that name no record.
#[test]
fn fetch_options_match_samtools() {
    if !gcol_tests::have_tool("samtools", "fetch_options_match_samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = converted(dir.path());
    let fasta = copy_of_sample(dir.path());
    let regions = dir.path().join("regions.txt");
    std::fs::write(&regions, "lambda_5k:10-40\ncel-let-7\n").unwrap();
    let fq = dir.path().join("reads.fq");
    std::fs::write(
        &fq,
        "@r1 first\nACGTACGTTA\n+\nABCDEFGHIJ\n@r2\nGGGCCAN\n+\n!#%')+-\n",
    )
    .unwrap();
    let reads = dir.path().join("reads.gcol");
    gcol_ok(&[
        "convert",
        "-q",
        fq.to_str().unwrap(),
        "-o",
        reads.to_str().unwrap(),
    ]);
    let region_file = regions.to_str().unwrap();
    let cases: Vec<(Vec<&str>, bool)> = vec![
        (vec!["-r", region_file, "lambda_masked:1-30"], false),
        (vec!["lambda_5k:1-20", "nope", "cel-lin-4"], false),
        (vec!["-c", "lambda_5k:1-20", "nope", "cel-lin-4"], false),
        (vec!["-i", "--mark-strand", "sign", "lambda_5k:5-70"], false),
        (vec!["--mark-strand", "sign", "lambda_5k:5-70"], false),
        (
            vec!["-i", "--mark-strand", "no", "lambda_masked:3-9"],
            false,
        ),
        (
            vec!["--mark-strand", "custom,_f,_r", "-i", "cel-let-7"],
            false,
        ),
        (vec!["-n", "7", "r1:2-9", "r2"], true),
        (vec!["-i", "r1:2-9", "r2"], true),
    ];
    for (options, fastq) in cases {
        let (ours_file, theirs_file, tool) = if fastq {
            (&reads, &fq, "fqidx")
        } else {
            (&file, &fasta, "faidx")
        };
        let mut args = vec!["fetch"];
        if fastq {
            args.push("-f");
        }
        args.push(ours_file.to_str().unwrap());
        args.extend(&options);
        let ours = gcol(&args);
        let theirs = Command::new("samtools")
            .arg(tool)
            .arg(theirs_file)
            .args(&options)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(ours.stdout.clone()).unwrap(),
            String::from_utf8(theirs.stdout).unwrap(),
            "{tool} {options:?}"
        );
        assert_eq!(
            ours.status.success(),
            theirs.status.success(),
            "{tool} {options:?}: {}",
            stderr(&ours)
        );
    }
    // -o: the file appears only when the run succeeds.
    let out = dir.path().join("out.fa");
    gcol_ok(&[
        "fetch",
        "-o",
        out.to_str().unwrap(),
        file.to_str().unwrap(),
        "cel-lin-4",
    ]);
    let theirs = Command::new("samtools")
        .args(["faidx", fasta.to_str().unwrap(), "cel-lin-4"])
        .output()
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), theirs.stdout);
    std::fs::remove_file(&out).unwrap();
    let o = gcol(&[
        "fetch",
        "-o",
        out.to_str().unwrap(),
        file.to_str().unwrap(),
        "cel-lin-4",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains("out.fa")
            })
            .count(),
        0,
        "no temporary file left behind"
    );
    // FASTQ from a dataset without qualities is a clear error.
    let o = gcol(&["fetch", "-f", file.to_str().unwrap(), "cel-lin-4"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no qualities"), "{}", stderr(&o));
}

fn copy_of_sample(dir: &Path) -> PathBuf {
    let path = dir.join("sample.fa");
    if !path.exists() {
        std::fs::copy(sample_fasta(), &path).unwrap();
    }
    path
}

#[test]
fn fetch_bed_and_missing_names() {
    let dir = tempfile::tempdir().unwrap();
    let file = converted(dir.path());
    let bed = dir.path().join("r.bed");
    std::fs::write(
        &bed,
        "track name=t\nbrowser position x\n# a comment\n\nlambda_5k\t0\t10\tfirst\nlambda_masked\t500\t505\n",
    )
    .unwrap();
    let o = gcol_ok(&[
        "fetch",
        file.to_str().unwrap(),
        "--bed",
        bed.to_str().unwrap(),
    ]);
    assert_eq!(
        stdout(&o),
        ">lambda_5k:1-10\nGGGCGGCGAC\n>lambda_masked:501-505\natggg\n"
    );
    let o = gcol(&["fetch", file.to_str().unwrap(), "nope:1-5"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no sequence \"nope\""));
    // A malformed BED line: exit 4, the file and line named.
    std::fs::write(&bed, "lambda_5k\t0\t10\n\nlambda_5k\tten\t20\n").unwrap();
    let o = gcol(&[
        "fetch",
        file.to_str().unwrap(),
        "--bed",
        bed.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("r.bed: line 3"), "{}", stderr(&o));
}

#[test]
fn stats_counts() {
    let dir = tempfile::tempdir().unwrap();
    let file = converted(dir.path());
    let o = gcol_ok(&[
        "stats",
        file.to_str().unwrap(),
        "lambda_masked",
        "lambda_5k:1-10",
    ]);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "region\tlength\tA\tC\tG\tT\tN\tother\tgc");
    // GGGCGGCGAC: A1 C3 G6 T0
    assert_eq!(lines[2], "lambda_5k:1-10\t10\t1\t3\t6\t0\t0\t0\t0.900000");
    let fields: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(fields[6], "150");
    assert_eq!(fields[7], "4");
}

#[test]
fn malformed_input_exits_4_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.fa");
    std::fs::write(&bad, ">a\nACGT\n>b\nAC9T\n").unwrap();
    let out = dir.path().join("out.gcol");
    let o = gcol(&[
        "convert",
        bad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    assert!(
        err.contains("bad.fa")
            && err.contains("record 2")
            && err.contains("line 4")
            && err.contains("sequence"),
        "{err}"
    );
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

/// Inputs that can be read only once (standard input as `-`, a FIFO as
/// process substitution makes) are sniffed and imported from one open:
/// every record arrives, and provenance records the bytes and hash read.
#[test]
fn convert_reads_standard_input_and_fifos() {
    let dir = tempfile::tempdir().unwrap();
    let fasta = std::fs::read(sample_fasta()).unwrap();
    let out = dir.path().join("stdin.gcol");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gcol"))
        .args(["convert", "-q", "-", "-o", out.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&fasta).unwrap();
    assert!(child.wait().unwrap().success());
    let back = dir.path().join("back.fa");
    gcol_ok(&[
        "export",
        "-q",
        out.to_str().unwrap(),
        "-o",
        back.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&back).unwrap(), fasta);
    let o = gcol(&["inspect", "--json", out.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["manifest"]["datasets"][0]["name"], "stdin");
    let provenance = &json["manifest"]["provenance"][0];
    assert_eq!(provenance["source"], "stdin");
    assert_eq!(provenance["size_bytes"], fasta.len() as u64);
    // A FIFO: a writer thread feeds it while gcol reads.
    let fifo = dir.path().join("reads.fq");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.map(|s| s.success()).unwrap_or(false) {
        gcol_tests::skipped("the FIFO half of convert_reads_standard_input_and_fifos: no mkfifo");
        return;
    }
    let reads = "@r1\nACGTN\n+\nIIII#\n@r2 second\nGGCCA\n+\n!!!!!\n".to_string();
    let feeder = {
        let (fifo, reads) = (fifo.clone(), reads.clone());
        std::thread::spawn(move || std::fs::write(fifo, reads).unwrap())
    };
    let out = dir.path().join("fifo.gcol");
    let o = gcol(&[
        "convert",
        "-q",
        fifo.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    feeder.join().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let back = dir.path().join("back.fq");
    gcol_ok(&[
        "export",
        "-q",
        out.to_str().unwrap(),
        "-o",
        back.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&back).unwrap(), reads);
    // Standard input can be named once only (a usage error).
    let o = gcol(&["convert", "-q", "-", "-", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

/// The import layer plans datasets the same way for every caller: a pair
/// takes one name, a pair must be FASTQ, and formats gcol recognises but
/// does not convert yet are named (SAM and FASTQ both start with `@`).
#[test]
fn convert_plans_pairs_names_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let r1 = path("x_R1.fq");
    let r2 = path("x_R2.fq");
    std::fs::write(&r1, "@a/1\nACGT\n+\nIIII\n").unwrap();
    std::fs::write(&r2, "@a/2\nTTGA\n+\nABCD\n").unwrap();
    let out = path("p.gcol");
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    gcol_ok(&[
        "convert",
        "-q",
        "--paired",
        "--name",
        "pair",
        &s(&r1),
        &s(&r2),
        "-o",
        &s(&out),
    ]);
    let o = gcol(&["inspect", "--json", &s(&out)]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["manifest"]["datasets"][0]["name"], "pair");
    // Two names for one pair: a usage error, nothing written.
    let other = path("q.gcol");
    let o = gcol(&[
        "convert",
        "-q",
        "--paired",
        "--name",
        "a",
        "--name",
        "b",
        &s(&r1),
        &s(&r2),
        "-o",
        &s(&other),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2 dataset names for 1 datasets"),
        "{}",
        stderr(&o)
    );
    assert!(!other.exists());
    // A FASTA file in a pair: exit 4, the file and its format named.
    let fa = path("y.fa");
    std::fs::write(&fa, ">y\nACGT\n").unwrap();
    let o = gcol(&[
        "convert",
        "-q",
        "--paired",
        &s(&r1),
        &s(&fa),
        "-o",
        &s(&other),
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).contains("y.fa: paired inputs must be FASTQ, this is FASTA"),
        "{}",
        stderr(&o)
    );
    // A GenBank record cut short: refused, naming file, record and field.
    let input = path("c.gbk");
    std::fs::write(&input, "LOCUS       NC_001416  48502 bp    DNA\n").unwrap();
    let o = gcol(&["convert", "-q", &s(&input), "-o", &s(&other)]);
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    assert!(
        err.contains("c.gbk: record 1, line 1, //: the file ends inside record \"NC_001416\""),
        "{err}"
    );
    assert!(!other.exists());
}

#[test]
fn fastq_convert_export_and_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let r1 = dir.path().join("x_R1.fq");
    let r2 = dir.path().join("x_R2.fq");
    std::fs::write(&r1, "@a/1\nACGTN\n+\nIIII#\n@b/1 desc\nGGCC\n+\n!!!!\n").unwrap();
    std::fs::write(&r2, "@a/2\nTTGA\n+\nABCD\n@b/2\nCCAAT\n+\nEEEEE\n").unwrap();
    let out = dir.path().join("p.gcol");
    gcol_ok(&[
        "convert",
        "-q",
        "--paired",
        r1.to_str().unwrap(),
        r2.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let o = gcol(&["inspect", "--json", out.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["manifest"]["datasets"][0]["name"], "x");
    assert_eq!(json["manifest"]["datasets"][0]["kind"], "reads");
    for (mate, source) in [("1", &r1), ("2", &r2)] {
        let back = dir.path().join(format!("back{mate}.fq"));
        gcol_ok(&[
            "export",
            "-q",
            out.to_str().unwrap(),
            "-o",
            back.to_str().unwrap(),
            "--mate",
            mate,
        ]);
        assert_eq!(
            std::fs::read(&back).unwrap(),
            std::fs::read(source).unwrap()
        );
    }
    // To standard output, reads are FASTQ (both mates, interleaved).
    let o = gcol_ok(&["export", "-q", out.to_str().unwrap(), "--mate", "2"]);
    assert_eq!(o.stdout, std::fs::read(&r2).unwrap());
    // Reads fetch like sequences, by name.
    let o = gcol(&["fetch", out.to_str().unwrap(), "b/1:2-3"]);
    assert_eq!(stdout(&o), ">b/1:2-3\nGC\n");
    // A quality line shorter than its sequence: exit 4, file, record, line named.
    std::fs::write(&r2, "@a/2\nTTGA\n+\nABC\n").unwrap();
    let o = gcol(&[
        "convert",
        "-q",
        r2.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    assert!(
        err.contains("x_R2.fq")
            && err.contains("record 1")
            && err.contains("line 4")
            && err.contains("quality"),
        "{err}"
    );
}

#[test]
fn motif_counts_equal_a_naive_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = converted(dir.path());
    let text = std::fs::read_to_string(sample_fasta()).unwrap();
    let lambda5k: String = text
        .split('>')
        .nth(1)
        .unwrap()
        .lines()
        .skip(1)
        .collect::<Vec<_>>()
        .concat()
        .to_ascii_uppercase();
    let count = |p: &str| {
        (0..=lambda5k.len() - p.len())
            .filter(|&i| &lambda5k[i..i + p.len()] == p)
            .count()
    };
    let o = gcol_ok(&[
        "motif",
        file.to_str().unwrap(),
        "GCTTT",
        "lambda_5k",
        "--count",
    ]);
    let line = stdout(&o).lines().nth(1).unwrap().to_string();
    assert_eq!(
        line,
        format!(
            "lambda_5k\t{}\t{}\t{}",
            count("GCTTT"),
            count("AAAGC"),
            count("GCTTT") + count("AAAGC")
        )
    );
    let o = gcol(&["motif", file.to_str().unwrap(), "GCTTT", "lambda_5k:1-500"]);
    for line in stdout(&o).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (start, end): (usize, usize) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        let hit = &lambda5k[start..end];
        assert!(hit == "GCTTT" || hit == "AAAGC", "{line}");
        assert!(end <= 500);
    }
}

/// An output in a directory that does not exist: exit 3 (I/O), and the
/// message names the output and its directory.
#[test]
fn output_in_a_missing_directory_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("missing").join("out.gcol");
    let o = gcol(&[
        "convert",
        "-q",
        &sample_fasta(),
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(
        err.contains("cannot create") && err.contains("missing") && !err.contains(".out.gcol."),
        "{err}"
    );
}

/// `-@ N` bounds the worker threads; the file is the same byte for byte.
#[test]
fn convert_threads_do_not_change_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let outputs: Vec<Vec<u8>> = ["1", "2", "3"]
        .iter()
        .map(|threads| {
            let out = dir.path().join(format!("t{threads}.gcol"));
            let o = Command::new(env!("CARGO_BIN_EXE_gcol"))
                .args(["convert", "-q", "-@", threads, &sample_fasta(), "-o"])
                .arg(&out)
                .env("SOURCE_DATE_EPOCH", "1700000000")
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", stderr(&o));
            std::fs::read(out).unwrap()
        })
        .collect();
    assert!(outputs.iter().all(|o| *o == outputs[0]));
}

/// Every command ends quietly with exit 0 when its standard output is a
/// pipe nobody reads (`gcol inspect f | head -2`): the read end is closed
/// before the command starts, so its first write fails.
#[test]
fn every_command_ends_quietly_on_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let file = converted(dir.path());
    let f = file.to_str().unwrap();
    let bed = dir.path().join("r.bed");
    std::fs::write(&bed, "lambda_5k\t0\t10\n").unwrap();
    let copy = dir.path().join("copy.gcol");
    let commands: Vec<Vec<&str>> = vec![
        vec!["inspect", f],
        vec!["inspect", "--json", f],
        vec!["inspect", "--hash", f],
        vec!["copy", f, copy.to_str().unwrap()],
        vec!["dump", f],
        vec!["verify", f],
        vec!["cat", f, "sample", "name", "length"],
        vec!["stats", f],
        vec!["motif", f, "GG"],
        vec!["fetch", f, "lambda_5k"],
        vec!["fetch", f, "--bed", bed.to_str().unwrap()],
        vec!["export", f],
        vec!["--help"],
        vec!["convert", "--help"],
        vec!["--version"],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_gcol"))
            .args(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "gcol {args:?}: {err}");
        assert!(err.is_empty(), "gcol {args:?} printed: {err}");
    }
}

/// Clear messages where users hit unclear ones (issue 11 defect 6) and
/// `fetch -f` choosing the dataset with qualities (defect 11).
#[test]
fn clear_messages_for_directories_foreign_files_and_fastq_fetch() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = gcol(&["inspect", d]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("it is a directory, not a .gcol file"),
        "{}",
        stderr(&o)
    );
    // Output into a directory: refused before any input is read.
    let o = gcol(&["convert", "-q", &sample_fasta(), "-o", d]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("it is a directory"), "{}", stderr(&o));
    let png = dir.path().join("pic.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let out = dir.path().join("x.gcol");
    let o = gcol(&[
        "convert",
        "-q",
        png.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).contains("PNG input, not a file gcol reads"),
        "{}",
        stderr(&o)
    );
    // A sequences and a reads dataset holding the same name: -f wants qualities.
    let fa = dir.path().join("seqs.fa");
    std::fs::write(&fa, ">read0\nACGTACGT\n").unwrap();
    let fq = dir.path().join("reads.fq");
    std::fs::write(&fq, "@read0\nACGT\n+\nIIII\n").unwrap();
    let both = dir.path().join("both.gcol");
    gcol_ok(&[
        "convert",
        "-q",
        fa.to_str().unwrap(),
        fq.to_str().unwrap(),
        "-o",
        both.to_str().unwrap(),
    ]);
    let o = gcol_ok(&["fetch", "-f", both.to_str().unwrap(), "read0"]);
    assert_eq!(stdout(&o), "@read0\nACGT\n+\nIIII\n");
    let o = gcol_ok(&["fetch", both.to_str().unwrap(), "read0"]);
    assert_eq!(stdout(&o), ">read0\nACGTACGT\n");
}

/// Repeated read names are kept by default (interleaved pairs and
/// `samtools fastq` output repeat them); `--strict-names` refuses them
/// naming both reads; FASTA duplicates are refused with the way out named
/// (issue 11 defect 4).
#[test]
fn repeated_read_names_are_kept_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    let fq = dir.path().join("pairs.fq");
    std::fs::write(
        &fq,
        "@r1\nACGT\n+\nIIII\n@r1\nTTGA\n+\nABCD\n@r2\nGG\n+\nII\n",
    )
    .unwrap();
    let out = dir.path().join("p.gcol");
    let (fq_s, out_s) = (fq.to_str().unwrap(), out.to_str().unwrap());
    gcol_ok(&["convert", "-q", fq_s, "-o", out_s]);
    let o = gcol_ok(&["export", "-q", out_s]);
    assert_eq!(o.stdout, std::fs::read(&fq).unwrap());
    // The first record of a name is the one fetched.
    let o = gcol_ok(&["fetch", out_s, "r1"]);
    assert_eq!(stdout(&o), ">r1\nACGT\n");
    let strict = dir.path().join("s.gcol");
    let o = gcol(&[
        "convert",
        "-q",
        "--strict-names",
        fq_s,
        "-o",
        strict.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    assert!(
        err.contains("record 2") && err.contains("repeats the name of read 1"),
        "{err}"
    );
    assert!(!strict.exists());
    let fa = dir.path().join("d.fa");
    std::fs::write(&fa, ">a\nAC\n>a\nGT\n").unwrap();
    let o = gcol(&[
        "convert",
        "-q",
        fa.to_str().unwrap(),
        "-o",
        strict.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("--lenient-names"), "{}", stderr(&o));
    gcol_ok(&[
        "convert",
        "-q",
        "--lenient-names",
        fa.to_str().unwrap(),
        "-o",
        strict.to_str().unwrap(),
    ]);
}

/// Interrupting `convert` (SIGINT, SIGTERM, SIGHUP) removes its temporary
/// and exits 128 + the signal; a stale temporary left by a killed writer
/// (unlocked, older than the next writer) is removed by the next write into
/// that directory, and one a live writer holds is not (issue 11 defect 2).
#[cfg(unix)]
/// A FASTA file of random bases: one record per name, `lines` lines of 60.
fn random_fasta(path: &Path, names: &[&str], lines: usize, seed: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut rng = gcol_tests::Rng(seed);
    for name in names {
        writeln!(f, ">{name}").unwrap();
        for _ in 0..lines {
            let line: String = (0..60)
                .map(|_| b"ACGT"[(rng.next() % 4) as usize] as char)
                .collect();
            writeln!(f, "{line}").unwrap();
        }
    }
}

/// Names of the temporary files (`*.tmp`) in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn interrupts_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    // ~48 MB of FASTA: long enough to interrupt in the middle.
    let big = dir.path().join("big.fa");
    random_fasta(&big, &["r0", "r1", "r2", "r3"], 200_000, 7);
    for (signal, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let out = dir.path().join("out.gcol");
        let mut child = Command::new(env!("CARGO_BIN_EXE_gcol"))
            .args([
                "convert",
                "-q",
                big.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ])
            .spawn()
            .unwrap();
        // Wait for the temporary to appear, then interrupt.
        let start = std::time::Instant::now();
        while temporaries(dir.path()).is_empty() && start.elapsed().as_secs() < 30 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = child.wait().unwrap();
        if status.code() == Some(0) {
            // Finished before the signal landed: nothing to check this time.
            eprintln!("SIG{signal}: convert finished first");
            std::fs::remove_file(&out).unwrap();
            continue;
        }
        eprintln!(
            "SIG{signal}: exit {:?} after {:?}",
            status.code(),
            start.elapsed()
        );
        assert_eq!(status.code(), Some(code), "SIG{signal}");
        assert_eq!(temporaries(dir.path()), Vec::<String>::new(), "SIG{signal}");
        assert!(!out.exists());
    }
    // A stale temporary (as SIGKILL leaves) is removed by the next write;
    // one that a live writer holds locked stays, and stops a second writer
    // of the same path (issue 16: one writer per path, naming the other).
    let stale = dir.path().join(".out.gcol.stale1.tmp");
    let held = dir.path().join(".out.gcol.4242.held01.tmp");
    for path in [&stale, &held] {
        let f = std::fs::File::create(path).unwrap();
        f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
            .unwrap();
    }
    let lock = std::fs::File::open(&held).unwrap();
    lock.lock().unwrap();
    let small = dir.path().join("small.fa");
    std::fs::write(&small, ">a\nACGT\n").unwrap();
    let out = dir.path().join("out.gcol");
    let convert = [
        "convert",
        "-q",
        small.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    let o = gcol(&convert);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("being written by another writer (pid 4242)"),
        "{}",
        stderr(&o)
    );
    assert!(!stale.exists(), "stale temporary left");
    assert!(held.exists(), "a live writer's temporary was removed");
    assert!(!out.exists());
    assert_eq!(temporaries(dir.path()), vec![".out.gcol.4242.held01.tmp"]);
    // The other writer gone, its temporary is stale: the write goes ahead.
    drop(lock);
    gcol_ok(&convert);
    assert!(out.exists() && !held.exists());
}

/// Motif patterns: IUPAC codes match the bases they stand for, and a
/// pattern that cannot be searched is refused with the same message as in
/// Python (issue 11 defect 7).
#[test]
fn motif_patterns_iupac_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("m.fa");
    std::fs::write(&fa, ">s\nGAATTCGATTCAAA\n").unwrap();
    let out = dir.path().join("m.gcol");
    gcol_ok(&[
        "convert",
        "-q",
        fa.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let f = out.to_str().unwrap();
    let o = gcol_ok(&["motif", f, "GANTTC", "--forward-only"]);
    assert_eq!(stdout(&o), "s\t0\t6\t+\n");
    let o = gcol_ok(&["motif", f, "GRWTTC", "--forward-only"]);
    assert_eq!(stdout(&o), "s\t0\t6\t+\n");
    let o = gcol_ok(&["motif", f, "NNN", "--count", "--forward-only"]);
    assert_eq!(
        stdout(&o),
        "region\tforward\treverse\ttotal\ns\t12\t0\t12\n"
    );
    let o = gcol(&["motif", f, "GA-TC"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("motif pattern \"GA-TC\": '-' is not a nucleotide or IUPAC code"),
        "{}",
        stderr(&o)
    );
}

/// `../shared/data/corrupt-crafted/`: damaged pages and directory blocks,
/// and values edited with every checksum recomputed. Every reading command
/// fails with exit 1 and a message naming the damage: never a panic, an
/// abort, a hang, or exit 0 with wrong or empty output. `inspect` reads
/// only the footer, manifest and directory, so it succeeds where the
/// damage is in a page (and what it prints is true).
#[test]
fn crafted_corrupt_files_fail_every_reading_command() {
    let Some(data) = gcol_tests::shared_data("crafted_corrupt_files_fail_every_reading_command")
    else {
        return;
    };
    let dir = data.join("corrupt-crafted");
    // file, region to fetch, what the message names, whether inspect fails.
    let cases = [
        (
            "name_flip",
            "seqA:1-5",
            "checksum mismatch in page 0",
            false,
        ),
        (
            "dir_flip",
            "seqA:1-5",
            "checksum mismatch in page directory block 0",
            true,
        ),
        ("panic_first_row", "r3", "18446744073709551615", true),
        ("abort_alloc", "r3", "num_values = 9007199254740992", true),
        (
            "panic_capacity",
            "r3",
            "num_values = 9223372036854775808",
            true,
        ),
        ("hang_stats", "r3", "offset 600054 is not the sum", false),
    ];
    for (name, region, needle, inspect_fails) in cases {
        let file = dir.join(format!("{name}.gcol"));
        let file = file.to_str().unwrap();
        let out = tempfile::tempdir().unwrap();
        let exported = out.path().join("x.fa");
        let commands: Vec<Vec<&str>> = vec![
            vec!["verify", file],
            vec!["verify", "--deep", file],
            vec!["fetch", file, region],
            vec!["fetch", "-c", file, region],
            vec!["fetch", "-i", file, region],
            vec!["stats", file],
            vec!["stats", file, region],
            vec!["motif", file, "ACGT"],
            vec!["motif", "--count", file, "GANTC"],
            vec!["export", file],
            vec!["export", file, "-o", exported.to_str().unwrap()],
            vec!["dump", file],
        ];
        for args in &commands {
            let mut child = Command::new(env!("CARGO_BIN_EXE_gcol"))
                .args(args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            // A hang is a failure: give each command 20 s.
            let started = std::time::Instant::now();
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                if started.elapsed() > std::time::Duration::from_secs(20) {
                    child.kill().unwrap();
                    panic!("gcol {args:?} did not finish in 20 s");
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            };
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            assert_eq!(status.code(), Some(1), "gcol {args:?}: {err}");
            assert!(err.starts_with("gcol: error: "), "gcol {args:?}: {err}");
            assert!(!err.contains("panicked"), "gcol {args:?}: {err}");
            // verify and dump reach the named damage first; other commands
            // may meet it (or its consequence) in another column.
            if args[0] == "verify" || args[0] == "dump" {
                assert!(err.contains(needle), "gcol {args:?}: {err}");
            }
            assert!(!exported.exists(), "gcol {args:?} left {exported:?}");
        }
        let o = gcol(&["inspect", file]);
        assert_eq!(
            o.status.code(),
            Some(if inspect_fails { 1 } else { 0 }),
            "{name}: {}",
            stderr(&o)
        );
    }
    // The undamaged sources read, and export equals the FASTA.
    let small = dir.join("small.gcol");
    let o = gcol_ok(&["export", small.to_str().unwrap()]);
    assert_eq!(o.stdout, std::fs::read(dir.join("small.fa")).unwrap());
    gcol_ok(&[
        "verify",
        "--deep",
        dir.join("good_for_corruption.gcol").to_str().unwrap(),
    ]);
}

/// Crash safety under SIGKILL (issue 16): `gcol convert` is killed at
/// random moments, 100 times, while it replaces a valid file. After each
/// kill the path holds the old file or the new one, and either passes
/// `verify`; the next write removes every temporary the kills left.
#[test]
fn sigkill_during_replace_leaves_old_or_new() {
    let dir = tempfile::tempdir().unwrap();
    // ~6 MB: tens of ms to convert, so kills land before, during and
    // after the rename.
    let big = dir.path().join("big.fa");
    random_fasta(&big, &["new"], 100_000, 11);
    let small = dir.path().join("small.fa");
    std::fs::write(&small, ">old\nACGTACGT\n").unwrap();
    let out = dir.path().join("out.gcol");
    let convert = |input: &Path| {
        gcol_ok(&[
            "convert",
            "-q",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
    };
    convert(&small);
    let mut rng = gcol_tests::Rng(5);
    let (mut old, mut new) = (0, 0);
    for round in 0..100 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gcol"))
            .args([
                "convert",
                "-q",
                big.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(rng.next() % 40_000));
        let _ = child.kill(); // SIGKILL (it may have finished already)
        child.wait().unwrap();
        gcol_ok(&["verify", "-q", out.to_str().unwrap()]);
        let reader = gcol_reader::Reader::open(&out).unwrap();
        match reader.datasets()[0].name.as_str() {
            "small" => old += 1,
            "big" => {
                new += 1;
                convert(&small); // back to the old file for the next round
            }
            other => panic!("round {round}: dataset {other:?}"),
        }
    }
    eprintln!("100 SIGKILLs during a replace: {old} left the old file, {new} the new one");
    // The next write into the directory sweeps the temporaries kills left.
    convert(&small);
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

#[test]
fn view_prints_what_bcftools_view_prints() {
    let Some(data) = gcol_tests::shared_data("gcol view against bcftools view") else {
        return;
    };
    if !gcol_tests::have_tool("bcftools", "gcol view against bcftools view") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let source = data.join("vcf/1000g_chr20_nygc30x_phased_300s.vcf.gz");
    let file = dir.path().join("v.gcol");
    let (src, out) = (source.to_str().unwrap(), file.to_str().unwrap());
    gcol_ok(&["convert", "-q", src, "-o", out]);
    let bcftools = |args: &[&str]| {
        let o = Command::new("bcftools")
            .arg("view")
            .arg("--no-version")
            .args(args)
            .arg(src)
            .output()
            .unwrap();
        assert!(o.status.success());
        o.stdout
    };
    for args in [
        &["-H", "-r", "20:1000000-1050000", "-s", "HG00097,HG00096"][..],
        &["-H", "-G", "-r", "20:2000000-2001000"][..],
        &["-h", "-s", "^HG00096"][..],
        &["-H", "-I", "-s", "NA06986", "-r", "20:1500000-1500500"][..],
    ] {
        let mut ours = vec!["view", out];
        ours.extend_from_slice(args);
        assert_eq!(gcol_ok(&ours).stdout, bcftools(args), "{args:?}");
    }
    // An unknown sample is a usage error; an unsorted input is refused
    // before anything is written, with how to sort it.
    let o = gcol(&["view", out, "-s", "nobody"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no sample \"nobody\""));
    let unsorted = data.join("vcf/sv/svtools_sv_classifier_training_17s.vcf.gz");
    let bad = dir.path().join("bad.gcol");
    let o = gcol(&[
        "convert",
        unsorted.to_str().unwrap(),
        "-o",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bcftools sort"));
    assert!(!bad.exists());
    // A VCF stream (standard input) is copied aside and read twice; the
    // copy is removed.
    let streamed = dir.path().join("stream.gcol");
    let o = Command::new(env!("CARGO_BIN_EXE_gcol"))
        .args(["convert", "-q", "-", "-o", streamed.to_str().unwrap()])
        .stdin(std::fs::File::open(&source).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        gcol_ok(&["view", "-H", streamed.to_str().unwrap()]).stdout,
        bcftools(&["-H"])
    );
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains(".gcol-stream-")));
    // export by extension: BGZF VCF that bcftools reads back.
    let gz = dir.path().join("e.vcf.gz");
    gcol_ok(&[
        "export",
        out,
        "-o",
        gz.to_str().unwrap(),
        "20:1000000-1050000",
    ]);
    let o = Command::new("bcftools")
        .args(["view", "-H"])
        .arg(&gz)
        .output()
        .unwrap();
    assert_eq!(o.stdout, bcftools(&["-H", "-r", "20:1000000-1050000"]));
}

#[test]
fn convert_with_a_reference_reports_mismatches_in_inspect() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/conformance/inputs");
    let fa = root.join("variants_ref.fa");
    let vcf = root.join("variants_ref.vcf");
    let file = dir.path().join("v.gcol");
    let (fa, vcf, out) = (
        fa.to_str().unwrap(),
        vcf.to_str().unwrap(),
        file.to_str().unwrap(),
    );
    let o = gcol_ok(&[
        "convert",
        fa,
        vcf,
        "--name",
        "genome",
        "--name",
        "calls",
        "--reference",
        fa,
        "-o",
        out,
    ]);
    let warned = stderr(&o);
    assert!(
        warned.contains("REF mismatch at chr1:8 REF G but the reference has T"),
        "{warned}"
    );
    assert!(
        warned.contains("contig chr3 is not in the reference"),
        "{warned}"
    );
    let shown = stdout(&gcol_ok(&["inspect", out]));
    assert!(
        shown.contains("reference: REF coded against dataset \"genome\""),
        "{shown}"
    );
    for line in [
        "mismatch chr1:8 REF G reference T",
        "mismatch chr1:24 REF TA reference T",
        "mismatch chr3:1 REF A reference (contig absent)",
        "contig chr1: 24 bases, md5 ",
    ] {
        assert!(shown.contains(line), "{line} not in {shown}");
    }
    let back = dir.path().join("back.vcf");
    gcol_ok(&[
        "export",
        out,
        "--dataset",
        "calls",
        "-o",
        back.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(vcf).unwrap());
    // Usage errors exit 2 or name the input.
    let o = gcol(&["convert", vcf, "--reference", "/nonexistent.fa", "-o", out]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("/nonexistent.fa"), "{}", stderr(&o));
}

/// Crash safety of the VCF importer under SIGKILL (issue 16): converting
/// the 1000 Genomes file over a valid file, killed at random moments 50
/// times (two passes, a spool-free file input); the path always holds the
/// old file or the new one, each verifying, and no temporary survives the
/// next write.
#[test]
fn sigkill_during_vcf_convert_leaves_old_or_new() {
    let Some(data) = gcol_tests::shared_data("SIGKILL during a VCF conversion") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let vcf = data.join("vcf/1000g_chr20_nygc30x_phased_300s.vcf.gz");
    let small = dir.path().join("small.fa");
    std::fs::write(&small, ">old\nACGTACGT\n").unwrap();
    let out = dir.path().join("out.gcol");
    let write_old = || {
        gcol_ok(&[
            "convert",
            "-q",
            small.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
    };
    write_old();
    let mut rng = gcol_tests::Rng(9);
    let (mut old, mut new) = (0, 0);
    for round in 0..50 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gcol"))
            .args([
                "convert",
                "-q",
                vcf.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(rng.next() % 400_000));
        let _ = child.kill();
        child.wait().unwrap();
        gcol_ok(&["verify", "-q", out.to_str().unwrap()]);
        let reader = gcol_reader::Reader::open(&out).unwrap();
        match reader.datasets()[0].name.as_str() {
            "small" => old += 1,
            "1000g_chr20_nygc30x_phased_300s" => {
                new += 1;
                write_old();
            }
            other => panic!("round {round}: dataset {other:?}"),
        }
    }
    eprintln!("50 SIGKILLs during a VCF conversion: {old} left the old file, {new} the new one");
    write_old();
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

/// `inspect --hash`: the same data converted with other page sizes and zstd
/// levels (plain pages too) hashes alike; other data does not.
#[test]
fn content_hashes_ignore_layout_and_compression() {
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("g.fa");
    random_fasta(&fa, &["a", "b"], 20_000, 3);
    let hash_of = |extra: &[&str], input: &Path, name: &str| -> String {
        let out = dir.path().join(format!("{name}.gcol"));
        let mut args = vec![
            "convert",
            "-q",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        gcol_ok(&args);
        let shown = stdout(&gcol_ok(&["inspect", "--hash", out.to_str().unwrap()]));
        let line = shown
            .lines()
            .find(|l| l.trim_start().starts_with("content: sha256 "))
            .unwrap_or_else(|| panic!("no content line in {shown}"));
        let json = stdout(&gcol_ok(&[
            "inspect",
            "--json",
            "--hash",
            out.to_str().unwrap(),
        ]));
        let hash = line
            .trim_start()
            .trim_start_matches("content: sha256 ")
            .to_string();
        assert!(json.contains(&hash), "{json}");
        hash
    };
    let base = hash_of(&[], &fa, "base");
    assert_eq!(base.len(), 64);
    assert_eq!(
        hash_of(&["--page-kib", "4", "--zstd-level", "1"], &fa, "small"),
        base
    );
    assert_eq!(hash_of(&["--zstd-level", "0"], &fa, "plain"), base);
    let other = dir.path().join("other.fa");
    random_fasta(&other, &["a", "b"], 20_000, 4);
    assert_ne!(hash_of(&[], &other, "other"), base);
}

/// `gcol copy`: a verified backup equal to the source byte for byte (into
/// a file or a directory); a damaged source is refused with exit 1 and the
/// destination left as it was; the same path twice is a usage error.
#[test]
fn copy_verifies_source_and_copy() {
    let dir = tempfile::tempdir().unwrap();
    let file = converted(dir.path());
    let f = file.to_str().unwrap();
    let backup = dir.path().join("backup.gcol");
    let o = gcol_ok(&["copy", f, backup.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("pages checked in both"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        std::fs::read(&backup).unwrap(),
        std::fs::read(&file).unwrap()
    );
    let into = dir.path().join("into");
    std::fs::create_dir(&into).unwrap();
    gcol_ok(&["copy", "-q", f, into.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(into.join(file.file_name().unwrap())).unwrap(),
        std::fs::read(&file).unwrap()
    );
    // One flipped byte in a page: refused, the old backup untouched.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[200] ^= 0x40;
    let damaged = dir.path().join("damaged.gcol");
    std::fs::write(&damaged, &bytes).unwrap();
    let before = std::fs::read(&backup).unwrap();
    let o = gcol(&[
        "copy",
        "-q",
        damaged.to_str().unwrap(),
        backup.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("not copied"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&backup).unwrap(), before);
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    let o = gcol(&["copy", f, f]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// Concurrent access (issue 16): reader threads in this process (sharing
/// one page cache) and `gcol fetch` processes read one path while another
/// process replaces it again and again with a file of other contents.
/// Every read sees one whole version, old or new: the same bytes as a
/// single-threaded read of that version.
#[test]
fn readers_see_one_version_while_the_file_is_replaced() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.fa"), dir.path().join("b.fa"));
    random_fasta(&a, &["chr"], 20_000, 21);
    random_fasta(&b, &["chr"], 20_000, 22);
    let out = dir.path().join("shared.gcol");
    let convert = |input: &Path| {
        gcol_ok(&[
            "convert",
            "-q",
            input.to_str().unwrap(),
            "--name",
            "chr",
            "-o",
            out.to_str().unwrap(),
        ])
    };
    // What a single-threaded read of each version gives.
    let expected: Vec<Vec<u8>> = [&a, &b]
        .iter()
        .map(|input| {
            convert(input);
            gcol_ok(&["fetch", out.to_str().unwrap(), "chr:1-1200000"]).stdout
        })
        .collect();
    assert_ne!(expected[0], expected[1]);
    let stop = AtomicBool::new(false);
    let (mut reads, mut replacements) = (0u64, 0u64);
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..3)
            .map(|_| {
                scope.spawn(|| {
                    let mut n = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let reader = gcol_reader::Reader::open(&out).unwrap();
                        let seqs = reader.sequences("chr").unwrap();
                        let bases = seqs.fetch("chr", 0..1_200_000).unwrap();
                        let text: Vec<u8> = bases
                            .chunks(60)
                            .flat_map(|l| l.iter().copied().chain(std::iter::once(b'\n')))
                            .collect();
                        let body: Vec<u8> = expected[0]
                            .splitn(2, |&c| c == b'\n')
                            .nth(1)
                            .unwrap()
                            .to_vec();
                        let other: Vec<u8> = expected[1]
                            .splitn(2, |&c| c == b'\n')
                            .nth(1)
                            .unwrap()
                            .to_vec();
                        assert!(text == body || text == other, "a read mixed two versions");
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let processes = scope.spawn(|| {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let o = gcol_ok(&["fetch", out.to_str().unwrap(), "chr:1-1200000"]);
                assert!(
                    o.stdout == expected[0] || o.stdout == expected[1],
                    "a fetch process mixed two versions"
                );
                n += 1;
            }
            n
        });
        for round in 0..20 {
            convert(if round % 2 == 0 { &a } else { &b });
            replacements += 1;
        }
        stop.store(true, Ordering::Relaxed);
        reads =
            readers.into_iter().map(|r| r.join().unwrap()).sum::<u64>() + processes.join().unwrap();
    });
    eprintln!("{reads} reads during {replacements} replacements, each of one whole version");
    assert!(reads > 0);
}

/// Reads converted at every `--compression` level fetch as `samtools
/// fqidx` prints them from the FASTQ itself (real nanopore and Illumina
/// reads, names picked across the file, `-n` line width too).
#[test]
fn fetch_fastq_matches_fqidx_at_every_level() {
    if !gcol_tests::have_tool("samtools", "fetch_fastq_matches_fqidx_at_every_level") {
        return;
    }
    let Some(data) = gcol_tests::shared_data("gcol fetch -f against samtools fqidx") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for name in ["ont_pcs109_5k_cdna", "CHM1_illumina_42k"] {
        let gz = data.join("fastq").join(format!("{name}.fastq.gz"));
        let fq = dir.path().join(format!("{name}.fq"));
        let text = Command::new("gzip")
            .arg("-dc")
            .arg(&gz)
            .output()
            .unwrap()
            .stdout;
        std::fs::write(&fq, &text).unwrap();
        let names: Vec<String> = text
            .split(|&b| b == b'\n')
            .step_by(4)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let l = String::from_utf8_lossy(&l[1..]).into_owned();
                l.split([' ', '\t']).next().unwrap().to_string()
            })
            .collect();
        let picks: Vec<&str> = (0..names.len())
            .step_by(names.len() / 40)
            .map(|i| names[i].as_str())
            .collect();
        for level in ["fast", "default", "archive"] {
            let out = dir.path().join(format!("{name}.{level}.gcol"));
            gcol_ok(&[
                "convert",
                "-q",
                "--compression",
                level,
                fq.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ]);
            for width in [None, Some("60")] {
                let mut args = vec!["fetch", "-f", out.to_str().unwrap()];
                let mut theirs = Command::new("samtools");
                theirs.arg("fqidx").arg(&fq);
                if let Some(w) = width {
                    args.extend(["-n", w]);
                    theirs.args(["-n", w]);
                }
                args.extend(picks.iter().copied());
                let ours = gcol_ok(&args);
                let theirs = theirs.args(&picks).output().unwrap();
                assert!(theirs.status.success());
                assert!(
                    ours.stdout == theirs.stdout,
                    "{name} at {level}, width {width:?}: output differs from samtools fqidx"
                );
            }
        }
    }
}
