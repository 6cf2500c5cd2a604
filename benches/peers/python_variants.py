"""In-process variant reads, gcol against cyvcf2 (htslib) and VCF Zarr (zarr
reading vcf2zarr's output, as sgkit would) on the same files: a warm 100 kb
region (genotypes), one sample's genotypes for all sites, every genotype
decoded (into a fresh array, and into a reused one), allele counts.
Ratios come from one run.

usage: python3 benches/peers/python_variants.py WORKDIR   (after variants.sh)
"""
import sys
import time

import numpy as np

import cyvcf2
import gcol

try:
    import zarr
except ImportError:  # the VCF Zarr column stays empty
    zarr = None


def best(f, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def main(work):
    print("| file | what | gcol | cyvcf2 | ratio | VCF Zarr | ratio |\n|---|---|---|---|---|---|---|")
    for name, region in [("g300", "20:2000000-2100000"), ("cohort", "chr1:10000000-10100000")]:
        v = gcol.open(f"{work}/{name}.gcol")[name]
        vcf = f"{work}/{name}.vcf.gz"
        sample = v.samples[6]

        def gcol_region():
            return v.genotypes(region), v.rows(region)

        def cy_region():
            reader = cyvcf2.VCF(vcf)
            return [r.genotype.array() for r in reader(region)]

        store = f"{work}/{name}.vcz"
        z = zarr.open(store, mode="r") if zarr is not None else None
        contig, span = region.split(":")
        lo, hi = (int(x) for x in span.split("-"))

        def zarr_region():
            pos = z["variant_position"][:]
            a, b = np.searchsorted(pos, lo), np.searchsorted(pos, hi, side="right")
            return z["call_genotype"][a:b]

        def zarr_one():
            s = list(z["sample_id"][:]).index(sample)
            return z["call_genotype"][:, s, :]

        def row(what, tg, tc=None, tz=None, unit=""):
            cells = [f"{tg * 1e3:.2f} ms{unit}"]
            cells += [f"{tc * 1e3:.1f} ms", f"{tc / tg:.1f}x"] if tc else ["-", "-"]
            cells += [f"{tz * 1e3:.1f} ms", f"{tz / tg:.1f}x"] if tz else ["-", "-"]
            print(f"| {name} | {what} | " + " | ".join(cells) + " |")

        gcol_region()
        tg, (gt, rows) = best(gcol_region)
        tc, cy = best(cy_region)
        assert gt.shape[0] == len(cy)
        tz = None
        if z is not None:
            tz, zr = best(zarr_region)
            assert (zr == gt).all()
        row(f"100 kb region, warm ({len(cy)} sites, genotypes)", tg, tc, tz)

        def gcol_one():
            return v.genotypes(samples=[sample])

        def cy_one():
            reader = cyvcf2.VCF(vcf, samples=[sample])
            return [r.genotype.array() for r in reader]

        tg, one = best(gcol_one, 3)
        tc, cy = best(cy_one, 1)
        assert one.shape[0] == len(cy)
        tz = None
        if z is not None:
            tz, zo = best(zarr_one, 3)
            assert (zo == one[:, 0, :]).all()
        row(f"one sample, all {one.shape[0]} sites", tg, tc, tz)

        tg, full = best(lambda: v.genotypes(), 3)
        n = full.shape[0] * full.shape[1] * full.shape[2]
        tz = best(lambda: z["call_genotype"][:], 3)[0] if z is not None else None
        row(f"every genotype, new array ({n:,} alleles)", tg, None, tz, f" ({n / tg / 1e9:.2f} G alleles/s)")
        reused = np.empty_like(full)
        tg, _ = best(lambda: v.genotypes(out=reused), 3)
        assert (reused == full).all()
        row("every genotype, into a reused array", tg, None, None, f" ({n / tg / 1e9:.2f} G alleles/s)")
        tg, (counts, _) = best(lambda: v.allele_counts(), 3)
        row("allele counts, all sites", tg, None, None, f" ({n / tg / 1e9:.2f} G alleles/s)")
        assert (counts.sum(axis=1) == (full >= 0).sum(axis=(1, 2))).all()


if __name__ == "__main__":
    main(sys.argv[1])
