//! The summary numbers of `bcftools stats` (its `SN` section).

use super::{row_runs, Variants};
use crate::Result;

/// Counts of records by variant type, as `bcftools stats` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariantSummary {
    /// Samples.
    pub samples: u64,
    /// Records.
    pub records: u64,
    /// Records with no ALT allele other than REF itself (or `<*>`).
    pub no_alts: u64,
    /// Records with a SNP allele.
    pub snps: u64,
    /// Records with an MNP allele.
    pub mnps: u64,
    /// Records with an indel allele.
    pub indels: u64,
    /// Records with a symbolic or breakend allele.
    pub others: u64,
    /// Records with more than one ALT allele.
    pub multiallelic: u64,
    /// Multiallelic records whose non-REF alleles are all SNPs.
    pub multiallelic_snps: u64,
}

const SNP: u8 = 1;
const MNP: u8 = 2;
const INDEL: u8 = 4;
const OTHER: u8 = 8;
/// Breakends: no `SN` line of their own (not "others" either).
const BND: u8 = 16;
/// The overlapping-deletion allele `*`.
const OVERLAP: u8 = 32;

/// The type bit of one ALT allele against REF, as htslib types alleles:
/// 0 for REF again (and gVCF `<*>`, `<NON_REF>`, `<X>`); after the common
/// prefix, an insertion or deletion is an indel, equal lengths a SNP (one
/// base differs) or MNP, and unequal remainders "other" (complex).
fn allele_type(reference: &[u8], alt: &[u8]) -> u8 {
    if alt == b"*" {
        return OVERLAP;
    }
    if matches!(alt, b"<*>" | b"<NON_REF>" | b"<X>" | b"X" | b".") {
        return 0;
    }
    if alt.first() == Some(&b'<') {
        return OTHER;
    }
    if matches!(alt.first(), Some(b'[' | b']'))
        || (alt.len() > 1 && (alt[0] == b'.' || alt[alt.len() - 1] == b'.'))
    {
        // Breakends, and single breakends (`.G`, `G.`).
        return BND;
    }
    let bracket = alt.contains(&b'[') || alt.contains(&b']');
    let prefix = reference
        .iter()
        .zip(alt)
        .take_while(|(r, a)| r.eq_ignore_ascii_case(a))
        .count();
    let (mut r, mut a) = (&reference[prefix..], &alt[prefix..]);
    while let (Some(x), Some(y)) = (r.last(), a.last()) {
        if !x.eq_ignore_ascii_case(y) {
            break;
        }
        r = &r[..r.len() - 1];
        a = &a[..a.len() - 1];
    }
    match (r.is_empty(), a.is_empty()) {
        (true, true) => 0,
        (true, false) | (false, true) if bracket => BND,
        (true, false) | (false, true) => INDEL,
        (false, false) if r.len() != a.len() => {
            if bracket || alt[0] == b'.' || alt[alt.len() - 1] == b'.' {
                BND
            } else {
                OTHER
            }
        }
        (false, false) => {
            let differ = r
                .iter()
                .zip(a)
                .filter(|(x, y)| !x.eq_ignore_ascii_case(y))
                .count();
            if differ == 1 {
                SNP
            } else {
                MNP
            }
        }
    }
}

impl Variants {
    /// The `bcftools stats` summary of `rows` (every record when `None`).
    pub fn summary(&self, rows: Option<&[u64]>) -> Result<VariantSummary> {
        let all: Vec<u64>;
        let rows = match rows {
            Some(r) => r,
            None => {
                all = (0..self.num_sites()).collect();
                &all
            }
        };
        let mut s = VariantSummary {
            samples: self.samples().len() as u64,
            ..VariantSummary::default()
        };
        for run in row_runs(rows) {
            for start in (run.start..run.end).step_by(65_536) {
                let end = (start + 65_536).min(run.end);
                let block = self.block(start..end, None)?;
                for r in 0..block.len() {
                    let reference = &block.reference[r];
                    let alts = &block.alt[r];
                    let mask = alts.iter().fold(0, |m, a| m | allele_type(reference, a));
                    s.records += 1;
                    s.no_alts += u64::from(mask == 0);
                    s.snps += u64::from(mask & SNP != 0);
                    s.mnps += u64::from(mask & MNP != 0);
                    s.indels += u64::from(mask & INDEL != 0);
                    s.others += u64::from(mask & OTHER != 0);
                    if alts.len() > 1 {
                        s.multiallelic += 1;
                        s.multiallelic_snps += u64::from(mask == SNP);
                    }
                }
            }
        }
        Ok(s)
    }
}

impl VariantSummary {
    /// The lines of `bcftools stats`' `SN` section.
    pub fn sn_lines(&self) -> String {
        [
            ("number of samples:", self.samples),
            ("number of records:", self.records),
            ("number of no-ALTs:", self.no_alts),
            ("number of SNPs:", self.snps),
            ("number of MNPs:", self.mnps),
            ("number of indels:", self.indels),
            ("number of others:", self.others),
            ("number of multiallelic sites:", self.multiallelic),
            ("number of multiallelic SNP sites:", self.multiallelic_snps),
        ]
        .iter()
        .map(|(label, n)| format!("SN\t0\t{label}\t{n}\n"))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allele_types_follow_htslib() {
        assert_eq!(allele_type(b"A", b"G"), SNP);
        assert_eq!(allele_type(b"AC", b"AG"), SNP);
        assert_eq!(allele_type(b"AC", b"GT"), MNP);
        assert_eq!(allele_type(b"A", b"AT"), INDEL);
        assert_eq!(allele_type(b"A", b"a"), 0);
        assert_eq!(allele_type(b"A", b"<NON_REF>"), 0);
        assert_eq!(allele_type(b"N", b"<DEL>"), OTHER);
        assert_eq!(allele_type(b"G", b"G]17:198982]"), BND);
        assert_eq!(allele_type(b"G", b".G"), BND);
        assert_eq!(allele_type(b"G", b"*"), OVERLAP);
        // After the common prefix and suffix: AC/C is a deletion; AG/T differ
        // in length with nothing in common, a complex allele.
        assert_eq!(allele_type(b"AC", b"C"), INDEL);
        assert_eq!(allele_type(b"AG", b"T"), OTHER);
        assert_eq!(allele_type(b"ACC", b"A"), INDEL);
    }
}

/// What checking a variants dataset's invariants covered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VariantsChecked {
    /// Records.
    pub records: u64,
    /// Genotype calls (cells) checked, with `deep`.
    pub calls: u64,
}

impl Variants {
    /// Check the invariants of spec 14.6 (the contig table was checked at
    /// open): positions never decrease within a contig, contig names are
    /// distinct, and with `deep` every genotype value is −2, −1 or an
    /// allele index (not checked against the record's ALT count: htslib
    /// reads such calls), with −2 only after the call's alleles.
    /// An error names the column and row.
    pub fn check_invariants(&self, deep: bool) -> Result<VariantsChecked> {
        let name = &self.dataset().name;
        let bad =
            |column: &str, row: u64, rule: &'static str, detail: String| crate::Error::Invariant {
                column: format!("{name}/{column}"),
                row,
                rule,
                detail,
            };
        let mut seen = std::collections::HashSet::new();
        for (i, contig) in self.contigs().iter().enumerate() {
            if !seen.insert(contig) {
                return Err(bad(
                    "contig",
                    i as u64,
                    "14.6",
                    format!("contig {contig:?} appears twice: its records must be together"),
                ));
            }
            let rows = self.contig_rows(i);
            let pos = self.column("pos")?;
            let mut last = 0u64;
            for start in (rows.start..rows.end).step_by(1 << 16) {
                let end = (start + (1 << 16)).min(rows.end);
                let values: Vec<u64> = pos.read(start..end)?;
                for (k, &p) in values.iter().enumerate() {
                    if p < last {
                        return Err(bad(
                            "pos",
                            start + k as u64,
                            "14.6",
                            format!("POS {p} after {last} on {contig:?}: positions must not decrease within a contig"),
                        ));
                    }
                    last = p;
                }
            }
        }
        self.check_reference(deep)?;
        let mut checked = VariantsChecked {
            records: self.num_sites(),
            calls: 0,
        };
        let Some(field) = self
            .formats()
            .iter()
            .find(|f| f.kind == super::FormatKind::Gt)
        else {
            return Ok(checked);
        };
        if !deep {
            return Ok(checked);
        }
        let ploidy = field.width;
        for start in (0..self.num_sites()).step_by(4096) {
            let end = (start + 4096).min(self.num_sites());
            let alts = self.column("alt")?.list_offsets(start..end)?;
            let (alleles, _, _) = self.genotypes(start..end, None)?;
            let n = self.samples().len();
            for site in 0..(end - start) as usize {
                let n_alt = alts[site + 1] - alts[site];
                for s in 0..n {
                    let call = &alleles[(site * n + s) * ploidy..(site * n + s + 1) * ploidy];
                    let mut ended = false;
                    for &a in call {
                        let ok = match a {
                            -2 => {
                                ended = true;
                                true
                            }
                            _ if ended => false,
                            -1 => true,
                            a => a >= 0,
                        };
                        if !ok {
                            return Err(bad(
                                &field.column,
                                start + site as u64,
                                "14.4",
                                format!(
                                    "sample {:?}: call {call:?} of a record with {n_alt} ALT alleles (allele indexes from 0, -1 missing, -2 only after the alleles)",
                                    self.samples()[s]
                                ),
                            ));
                        }
                    }
                    checked.calls += 1;
                }
            }
        }
        Ok(checked)
    }
}
