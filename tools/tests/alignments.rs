//! Alignments (SAM, BAM, CRAM) from the command line, against samtools:
//! `gcol view` equals `samtools view`, BAM export read back by samtools
//! equals the input, regions, filters and depth equal samtools'.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gcol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gcol"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(o: Output, what: &str) -> Vec<u8> {
    assert!(
        o.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

fn samtools(args: &[&str]) -> Vec<u8> {
    let o = Command::new("samtools").args(args).output().unwrap();
    ok(o, &format!("samtools {args:?}"))
}

fn data(test: &str) -> Option<PathBuf> {
    if !gcol_tests::have_tool("samtools", test) {
        return None;
    }
    gcol_tests::shared_data(test).map(|d| d.join("bam"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Convert `input` (with `reference` for CRAM) into `dir`, then check
/// `gcol view -h` and our BAM export against `samtools view -h` of the input.
fn round_trip(dir: &Path, input: &Path, reference: Option<&Path>) {
    let name = input.file_name().unwrap().to_str().unwrap();
    let out = dir.join(format!("{name}.gcol"));
    let mut args = vec!["convert", s(input), "-o", s(&out)];
    if let Some(r) = reference {
        args.extend(["--reference", s(r)]);
    }
    ok(gcol(&args), &format!("convert {name}"));
    let mut verify = vec!["verify", "--deep", s(&out)];
    if let Some(r) = reference {
        verify.extend(["-T", s(r)]);
    }
    ok(gcol(&verify), &format!("verify --deep {name}"));
    let mut theirs_args = vec!["view", "--no-PG", "-h"];
    // samtools needs the reference to decode CRAM; for SAM it would also
    // add @SQ lines from the .fai to a header without them.
    if let (Some(r), true) = (reference, name.ends_with(".cram")) {
        theirs_args.extend(["-T", s(r)]);
    }
    theirs_args.push(s(input));
    let theirs = samtools(&theirs_args);
    // Bases coded against a reference outside the file need it again.
    let mut view = vec!["view"];
    if let Some(r) = reference {
        view.extend(["-T", s(r)]);
    }
    let ours = ok(
        gcol(&[view.as_slice(), &["-h", s(&out)]].concat()),
        &format!("view {name}"),
    );
    assert!(
        ours == theirs,
        "{name}: gcol view -h differs from samtools view -h"
    );
    let bam = dir.join(format!("{name}.bam"));
    ok(
        gcol(&[view.as_slice(), &["-b", "-o", s(&bam), s(&out)]].concat()),
        "view -b",
    );
    let back = samtools(&["view", "--no-PG", "-h", s(&bam)]);
    assert!(back == theirs, "{name}: samtools view of our BAM differs");
}

#[test]
fn real_bams_round_trip_byte_for_byte() {
    let Some(bam) = data("real_bams_round_trip_byte_for_byte") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "1000g_HG02002_illumina_subset.bam",
        "CHM1_illumina_vcfanno_ex.bam",
        "ont_pcs109_5k_cdna.bam",
        "ont_pcs109_5k_cdna_spliced.bam",
    ] {
        let input = bam.join(name);
        round_trip(dir.path(), &input, None);
        // The BAM we write holds the input's very bytes once decompressed.
        let ours = dir.path().join(format!("{name}.bam"));
        let mut a = Vec::new();
        let mut b = Vec::new();
        use std::io::Read;
        flate2::read::MultiGzDecoder::new(std::fs::File::open(&ours).unwrap())
            .read_to_end(&mut a)
            .unwrap();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(&input).unwrap())
            .read_to_end(&mut b)
            .unwrap();
        assert!(a == b, "{name}: decompressed BAM bytes differ");
    }
}

/// Every SAM and BAM edge case of htslib's test suite converts and views as
/// samtools prints it, except a reference longer than BAM's 32-bit limit
/// (positions of 10^10), which is refused with the header line named.
#[test]
fn htslib_edge_cases_view_as_samtools() {
    let Some(bam) = data("htslib_edge_cases_view_as_samtools") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(bam.join("htslib_test")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !(name.ends_with(".sam") || name.ends_with(".bam")) {
            continue;
        }
        if name == "longrefs_longref.sam" {
            let out = dir.path().join("long.gcol");
            let o = gcol(&["convert", s(&path), "-o", s(&out)]);
            assert_eq!(o.status.code(), Some(4));
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                err.contains("header line 1") && err.contains("LN beyond BAM"),
                "{err}"
            );
            assert!(!out.exists());
            continue;
        }
        round_trip(dir.path(), &path, None);
        n += 1;
    }
    assert!(n >= 50, "{n} files");
}

/// CRAM 3.0 and 3.1 made by samtools from a real BAM (no reference, as
/// the issue's measurements) view as samtools views them.
#[test]
fn cram_from_samtools_views_as_samtools() {
    let Some(bam) = data("cram_from_samtools_views_as_samtools") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = bam.join("1000g_HG02002_illumina_subset.bam");
    for version in ["3.0", "3.1"] {
        let cram = dir.path().join(format!("v{version}.cram"));
        samtools(&[
            "view",
            "-C",
            "-O",
            &format!("cram,version={version},no_ref"),
            "-o",
            s(&cram),
            s(&input),
        ]);
        round_trip(dir.path(), &cram, None);
    }
    // With a reference: htslib's own range.cram against ce.fa.
    let t = bam.join("htslib_test");
    let out = dir.path().join("range.gcol");
    let o = gcol(&["convert", s(&t.join("range.cram")), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(4), "without its reference");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--reference"));
    ok(
        gcol(&[
            "convert",
            s(&t.join("range.cram")),
            "--reference",
            s(&t.join("ce.fa")),
            "-o",
            s(&out),
        ]),
        "range.cram with ce.fa",
    );
    let ours = ok(gcol(&["view", "-T", s(&t.join("ce.fa")), s(&out)]), "view");
    let theirs = samtools(&["view", "-T", s(&t.join("ce.fa")), s(&t.join("range.cram"))]);
    // htslib regenerates MD and NM on CRAM decode; noodles does not.
    let strip = |text: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(text)
            .lines()
            .map(|l| {
                l.split('\t')
                    .filter(|f| !f.starts_with("MD:Z:") && !f.starts_with("NM:i:"))
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .collect()
    };
    assert_eq!(strip(&ours), strip(&theirs));
    assert_eq!(strip(&ours).len(), 112);
}

/// Bases coded against a reference (spec 15.10): every htslib SAM file
/// with its reference FASTA, the reference outside the file (`view -T`,
/// a FASTA or a .gcol) and inside it (the FASTA also an input), views as
/// samtools views the input.
#[test]
fn bases_against_a_reference_view_as_samtools() {
    let Some(bam) = data("bases_against_a_reference_view_as_samtools") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let t = bam.join("htslib_test");
    let mut n = 0;
    for entry in std::fs::read_dir(&t).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(stem) = name.strip_suffix(".sam") else {
            continue;
        };
        let fa = t.join(format!("{}.fa", stem.split('_').next().unwrap()));
        if !fa.exists() || name == "longrefs_longref.sam" {
            continue;
        }
        round_trip(dir.path(), &path, Some(&fa));
        // The reference in the file: no -T needed.
        let inside = dir.path().join(format!("{stem}.in.gcol"));
        ok(
            gcol(&[
                "convert",
                s(&fa),
                s(&path),
                "--reference",
                s(&fa),
                "-o",
                s(&inside),
                "-q",
            ]),
            "convert with the reference as an input",
        );
        let ours = ok(
            gcol(&["view", "-h", "--dataset", &name, s(&inside)]),
            "view in-file",
        );
        assert!(
            ours == samtools(&["view", "--no-PG", "-h", s(&path)]),
            "{name}: in-file reference view differs"
        );
        n += 1;
    }
    assert!(n >= 30, "{n} files");

    // The reference as a .gcol file, and the errors.
    let sam = t.join("ce_1000.sam");
    let out = dir.path().join("ce.gcol");
    let ce = dir.path().join("ce_ref.gcol");
    ok(
        gcol(&["convert", s(&t.join("ce.fa")), "-o", s(&ce), "-q"]),
        "ce.fa",
    );
    ok(
        gcol(&[
            "convert",
            s(&sam),
            "--reference",
            s(&t.join("ce.fa")),
            "-o",
            s(&out),
            "-q",
        ]),
        "convert",
    );
    let theirs = samtools(&["view", s(&sam)]);
    assert_eq!(
        ok(gcol(&["view", "-T", s(&ce), s(&out)]), "-T .gcol"),
        theirs
    );
    let o = gcol(&["view", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "no reference");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ce.fa") && err.contains("--reference"),
        "{err}"
    );
    // Columns other than the bases read without it; verify says what
    // it could not check.
    ok(gcol(&["depth", s(&out)]), "depth without the reference");
    let o = gcol(&["verify", "--deep", s(&out)]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("bases not decoded"));

    // A reference of the same lengths but other bases is refused by MD5.
    let fasta = std::fs::read_to_string(t.join("ce.fa")).unwrap();
    let other = dir.path().join("other.fa");
    std::fs::write(&other, fasta.replacen("\nGCCTAAGC", "\nGCCTAAGG", 1)).unwrap();
    assert_ne!(std::fs::read_to_string(&other).unwrap(), fasta);
    let o = gcol(&["view", "-T", s(&other), s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("MD5"));

    // Conversion checks @SQ LN and M5 against the reference.
    let short = dir.path().join("short.fa");
    let mut lines: Vec<&str> = fasta.lines().collect();
    let cut = lines
        .iter()
        .position(|l| l.starts_with(">CHROMOSOME_II"))
        .unwrap();
    lines.remove(cut - 1);
    std::fs::write(&short, lines.join("\n") + "\n").unwrap();
    let bad = dir.path().join("bad.gcol");
    let o = gcol(&["convert", s(&sam), "--reference", s(&short), "-o", s(&bad)]);
    assert_eq!(o.status.code(), Some(4));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("LN:1009800") && err.contains("CHROMOSOME_I"),
        "{err}"
    );
    assert!(!bad.exists());
    let text = std::fs::read_to_string(&sam).unwrap().replacen(
        "SN:CHROMOSOME_I\tLN:1009800",
        "SN:CHROMOSOME_I\tLN:1009800\tM5:00000000000000000000000000000000",
        1,
    );
    let m5 = dir.path().join("m5.sam");
    std::fs::write(&m5, text).unwrap();
    let o = gcol(&[
        "convert",
        s(&m5),
        "--reference",
        s(&t.join("ce.fa")),
        "-o",
        s(&bad),
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("M5:0000"));
    assert!(!bad.exists());
}

#[test]
fn regions_and_filters_select_as_samtools() {
    let Some(bam) = data("regions_and_filters_select_as_samtools") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, regions) in [
        (
            "1000g_HG02002_illumina_subset.bam",
            &[
                "6:32771448-32781448",
                "6",
                "6:33000000-34000000",
                "6:32800000",
            ][..],
        ),
        (
            "ont_pcs109_5k_cdna_spliced.bam",
            &["SIRV1:1000-2000", "SIRV3:5000-5001", "SIRV5"][..],
        ),
    ] {
        let input = bam.join(name);
        let out = dir.path().join(format!("{name}.gcol"));
        ok(gcol(&["convert", s(&input), "-o", s(&out)]), "convert");
        for region in regions {
            for filter in [&[][..], &["-F", "0x904", "-q", "10"][..], &["-f", "16"][..]] {
                let mut ours_args = vec!["view", s(&out), region];
                ours_args.extend(filter);
                let mut theirs_args = vec!["view", s(&input), region];
                theirs_args.extend(filter);
                let ours = ok(gcol(&ours_args), "view");
                let theirs = samtools(&theirs_args);
                assert!(ours == theirs, "{name} {region} {filter:?}");
            }
        }
        // Two regions print each overlapping record once per region, as samtools.
        let ours = ok(
            gcol(&["view", s(&out), regions[0], regions[0]]),
            "view twice",
        );
        let theirs = samtools(&["view", s(&input), regions[0], regions[0]]);
        assert_eq!(ours.len(), theirs.len());
    }
}

#[test]
fn depth_equals_samtools_depth() {
    let Some(bam) = data("depth_equals_samtools_depth") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // `-a` over whole human chromosomes prints hundreds of millions of
    // lines: only the small SIRV references get it without a region.
    for (name, region, whole_a) in [
        (
            "1000g_HG02002_illumina_subset.bam",
            "6:32771448-32781448",
            false,
        ),
        ("ont_pcs109_5k_cdna_spliced.bam", "SIRV1:1-5000", true),
        ("CHM1_illumina_vcfanno_ex.bam", "1:10000-20000", false),
    ] {
        let input = bam.join(name);
        let out = dir.path().join(format!("{name}.gcol"));
        ok(gcol(&["convert", s(&input), "-o", s(&out)]), "convert");
        let all: &[&str] = if whole_a { &["-a"] } else { &[] };
        for args in [&[][..], all, &["-a", "-r", region][..], &["-r", region][..]] {
            let mut ours_args = vec!["depth"];
            ours_args.extend(args);
            ours_args.push(s(&out));
            let mut theirs_args = vec!["depth"];
            theirs_args.extend(args);
            theirs_args.push(s(&input));
            let ours = ok(gcol(&ours_args), "depth");
            let theirs = samtools(&theirs_args);
            assert!(ours == theirs, "{name} depth {args:?}");
        }
    }
}

#[test]
fn bad_alignment_input_names_file_record_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let header = "@SQ\tSN:chr1\tLN:100\n";
    for (body, record, field) in [
        (
            "r1\t0\tchr1\t5\t60\t4M\t*\t0\t0\tACG\tIII\n",
            "record 1",
            "CIGAR",
        ),
        (
            "r1\t0\tchr2\t5\t60\t3M\t*\t0\t0\tACG\tIII\n",
            "record 1",
            "RNAME",
        ),
        (
            "r1\t0\tchr1\t5\t60\t3M\t*\t0\t0\tACG\tIII\nr2\t0\tchr1\t5\t60\t3M\t*\t0\t0\tACG\tII\n",
            "record 2",
            "QUAL",
        ),
        (
            "r1\t0\tchr1\t5\t60\t3M\t*\t0\t0\tACG\tIII\tNM:i:1\tNM:i:2\n",
            "record 1",
            "tags",
        ),
        (
            "r1\t0\tchr1\tx\t60\t3M\t*\t0\t0\tACG\tIII\n",
            "record 1",
            "POS",
        ),
    ] {
        let sam = d.join("bad.sam");
        std::fs::write(&sam, format!("{header}{body}")).unwrap();
        let out = d.join("bad.gcol");
        let o = gcol(&["convert", s(&sam), "-o", s(&out)]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "{err}");
        assert!(
            err.contains("bad.sam") && err.contains(record) && err.contains(field),
            "{field}: {err}"
        );
        assert!(!out.exists());
    }
    // A BAM cut short (no BGZF end-of-file block) is refused as truncated.
    let good = d.join("good.sam");
    std::fs::write(
        &good,
        format!("{header}r1\t0\tchr1\t5\t60\t3M\t*\t0\t0\tACG\tIII\n"),
    )
    .unwrap();
    let converted = d.join("good.gcol");
    ok(gcol(&["convert", s(&good), "-o", s(&converted)]), "convert");
    let bam = d.join("good.bam");
    ok(
        gcol(&["view", "-b", "-o", s(&bam), s(&converted)]),
        "to BAM",
    );
    let bytes = std::fs::read(&bam).unwrap();
    let cut = d.join("cut.bam");
    std::fs::write(&cut, &bytes[..bytes.len() - 28]).unwrap();
    let o = gcol(&["convert", s(&cut), "-o", s(&d.join("cut.gcol"))]);
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("truncated"));
}

/// A CIGAR of more than 65,535 operations (BAM keeps it in a CG:B:I tag,
/// SAM spec 4.2.2): from SAM and from samtools' BAM, viewed as samtools
/// views it (the CIGAR, no CG tag) and exported to the same BAM bytes.
#[test]
fn long_cigars_round_trip_through_cg() {
    if !gcol_tests::have_tool("samtools", "long_cigars_round_trip_through_cg") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let n = 35_000;
    let bases = "ACGT".repeat(n / 2 + 1);
    let seq: String = bases.chars().take(2 * n).collect();
    let sam = dir.path().join("long.sam");
    let text = format!(
        "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:200000\n\
         a\t0\tchr1\t50\t60\t4M\t*\t0\t0\tACGT\t*\tNM:i:0\n\
         long\t0\tchr1\t101\t60\t{}\t*\t0\t0\t{seq}\t*\tNM:i:7\tXX:Z:after\n\
         b\t16\tchr1\t300\t60\t5M\t*\t0\t0\tACGTA\tIIIII\n",
        "1M1I".repeat(n)
    );
    std::fs::write(&sam, text).unwrap();
    let bam = dir.path().join("long.bam");
    samtools(&["view", "-b", "-o", s(&bam), s(&sam)]);
    for input in [&sam, &bam] {
        let theirs = samtools(&["view", "--no-PG", "-h", s(input)]);
        let out = dir.path().join("long.gcol");
        ok(gcol(&["convert", s(input), "-o", s(&out), "-q"]), "convert");
        ok(gcol(&["verify", "--deep", s(&out)]), "verify");
        assert!(ok(gcol(&["view", "-h", s(&out)]), "view") == theirs);
        let back = dir.path().join("back.bam");
        ok(gcol(&["view", "-b", "-o", s(&back), s(&out)]), "view -b");
        assert!(samtools(&["view", "--no-PG", "-h", s(&back)]) == theirs);
        let inflate = |p: &Path| {
            let mut v = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(p).unwrap()),
                &mut v,
            )
            .unwrap();
            v
        };
        if input == &bam {
            assert!(inflate(&back) == inflate(&bam), "BAM bytes differ");
        }
    }
}

/// Edge cases of choosing and reading a reference, and of CG tags that
/// htslib leaves alone: a VCF input does not switch alignments to
/// reference coding; a reference FASTA that is not nucleotides is refused
/// at conversion (not stored as proteins and then unreadable); a CG tag
/// on an unplaced record, or with one item, stays a tag, as samtools
/// prints it.
#[test]
fn reference_choice_and_cg_edge_cases() {
    if !gcol_tests::have_tool("samtools", "reference_choice_and_cg_edge_cases") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let fasta = format!(">chr1\n{}\n", "ACGT".repeat(15));
    std::fs::write(p("ref.fa"), &fasta).unwrap();
    std::fs::write(
        p("v.vcf"),
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    )
    .unwrap();
    std::fs::write(
        p("other.sam"),
        "@SQ\tSN:chr1\tLN:1000\nr1\t0\tchr1\t1\t60\t8M\t*\t0\t0\tACGTACGT\t*\n",
    )
    .unwrap();
    let out = p("o.gcol");
    ok(
        gcol(&[
            "convert",
            s(&p("ref.fa")),
            s(&p("v.vcf")),
            s(&p("other.sam")),
            "-o",
            s(&out),
            "-q",
        ]),
        "FASTA, VCF and SAM without --reference",
    );
    let inspect = String::from_utf8(ok(gcol(&["inspect", s(&out)]), "inspect")).unwrap();
    assert!(!inspect.contains("seq_coding: reference"), "{inspect}");

    std::fs::write(
        p("xm.fa"),
        format!(">chr1\nACGTACGTXXXXXXXX{}\n", "ACGT".repeat(11)),
    )
    .unwrap();
    std::fs::write(
        p("xm.sam"),
        "@SQ\tSN:chr1\tLN:60\nr1\t0\tchr1\t1\t60\t8M\t*\t0\t0\tACGTACGT\t*\n",
    )
    .unwrap();
    let bad = p("xm.gcol");
    let o = gcol(&[
        "convert",
        s(&p("xm.fa")),
        s(&p("xm.sam")),
        "--reference",
        s(&p("xm.fa")),
        "-o",
        s(&bad),
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a nucleotide"));
    assert!(!bad.exists());

    std::fs::write(
        p("cg.sam"),
        "@SQ\tSN:chr1\tLN:1000\n\
         C1\t0\tchr1\t1\t60\t10S5N\t*\t0\t0\tACGTACGTAC\t*\tCG:B:I,160\n\
         C2\t4\t*\t0\t0\t10S8N\t*\t0\t0\tACGTACGTAC\t*\tCG:B:I,64,33,64\n",
    )
    .unwrap();
    samtools(&["view", "-b", "-o", s(&p("cg.bam")), s(&p("cg.sam"))]);
    for input in ["cg.sam", "cg.bam"] {
        let out = p(&format!("{input}.gcol"));
        ok(
            gcol(&["convert", s(&p(input)), "-o", s(&out), "-q"]),
            "convert",
        );
        assert_eq!(
            ok(gcol(&["view", s(&out)]), "view"),
            samtools(&["view", s(&p(input))]),
            "{input}"
        );
    }
}

/// A record running past its reference's end: `samtools depth` prints the
/// positions it covers past LN (with or without -a, and within -r), and
/// so does `gcol depth`.
#[test]
fn depth_past_the_reference_end_as_samtools() {
    if !gcol_tests::have_tool("samtools", "depth_past_the_reference_end_as_samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sam = dir.path().join("over.sam");
    std::fs::write(
        &sam,
        "@SQ\tSN:chr1\tLN:60\n@SQ\tSN:chr2\tLN:30\n\
         r2\t0\tchr1\t10\t60\t5M\t*\t0\t0\tACGTA\t*\n\
         r1\t0\tchr1\t55\t60\t3M2D7M\t*\t0\t0\tACGTACGTAC\t*\n\
         r3\t0\tchr2\t28\t60\t5M\t*\t0\t0\tACGTA\t*\n",
    )
    .unwrap();
    let bam = dir.path().join("over.bam");
    samtools(&["view", "-b", "-o", s(&bam), s(&sam)]);
    samtools(&["index", s(&bam)]);
    let out = dir.path().join("over.gcol");
    ok(gcol(&["convert", s(&sam), "-o", s(&out), "-q"]), "convert");
    for args in [
        vec![],
        vec!["-a"],
        vec!["-r", "chr1:58-70"],
        vec!["-a", "-r", "chr1:58-70"],
        vec!["-r", "chr1:64-65"],
        vec!["-a", "-r", "chr2"],
    ] {
        let mut ours = vec!["depth"];
        ours.extend(&args);
        ours.push(s(&out));
        let mut theirs = vec!["depth"];
        theirs.extend(&args);
        theirs.push(s(&bam));
        assert_eq!(
            String::from_utf8(ok(gcol(&ours), "depth")).unwrap(),
            String::from_utf8(samtools(&theirs)).unwrap(),
            "{args:?}"
        );
    }
}

/// Counts of A, C, G, T and deletions in a `samtools mpileup` base column
/// (no reference: bases print as letters; `^` and its MAPQ character, `$`,
/// indel notes `+N...`/`-N...` and skips `>` `<` are not bases).
fn mpileup_counts(bases: &[u8]) -> [u32; 5] {
    let mut counts = [0u32; 5];
    let mut i = 0;
    while i < bases.len() {
        match bases[i] {
            b'^' => i += 1,
            b'+' | b'-' => {
                let mut n = 0usize;
                while bases.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    n = n * 10 + usize::from(bases[i + 1] - b'0');
                    i += 1;
                }
                i += n;
            }
            b'A' | b'a' => counts[0] += 1,
            b'C' | b'c' => counts[1] += 1,
            b'G' | b'g' => counts[2] += 1,
            b'T' | b't' => counts[3] += 1,
            b'*' | b'#' => counts[4] += 1,
            _ => {}
        }
        i += 1;
    }
    counts
}

/// `gcol pileup` counts every A, C, G, T and deletion that `samtools
/// mpileup` lists (no BAQ, no base or mapping quality floor, orphans and
/// overlapping mates kept, samtools depth's flag filter), at every
/// position with a count; `-a` adds the others as zeros.
#[test]
fn pileup_counts_equal_samtools_mpileup() {
    let Some(bam) = data("pileup_counts_equal_samtools_mpileup") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, region) in [
        ("1000g_HG02002_illumina_subset.bam", "6:32771448-32772447"),
        ("ont_pcs109_5k_cdna_spliced.bam", "SIRV1:1-3000"),
        ("CHM1_illumina_vcfanno_ex.bam", "1:10000-10500"),
    ] {
        let input = bam.join(name);
        let out = dir.path().join(format!("{name}.gcol"));
        ok(
            gcol(&["convert", "-q", s(&input), "-o", s(&out)]),
            "convert",
        );
        let theirs = samtools(&[
            "mpileup",
            "-B",
            "-Q",
            "0",
            "-q",
            "0",
            "-A",
            "-x",
            "-d",
            "10000000",
            "--ff",
            "UNMAP,SECONDARY,QCFAIL,DUP",
            "-r",
            region,
            s(&input),
        ]);
        let mut expected = String::new();
        for line in String::from_utf8(theirs).unwrap().lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            let c = mpileup_counts(fields[4].as_bytes());
            if c.iter().any(|&n| n > 0) {
                expected.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                    fields[0], fields[1], c[0], c[1], c[2], c[3], c[4]
                ));
            }
        }
        assert!(expected.lines().count() > 100, "{name}: {expected}");
        let ours =
            String::from_utf8(ok(gcol(&["pileup", "-r", region, s(&out)]), "pileup")).unwrap();
        assert!(
            ours == expected,
            "{name} {region}: gcol pileup differs from samtools mpileup"
        );
        // -a: every position of the region, zeros included.
        let all = String::from_utf8(ok(
            gcol(&["pileup", "-a", "-r", region, s(&out)]),
            "pileup -a",
        ))
        .unwrap();
        let (from, to) = region.split_once(':').unwrap().1.split_once('-').unwrap();
        let span = to.parse::<usize>().unwrap() - from.parse::<usize>().unwrap() + 1;
        assert_eq!(all.lines().count(), span, "{name}");
        assert!(all
            .lines()
            .filter(|l| !l.ends_with("\t0\t0\t0\t0\t0"))
            .eq(ours.lines()));
    }
}
