#!/usr/bin/env bash
# Variant peers side by side, in one run: size (VCF.gz, BCF, VCF Zarr from
# vcf2zarr, gcol), conversion speed in MB/s of VCF text (gcol convert,
# bcftools view -Ob, vcf2zarr), and process times of a 100 kb region query
# and of one sample's genotypes (gcol view vs bcftools view, same output
# checked), plink2 --freq on the cohort, then the in-process figures of
# python_variants.py (warm region query, one sample, genotype decode and
# allele counts, against cyvcf2 and VCF Zarr).
#
# Files: the 1000 Genomes chr20 300-sample VCF of ../shared/data and the
# standard simulated cohort (../shared/tools/gen-cohort.py: 2,000 samples,
# 20 Mb).
#
# Usage: bash benches/peers/variants.sh [--quick]   (--quick: no vcf2zarr)
#   needs: bcftools tabix hyperfine vcf2zarr (bio2zarr) msprime cyvcf2
#   (../shared/tools/install-peers.sh installs them)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${GCOL_TEST_DATA:-../shared/data}
work=target/bench-data/variants
mkdir -p "$work"
cargo build --quiet --release -p gcol-tools
gcol=$PWD/target/release/gcol
quick=${1:-}

[ -f "$work/g300.vcf.gz" ] || cp -p "$data/vcf/1000g_chr20_nygc30x_phased_300s.vcf.gz" "$work/g300.vcf.gz"
if [ ! -f "$work/cohort.vcf.gz" ]; then
    python3 ../shared/tools/gen-cohort.py "$work/cohort.vcf" >/dev/null
    bgzip -@2 -f "$work/cohort.vcf"
fi
files="g300 cohort"
for f in $files; do
    [ -f "$work/$f.vcf.gz.tbi" ] || tabix -f -p vcf "$work/$f.vcf.gz"
    [ -f "$work/$f.vcf" ] || gzip -dc "$work/$f.vcf.gz" > "$work/$f.vcf"
done

mb() { python3 -c "print(f'{$1/1e6:.3f}')"; }
size() { du -sb "$1" | cut -f1; }
mean_secs() { # mean seconds of 3 runs (after one warm-up) of a command
    hyperfine -N -w 1 -r 3 --export-json "$work/t.json" "$*" >/dev/null 2>&1
    python3 -c "import json; print(json.load(open('$work/t.json'))['results'][0]['mean'])"
}
secs() { # seconds of one run of a command
    local t0 t1
    t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
    python3 -c "print($t1 - $t0)"
}

echo "## Size (MB) and conversion speed (MB/s of VCF text; gcol and bcftools mean of 3 runs, vcf2zarr one run; 2 cores)"
printf "| file | sites x samples | VCF text | VCF.gz | BCF | VCF Zarr | gcol | gcol/BCF | gcol/Zarr | convert gcol | bcftools -Ob | vcf2zarr |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
for f in $files; do
    vcf=$work/$f.vcf
    text=$(stat -c %s "$vcf")
    shape="$(bcftools index -n "$work/$f.vcf.gz" 2>/dev/null || zgrep -vc '^#' "$work/$f.vcf.gz") x $(bcftools query -l "$work/$f.vcf.gz" | wc -l)"
    t_gcol=$(mean_secs "$gcol" convert -q "$work/$f.vcf.gz" -o "$work/$f.gcol")
    t_bcf=$(mean_secs bcftools view --threads 2 -Ob -o "$work/$f.bcf" "$work/$f.vcf.gz")
    if [ -z "$quick" ]; then
        rm -rf "$work/$f.vcz" "$work/$f.icf"
        t_zarr=$(secs sh -c "vcf2zarr explode -p 2 -f '$work/$f.vcf.gz' '$work/$f.icf' && vcf2zarr encode -p 2 -f '$work/$f.icf' '$work/$f.vcz'")
        zarr=$(size "$work/$f.vcz")
        zarr_mb=$(mb "$zarr")
        ratio_zarr=$(python3 -c "print(f'{$(stat -c %s "$work/$f.gcol")/$zarr:.2f}')")
        speed_zarr=$(python3 -c "print(f'{$text/1e6/$t_zarr:.1f}')")
    else
        zarr_mb=-; ratio_zarr=-; speed_zarr=-
    fi
    g=$(stat -c %s "$work/$f.gcol"); b=$(stat -c %s "$work/$f.bcf")
    echo "| $f | $shape | $(mb "$text") | $(mb "$(stat -c %s "$work/$f.vcf.gz")") | $(mb "$b") | $zarr_mb | $(mb "$g") | $(python3 -c "print(f'{$g/$b:.2f}')") | $ratio_zarr | $(python3 -c "print(f'{$text/1e6/$t_gcol:.1f}')") | $(python3 -c "print(f'{$text/1e6/$t_bcf:.1f}')") | $speed_zarr |"
done

echo
echo "## gcol columns of the 300-sample file (stored bytes)"
"$gcol" inspect "$work/g300.gcol" | awk '$2 ~ /^(u8|u16|u32|u64|i8|i16|i32|i64|f32|f64|binary)$/ {print "| " $1 " | " $7 " " $8 " |"}' | sed '1i | column | stored |\n|---|---|'

echo
echo "## REF against an in-file reference (300-sample file)"
# No chr20 reference ships with the data: one is made whose bases agree
# with every REF (random elsewhere), as the real GRCh38 would.
python3 - "$work" <<'PY'
import random, subprocess, sys
work = sys.argv[1]
refs = subprocess.run(["bcftools", "query", "-f", "%POS\t%REF\n", f"{work}/g300.vcf.gz"],
                      capture_output=True, text=True, check=True).stdout.split()
random.seed(7)
end = max(int(p) + len(r) for p, r in zip(refs[::2], refs[1::2])) + 1000
seq = bytearray(random.choice(b"ACGT") for _ in range(end))
for p, r in zip(refs[::2], refs[1::2]):
    seq[int(p) - 1:int(p) - 1 + len(r)] = r.encode()
with open(f"{work}/g300_ref.fa", "w") as f:
    f.write(">20\n")
    f.writelines(seq[i:i + 60].decode() + "\n" for i in range(0, len(seq), 60))
PY
"$gcol" convert -q "$work/g300_ref.fa" "$work/g300.vcf.gz" --name ref --name g300 -o "$work/g300_ref.gcol"
"$gcol" inspect "$work/g300_ref.gcol" | grep -E '^  reference: REF'

echo
echo "## Process times (hyperfine, ms): 100 kb region and one sample's genotypes"
bcftools index -f "$work/g300.bcf"
bcftools index -f "$work/cohort.bcf"
region_g300=20:2000000-2100000
region_cohort=chr1:10000000-10100000
for f in g300 cohort; do
    region=region_$f; region=${!region}
    sample=$(bcftools query -l "$work/$f.vcf.gz" | sed -n 7p)
    cmp <("$gcol" view -H "$work/$f.gcol" "$region") <(bcftools view --no-version -H -r "$region" "$work/$f.bcf")
    cmp <("$gcol" view -H -s "$sample" "$work/$f.gcol") <(bcftools view --no-version -H -s "$sample" "$work/$f.bcf")
    hyperfine -N -w 3 -r 15 --export-markdown "$work/$f-region.md" \
        -n "gcol view region" "$gcol view -H $work/$f.gcol $region" \
        -n "bcftools view -r (BCF)" "bcftools view --no-version -H -r $region $work/$f.bcf" >/dev/null
    hyperfine -N -w 1 -r 5 --export-markdown "$work/$f-sample.md" \
        -n "gcol view -s" "$gcol view -H -s $sample $work/$f.gcol" \
        -n "bcftools view -s (BCF)" "bcftools view --no-version -H -s $sample $work/$f.bcf" >/dev/null
    echo "### $f: region $region"; cat "$work/$f-region.md"
    echo "### $f: sample $sample, all sites"; cat "$work/$f-sample.md"
done

if command -v plink2 >/dev/null; then
    [ -f "$work/cohort.pgen" ] || plink2 --vcf "$work/cohort.vcf.gz" --make-pgen --out "$work/cohort" --threads 2 >/dev/null
    hyperfine -N -w 1 -r 5 --export-markdown "$work/plink2-freq.md" \
        -n "plink2 --freq (cohort, whole process)" "plink2 --pfile $work/cohort --freq --threads 2 --out $work/plink2-freq" >/dev/null
    echo "### plink2 allele frequencies of the cohort (process time; gcol's in-process allele counts are below)"
    cat "$work/plink2-freq.md"
fi

echo
echo "## In process (python_variants.py)"
python3 benches/peers/python_variants.py "$work"
