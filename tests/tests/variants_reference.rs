//! REF against a reference (spec 14.7), checked against samtools and
//! bcftools: a VCF called by `bcftools mpileup` from a reference converts
//! with that reference in the same file, REF is coded against it (stored
//! only where it differs), export reproduces the VCF byte for byte, and
//! the mismatches gcol lists are the ones `bcftools norm --check-ref w`
//! reports; REF alleles of several bases come back as `samtools faidx`
//! prints the reference.

use std::path::{Path, PathBuf};
use std::process::Command;

use gcol_import::{convert, ConvertOptions};
use gcol_reader::variants::{write_vcf, VcfExport, VcfOutput};
use gcol_reader::{Reader, Variants};
use gcol_tests::{have_tool, shared_data};

/// htslib's C. elegans test reference (7 contigs, 1 Mb) and its reads.
fn ce(what: &str) -> Option<PathBuf> {
    let data = shared_data(what)?;
    if !have_tool("bcftools", what) || !have_tool("samtools", what) {
        return None;
    }
    Some(data.join("bam/htslib_test"))
}

fn run(cmd: &mut Command) -> (String, String) {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Every site of `ce_1000.sam` called against `ce.fa`: REF comes from the
/// reference (bcftools fetches it).
fn called_vcf(dir: &Path, out: &Path) -> String {
    let pileup = Command::new("bcftools")
        .args(["mpileup", "-f"])
        .arg(dir.join("ce.fa"))
        .arg(dir.join("ce_1000.sam"))
        .output()
        .unwrap();
    assert!(pileup.status.success());
    let mut call = Command::new("bcftools")
        .args(["call", "-m", "-Ov", "--no-version"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        call.stdin
            .take()
            .unwrap()
            .write_all(&pileup.stdout)
            .unwrap();
    }
    let vcf = String::from_utf8(call.wait_with_output().unwrap().stdout).unwrap();
    assert!(vcf.lines().filter(|l| !l.starts_with('#')).count() > 200);
    std::fs::write(out, &vcf).unwrap();
    vcf
}

/// `(contig, pos)` of every REF `bcftools norm --check-ref w` reports.
fn bcftools_mismatches(fasta: &Path, vcf: &Path) -> Vec<(String, u64)> {
    let (_, stderr) = run(Command::new("bcftools")
        .args(["norm", "--check-ref", "w", "-Ov", "-o", "/dev/null", "-f"])
        .arg(fasta)
        .arg(vcf));
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("REF_MISMATCH\t"))
        .map(|l| {
            let mut f = l.split('\t');
            (
                f.next().unwrap().to_string(),
                f.next().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

fn convert_to(inputs: &[&Path], reference: Option<&Path>, out: &Path) -> Vec<String> {
    let mut options = ConvertOptions::new(inputs.iter().map(|p| p.to_path_buf()).collect(), out);
    options.reference = reference.map(Path::to_path_buf);
    let mut warnings = Vec::new();
    convert(&options, &|_, _| {}, &mut |e| {
        if let gcol_import::Event::Warning(w) = e {
            warnings.push(w);
        }
    })
    .unwrap();
    warnings
}

fn exported(variants: &Variants) -> Vec<u8> {
    let export = VcfExport {
        header: true,
        ..VcfExport::default()
    };
    write_vcf(variants, &export, VcfOutput::Vcf, Vec::new()).unwrap()
}

fn mismatches(variants: &Variants) -> Vec<(String, u64)> {
    variants
        .reference_report()
        .unwrap()
        .expect("a reference was used")
        .mismatches
        .into_iter()
        .map(|m| (m.contig, m.pos))
        .collect()
}

/// Change the REF of every 40th record to another base, and write the
/// REF of one record in lower case (not a mismatch: case is ignored, but
/// it is stored as written).
fn damaged(vcf: &str) -> (String, usize, usize) {
    let mut out = String::new();
    let (mut changed, mut lowered, mut record) = (0, 0, 0);
    for line in vcf.lines() {
        if line.starts_with('#') {
            out.push_str(line);
        } else {
            let mut f: Vec<String> = line.split('\t').map(str::to_string).collect();
            if record % 40 == 7 {
                f[3] = match f[3].as_str() {
                    "A" => "C",
                    _ => "A",
                }
                .to_string();
                changed += 1;
            } else if record == 3 {
                f[3] = f[3].to_ascii_lowercase();
                lowered += 1;
            }
            out.push_str(&f.join("\t"));
            record += 1;
        }
        out.push('\n');
    }
    (out, changed, lowered)
}

#[test]
fn ref_is_coded_against_the_reference_in_the_file() {
    let Some(dir) = ce("REF coded against an in-file reference") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let fasta = dir.join("ce.fa");
    let called = tmp.path().join("called.vcf");
    let text = called_vcf(&dir, &called);
    let (bad_text, changed, lowered) = damaged(&text);
    let bad = tmp.path().join("bad.vcf");
    std::fs::write(&bad, &bad_text).unwrap();
    for (vcf, name, stored, reported) in [
        (&called, "called", 0, 0),
        (&bad, "bad", changed + lowered, changed),
    ] {
        let out = tmp.path().join(format!("{name}.gcol"));
        // No --reference: the one FASTA input is the reference.
        let warnings = convert_to(&[&fasta, vcf], None, &out);
        let reader = Reader::open(&out).unwrap();
        assert_eq!(reader.version(), (1, 4));
        let v = Variants::open(&reader, name).unwrap();
        assert!(v.reference_sequences().is_some(), "{name}: REF coded");
        assert!(v.dataset().columns.iter().all(|c| c.name != "ref"));
        // Exact export, REF rebuilt from the reference.
        assert_eq!(
            String::from_utf8(exported(&v)).unwrap(),
            std::fs::read_to_string(vcf).unwrap(),
            "{name}"
        );
        // Only the REFs that differ are stored.
        let differs = v.column("ref/differs").unwrap();
        let present = differs
            .read_validity(0..v.num_sites())
            .unwrap()
            .iter()
            .filter(|&&p| p)
            .count();
        assert_eq!(present, stored, "{name}");
        // The mismatches are bcftools norm's, and convert warned of them.
        let expected = bcftools_mismatches(&fasta, vcf);
        assert_eq!(expected.len(), reported, "{name}");
        assert_eq!(mismatches(&v), expected, "{name}");
        assert_eq!(
            warnings
                .iter()
                .filter(|w| w.contains("REF mismatch"))
                .count(),
            reported.min(10),
            "{warnings:?}"
        );
        // The link: each contig used with samtools dict's MD5.
        let (dict, _) = run(Command::new("samtools").arg("dict").arg(&fasta));
        let link = v.reference_link().unwrap();
        assert_eq!(link.dataset.as_deref(), Some("ce"));
        assert!(!link.contigs.is_empty());
        for (contig, length, md5) in &link.contigs {
            let line = format!("SN:{contig}\tLN:{length}\tM5:{md5}\t");
            assert!(dict.contains(&line), "{line} not in {dict}");
        }
        let report = reader.verify_with(true, |_, _| {}).unwrap();
        assert_eq!(report.datasets, 2);
    }
}

#[test]
fn alleles_of_several_bases_come_back_as_samtools_faidx_prints_them() {
    let Some(dir) = ce("REF of several bases against samtools faidx") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let fasta = dir.join("ce.fa");
    let index = std::fs::read_to_string(dir.join("ce.fa.fai")).unwrap();
    // On every contig: REFs of 1 to 9 bases, each fetched by samtools,
    // one in three changed at its last base, and one running past the
    // contig's end.
    let mut vcf = String::from("##fileformat=VCFv4.2\n");
    let contigs: Vec<(String, u64)> = index
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].parse().unwrap())
        })
        .collect();
    for (name, length) in &contigs {
        vcf.push_str(&format!("##contig=<ID={name},length={length}>\n"));
    }
    vcf.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    let mut expected_bad = Vec::new();
    for (name, length) in &contigs {
        let step = (length / 12).max(1);
        for k in 0..9u64 {
            let pos = 1 + k * step;
            let end = (pos + k).min(*length);
            let (seq, _) = run(Command::new("samtools")
                .arg("faidx")
                .arg(&fasta)
                .arg(format!("{name}:{pos}-{end}")));
            let mut allele: String = seq.lines().skip(1).collect::<String>().to_uppercase();
            if k % 3 == 2 {
                let last = allele.pop().unwrap();
                allele.push(if last == 'A' { 'C' } else { 'A' });
                expected_bad.push((name.clone(), pos));
            }
            vcf.push_str(&format!("{name}\t{pos}\t.\t{allele}\t<DEL>\t.\t.\t.\n"));
        }
        let pos = length - 1;
        vcf.push_str(&format!("{name}\t{pos}\t.\tAAAA\t<DEL>\t.\t.\t.\n"));
        expected_bad.push((name.clone(), pos));
    }
    let path = tmp.path().join("multi.vcf");
    std::fs::write(&path, &vcf).unwrap();
    let out = tmp.path().join("multi.gcol");
    convert_to(&[&fasta, &path], Some(&fasta), &out);
    let reader = Reader::open(&out).unwrap();
    let v = Variants::open(&reader, "multi").unwrap();
    assert_eq!(String::from_utf8(exported(&v)).unwrap(), vcf);
    assert_eq!(mismatches(&v), bcftools_mismatches(&fasta, &path));
    assert_eq!(mismatches(&v), expected_bad);
    // A region query reads REF spans from `ref/len`: the second record
    // (two bases from 1 + step) reaches into a region that starts after it.
    let (name, length) = &contigs[0];
    let at = 2 + (length / 12).max(1);
    let rows = v
        .region_rows(&gcol_reader::VcfRegion::parse(&format!("{name}:{at}-{at}")).unwrap())
        .unwrap();
    assert_eq!(rows, vec![1]);
}

#[test]
fn a_reference_outside_the_file_is_checked_and_ref_stays_text() {
    let Some(dir) = ce("REF checked against another file") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let fasta = dir.join("ce.fa");
    let called = tmp.path().join("called.vcf");
    let text = called_vcf(&dir, &called);
    let (bad_text, _, _) = damaged(&text);
    let bad = tmp.path().join("bad.vcf");
    std::fs::write(&bad, bad_text).unwrap();
    let expected = bcftools_mismatches(&fasta, &bad);
    // The reference as FASTA, and as a .gcol file.
    let ref_gcol = tmp.path().join("ce.gcol");
    convert_to(&[&fasta], None, &ref_gcol);
    for reference in [&fasta, &ref_gcol] {
        let out = tmp.path().join("bad.gcol");
        convert_to(&[&bad], Some(reference), &out);
        let reader = Reader::open(&out).unwrap();
        assert_eq!(reader.version(), (1, 3), "no 1.4 feature");
        let v = Variants::open(&reader, "bad").unwrap();
        assert!(v.reference_sequences().is_none());
        assert!(v.dataset().columns.iter().any(|c| c.name == "ref"));
        assert_eq!(mismatches(&v), expected);
        assert_eq!(exported(&v), std::fs::read(&bad).unwrap());
        let link = v.reference_link().unwrap();
        assert_eq!(link.dataset, None);
        assert_eq!(
            link.source,
            reference.file_name().unwrap().to_string_lossy()
        );
    }
}

#[test]
fn bad_references_are_refused_with_a_reason() {
    let Some(dir) = ce("bad references") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let vcf = tmp.path().join("called.vcf");
    called_vcf(&dir, &vcf);
    let out = tmp.path().join("out.gcol");
    let attempt = |inputs: Vec<PathBuf>, reference: PathBuf| {
        let mut options = ConvertOptions::new(inputs, &out);
        options.reference = Some(reference);
        convert(&options, &|_, _| {}, &mut |_| {})
            .unwrap_err()
            .to_string()
    };
    let e = attempt(vec![vcf.clone()], tmp.path().join("absent.fa"));
    assert!(e.contains("absent.fa") && e.contains("not a file"), "{e}");
    let e = attempt(vec![vcf.clone()], vcf.clone());
    assert!(e.contains("is not FASTA"), "{e}");
    let e = attempt(vec![dir.join("ce.fa")], dir.join("ce.fa"));
    assert!(e.contains("VCF, BCF, SAM, BAM and CRAM inputs"), "{e}");
    assert!(!out.exists(), "nothing is left behind");
}
