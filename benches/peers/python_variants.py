"""In-process variant reads, gcol against cyvcf2 (htslib) on the same files:
a warm 100 kb region (sites and genotypes), one sample's genotypes for all
sites, every genotype decoded, allele counts. Ratios come from one run.

usage: python3 benches/peers/python_variants.py WORKDIR   (after variants.sh)
"""
import sys
import time

import numpy as np

import cyvcf2
import gcol


def best(f, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def main(work):
    print("| file | what | gcol | cyvcf2 | ratio |\n|---|---|---|---|---|")
    for name, region in [("g300", "20:2000000-2100000"), ("cohort", "chr1:10000000-10100000")]:
        v = gcol.open(f"{work}/{name}.gcol")[name]
        vcf = f"{work}/{name}.vcf.gz"
        sample = v.samples[6]

        def gcol_region():
            return v.genotypes(region), v.rows(region)

        def cy_region():
            reader = cyvcf2.VCF(vcf)
            return [r.genotype.array() for r in reader(region)]

        gcol_region()
        tg, (gt, rows) = best(gcol_region)
        tc, cy = best(cy_region)
        assert gt.shape[0] == len(cy)
        print(f"| {name} | 100 kb region, warm ({len(cy)} sites, genotypes) | {tg * 1e3:.2f} ms | {tc * 1e3:.2f} ms | {tc / tg:.1f}x |")

        def gcol_one():
            return v.genotypes(samples=[sample])

        def cy_one():
            reader = cyvcf2.VCF(vcf, samples=[sample])
            return [r.genotype.array() for r in reader]

        tg, one = best(gcol_one, 3)
        tc, cy = best(cy_one, 1)
        assert one.shape[0] == len(cy)
        print(f"| {name} | one sample, all {one.shape[0]} sites | {tg * 1e3:.1f} ms | {tc * 1e3:.1f} ms | {tc / tg:.1f}x |")

        tg, full = best(lambda: v.genotypes(), 3)
        n = full.shape[0] * full.shape[1] * full.shape[2]
        print(f"| {name} | every genotype ({n:,} alleles) | {tg * 1e3:.1f} ms ({n / tg / 1e9:.2f} G alleles/s) | - | - |")
        tg, (counts, _) = best(lambda: v.allele_counts(), 3)
        print(f"| {name} | allele counts, all sites | {tg * 1e3:.1f} ms ({n / tg / 1e9:.2f} G alleles/s) | - | - |")
        assert (counts.sum(axis=1) == (full >= 0).sum(axis=(1, 2))).all()


if __name__ == "__main__":
    main(sys.argv[1])
