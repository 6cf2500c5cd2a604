//! `gcol subset FILE REGION... -s SAMPLES` against bcftools: the subset of
//! a converted VCF, exported, equals `bcftools view -r REGIONS -s SAMPLES`
//! of the source (AC and AN recomputed as bcftools does); edge-case files
//! (null lists, mixed ploidy, missing values) read back through bcftools
//! equal to bcftools' own subset; pages wholly inside a region are copied;
//! provenance names the selection; usage errors leave nothing behind.

mod common;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{conformance, fails, gcol, ok, s};
use gcol_tests::{have_tool, shared_data};

/// `bcftools view --no-version ARGS FILE` without bcftools' own header lines.
fn bcftools_view(args: &[&str], file: &Path) -> String {
    let out = Command::new("bcftools")
        .arg("view")
        .arg("--no-version")
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bcftools view {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `gcol subset FILE ARGS -o OUT -q`, which must succeed.
fn subset_to(file: &Path, args: &[&str], out: &Path) {
    let mut all = vec!["subset", s(file)];
    all.extend_from_slice(args);
    all.extend(["-o", s(out), "-q"]);
    ok(gcol(&all), "subset");
}

/// The VCF text of every dataset of a .gcol file (`gcol export -o -`).
fn export(file: &Path) -> String {
    ok(gcol(&["export", s(file), "-o", "-"]), "export")
}

/// Sample names of a VCF (bcftools query -l).
fn samples(vcf: &Path) -> Vec<String> {
    let out = Command::new("bcftools")
        .args(["query", "-l"])
        .arg(vcf)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// The shared data directory when it and bcftools are here (else the
/// test says what it could not run).
fn data_and_bcftools(what: &str) -> Option<PathBuf> {
    let data = shared_data(what)?;
    have_tool("bcftools", what).then_some(data)
}

fn vcf(data: &Path, name: &str) -> PathBuf {
    data.join("vcf").join(name)
}

#[test]
fn region_and_sample_subsets_equal_bcftools_view() {
    let Some(data) = data_and_bcftools("region and sample subsets against bcftools view") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "1000g_chr20_nygc30x_phased_300s.vcf.gz",
        "1000g_chr20_nygc30x_mixedphase_203s.bcf",
    ] {
        let source = vcf(&data, name);
        let file = dir.path().join("in.gcol");
        ok(
            gcol(&["convert", s(&source), "-o", s(&file), "-q"]),
            "convert",
        );
        let names = samples(&source);
        let three = format!("{},{},{}", names[40], names[3], names[17]);
        let not_three = format!("^{three}");
        let selections: [&[&str]; 7] = [
            // Sites only (AC/AN kept as every sample gave them).
            &["-G"],
            &["-r", "20:1500000-2500000", "-G"],
            &["-r", "20:1500000-2500000", "-s", &three],
            &[
                "-r",
                "20:1000000-1100000,20:2000000-2100000",
                "-s",
                &not_three,
            ],
            &["-r", "20:1-3000000"],
            &["-s", &names[5]],
            // A region with no records: a valid file of none.
            &["-r", "20:90000000-90000010"],
        ];
        for selection in selections {
            let out = dir.path().join("part.gcol");
            let mut args = vec!["subset", s(&file), "-o", s(&out)];
            args.extend_from_slice(selection);
            let summary = ok(gcol(&args), "subset");
            ok(gcol(&["verify", "--deep", "-q", s(&out)]), "verify");
            let expected = bcftools_view(selection, &source);
            assert!(
                export(&out) == expected,
                "{name} {selection:?}: the subset's VCF differs from bcftools view"
            );
            // `gcol view` of the source with the same selection prints it too.
            let mut args = vec!["view", s(&file)];
            args.extend_from_slice(selection);
            assert!(
                ok(gcol(&args), "view") == expected,
                "{name} {selection:?}: gcol view differs from bcftools view"
            );
            if selection == ["-r", "20:1-3000000"] {
                // Whole pages of the first part of the file are copied.
                let copied: u64 = summary
                    .split(" pages copied")
                    .next()
                    .and_then(|t| t.rsplit('(').next())
                    .and_then(|t| t.trim().parse().ok())
                    .unwrap_or(0);
                assert!(copied >= 5, "{summary}");
            }
        }
        // Provenance names the selection and the source's content hash.
        let out = dir.path().join("part.gcol");
        subset_to(&file, &["20:1-2000000", "-s", &three], &out);
        let reader = gcol_reader::Reader::open(&out).unwrap();
        let entry = reader.manifest().provenance.last().unwrap().clone();
        assert_eq!(entry.options["regions"], "20:1-2000000");
        assert_eq!(entry.options["samples"], three);
        let source_reader = gcol_reader::Reader::open(&file).unwrap();
        let dataset = &source_reader.datasets()[0].name;
        assert_eq!(
            entry.options[&format!("content_hash.{dataset}")],
            source_reader.content_hash(dataset).unwrap()
        );
    }
}

#[test]
fn edge_case_subsets_read_back_as_bcftools_subsets() {
    let Some(data) = data_and_bcftools("subsets of edge-case VCFs against bcftools") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "bio2zarr_tests/field_type_combos.vcf.gz",
        "bio2zarr_tests/mixed_ploidy.vcf.gz",
        "bio2zarr_tests/sample_all_missing_gts.vcf.gz",
        "sgkit_tests/all_fields.vcf",
        "htslib_test/tabix_vcf_file.vcf",
        "htslib_test/formatmissing.vcf",
    ] {
        let source = vcf(&data, name);
        let file = dir.path().join("in.gcol");
        ok(
            gcol(&["convert", s(&source), "-o", s(&file), "-q"]),
            "convert",
        );
        let names = samples(&source);
        let last = names.last().unwrap().clone();
        let pair = if names.len() > 1 {
            format!("{last},{}", names[0])
        } else {
            last.clone()
        };
        let out = dir.path().join("part.gcol");
        subset_to(&file, &["-s", &pair], &out);
        ok(gcol(&["verify", "--deep", "-q", s(&out)]), "verify");
        // bcftools reads the subset's export as it reads its own subset.
        let exported = dir.path().join("part.vcf");
        std::fs::write(&exported, export(&out)).unwrap();
        assert_eq!(
            bcftools_view(&[], &exported),
            bcftools_view(&["-s", &pair], &source),
            "{name} -s {pair}"
        );
    }
}

#[test]
fn subset_usage_errors_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let calls = conformance("variants.gcol");
    let out = dir.path().join("out.gcol");
    let reader = gcol_reader::Reader::open(&calls).unwrap();
    let variants = gcol_reader::Variants::open(&reader, &reader.datasets()[0].name).unwrap();
    let first = variants.samples()[0].clone();
    for (args, says) in [
        (vec!["-s", "NOBODY"], "no sample \"NOBODY\""),
        (vec!["-s", &format!("{first},{first}")], "named twice"),
        (vec!["-r", "chr1:20-10"], "end"),
    ] {
        let mut all = vec!["subset", s(&calls), "-o", s(&out)];
        all.extend(args);
        let err = fails(gcol(&all), 2, "subset");
        assert!(err.contains(says), "{err}");
        assert!(!out.exists());
    }
    // Regions select variants: a file of sequences has none.
    let err = fails(
        gcol(&[
            "subset",
            s(&conformance("sequences_dna.gcol")),
            "chr1:1-10",
            "-o",
            s(&out),
        ]),
        2,
        "subset",
    );
    assert!(err.contains("variants and alignments datasets"), "{err}");
    // Nothing to select.
    fails(gcol(&["subset", s(&calls), "-o", s(&out)]), 2, "subset");
    assert!(!out.exists());
}

#[test]
fn conformance_variants_subsets_equal_view() {
    // REF coded against the file's reference (with mismatch rows) and
    // plain: the subset exports what `gcol view` prints of the source for
    // the same selection, and the reference comes along whole.
    let dir = tempfile::tempdir().unwrap();
    for name in ["variants.gcol", "variants_ref.gcol"] {
        let file = conformance(name);
        let reader = gcol_reader::Reader::open(&file).unwrap();
        let dataset = reader
            .datasets()
            .iter()
            .find(|d| gcol_reader::Variants::is_variants(d))
            .unwrap()
            .name
            .clone();
        let variants = gcol_reader::Variants::open(&reader, &dataset).unwrap();
        let contig = variants.contigs()[0].clone();
        let sample = variants.samples().last().cloned();
        let mut selections: Vec<Vec<String>> =
            vec![vec![format!("{contig}:2-1000000")], vec![contig.clone()]];
        if let Some(sample) = sample {
            selections.push(vec!["-s".into(), sample.clone()]);
            selections.push(vec![format!("{contig}:1-5"), "-s".into(), sample]);
        }
        for selection in selections {
            let out = dir.path().join("part.gcol");
            let sel: Vec<&str> = selection.iter().map(String::as_str).collect();
            let mut args = vec!["subset", s(&file), "-o", s(&out), "-q"];
            args.extend(&sel);
            ok(gcol(&args), "subset");
            ok(gcol(&["verify", "--deep", "-q", s(&out)]), "verify");
            let mut args = vec!["view", s(&file)];
            args.extend(&sel);
            let expected = ok(gcol(&args), "view");
            let got = ok(gcol(&["view", s(&out)]), "view subset");
            assert_eq!(got, expected, "{name} {selection:?}");
            let kept: Vec<String> = gcol_reader::Reader::open(&out)
                .unwrap()
                .datasets()
                .iter()
                .map(|d| d.name.clone())
                .collect();
            assert_eq!(kept.len(), reader.datasets().len(), "{name}: {kept:?}");
        }
    }
}

/// Lines of VCF text without bcftools' own header lines, sorted (bcftools
/// merge orders records of one position by their alleles).
fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with("##bcftools"))
        .map(String::from)
        .collect();
    lines.sort();
    lines
}

/// `bcftools merge` of two VCF texts (written BGZF-compressed and indexed).
fn bcftools_merge(dir: &Path, a: &str, b: &str) -> String {
    let mut inputs = Vec::new();
    for (name, text) in [("a.vcf", a), ("b.vcf", b)] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let gz = dir.join(format!("{name}.gz"));
        let status = Command::new("bcftools")
            .args(["view", "--no-version", "-Oz", "-o"])
            .arg(&gz)
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        assert!(Command::new("bcftools")
            .args(["index", "-f", "-t"])
            .arg(&gz)
            .status()
            .unwrap()
            .success());
        inputs.push(gz);
    }
    let out = Command::new("bcftools")
        .args(["merge", "--no-version"])
        .args(&inputs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn merged_samples_equal_bcftools_merge() {
    let Some(data) =
        data_and_bcftools("merging the samples of variants datasets against bcftools merge")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    // A cohort split by samples and merged back is the cohort, byte for
    // byte; bcftools merge of the two halves says the same.
    let source = vcf(&data, "1000g_chr20_nygc30x_phased_300s.vcf.gz");
    ok(
        gcol(&["convert", s(&source), "-o", s(&p("all.gcol")), "-q"]),
        "convert",
    );
    let names = samples(&source);
    let first: String = names[..100].join(",");
    subset_to(&p("all.gcol"), &["-s", &first], &p("a.gcol"));
    let rest = format!("^{first}");
    subset_to(&p("all.gcol"), &["-s", &rest], &p("b.gcol"));
    let summary = ok(
        gcol(&[
            "merge",
            s(&p("a.gcol")),
            s(&p("b.gcol")),
            "-o",
            s(&p("m.gcol")),
        ]),
        "merge",
    );
    assert!(summary.contains("pages copied"), "{summary}");
    // Provenance: the second file's entries name the joined dataset.
    let merged_reader = gcol_reader::Reader::open(p("m.gcol")).unwrap();
    let dataset = merged_reader.datasets()[0].name.clone();
    let provenance = &merged_reader.manifest().provenance;
    let second = provenance.iter().find(|e| e.source == "b.gcol").unwrap();
    assert_eq!(second.datasets, vec![dataset.clone()]);
    assert!(second
        .options
        .contains_key(&format!("samples_joined.{dataset}")));
    ok(gcol(&["verify", "--deep", "-q", s(&p("m.gcol"))]), "verify");
    let merged = export(&p("m.gcol"));
    // The genotypes of every record are the cohort's.
    let genotypes = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.splitn(10, '\t').nth(9).unwrap_or("").to_string())
            .collect()
    };
    assert!(genotypes(&merged) == genotypes(&export(&p("all.gcol"))));
    let expected = bcftools_merge(dir.path(), &export(&p("a.gcol")), &export(&p("b.gcol")));
    assert!(
        sorted_lines(&merged) == sorted_lines(&expected),
        "the merged cohort differs from bcftools merge"
    );
    // Files whose FORMAT fields, ploidy and INFO/DP4 differ: one sample's
    // calls without FORMAT/HQ against the others'.
    for name in [
        "bio2zarr_tests/sample.vcf.gz",
        "bio2zarr_tests/mixed_ploidy.vcf.gz",
        "htslib_test/tabix_vcf_file.vcf",
        "htslib_test/formatmissing.vcf",
    ] {
        let source = vcf(&data, name);
        let names = samples(&source);
        let one = bcftools_view(&["-s", &names[0]], &source);
        let others = bcftools_view(&["-s", &format!("^{}", names[0])], &source);
        // Without FORMAT/HQ (where it has one): bcftools annotate -x.
        let one_path = p("one.vcf");
        std::fs::write(&one_path, &one).unwrap();
        let stripped = Command::new("bcftools")
            .args(["annotate", "--no-version", "-x", "FORMAT/HQ"])
            .arg(&one_path)
            .output()
            .unwrap();
        assert!(stripped.status.success());
        let one = String::from_utf8(stripped.stdout).unwrap();
        for (file, text) in [("x", &one), ("y", &others)] {
            std::fs::write(p(&format!("{file}.vcf")), text).unwrap();
            ok(
                gcol(&[
                    "convert",
                    s(&p(&format!("{file}.vcf"))),
                    "--name",
                    "calls",
                    "-o",
                    s(&p(&format!("{file}.gcol"))),
                    "-q",
                ]),
                "convert",
            );
        }
        let out = p("xy.gcol");
        ok(
            gcol(&[
                "merge",
                s(&p("x.gcol")),
                s(&p("y.gcol")),
                "-o",
                s(&out),
                "-q",
            ]),
            "merge",
        );
        ok(gcol(&["verify", "--deep", "-q", s(&out)]), "verify");
        let expected = bcftools_merge(dir.path(), &one, &others);
        assert!(
            sorted_lines(&export(&out)) == sorted_lines(&expected),
            "{name}: gcol merge differs from bcftools merge"
        );
    }
    // Different sites under one name, or a sample in both: refused.
    subset_to(&p("a.gcol"), &["20:1-2000000"], &p("part.gcol"));
    let err = fails(
        gcol(&[
            "merge",
            s(&p("part.gcol")),
            s(&p("b.gcol")),
            "-o",
            s(&p("bad.gcol")),
        ]),
        2,
        "merge",
    );
    assert!(err.contains("same sites"), "{err}");
    let overlap = names[50..150].join(",");
    subset_to(&p("all.gcol"), &["-s", &overlap], &p("c.gcol"));
    let err = fails(
        gcol(&[
            "merge",
            s(&p("a.gcol")),
            s(&p("c.gcol")),
            "-o",
            s(&p("bad.gcol")),
        ]),
        2,
        "merge",
    );
    assert!(err.contains("more than one"), "{err}");
    assert!(!p("bad.gcol").exists());
}

#[test]
fn records_with_ac_but_no_genotypes_keep_their_values() {
    // bcftools view -s recomputes AC/AN where a record has GT and keeps
    // them where it has none; the subset does the same (AC/AN stay
    // stored columns).
    if !have_tool("bcftools", "AC/AN without GT against bcftools view -s") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let vcf = dir.path().join("nogt.vcf");
    std::fs::write(
        &vcf,
        "##fileformat=VCFv4.2\n##FILTER=<ID=PASS,Description=\"All filters passed\">\n\
         ##contig=<ID=1,length=1000>\n\
         ##INFO=<ID=AC,Number=A,Type=Integer,Description=\"Allele count in genotypes\">\n\
         ##INFO=<ID=AN,Number=1,Type=Integer,Description=\"Total number of alleles in called genotypes\">\n\
         ##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n\
         ##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n\
         #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n\
         1\t10\t.\tA\tC\t.\t.\tAC=1;AN=4\tGT:DP\t0/1:3\t0/0:2\n\
         1\t20\t.\tG\tT,C\t.\t.\tAC=5,1;AN=10\tDP\t3\t2\n\
         1\t30\t.\tG\tT,C\t.\t.\tAN=10\tGT\t1/2\t0/0\n",
    )
    .unwrap();
    let file = dir.path().join("in.gcol");
    ok(gcol(&["convert", s(&vcf), "-o", s(&file), "-q"]), "convert");
    for samples in ["S1", "S2,S1", "^S1"] {
        let out = dir.path().join("out.gcol");
        subset_to(&file, &["-s", samples], &out);
        ok(gcol(&["verify", "--deep", "-q", s(&out)]), "verify");
        assert_eq!(
            export(&out),
            bcftools_view(&["-s", samples], &vcf),
            "-s {samples}"
        );
    }
}

#[test]
fn regions_on_several_contigs_keep_bcftools_order() {
    // bcftools view -r prints contigs in the order the regions first name
    // them (each contig's records once, ascending); subset and view too.
    let Some(data) = data_and_bcftools("region order against bcftools view -r") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = vcf(&data, "bio2zarr_tests/multi_contig.vcf.gz");
    let file = dir.path().join("in.gcol");
    ok(
        gcol(&["convert", s(&source), "-o", s(&file), "-q"]),
        "convert",
    );
    for regions in ["3,1", "1:1-10000,3,1:10001-", "4:930-2000,0"] {
        let expected = bcftools_view(&["-r", regions], &source);
        let out = dir.path().join("out.gcol");
        subset_to(&file, &["-r", regions], &out);
        ok(gcol(&["verify", "--deep", "-q", s(&out)]), "verify");
        assert!(export(&out) == expected, "subset -r {regions}");
        assert!(
            ok(gcol(&["view", s(&file), "-r", regions]), "view") == expected,
            "view -r {regions}"
        );
    }
}

/// Alignments: the records overlapping the regions, each once and in file
/// order, as `samtools view -M` selects them from the indexed source BAM;
/// the header kept; the subset verifies deeply and names its regions in
/// its provenance; a reference-coded dataset's subset reads without the
/// reference; an unknown reference is a usage error leaving nothing.
#[test]
fn alignments_region_subsets_equal_samtools_view() {
    let Some(data) = shared_data("alignments subsets against samtools") else {
        return;
    };
    if !have_tool("samtools", "alignments subsets against samtools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bam = dir.path().join("in.bam");
    std::fs::copy(data.join("bam/1000g_HG02002_illumina_subset.bam"), &bam).unwrap();
    let status = Command::new("samtools")
        .arg("index")
        .arg(&bam)
        .status()
        .unwrap();
    assert!(status.success());
    let file = dir.path().join("a.gcol");
    ok(gcol(&["convert", s(&bam), "-o", s(&file), "-q"]), "convert");
    let regions = [
        "6:32771448-32772448",
        "6:32772000-32775000",
        "6:32790000-32800000",
    ];
    let out = dir.path().join("sub.gcol");
    let mut args = vec!["subset", s(&file)];
    args.extend(regions);
    args.extend(["-o", s(&out)]);
    let said = ok(gcol(&args), "subset");
    assert!(said.contains("re-encoded"), "{said}");
    let samtools = |extra: &[&str]| {
        let o = Command::new("samtools")
            .arg("view")
            .args(extra)
            .arg(&bam)
            .args(regions)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let theirs = samtools(&["-M"]);
    assert!(theirs.lines().count() > 50, "{}", theirs.lines().count());
    assert_eq!(ok(gcol(&["view", s(&out)]), "view"), theirs);
    // The header as samtools prints it (without its own @PG line).
    let header = |text: String| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with("@PG\tID:samtools"))
            .map(String::from)
            .collect()
    };
    assert_eq!(
        header(ok(gcol(&["view", "-H", s(&out)]), "view -H")),
        header(samtools(&["-H"]))
    );
    ok(gcol(&["verify", "--deep", s(&out)]), "verify");
    let inspect = ok(gcol(&["inspect", s(&out)]), "inspect");
    assert!(inspect.contains("6:32771448-32772448"), "{inspect}");
    // Provenance: the source .gcol (not the temporary BAM), naming the
    // dataset cut and its regions.
    let cut_reader = gcol_reader::Reader::open(&out).unwrap();
    let provenance = &cut_reader.manifest().provenance;
    assert!(
        provenance
            .iter()
            .all(|p| !p.source.contains(".gcol-subset-")),
        "{provenance:?}"
    );
    let last = provenance.last().unwrap();
    assert_eq!(last.source, "a.gcol");
    let name = &cut_reader.datasets()[0].name;
    assert!(last.datasets.contains(name), "{last:?}");
    assert!(provenance[..provenance.len() - 1]
        .iter()
        .any(|p| p.source == "in.bam" && p.datasets.contains(name)));

    // Coded against a reference in the file: the subset needs none.
    let coded = conformance("alignments_ref.gcol");
    let reader = gcol_reader::Reader::open(&coded).unwrap();
    let name = reader
        .datasets()
        .iter()
        .find(|d| gcol_reader::Alignments::is_alignments(d))
        .unwrap()
        .name
        .clone();
    let a = gcol_reader::Alignments::open(&reader, &name).unwrap();
    let contig = a.references()[0].0.clone();
    let cut = dir.path().join("coded.gcol");
    ok(
        gcol(&["subset", s(&coded), &contig, "-o", s(&cut), "-q"]),
        "subset",
    );
    assert_eq!(
        ok(gcol(&["view", s(&cut), "--dataset", &name]), "view cut"),
        ok(
            gcol(&["view", s(&coded), "--dataset", &name, &contig]),
            "view"
        )
    );
    let gone = dir.path().join("gone.gcol");
    let err = fails(
        gcol(&["subset", s(&file), "chrNope:1-10", "-o", s(&gone)]),
        2,
        "unknown reference",
    );
    assert!(err.contains("chrNope"), "{err}");
    assert!(!gone.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".gcol-subset-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary BAM files left behind");
}
