//! Variants against bcftools: every VCF and BCF under ../shared/data/vcf
//! converts, and what gcol prints back, read by `bcftools view`, equals
//! `bcftools view` of the source (every site, INFO field and sample
//! value); region and sample queries equal `bcftools view -r/-s`; BCF and
//! BGZF exports are read by bcftools; unsorted and malformed inputs are
//! refused with messages that name the record.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gcol_import::vcf::{import_vcf, VcfOptions};
use gcol_reader::variants::{write_vcf, VcfExport, VcfOutput, VcfWriteOptions};
use gcol_reader::{Reader, Variants, VcfRegion};
use gcol_tests::{have_tool, shared_data};
use gcol_writer::{WriteOptions, Writer};

/// Inputs gcol refuses on purpose, with the words the message must hold.
const REFUSED: [(&str, &str); 3] = [
    // Deliberately unsorted (SOURCES.md): refused with how to sort.
    ("svtools_lmerge_output_gt_3s_bnd.vcf.gz", "bcftools sort"),
    ("svtools_sv_classifier_training_17s.vcf.gz", "not sorted"),
    // `GT:GT`: htslib prints garbage for it; a repeated key is an error.
    ("noroundtrip.vcf", "GT appears twice"),
];

fn vcf_files(what: &str) -> Vec<PathBuf> {
    let Some(data) = shared_data(what) else {
        return Vec::new();
    };
    if !have_tool("bcftools", what) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut dirs = vec![data.join("vcf")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.to_string_lossy().to_string();
            if path.is_dir() {
                dirs.push(path);
            } else if [".vcf", ".vcf.gz", ".bcf", ".bgz"]
                .iter()
                .any(|e| name.ends_with(e))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn convert(path: &Path) -> Result<Vec<u8>, gcol_writer::Error> {
    let mut w = Writer::new(Vec::new(), WriteOptions::default())?;
    let bcf = path.to_string_lossy().ends_with(".bcf");
    let options = VcfOptions::new("v");
    import_vcf(&mut w, path, bcf, &options, &|_, _| {}, &mut |_| {})?;
    w.finish()
}

/// `bcftools view` (extra arguments first) of a file or of stdin bytes.
fn bcftools_view(args: &[&str], input: Result<&Path, &[u8]>) -> String {
    let mut cmd = Command::new("bcftools");
    cmd.arg("view").arg("--no-version").args(args);
    let out = match input {
        Ok(path) => cmd.arg(path).output().unwrap(),
        Err(bytes) => {
            let mut child = cmd
                .arg("-")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let bytes = bytes.to_vec();
            let feeder = std::thread::spawn(move || {
                use std::io::Write;
                let _ = stdin.write_all(&bytes);
            });
            let out = child.wait_with_output().unwrap();
            feeder.join().unwrap();
            out
        }
    };
    assert!(
        out.status.success(),
        "bcftools view {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn export(bytes: Vec<u8>, export: &VcfExport, kind: VcfOutput) -> Vec<u8> {
    let reader = Reader::from_bytes(bytes).unwrap();
    let variants = Variants::open(&reader, "v").unwrap();
    write_vcf(&variants, export, kind, Vec::new()).unwrap()
}

fn everything() -> VcfExport {
    VcfExport {
        header: true,
        ..VcfExport::default()
    }
}

#[test]
fn every_vcf_and_bcf_reads_back_as_bcftools_reads_the_source() {
    let files = vcf_files("variants round trips against bcftools");
    let mut checked = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let converted = convert(path);
        if let Some((_, words)) = REFUSED.iter().find(|(n, _)| *n == name) {
            let e = converted.expect_err(&name).to_string();
            assert!(e.contains(words), "{name}: {e}");
            assert!(e.contains("record "), "{name}: {e}");
            continue;
        }
        let bytes = converted.unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = export(bytes, &everything(), VcfOutput::Vcf);
        // Records only: bcftools adds ##contig lines from an index it finds
        // beside the source, which a stream has not.
        let ours = bcftools_view(&["-H"], Err(&text));
        let theirs = bcftools_view(&["-H"], Ok(path));
        assert!(ours == theirs, "{name}: records differ from bcftools'");
        checked += 1;
    }
    if !files.is_empty() {
        assert!(checked >= 35, "only {checked} files checked");
    }
}

#[test]
fn plain_vcf_reads_back_byte_for_byte() {
    let Some(data) = shared_data("byte-exact VCF export") else {
        return;
    };
    let path = data.join("vcf/1000g_chr20_nygc30x_mixedphase_203s.vcf.gz");
    let bytes = convert(&path).unwrap();
    let text = export(bytes, &everything(), VcfOutput::Vcf);
    let out = Command::new("gzip").arg("-dc").arg(&path).output().unwrap();
    assert!(
        text == out.stdout,
        "export differs from the decompressed source"
    );
}

#[test]
fn regions_and_samples_equal_bcftools_view() {
    let files = vcf_files("region and sample queries against bcftools");
    if files.is_empty() {
        return;
    }
    let data = shared_data("region queries").unwrap().join("vcf");
    let cases: [(&str, &[&str], &str); 4] = [
        (
            "1000g_chr20_nygc30x_phased_300s.vcf.gz",
            &["20:1000000-1100000", "20:2500000-2500100"],
            "HG00097,HG00096,NA06986",
        ),
        (
            "1000g_chr20_nygc30x_mixedphase_203s.vcf.gz",
            &["20:1500000-1600000"],
            "NA12878,NA06989",
        ),
        // gVCF blocks: records starting before a region reach into it by END.
        (
            "bio2zarr_tests/NA12878.prod.chr20snippet.g.vcf.gz",
            &["20:60050-60100", "20:61000"],
            "NA12878",
        ),
        (
            "bio2zarr_tests/CEUTrio.20.21.gatk3.4.g.vcf.bgz",
            &["20:10001000-10002000", "21"],
            "NA12878",
        ),
    ];
    for (file, regions, samples) in cases {
        let path = data.join(file);
        let bytes = convert(&path).unwrap();
        let reader = Reader::from_bytes(bytes.clone()).unwrap();
        let variants = Variants::open(&reader, "v").unwrap();
        let parsed: Vec<VcfRegion> = regions
            .iter()
            .map(|r| VcfRegion::parse(r).unwrap())
            .collect();
        let rows = variants.regions_rows(&parsed).unwrap();
        let names: Vec<String> = samples.split(',').map(String::from).collect();
        let chosen = variants.sample_indexes(&names).unwrap();
        // Regions alone, samples alone, both.
        for (with_rows, with_samples) in [(true, false), (false, true), (true, true)] {
            let export = VcfExport {
                rows: with_rows.then(|| rows.clone()),
                write: VcfWriteOptions {
                    samples: with_samples.then(|| chosen.clone()),
                    update_ac_an: true,
                },
                header: true,
                header_only: false,
            };
            let text = write_vcf(&variants, &export, VcfOutput::Vcf, Vec::new()).unwrap();
            let ours = bcftools_view(&["-H"], Err(&text));
            let region_list = regions.join(",");
            let mut args = vec!["-H"];
            if with_rows {
                args.extend(["-r", region_list.as_str()]);
            }
            if with_samples {
                args.extend(["-s", samples]);
            }
            let theirs = bcftools_view(&args, Ok(&path));
            assert!(
                ours == theirs,
                "{file} {args:?}: {} lines against bcftools' {}",
                ours.lines().count(),
                theirs.lines().count()
            );
        }
    }
}

#[test]
fn bgzf_and_bcf_exports_read_in_bcftools() {
    let files = vcf_files("BCF and BGZF export against bcftools");
    if files.is_empty() {
        return;
    }
    let data = shared_data("BCF export").unwrap().join("vcf");
    // noodles' BCF encoder panics on missing INFO values (field_type_combos
    // has them): BCF export says so and names the way out.
    for (file, kinds) in [
        (
            "1000g_chr20_nygc30x_mixedphase_203s.bcf",
            &[VcfOutput::VcfGz, VcfOutput::Bcf][..],
        ),
        (
            "bio2zarr_tests/field_type_combos.vcf.gz",
            &[VcfOutput::VcfGz][..],
        ),
        ("sgkit_tests/all_fields.vcf", &[VcfOutput::VcfGz][..]),
        (
            "bio2zarr_tests/sample.vcf.gz",
            &[VcfOutput::VcfGz, VcfOutput::Bcf][..],
        ),
    ] {
        let path = data.join(file);
        let theirs = bcftools_view(&["-H"], Ok(&path));
        for &kind in kinds {
            let bytes = convert(&path).unwrap();
            let out = export(bytes, &everything(), kind);
            let dir = tempfile::tempdir().unwrap();
            let name = if kind == VcfOutput::Bcf {
                "x.bcf"
            } else {
                "x.vcf.gz"
            };
            let target = dir.path().join(name);
            std::fs::write(&target, &out).unwrap();
            let ours = bcftools_view(&["-H"], Ok(&target));
            assert!(ours == theirs, "{file} as {kind:?}");
            // BGZF output is indexable.
            let index = Command::new("bcftools")
                .args(["index", "-f"])
                .arg(&target)
                .output()
                .unwrap();
            assert!(
                index.status.success(),
                "{file} {kind:?}: {}",
                String::from_utf8_lossy(&index.stderr)
            );
        }
    }
    let bytes = convert(&data.join("bio2zarr_tests/field_type_combos.vcf.gz")).unwrap();
    let reader = Reader::from_bytes(bytes).unwrap();
    let variants = Variants::open(&reader, "v").unwrap();
    let e = write_vcf(&variants, &everything(), VcfOutput::Bcf, Vec::new())
        .unwrap_err()
        .to_string();
    assert!(e.contains("export VCF (.vcf.gz) instead"), "{e}");
}

#[test]
fn malformed_records_name_file_record_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let header = "##fileformat=VCFv4.2\n##contig=<ID=1>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n";
    let cases = [
        (
            "1\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1\n",
            "record 1, line 6, columns: 1 sample columns, the header names 2 samples",
        ),
        (
            "1\tx\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\n",
            "line 6, POS: \"x\" is not a position",
        ),
        (
            "1\t5\t.\tA\tC\t.\t.\tDP=3.5\tGT\t0/1\t0/0\n",
            "line 6, INFO: DP: \"3.5\" is not an Integer",
        ),
        (
            "1\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/y\n",
            "line 6, GT: \"0/y\" is not a genotype",
        ),
        (
            "1\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\n1\t4\t.\tA\tC\t.\t.\t.\tGT\t0/1\t0/0\n",
            "record 2, line 7, POS: 4 after 5",
        ),
        ("1\t5\t.\tA\n", "4 tab-separated columns"),
    ];
    for (i, (records, expected)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.vcf"));
        std::fs::write(&path, format!("{header}{records}")).unwrap();
        let e = convert(&path).unwrap_err().to_string();
        assert!(e.contains(expected), "case {i}: {e}");
        assert!(e.contains(&format!("bad{i}.vcf")), "case {i}: {e}");
    }
}

#[test]
fn genotype_arrays_match_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.vcf");
    std::fs::write(
        &path,
        "##fileformat=VCFv4.2\n##contig=<ID=1>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\n1\t5\t.\tA\tC,G\t.\t.\t.\tGT\t0|1\t2/.\t1\n1\t9\t.\tA\tC\t.\t.\t.\tGT\t./.\t1|1/0\t.\n",
    )
    .unwrap();
    let reader = Reader::from_bytes(convert(&path).unwrap()).unwrap();
    let v = Variants::open(&reader, "v").unwrap();
    let (alleles, phased, ploidy) = v.genotypes(0..2, None).unwrap();
    assert_eq!(ploidy, 3);
    assert_eq!(
        alleles,
        [0, 1, -2, 2, -1, -2, 1, -2, -2, -1, -1, -2, 1, 1, 0, -1, -2, -2]
    );
    assert_eq!(phased, [true, false, false, false, false, false]);
    let (alleles, _, _) = v.genotypes(1..2, Some(&[2, 0])).unwrap();
    assert_eq!(alleles, [-1, -2, -2, -1, -1, -2]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    /// Random genotype matrices (missing alleles, mixed ploidy 1-3, phased
    /// and unphased, up to 4 ALT alleles, small chunks so calls cross chunk
    /// edges) come back from `genotypes` exactly as generated.
    #[test]
    fn random_genotype_matrices_round_trip(
        seed in 1u64..u64::MAX,
        sites in 1usize..40,
        samples in 1usize..9,
    ) {
        let mut rng = gcol_tests::Rng(seed);
        let mut text = String::from("##fileformat=VCFv4.2\n##contig=<ID=1>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT");
        for s in 0..samples {
            text.push_str(&format!("\tS{s}"));
        }
        text.push('\n');
        let mut expected: Vec<Vec<(Vec<i16>, bool)>> = Vec::new();
        for site in 0..sites {
            let n_alt = 1 + (rng.next() % 4) as usize;
            let alts: Vec<&str> = ["C", "G", "T", "CA"][..n_alt].to_vec();
            text.push_str(&format!("1\t{}\t.\tA\t{}\t.\t.\t.\tGT", site + 1, alts.join(",")));
            let mut row = Vec::new();
            for _ in 0..samples {
                let ploidy = 1 + (rng.next() % 3) as usize;
                let phased = rng.next().is_multiple_of(2);
                let alleles: Vec<i16> = (0..ploidy)
                    .map(|_| match rng.next() % 6 {
                        0 => -1,
                        r => (r as i16 - 1) % (n_alt as i16 + 1),
                    })
                    .collect();
                let call: Vec<String> = alleles
                    .iter()
                    .map(|&a| if a < 0 { ".".into() } else { a.to_string() })
                    .collect();
                text.push('\t');
                text.push_str(&call.join(if phased { "|" } else { "/" }));
                row.push((alleles, phased && ploidy > 1));
            }
            text.push('\n');
            expected.push(row);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.vcf");
        std::fs::write(&path, text).unwrap();
        let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
        let mut options = VcfOptions::new("v");
        options.chunk_variants = 7;
        options.chunk_samples = 3;
        import_vcf(&mut w, &path, false, &options, &|_, _| {}, &mut |_| {}).unwrap();
        let reader = Reader::from_bytes(w.finish().unwrap()).unwrap();
        let v = Variants::open(&reader, "v").unwrap();
        let (alleles, phased, ploidy) = v.genotypes(0..sites as u64, None).unwrap();
        for (i, row) in expected.iter().enumerate() {
            for (s, (call, phase)) in row.iter().enumerate() {
                let cell = &alleles[(i * samples + s) * ploidy..(i * samples + s + 1) * ploidy];
                let ours: Vec<i16> = cell.iter().copied().take_while(|&a| a != -2).collect();
                proptest::prop_assert_eq!(&ours, call);
                proptest::prop_assert!(cell[ours.len()..].iter().all(|&a| a == -2));
                proptest::prop_assert_eq!(phased[i * samples + s], *phase);
            }
        }
        // Allele counts of a sub-range equal the calls' own.
        let first = (seed % sites as u64) as usize;
        let rows: Vec<u64> = (first as u64..sites as u64).collect();
        let (counts, width, _) = v.allele_counts(&rows, None).unwrap();
        for (k, row) in expected[first..].iter().enumerate() {
            let mut want = vec![0u32; width];
            for (call, _) in row {
                for &a in call {
                    if a >= 0 {
                        want[a as usize] += 1;
                    }
                }
            }
            proptest::prop_assert_eq!(&counts[k * width..(k + 1) * width], &want[..]);
        }
    }

    /// Biallelic diploid calls are stored at one bit per haplotype (two
    /// with a third allele or missing alleles) and kept packed when read:
    /// genotypes and allele counts of any rows and samples (past 255
    /// haplotypes, runs starting off a byte boundary) equal the calls.
    #[test]
    fn one_bit_genotype_pages_read_packed(
        seed in 1u64..u64::MAX,
        sites in 1usize..90,
        samples in 1usize..300,
        chunk_variants in 9u64..70,
        alphabet in 0usize..3,
    ) {
        let mut rng = gcol_tests::Rng(seed);
        let mut text = String::from("##fileformat=VCFv4.2\n##contig=<ID=1>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT");
        for s in 0..samples {
            text.push_str(&format!("\tS{s}"));
        }
        text.push('\n');
        let mut calls = Vec::new();
        for site in 0..sites {
            // 1-bit pages (0/1), 2-bit pages of three alleles (0/1/2) or
            // of missing and two alleles (-1/0/1).
            let alts = if alphabet == 1 { "C,G" } else { "C" };
            text.push_str(&format!("1\t{}\t.\tA\t{alts}\t.\t.\t.\tGT", site + 1));
            let density = rng.next() % 100;
            let mut allele = || -> i16 {
                let called = (rng.next() % 100 < density) as i16;
                match alphabet {
                    1 if called == 1 => 1 + (rng.next() % 2) as i16,
                    2 if rng.next().is_multiple_of(10) => -1,
                    _ => called,
                }
            };
            for _ in 0..samples {
                let a = [allele(), allele()];
                let text_of = |x: i16| if x < 0 { ".".to_string() } else { x.to_string() };
                text.push_str(&format!("\t{}|{}", text_of(a[0]), text_of(a[1])));
                calls.push(a);
            }
            text.push('\n');
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.vcf");
        std::fs::write(&path, text).unwrap();
        let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
        let mut options = VcfOptions::new("v");
        options.chunk_variants = chunk_variants;
        import_vcf(&mut w, &path, false, &options, &|_, _| {}, &mut |_| {}).unwrap();
        let reader = Reader::from_bytes(w.finish().unwrap()).unwrap();
        let v = Variants::open(&reader, "v").unwrap();
        let first = (seed % sites as u64) as usize;
        // One sample first, from pages not yet cached: its runs are
        // streamed out of each page.
        let one = [samples - 1];
        let (alleles, _, _) = v.genotypes(first as u64..sites as u64, Some(&one)).unwrap();
        for site in first..sites {
            let at = (site - first) * 2;
            proptest::prop_assert_eq!(&alleles[at..at + 2], &calls[site * samples + one[0]][..]);
        }
        let chosen: Vec<usize> = (0..samples).filter(|s| (seed >> (s % 61)) & 1 == 1 || *s == 0).collect();
        let (alleles, _, ploidy) = v.genotypes(first as u64..sites as u64, Some(&chosen)).unwrap();
        proptest::prop_assert_eq!(ploidy, 2);
        for site in first..sites {
            for (o, &s) in chosen.iter().enumerate() {
                let at = ((site - first) * chosen.len() + o) * 2;
                proptest::prop_assert_eq!(&alleles[at..at + 2], &calls[site * samples + s][..]);
            }
        }
        // Every sample: whole tiles transposed in 8 x 8 blocks.
        let (all, _, _) = v.genotypes(first as u64..sites as u64, None).unwrap();
        for site in first..sites {
            for s in 0..samples {
                let at = ((site - first) * samples + s) * 2;
                proptest::prop_assert_eq!(&all[at..at + 2], &calls[site * samples + s][..]);
            }
        }
        let rows: Vec<u64> = (first as u64..sites as u64).collect();
        let (counts, width, _) = v.allele_counts(&rows, None).unwrap();
        proptest::prop_assert_eq!(width, if alphabet == 1 { 3 } else { 2 });
        for site in first..sites {
            let mut want = vec![0u32; width];
            for s in 0..samples {
                for &a in &calls[site * samples + s] {
                    if a >= 0 {
                        want[a as usize] += 1;
                    }
                }
            }
            let k = site - first;
            proptest::prop_assert_eq!(&counts[k * width..(k + 1) * width], &want[..]);
        }
    }
}

#[test]
fn summary_equals_bcftools_stats() {
    let files = vcf_files("variant summary against bcftools stats");
    let mut checked = 0;
    for path in &files {
        let Ok(bytes) = convert(path) else { continue };
        let out = Command::new("bcftools")
            .arg("stats")
            .arg(path)
            .output()
            .unwrap();
        let theirs: String = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("SN\t"))
            .map(|l| format!("{l}\n"))
            .collect();
        if theirs.is_empty() {
            // bcftools stats refuses this file (its FORMAT/PL count).
            continue;
        }
        let reader = Reader::from_bytes(bytes).unwrap();
        let variants = Variants::open(&reader, "v").unwrap();
        assert_eq!(
            variants.summary(None).unwrap().sn_lines(),
            theirs,
            "{}",
            path.display()
        );
        checked += 1;
    }
    if !files.is_empty() {
        assert!(checked >= 35, "only {checked} files checked");
    }
}

/// A variants dataset written column by column (not through the importer),
/// with `pos` and GT values chosen by the test.
fn handmade(pos: &[u64], gt: &[i8]) -> Vec<u8> {
    use gcol_format::encoding::Encoding;
    use gcol_format::manifest::{ChunkOrder, Coordinates};
    use gcol_format::schema::variants::{columns as col, SCHEMA};
    use gcol_writer::{ColumnSpec, DatasetSpec};
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    let d = w
        .add_dataset(DatasetSpec::new("v", "variants").coordinates(Coordinates::OneBasedInclusive))
        .unwrap();
    let spec = |name: &str| ColumnSpec::of(SCHEMA.column(name));
    let header = b"##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\n";
    let c = w.add_column(d, spec(col::HEADER)).unwrap();
    w.push_binary(c, header).unwrap();
    let c = w.add_column(d, spec(col::SAMPLE)).unwrap();
    w.push_binary(c, b"A").unwrap();
    let c = w.add_column(d, spec(col::CONTIG)).unwrap();
    w.push_binary(c, b"1").unwrap();
    let c = w.add_column(d, spec(col::CONTIG_END)).unwrap();
    w.push(c, &[pos.len() as u64]).unwrap();
    let c = w
        .add_column(d, spec(col::POS).encoding(Encoding::delta_varint()))
        .unwrap();
    w.push(c, pos).unwrap();
    let id = w.add_column(d, spec(col::ID).nullable()).unwrap();
    let reference = w.add_column(d, spec(col::REF)).unwrap();
    let alt = w.add_column(d, spec(col::ALT).list(col::ALT_ITEM)).unwrap();
    let alt_item = w.add_column(d, spec(col::ALT_ITEM)).unwrap();
    let qual = w.add_column(d, spec(col::QUAL).nullable()).unwrap();
    let filter = w
        .add_column(d, spec(col::FILTER).nullable().list(col::FILTER_ITEM))
        .unwrap();
    w.add_column(d, spec(col::FILTER_ITEM)).unwrap();
    let info = w.add_column(d, spec(col::INFO_KEYS)).unwrap();
    let format = w.add_column(d, spec(col::FORMAT_KEYS).nullable()).unwrap();
    for _ in pos {
        w.push_binary_option(id, None).unwrap();
        w.push_binary(reference, b"A").unwrap();
        w.push_binary(alt_item, b"C").unwrap();
        w.end_list(alt).unwrap();
        w.push_option::<f32>(qual, &[None]).unwrap();
        w.end_list_null(filter).unwrap();
        w.push_binary(info, b"").unwrap();
        w.push_binary_option(format, Some(b"GT")).unwrap();
    }
    let g = w
        .add_column(
            d,
            ColumnSpec::new(col::GT, gcol_format::PhysicalType::I8, "allele-index")
                .chunked(2, 1, 4, 2, ChunkOrder::ColumnMajor)
                .metadata("ploidy", "2"),
        )
        .unwrap();
    let p = w
        .add_column(
            d,
            spec(col::GT_PHASE).chunked(1, 1, 4, 1, ChunkOrder::ColumnMajor),
        )
        .unwrap();
    w.push_rows(g, gt, None).unwrap();
    w.push_rows(p, &vec![0u8; pos.len()], None).unwrap();
    w.set_num_rows(d, pos.len() as u64).unwrap();
    w.finish().unwrap()
}

#[test]
fn deep_verification_names_broken_variants_invariants() {
    // A sound dataset verifies, deep or not, and prints as VCF.
    let good = Reader::from_bytes(handmade(&[3, 5], &[0, 1, -1, -2])).unwrap();
    good.verify_with(true, |_, _| {}).unwrap();
    let v = Variants::open(&good, "v").unwrap();
    let text = write_vcf(&v, &VcfExport::default(), VcfOutput::Vcf, Vec::new()).unwrap();
    assert_eq!(
        String::from_utf8(text).unwrap(),
        "1\t3\t.\tA\tC\t.\t.\t.\tGT\t0/1\n1\t5\t.\tA\tC\t.\t.\t.\tGT\t.\n"
    );
    // POS going back within a contig: caught by verify.
    let e = Reader::from_bytes(handmade(&[5, 3], &[0, 1, 0, 0]))
        .unwrap()
        .verify_with(false, |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("v/pos") && e.contains("row 1") && e.contains("POS 3 after 5"),
        "{e}"
    );
    // An allele after the call's end, and a value below -2: caught by
    // deep verification only. (An index past the ALT alleles is valid, as
    // htslib reads it.)
    for gt in [[0i8, 1, -2, 1], [0, 1, 0, -3]] {
        let r = Reader::from_bytes(handmade(&[3, 5], &gt)).unwrap();
        r.verify_with(false, |_, _| {}).unwrap();
        let e = r.verify_with(true, |_, _| {}).unwrap_err().to_string();
        assert!(
            e.contains("v/format/GT") && e.contains("row 1") && e.contains("spec 14.4"),
            "{e}"
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    /// Mutated VCF text (bytes replaced, deleted, duplicated; lines cut)
    /// never panics the importer: it converts (and then reads back), or
    /// fails with an input error naming the file.
    #[test]
    fn mutated_vcf_never_panics(
        edits in proptest::collection::vec((0usize..4, 0usize..4096, 0u8..=255), 1..6),
    ) {
        let base = std::fs::read(
            gcol_tests::crate_dir().join("../spec/conformance/inputs/variants.vcf"),
        )
        .unwrap();
        let text = gcol_tests::mutate(&base, &edits);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.vcf");
        std::fs::write(&path, &text).unwrap();
        match convert(&path) {
            Ok(bytes) => {
                let reader = Reader::from_bytes(bytes).unwrap();
                reader.verify_with(true, |_, _| {}).unwrap();
                let v = Variants::open(&reader, "v").unwrap();
                write_vcf(&v, &everything(), VcfOutput::Vcf, Vec::new()).unwrap();
            }
            Err(e) => {
                let e = e.to_string();
                proptest::prop_assert!(e.contains("m.vcf"), "{}", e);
            }
        }
    }

    /// Bytes of a BCF's records changed, cut or repeated (the file left
    /// uncompressed, which the reader takes too) never panic the BCF
    /// decoder: it converts, or fails naming the file and record.
    #[test]
    fn mutated_bcf_never_panics(
        edits in proptest::collection::vec((0usize..4, 0usize..1 << 16, 0u8..=255), 1..6),
    ) {
        let Some(data) = shared_data("mutated BCF") else {
            return Ok(());
        };
        let mut raw = Vec::new();
        {
            use std::io::Read;
            let file = std::fs::File::open(data.join("vcf/htslib_test/tabix_vcf_file.bcf")).unwrap();
            noodles_bgzf::io::Reader::new(file).read_to_end(&mut raw).unwrap();
        }
        // Records start after the magic, the length and the header text.
        let header_end = 9 + u32::from_le_bytes(raw[5..9].try_into().unwrap()) as usize;
        let mut bytes = raw.clone();
        for (kind, at, byte) in edits {
            if bytes.len() <= header_end {
                break;
            }
            let at = header_end + at % (bytes.len() - header_end);
            match kind {
                0 => bytes[at] = byte,
                1 => {
                    bytes.remove(at);
                }
                2 => {
                    let piece = bytes[at..(at + 40).min(bytes.len())].to_vec();
                    bytes.splice(at..at, piece);
                }
                _ => bytes.truncate(at),
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bcf");
        std::fs::write(&path, &bytes).unwrap();
        match convert(&path) {
            Ok(out) => {
                let reader = Reader::from_bytes(out).unwrap();
                reader.verify_with(true, |_, _| {}).unwrap();
            }
            Err(e) => {
                let e = e.to_string();
                proptest::prop_assert!(e.contains("m.bcf"), "{}", e);
            }
        }
    }
}

/// A variants dataset's content hash does not depend on its chunk shapes
/// or zstd level, and changes with one genotype.
#[test]
fn content_hash_ignores_chunks() {
    let path = gcol_tests::crate_dir().join("../spec/conformance/inputs/variants.vcf");
    let hash = |chunk_variants: u64, chunk_samples: u64, level: i32, file: &Path| {
        let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
        let mut options = VcfOptions::new("v");
        options.chunk_variants = chunk_variants;
        options.chunk_samples = chunk_samples;
        options.zstd_level = level;
        import_vcf(&mut w, file, false, &options, &|_, _| {}, &mut |_| {}).unwrap();
        Reader::from_bytes(w.finish().unwrap())
            .unwrap()
            .content_hash("v")
            .unwrap()
    };
    let base = hash(4096, 1000, 9, &path);
    assert_eq!(hash(2, 1, 0, &path), base);
    assert_eq!(hash(3, 2, 3, &path), base);
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("c.vcf");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("0|0:10,0", "0|1:10,0", 1);
    std::fs::write(&changed, text).unwrap();
    assert_ne!(hash(4096, 1000, 9, &changed), base);
}

/// A BCF record without FORMAT fields (VCF `.`, which htslib writes with no
/// FORMAT and `.` samples) reads back as bcftools reads it.
#[test]
fn bcf_records_without_format_fields_read_back() {
    if shared_data("BCF without FORMAT").is_none() || !have_tool("bcftools", "BCF without FORMAT") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let vcf = dir.path().join("f.vcf");
    std::fs::write(
        &vcf,
        "##fileformat=VCFv4.2\n##contig=<ID=1>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n1\t5\t.\tA\tC\t.\t.\t.\tGT\t0|1\t1|1\n1\t9\t.\tG\tT\t.\t.\t.\t.\t.\t.\n",
    )
    .unwrap();
    let bcf = dir.path().join("f.bcf");
    let o = Command::new("bcftools")
        .args(["view", "--no-version", "-Ob", "-o"])
        .arg(&bcf)
        .arg(&vcf)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ours = export(convert(&bcf).unwrap(), &everything(), VcfOutput::Vcf);
    assert_eq!(
        bcftools_view(&["-H"], Err(&ours)),
        bcftools_view(&["-H"], Ok(&bcf))
    );
}
