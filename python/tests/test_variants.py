"""Variants from Python against cyvcf2 (htslib): sites, genotypes, phase,
allele counts, regions and samples, and VCF export read back by cyvcf2."""

import numpy as np
import pytest

import gcol

from conftest import need, need_module

FILES = [
    "vcf/1000g_chr20_nygc30x_mixedphase_203s.vcf.gz",
    "vcf/bio2zarr_tests/mixed_ploidy.vcf.gz",
    "vcf/bio2zarr_tests/triploid.vcf.gz",
    "vcf/bio2zarr_tests/sample.vcf.gz",
    "vcf/sgkit_tests/simple.output.mixed_depth.likelihoods.vcf",
]
# (all_fields.vcf and sample_all_missing_gts.vcf.gz stop cyvcf2's genotype
# parser; tests/tests/variants.rs checks them against bcftools.)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = {}

    def get(relative):
        if relative not in out:
            source = need(relative)
            target = tmp_path_factory.mktemp("variants") / "v.gcol"
            gcol.convert([source], target, names=["v"])
            out[relative] = (source, gcol.open(target)["v"])
        return out[relative]

    return get


def cyvcf2_calls(path, samples=None, region=None):
    cyvcf2 = need_module("cyvcf2")
    vcf = cyvcf2.VCF(str(path), samples=samples, gts012=False)
    records = vcf(region) if region else vcf
    return [(v.POS, v.genotypes) for v in records]


@pytest.mark.parametrize("relative", FILES)
def test_genotypes_and_phase_equal_cyvcf2(converted, relative):
    source, v = converted(relative)
    calls = cyvcf2_calls(source)
    gt = v.genotypes()
    phased = v.phased()
    assert gt.shape[0] == len(calls) == len(v)
    assert gt.dtype == np.int8
    for i, (_, genotypes) in enumerate(calls):
        for s, call in enumerate(genotypes):
            alleles, phase = call[:-1], call[-1]
            ours = [a for a in gt[i, s] if a != -2]
            # cyvcf2 gives -1 for a missing allele, as gcol does.
            assert ours == alleles, (relative, i, s)
            if len(alleles) > 1:
                assert bool(phased[i, s]) == bool(phase), (relative, i, s)


def test_sites_equal_cyvcf2(converted):
    cyvcf2 = need_module("cyvcf2")
    source, v = converted("vcf/1000g_chr20_nygc30x_mixedphase_203s.vcf.gz")
    sites = v.sites()
    records = list(cyvcf2.VCF(str(source)))
    assert len(sites) == len(records)
    assert list(sites.columns[:7]) == ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER"]
    assert (sites["POS"].to_numpy() == [r.POS for r in records]).all()
    assert list(sites["ID"]) == [r.ID for r in records]
    assert list(sites["REF"]) == [r.REF for r in records]
    assert list(sites["ALT"]) == [r.ALT for r in records]
    assert np.allclose(sites["QUAL"].to_numpy(dtype=float), [r.QUAL for r in records])
    assert list(sites["INFO/AC"]) == [r.INFO["AC"] for r in records]
    assert str(sites["INFO/AC"].dtype) in ("Int32", "Int64")


def test_regions_samples_and_counts(converted):
    source, v = converted("vcf/1000g_chr20_nygc30x_phased_300s.vcf.gz")
    region = "20:1000000-1100000"
    samples = ["HG00097", "NA06986"]
    calls = cyvcf2_calls(source, samples=samples, region=region)
    gt = v.genotypes(region, samples)
    assert gt.shape == (len(calls), 2, 2)
    for i, (pos, genotypes) in enumerate(calls):
        assert [list(gt[i, s]) for s in range(2)] == [c[:-1] for c in genotypes]
    # A (contig, start, end) tuple is 0-based, half-open.
    assert (v.rows(("20", 999_999, 1_100_000)) == v.rows(region)).all()
    counts, n_alleles = v.allele_counts(region)
    full = v.genotypes(region)
    assert (counts[:, 1] == (full == 1).sum(axis=(1, 2))).all()
    assert (counts.sum(axis=1) == (full >= 0).sum(axis=(1, 2))).all()
    # INFO/AC of the file equals the ALT count over every sample.
    sites = v.sites(region)
    assert (counts[:, 1] == sites["INFO/AC"].to_numpy()).all()
    freq = v.allele_frequencies(region)
    assert np.allclose(freq.sum(axis=1), 1.0)
    with pytest.raises(KeyError):
        v.genotypes(region, ["nobody"])
    with pytest.raises(gcol.RegionError):
        v.rows("20:9-5")


def test_to_vcf_reads_back_in_cyvcf2(converted, tmp_path):
    cyvcf2 = need_module("cyvcf2")
    source, v = converted("vcf/1000g_chr20_nygc30x_mixedphase_203s.vcf.gz")
    target = tmp_path / "out.vcf.gz"
    v.to_vcf(target, region="20:1500000-1600000", samples=["NA12878"])
    ours = [(r.POS, r.genotypes, r.INFO.get("AN")) for r in cyvcf2.VCF(str(target))]
    theirs = cyvcf2_calls(source, samples=["NA12878"], region="20:1500000-1600000")
    assert [(p, g) for p, g, _ in ours] == theirs
    # AN recomputed for the one sample, as bcftools view -s does.
    assert all(an == 2 for _, _, an in ours)


def test_dataset_is_variants(converted):
    _, v = converted("vcf/bio2zarr_tests/triploid.vcf.gz")
    assert isinstance(v, gcol.Variants)
    assert "GT" in v.format_fields
    assert v.header.startswith("##fileformat=VCF")
    assert v.genotypes().shape[2] == 3


def test_arrow_streams_of_sites_and_genotypes(converted):
    pa = need_module("pyarrow")
    _, v = converted("vcf/1000g_chr20_nygc30x_mixedphase_203s.vcf.gz")
    # The Arrow C stream protocol: pyarrow reads the Variants object itself.
    table = pa.table(v)
    sites = v.sites()
    assert table.num_rows == len(sites) == len(v)
    assert table.column("POS").to_pylist() == sites["POS"].tolist()
    assert table.column("ALT").to_pylist() == list(sites["ALT"])
    assert table.column("INFO/AC").to_pylist() == sites["INFO/AC"].tolist()
    region = "20:1500000-1600000"
    gt_table = v.arrow_genotypes(region, ["NA12878", "NA06989"])
    gt = v.genotypes(region, ["NA12878", "NA06989"])
    assert gt_table.column_names == ["CHROM", "POS", "NA12878", "NA06989"]
    assert gt_table.column("NA12878").to_pylist() == gt[:, 0, :].tolist()
    # QUAL is null where the VCF has '.', as cyvcf2 reads it.
    cyvcf2 = need_module("cyvcf2")
    source, small = converted("vcf/bio2zarr_tests/sample.vcf.gz")
    quals = small.arrow_sites().column("QUAL").to_pylist()
    expected = [r.QUAL for r in cyvcf2.VCF(str(source))]
    assert None in expected
    assert quals == expected


@pytest.mark.parametrize("relative", [
    "vcf/bio2zarr_tests/sample.vcf.gz",
    "vcf/bio2zarr_tests/mixed_ploidy.vcf.gz",
    "vcf/bio2zarr_tests/triploid.vcf.gz",
])
def test_genotypes_positions_and_fields_equal_vcf_zarr(converted, relative, tmp_path):
    """bio2zarr's vcf2zarr reads the same file into VCF Zarr: call_genotype
    (-1 missing, -2 fill for mixed ploidy, as gcol), phase, positions and
    a FORMAT integer field agree."""
    need_module("bio2zarr")
    zarr = need_module("zarr")
    import subprocess
    import sys

    source, v = converted(relative)
    store = tmp_path / "v.vcz"
    subprocess.run(
        [sys.executable, "-m", "bio2zarr", "vcf2zarr", "convert", str(source), str(store)],
        check=True, capture_output=True,
    )
    z = zarr.open(str(store), mode="r")
    assert (v.sites()["POS"].to_numpy() == z["variant_position"][:]).all()
    gt = v.genotypes()
    theirs = z["call_genotype"][:]
    assert gt.shape == theirs.shape
    assert (gt == theirs).all()
    phased = v.phased()
    ploidy = (gt >= -1).sum(axis=2)
    # Zarr marks a haploid call phased; gcol's phase is about separators.
    assert (phased[ploidy > 1] == z["call_genotype_phased"][:][ploidy > 1]).all()


def test_ref_coded_against_the_reference_in_the_file(tmp_path):
    """A VCF whose REF alleles come from ce.fa (two changed on purpose)
    converts with ce.fa: REF is coded against it, reads back as cyvcf2
    reads the VCF, and the two changed alleles are the mismatches."""
    cyvcf2 = need_module("cyvcf2")
    fasta = need("bam/htslib_test/ce.fa")
    contigs, name = {}, None
    for line in fasta.read_text().splitlines():
        if line.startswith(">"):
            name = line[1:].split()[0]
            contigs[name] = []
        elif line.strip():
            contigs[name].append(line.strip().upper())
    contigs = {k: "".join(v) for k, v in contigs.items()}
    lines = ["##fileformat=VCFv4.2"]
    lines += [f"##contig=<ID={k},length={len(v)}>" for k, v in contigs.items()]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    changed = []
    for contig, seq in contigs.items():
        for k, pos in enumerate(range(10, len(seq), len(seq) // 7)):
            ref = seq[pos - 1 : pos - 1 + 1 + k % 4]
            if k == 3:
                ref = ("C" if ref[0] == "A" else "A") + ref[1:]
                changed.append((contig, pos))
            lines.append(f"{contig}\t{pos}\t.\t{ref}\t<DEL>\t.\t.\t.")
    vcf = tmp_path / "calls.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.gcol"
    with pytest.warns(UserWarning, match="REF mismatch at") as warned:
        gcol.convert([fasta, vcf], out)
    assert len(warned) == len(changed)
    f = gcol.open(out)
    assert f.version == (1, 4)
    calls = f["calls"]
    report = calls.reference()
    assert report["dataset"] == "ce"
    assert [(m[0], m[1]) for m in report["mismatches"]] == changed
    assert all(m[3] is not None and m[2] != m[3] for m in report["mismatches"])
    assert {c[0] for c in report["contigs"]} == set(contigs)
    assert list(calls.sites()["REF"]) == [v.REF for v in cyvcf2.VCF(str(vcf))]
    back = tmp_path / "back.vcf"
    calls.to_vcf(back)
    assert back.read_bytes() == vcf.read_bytes()
    # With no reference, there is no report.
    plain = tmp_path / "plain.gcol"
    gcol.convert([vcf], plain)
    assert gcol.open(plain)["calls"].reference() is None


def test_genotypes_into_a_reused_array(converted):
    _, v = converted("vcf/1000g_chr20_nygc30x_mixedphase_203s.vcf.gz")
    region = "20:1000000-1200000"
    fresh = v.genotypes(region, ["NA06994", "NA07000"])
    out = np.full(fresh.shape, 99, dtype=np.int8)
    assert v.genotypes(region, ["NA06994", "NA07000"], out=out) is out
    assert (out == fresh).all()
    everything = v.genotypes()
    reused = np.empty_like(everything)
    v.genotypes(out=reused)
    assert (reused == everything).all()
    with pytest.raises(ValueError, match="shape"):
        v.genotypes(region, out=np.empty((1, 1, 2), dtype=np.int8))
    with pytest.raises(TypeError):
        v.genotypes(out=np.empty(everything.shape[::-1], dtype=np.int8).T)


@pytest.mark.parametrize("relative", FILES)
def test_genotype_classes_equal_cyvcf2_gt_types(converted, relative):
    """cyvcf2's gt_types (0 hom-ref, 1 het, 2 unknown, 3 hom-alt) computed
    from our genotype arrays with numpy, on every site and sample."""
    cyvcf2 = need_module("cyvcf2")
    source, v = converted(relative)
    # cyvcf2 classifies a call by its first two alleles (a tetraploid
    # 0/0/1/2 is hom-ref to it): the same here.
    gt = v.genotypes().astype(np.int16)[:, :, :2]
    called = gt != -2
    missing = ((gt == -1) & called).any(axis=2)
    first = gt[:, :, :1]
    same = ((gt == first) | ~called).all(axis=2)
    ours = np.where(missing, 2, np.where(~same, 1, np.where(first[:, :, 0] == 0, 0, 3)))
    # gt_types is a view of a buffer the next record reuses: copied.
    theirs = np.array([r.gt_types.copy() for r in cyvcf2.VCF(str(source))])
    if theirs.size == 0:
        assert ours.size == 0
        return
    assert ours.shape == theirs.shape
    assert (ours == theirs).all()


def test_subset_and_merge_of_samples_equal_cyvcf2(tmp_path):
    """gcol.subset(regions=, samples=) keeps what cyvcf2 reads of the region
    for those samples (AC/AN recomputed as bcftools view -s); gcol.merge of
    two sample halves is the cohort's genotypes."""
    cyvcf2 = need_module("cyvcf2")
    source = need("vcf/1000g_chr20_nygc30x_phased_300s.vcf.gz")
    whole = tmp_path / "all.gcol"
    gcol.convert([source], whole, names=["v"])
    names = cyvcf2.VCF(str(source)).samples
    region = "20:1500000-2500000"
    chosen = [names[40], names[3], names[17]]
    part = tmp_path / "part.gcol"
    summary = gcol.subset(whole, part, regions=[region], samples=chosen)
    assert summary["datasets"] == ["v"]
    assert summary["pages"] + summary["reencoded"] > 0
    v = gcol.open(part)["v"]
    assert v.samples == chosen
    # cyvcf2 keeps the file's sample order; the subset the order given.
    reader = cyvcf2.VCF(str(source), samples=chosen, gts012=False)
    order = [reader.samples.index(n) for n in chosen]
    calls = [(r.POS, r.genotypes) for r in reader(region)]
    assert len(v) == len(calls)
    gt = v.genotypes()
    counts, _ = v.allele_counts()
    for i, (_, genotypes) in enumerate(calls):
        for s, o in enumerate(order):
            assert [a for a in gt[i, s] if a != -2] == genotypes[o][:-1]
        # AN and AC are those of the three samples' calls.
        called = [a for call in genotypes for a in call[:-1] if a >= 0]
        assert counts[i].sum() == len(called)
    # The VCF export says AN of the samples kept (bcftools view -s).
    v.to_vcf(tmp_path / "part.vcf")
    text = (tmp_path / "part.vcf").read_text()
    an = [line.split("\t")[7] for line in text.splitlines() if not line.startswith("#")]
    assert all("AN=6" in info for info in an)
    # Provenance: the selection and the source's content hash.
    entry = gcol.open(part).provenance[-1]
    assert entry["options"]["regions"] == region
    assert entry["options"]["samples"] == ",".join(chosen)
    # Two halves merged back: the cohort's genotypes.
    half = names[:150]
    a, b, merged = tmp_path / "a.gcol", tmp_path / "b.gcol", tmp_path / "m.gcol"
    gcol.subset(whole, a, samples=half)
    gcol.subset(whole, b, samples=half, exclude_samples=True)
    gcol.merge([a, b], merged)
    m = gcol.open(merged)["v"]
    assert m.samples == names
    assert np.array_equal(m.genotypes(), gcol.open(whole)["v"].genotypes())
    # No sample: the sites alone (bcftools view -G), AN as every sample gave.
    sites = tmp_path / "sites.gcol"
    gcol.subset(whole, sites, samples=[])
    s_only = gcol.open(sites)["v"]
    assert s_only.samples == [] and len(s_only) == len(m)
    s_only.to_vcf(tmp_path / "sites.vcf")
    body = [l for l in (tmp_path / "sites.vcf").read_text().splitlines() if not l.startswith("#")]
    assert all(len(l.split("\t")) == 8 and "AN=600" in l for l in body)
    # A sample in both: refused, nothing written.
    with pytest.raises(ValueError, match="more than one"):
        gcol.merge([a, whole], tmp_path / "bad.gcol")
    assert not (tmp_path / "bad.gcol").exists()
    with pytest.raises(ValueError, match="no sample"):
        gcol.subset(whole, tmp_path / "bad.gcol", samples=["nobody"])
