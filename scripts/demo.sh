#!/usr/bin/env bash
# The main job on bundled data: convert a FASTA file, a VCF file, a SAM
# file and a small study (genomics schema), then query them.
# Usage: bash scripts/demo.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/demo}"
mkdir -p "$out"
cargo build --quiet --release -p gcol-tools
gcol="${CARGO_TARGET_DIR:-target}/release/gcol"
input=examples/data/sample.fa

echo "== convert $input"
"$gcol" convert "$input" -o "$out/sample.gcol"
echo "== inspect"
"$gcol" inspect "$out/sample.gcol"
echo "== verify"
"$gcol" verify "$out/sample.gcol"
echo "== fetch (samtools region syntax, 1-based inclusive)"
"$gcol" fetch "$out/sample.gcol" lambda_5k:1-120 lambda_masked:490-520 cel-let-7
echo "== fetch, reverse complement"
"$gcol" fetch -i "$out/sample.gcol" lambda_masked:1195-1215
echo "== stats"
"$gcol" stats "$out/sample.gcol"
echo "== export and compare with the input"
"$gcol" export "$out/sample.gcol" -o "$out/sample.out.fa"
cmp "$input" "$out/sample.out.fa" && echo "export is byte-identical to $input"

vcf=examples/data/sample.vcf
echo "== convert $vcf (variants)"
"$gcol" convert "$vcf" -o "$out/calls.gcol"
"$gcol" verify "$out/calls.gcol"
echo "== view a region for two samples, as bcftools view -H -r -s prints it"
"$gcol" view -H "$out/calls.gcol" -r 20:1010000-1012000 -s HG00096,NA06985
echo "== stats (bcftools stats SN lines)"
"$gcol" stats "$out/calls.gcol"
echo "== export and compare with the input"
"$gcol" export "$out/calls.gcol" -o "$out/calls.out.vcf"
cmp "$vcf" "$out/calls.out.vcf" && echo "export is byte-identical to $vcf"

sam=examples/data/sample.sam
echo "== convert $sam (alignments)"
"$gcol" convert "$sam" -o "$out/reads.gcol"
"$gcol" verify --deep "$out/reads.gcol"
echo "== view a region, MAPQ >= 30, duplicates dropped, as samtools view -q 30 -F 0x400 prints it"
"$gcol" view "$out/reads.gcol" 6:32771600-32771700 -q 30 -F 0x400 | cut -f 1-9
echo "== depth over 10 bases, as samtools depth -a -r prints it"
"$gcol" depth -a -r 6:32771600-32771609 "$out/reads.gcol"
echo "== export to SAM and BAM, and compare the SAM with the input"
"$gcol" export "$out/reads.gcol" -o "$out/reads.out.sam"
"$gcol" export "$out/reads.gcol" -o "$out/reads.out.bam"
cmp "$sam" "$out/reads.out.sam" && echo "export is byte-identical to $sam"

study=examples/data/study
echo "== convert a study into the genomics schema (keys checked before writing)"
"$gcol" convert --schema genomics "$input" "$study"/*.csv -o "$out/study.gcol"
"$gcol" schema "$out/study.gcol"
echo "== expression of let-7 (gene WBGene00002285) per sample"
"$gcol" search "$out/study.gcol" --dataset gene_expression gene_id=WBGene00002285
