use std::collections::BTreeSet;

use gcol_format::{align_up, header::HEADER_LEN};

use crate::{Error, Reader, Result};

/// What [`Reader::verify`] checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Pages checked and decoded.
    pub pages: u64,
    /// Directory blocks checked.
    pub directory_blocks: u64,
    /// Columns checked.
    pub columns: u64,
    /// Stored page bytes checksummed.
    pub stored_bytes: u64,
    /// Decoded bytes produced.
    pub decoded_bytes: u64,
    /// Datasets whose kind's invariants were checked.
    pub datasets: u64,
    /// Records (and reads) whose table entries were checked.
    pub records: u64,
    /// Ambiguity and mask runs checked (deep verification only).
    pub runs: u64,
    /// What could not be checked, and why (bases coded against a
    /// reference outside the file that was not given).
    pub unchecked: Vec<String>,
}

impl Reader {
    /// Check the invariants of every dataset of a kind this reader knows
    /// (spec 8.4). Always: each `sequences` and `reads` record table
    /// (offsets the running sums of lengths; residue and quality columns
    /// holding exactly that stream), what every read is sized by. With
    /// `deep`, every invariant: each run, run index value, page size,
    /// padding bit, flag and mate.
    pub fn check_datasets(&self, deep: bool, report: &mut VerifyReport) -> Result<()> {
        self.check_datasets_with(deep, None, report)
    }

    /// [`Reader::check_datasets`] with the reference alignments datasets
    /// coded against one outside the file need (spec 15.10); without it
    /// their bases are not decoded and `report.unchecked` says so.
    pub fn check_datasets_with(
        &self,
        deep: bool,
        reference: Option<std::sync::Arc<dyn crate::alignments::ReferenceBases>>,
        report: &mut VerifyReport,
    ) -> Result<()> {
        let mut problems = Vec::new();
        self.check_datasets_into(deep, reference, &BTreeSet::new(), report, &mut problems);
        problems.into_iter().next().map_or(Ok(()), Err)
    }

    /// [`Reader::check_datasets_with`], every problem (the first of each
    /// dataset) pushed to `problems` instead of stopping at the first.
    fn check_datasets_into(
        &self,
        deep: bool,
        reference: Option<std::sync::Arc<dyn crate::alignments::ReferenceBases>>,
        damaged: &BTreeSet<String>,
        report: &mut VerifyReport,
        problems: &mut Vec<Error>,
    ) {
        // A dataset with a damaged column is not checked further: its
        // invariants would fail on the same pages, already reported.
        for name in self.sequence_datasets() {
            if damaged.contains(&name) {
                continue;
            }
            let checked = (|| {
                let set = self.sequences(&name)?;
                if deep {
                    let checked = set.check_invariants()?;
                    report.runs += checked.runs;
                } else {
                    // Loading the record table checks it (spec 8.4).
                    set.residue_count()?;
                }
                report.records += set.len() as u64;
                report.datasets += 1;
                self.check_num_rows(&name, set.len() as u64)
            })();
            problems.extend(checked.err());
        }
        for dataset in self.datasets() {
            if damaged.contains(&dataset.name) {
                continue;
            }
            if let Err(e) = self.check_dataset(dataset, deep, reference.as_ref(), report) {
                problems.push(e);
            }
        }
        // Spec 17.8: keys of the genomics-schema tables, across tables
        // (unless one of the tables is damaged: it is reported already).
        let damaged_table = damaged.iter().any(|name| {
            self.dataset(name)
                .is_ok_and(|d| d.kind == gcol_format::schema::table::KIND)
        });
        if !damaged_table {
            problems.extend(crate::table::check_genomics(self).err());
        }
    }

    /// The invariants of one dataset of a kind other than sequences.
    fn check_dataset(
        &self,
        dataset: &gcol_format::manifest::Dataset,
        deep: bool,
        reference: Option<&std::sync::Arc<dyn crate::alignments::ReferenceBases>>,
        report: &mut VerifyReport,
    ) -> Result<()> {
        {
            if crate::Variants::is_variants(dataset) {
                // Opening checks the contig table (spec 14.6).
                let variants = crate::Variants::open(self, &dataset.name)?;
                let checked = variants.check_invariants(deep)?;
                report.records += checked.records;
                report.datasets += 1;
                self.check_num_rows(&dataset.name, variants.num_sites())?;
            }
            if crate::Alignments::is_alignments(dataset) {
                // Opening checks the tag columns and layouts (spec 15.6).
                let mut alignments = crate::Alignments::open(self, &dataset.name)?;
                if let Some(r) = reference {
                    alignments = alignments.with_reference(r.clone());
                }
                if deep && alignments.needs_reference() {
                    report.unchecked.push(format!(
                        "dataset {:?}: bases not decoded: they are coded against the reference {} outside this file (give it with --reference)",
                        dataset.name,
                        alignments
                            .reference_link()
                            .map(|l| l.source)
                            .unwrap_or_default()
                    ));
                }
                report.records += alignments.check_invariants(deep)?;
                report.datasets += 1;
                self.check_num_rows(&dataset.name, alignments.len())?;
            }
            let table_17 = dataset.kind == gcol_format::schema::table::KIND
                && gcol_format::manifest::dataset_minor_needed(
                    &dataset.kind,
                    &dataset.metadata,
                    |_| false,
                ) >= 7;
            if table_17 {
                // Spec 17.6.
                let table = crate::table::Table::open(self, &dataset.name)?;
                let rows = table.check_invariants()?;
                report.records += rows;
                report.datasets += 1;
                self.check_num_rows(&dataset.name, rows)?;
            }
            if dataset.kind == gcol_format::schema::graph::KIND {
                // Every rule of spec 16.6 (the topology is read whole anyway).
                let graph = crate::Graph::open(self, &dataset.name)?;
                report.records += graph.check_invariants()?;
                report.datasets += 1;
            }
        }
        Ok(())
    }

    /// A dataset's `num_rows`, where given, is the number of records its
    /// kind holds (5.2; 12.1, 13, 14.1, 15.1, 17.1): a file claiming more
    /// (or fewer) is refused, never trusted.
    fn check_num_rows(&self, name: &str, records: u64) -> Result<()> {
        match self.dataset(name)?.num_rows {
            Some(n) if n != records => Err(Error::Invariant {
                column: name.to_string(),
                row: 0,
                rule: "5.2 num_rows",
                detail: format!("num_rows says {n}, the dataset holds {records} records"),
            }),
            _ => Ok(()),
        }
    }
}

impl Reader {
    /// Check every checksum and structural rule of spec 8.2, whatever the
    /// checksum policy: all directory blocks, every page's CRC32C and full
    /// decode, page layout and padding, and the manifest's column
    /// statistics; then the record tables of every dataset
    /// ([`Reader::check_datasets`]), and with `deep` every invariant of
    /// spec 8.4.
    ///
    /// `progress(done, total)` is called with stored bytes checked so far.
    /// Pages are decoded without going through the cache.
    pub fn verify_with(&self, deep: bool, progress: impl FnMut(u64, u64)) -> Result<VerifyReport> {
        self.verify_with_reference(deep, None, progress)
    }

    /// [`Reader::verify_with`], decoding alignments coded against a
    /// reference outside the file with `reference` (spec 15.10).
    pub fn verify_with_reference(
        &self,
        deep: bool,
        reference: Option<std::sync::Arc<dyn crate::alignments::ReferenceBases>>,
        progress: impl FnMut(u64, u64),
    ) -> Result<VerifyReport> {
        let (report, problems) = self.verify_all(deep, reference, progress);
        problems.into_iter().next().map_or(Ok(report), Err)
    }

    /// [`Reader::verify_with_reference`] that goes on past a problem and
    /// returns every one found: each damaged directory block; per column,
    /// every page that does not check or decode, then the first problem of
    /// its entries, statistics or layout; the first gap or padding problem
    /// between pages (checked when every page's directory entry reads);
    /// then, for each dataset whose columns are sound, the first problem
    /// of its invariants (sequence datasets first, then the others in
    /// manifest order). A problem met twice is listed once. A lab given a
    /// damaged file learns what is wrong, and which datasets are sound.
    pub fn verify_all(
        &self,
        deep: bool,
        reference: Option<std::sync::Arc<dyn crate::alignments::ReferenceBases>>,
        progress: impl FnMut(u64, u64),
    ) -> (VerifyReport, Vec<Error>) {
        let mut problems = Vec::new();
        let (mut report, damaged) = self.verify_structure_into(progress, &mut problems);
        self.check_datasets_into(deep, reference, &damaged, &mut report, &mut problems);
        // A problem met twice (a directory block every page entry of which
        // is read through) is reported once.
        let mut seen = std::collections::HashSet::new();
        problems.retain(|e| seen.insert(e.to_string()));
        (report, problems)
    }

    /// [`Reader::verify_with`] without the deep checks.
    pub fn verify(&self, progress: impl FnMut(u64, u64)) -> Result<VerifyReport> {
        self.verify_with(false, progress)
    }

    /// The checksum and structure part of [`Reader::verify_with`] (spec 8.2).
    pub fn verify_structure(&self, progress: impl FnMut(u64, u64)) -> Result<VerifyReport> {
        let mut problems = Vec::new();
        let (report, _) = self.verify_structure_into(progress, &mut problems);
        problems.into_iter().next().map_or(Ok(report), Err)
    }

    /// [`Reader::verify_structure`], every problem pushed to `problems`;
    /// also the names of the datasets with a damaged column.
    fn verify_structure_into(
        &self,
        mut progress: impl FnMut(u64, u64),
        problems: &mut Vec<Error>,
    ) -> (VerifyReport, BTreeSet<String>) {
        let mut report = VerifyReport::default();
        let mut damaged = BTreeSet::new();
        // Every byte is checked: a remote file is read whole by one request
        // first, and its pages then from those bytes.
        let data = match self.bytes() {
            Ok(data) => data,
            Err(e) => {
                problems.push(e);
                return (report, damaged);
            }
        };
        let footer = *self.footer();
        for block in 0..u64::from(footer.num_blocks) {
            match self.check_block(block) {
                Ok(()) => report.directory_blocks += 1,
                Err(e) => problems.push(e),
            }
        }
        let total: u64 = self.manifest().columns().map(|(_, c)| c.stored_bytes).sum();
        let mut extents = Vec::with_capacity(footer.num_pages as usize);
        // Whether every page's extent is known (its directory entry read):
        // the layout between pages is checked only then, or a page left
        // out would be reported as a gap.
        let mut every_extent = true;
        for (dataset, column) in self.manifest().columns() {
            let before = problems.len();
            let checked = self.check_column(
                dataset,
                column,
                (&mut extents, &mut every_extent),
                &mut report,
                (total, &mut progress),
                problems,
            );
            problems.extend(checked.err());
            if problems.len() != before {
                damaged.insert(dataset.name.clone());
            }
        }
        if every_extent {
            problems.extend(self.check_gaps(&data, extents).err());
        }
        progress(total, total);
        (report, damaged)
    }

    /// Spec 8.2 for one column: its pages (entries, checksums, decoding),
    /// the manifest's statistics and its layout.
    fn check_column(
        &self,
        dataset: &gcol_format::manifest::Dataset,
        column: &gcol_format::manifest::Column,
        (extents, every_extent): (&mut Vec<(u64, u64)>, &mut bool),
        report: &mut VerifyReport,
        (total, progress): (u64, &mut impl FnMut(u64, u64)),
        problems: &mut Vec<Error>,
    ) -> Result<()> {
        {
            let label = format!("{}/{}", dataset.name, column.name);
            let mut next_row = 0u64;
            let (mut stored, mut decoded) = (0u64, 0u64);
            let mut encodings = BTreeSet::new();
            for page in column.first_page..column.first_page + column.num_pages {
                let info = self
                    .page_info(page)
                    .inspect_err(|_| *every_extent = false)?;
                extents.push((info.offset, u64::from(info.stored_len)));
                if info.first_row != next_row || info.num_values == 0 {
                    // The column's later pages are not walked: their
                    // extents stay unknown.
                    *every_extent = false;
                }
                if info.first_row != next_row {
                    return Err(Error::InvalidEntry {
                        page,
                        offset: self.entry_offset(page),
                        field: "first row",
                        expected: next_row.to_string(),
                        found: info.first_row.to_string(),
                    });
                }
                if info.num_values == 0 {
                    return Err(Error::InvalidEntry {
                        page,
                        offset: self.entry_offset(page),
                        field: "number of values",
                        expected: "at least 1".into(),
                        found: "0".into(),
                    });
                }
                // A page that does not check or decode is reported and
                // the next one checked: every damaged page is named.
                if let Err(e) = self.load_page(page, &info, true) {
                    problems.push(e);
                }
                next_row += u64::from(info.num_values);
                stored += u64::from(info.stored_len);
                decoded += u64::from(info.decoded_len);
                encodings.insert(info.encoding);
                report.pages += 1;
                report.stored_bytes += u64::from(info.stored_len);
                report.decoded_bytes += u64::from(info.decoded_len);
                progress(report.stored_bytes, total);
            }
            if column.inline.is_some() {
                // spec 5.4: the inline page, covered by the footer CRC32C.
                let page = self.inline_page_index(column.id);
                let info = self.page_info(page)?;
                self.load_page(page, &info, true)?;
                next_row += u64::from(info.num_values);
                stored += u64::from(info.stored_len);
                decoded += u64::from(info.decoded_len);
                encodings.insert(info.encoding);
                report.pages += 1;
                report.stored_bytes += u64::from(info.stored_len);
                report.decoded_bytes += u64::from(info.decoded_len);
            }
            let check = |field: &'static str, manifest: String, directory: String| {
                if manifest == directory {
                    Ok(())
                } else {
                    Err(Error::Inconsistent {
                        column: label.clone(),
                        field,
                        manifest,
                        directory,
                    })
                }
            };
            check(
                "num_values",
                column.num_values.to_string(),
                next_row.to_string(),
            )?;
            check(
                "stored_bytes",
                column.stored_bytes.to_string(),
                stored.to_string(),
            )?;
            check(
                "decoded_bytes",
                column.decoded_bytes.to_string(),
                decoded.to_string(),
            )?;
            check(
                "encodings",
                format!("{:?}", column.encodings),
                format!("{:?}", encodings.into_iter().collect::<Vec<_>>()),
            )?;
            self.check_column_layout(dataset, column)?;
            report.columns += 1;
        }
        Ok(())
    }

    /// Spec 2.3: pages lie back to back from offset 64, each at the next
    /// 64-byte boundary after the previous, padding zero; the directory
    /// follows the last page, and the footer the directory, the same way.
    fn check_gaps(&self, data: &[u8], mut extents: Vec<(u64, u64)>) -> Result<()> {
        let footer = *self.footer();
        extents.sort_unstable();
        let mut expected = HEADER_LEN as u64;
        let check_gap = |from: u64, to: u64, what: &str| -> Result<()> {
            if to != align_up(from) {
                return Err(Error::Layout {
                    offset: from,
                    detail: format!("{what} should start at {}, found at {to}", align_up(from)),
                });
            }
            if let Some(i) = data[from as usize..to as usize]
                .iter()
                .position(|&b| b != 0)
            {
                return Err(Error::Layout {
                    offset: from + i as u64,
                    detail: "padding byte is not zero".into(),
                });
            }
            Ok(())
        };
        for &(offset, len) in &extents {
            check_gap(expected, offset, "page")?;
            expected = offset + len;
        }
        check_gap(expected, footer.directory_offset, "page directory")?;
        let directory_end = footer.directory_offset + footer.num_pages * 48;
        check_gap(directory_end, self.tail().footer_offset, "footer")
    }
}
