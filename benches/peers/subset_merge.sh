#!/usr/bin/env bash
# Subsets and sample merges of variants against a full re-convert and
# against bcftools, side by side in one run (mean of 3 runs after a
# warm-up, 2 cores):
#   - region subset (the first quarter of the contig): gcol subset (pages
#     wholly inside copied) vs bcftools view -r -Ob vs converting the VCF
#     again;
#   - region + 10% of the samples: gcol subset vs bcftools view -r -s -Ob;
#   - two sample halves merged: gcol merge vs bcftools merge -Ob.
# Every gcol result is checked against bcftools' text first.
#
# Files: the 1000 Genomes chr20 300-sample VCF of ../shared/data and the
# standard simulated cohort (../shared/tools/gen-cohort.py: 2,000 samples).
#
# Usage: bash benches/peers/subset_merge.sh
#   needs: bcftools tabix hyperfine msprime
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${GCOL_TEST_DATA:-../shared/data}
work=target/bench-data/variants
mkdir -p "$work"
cargo build --quiet --release -p gcol-tools
gcol=$PWD/target/release/gcol

[ -f "$work/g300.vcf.gz" ] || cp -p "$data/vcf/1000g_chr20_nygc30x_phased_300s.vcf.gz" "$work/g300.vcf.gz"
if [ ! -f "$work/cohort.vcf.gz" ]; then
    python3 ../shared/tools/gen-cohort.py "$work/cohort.vcf" >/dev/null
    bgzip -@2 -f "$work/cohort.vcf"
fi

mean_secs() {
    hyperfine -N -w 1 -r 3 --export-json "$work/t.json" "$*" >/dev/null 2>&1
    python3 -c "import json; print(f\"{json.load(open('$work/t.json'))['results'][0]['mean']:.3f}\")"
}
body() { grep -v '^##bcftools' | grep -v '^##' ; }

echo "## Subset and merge (seconds, mean of 3; sizes in bytes)"
printf "| file | operation | gcol | bcftools | re-convert | gcol size | pages copied / re-encoded |\n|---|---|---|---|---|---|---|\n"
for f in g300 cohort; do
    vcf=$work/$f.vcf.gz
    [ -f "$vcf.tbi" ] || tabix -f -p vcf "$vcf"
    "$gcol" convert -q "$vcf" -o "$work/$f.gcol" --name v
    read -r contig first last < <(bcftools query -f '%CHROM\t%POS\n' "$vcf" |
        awk 'NR == 1 { c = $1; f = $2 } { l = $2 } END { print c, f, l }')
    region="$contig:$first-$((first + (last - first) / 4))"
    samples=$(bcftools query -l "$vcf")
    n=$(echo "$samples" | wc -l)
    tenth=$(echo "$samples" | awk -v n=$((n / 10)) 'NR <= n' | paste -sd,)
    half=$(echo "$samples" | awk -v n=$((n / 2)) 'NR <= n' | paste -sd,)

    # Region only.
    rm -f "$work/s.gcol"
    summary=$("$gcol" subset "$work/$f.gcol" "$region" -o "$work/s.gcol")
    cmp <("$gcol" export "$work/s.gcol" -o - | body) <(bcftools view --no-version -r "$region" "$vcf" | body)
    t_g=$(mean_secs "$gcol" subset -q "$work/$f.gcol" "$region" -o "$work/s.gcol")
    t_b=$(mean_secs bcftools view --no-version -r "$region" -Ob -o "$work/s.bcf" "$vcf")
    bcftools view --no-version -r "$region" -Oz -o "$work/s.vcf.gz" "$vcf"
    t_c=$(mean_secs "$gcol" convert -q "$work/s.vcf.gz" -o "$work/c.gcol")
    pages=$(echo "$summary" | sed -n 's/.*(\([0-9]*\) pages copied, \([0-9]*\) re-encoded).*/\1 \/ \2/p')
    echo "| $f | region $region | $t_g | $t_b | $t_c | $(stat -c %s "$work/s.gcol") | $pages |"

    # Region and a tenth of the samples.
    rm -f "$work/s.gcol"
    summary=$("$gcol" subset "$work/$f.gcol" "$region" -s "$tenth" -o "$work/s.gcol")
    cmp <("$gcol" export "$work/s.gcol" -o - | body) <(bcftools view --no-version -r "$region" -s "$tenth" "$vcf" | body)
    t_g=$(mean_secs "$gcol" subset -q "$work/$f.gcol" "$region" -s "$tenth" -o "$work/s.gcol")
    t_b=$(mean_secs bcftools view --no-version -r "$region" -s "$tenth" -Ob -o "$work/s.bcf" "$vcf")
    bcftools view --no-version -r "$region" -s "$tenth" -Oz -o "$work/s.vcf.gz" "$vcf"
    t_c=$(mean_secs "$gcol" convert -q "$work/s.vcf.gz" -o "$work/c.gcol")
    pages=$(echo "$summary" | sed -n 's/.*(\([0-9]*\) pages copied, \([0-9]*\) re-encoded).*/\1 \/ \2/p')
    echo "| $f | region + $((n / 10)) samples | $t_g | $t_b | $t_c | $(stat -c %s "$work/s.gcol") | $pages |"

    # Two halves merged.
    rm -f "$work/a.gcol" "$work/b.gcol" "$work/m.gcol"
    "$gcol" subset -q "$work/$f.gcol" -s "$half" -o "$work/a.gcol"
    "$gcol" subset -q "$work/$f.gcol" -s "^$half" -o "$work/b.gcol"
    for x in a b; do
        "$gcol" export "$work/$x.gcol" -o "$work/$x.bcf"
        bcftools index -f "$work/$x.bcf"
    done
    summary=$("$gcol" merge "$work/a.gcol" "$work/b.gcol" -o "$work/m.gcol")
    cmp <("$gcol" export "$work/m.gcol" -o - | body | sort) \
        <(bcftools merge --no-version "$work/a.bcf" "$work/b.bcf" | body | sort)
    t_g=$(mean_secs "$gcol" merge -q "$work/a.gcol" "$work/b.gcol" -o "$work/m.gcol")
    t_b=$(mean_secs bcftools merge --no-version --threads 2 -Ob -o "$work/m.bcf" "$work/a.bcf" "$work/b.bcf")
    bcftools merge --no-version -Oz -o "$work/m.vcf.gz" "$work/a.bcf" "$work/b.bcf"
    t_c=$(mean_secs "$gcol" convert -q "$work/m.vcf.gz" -o "$work/c.gcol")
    pages=$(echo "$summary" | sed -n 's/.*(\([0-9]*\) pages copied, \([0-9]*\) re-encoded).*/\1 \/ \2/p')
    echo "| $f | merge 2 x $((n / 2)) samples | $t_g | $t_b | $t_c | $(stat -c %s "$work/m.gcol") | $pages |"
done
