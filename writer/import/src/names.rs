//! Repeated-name checks in bounded memory: names are reduced to 128-bit
//! hashes with their record number, sorted in runs of at most
//! [`RUN_ENTRIES`] (spilled to a temporary file beyond that) and merged at
//! the end, so a whole-genome FASTQ does not hold a hash per read in memory.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Entries sorted in memory before a run goes to disk: 2 Mi entries of 24
/// bytes (48 MiB).
pub const RUN_ENTRIES: usize = 2 << 20;

/// A name's two hashes, and the record (1-based) it came from.
type Entry = (u128, u64);

/// Finds the first repeated name among many, in bounded memory.
pub struct NameCheck {
    hasher: std::collections::hash_map::RandomState,
    run: Vec<Entry>,
    runs: Vec<(std::fs::File, u64)>,
    run_entries: usize,
}

/// A repeated name: the records (1-based) that share it, earlier first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    /// The first record with the name.
    pub first: u64,
    /// A later one.
    pub again: u64,
}

impl Default for NameCheck {
    fn default() -> Self {
        NameCheck::with_run_entries(RUN_ENTRIES)
    }
}

impl NameCheck {
    /// A checker whose in-memory runs hold at most `run_entries` names.
    pub fn with_run_entries(run_entries: usize) -> NameCheck {
        NameCheck {
            hasher: std::collections::hash_map::RandomState::new(),
            run: Vec::new(),
            runs: Vec::new(),
            run_entries: run_entries.max(2),
        }
    }

    /// Note record `record`'s name. A repeat found while sorting a full
    /// run is returned at once; others by [`NameCheck::finish`].
    pub fn insert(&mut self, name: &[u8], record: u64) -> std::io::Result<Option<Repeat>> {
        let mut h1 = self.hasher.build_hasher();
        h1.write(name);
        // A second, independent hash (FNV-1a) makes a false repeat out of
        // two different names a 2^-128 event.
        let mut h2 = 0xcbf2_9ce4_8422_2325u64;
        for &b in name {
            h2 = (h2 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h2 ^= name.len() as u64;
        self.run
            .push(((u128::from(h1.finish()) << 64) | u128::from(h2), record));
        if self.run.len() >= self.run_entries {
            if let Some(repeat) = self.sort_run() {
                return Ok(Some(repeat));
            }
            self.spill()?;
        }
        Ok(None)
    }

    /// Sort the run in memory; the first repeat in it, if any.
    fn sort_run(&mut self) -> Option<Repeat> {
        self.run.sort_unstable();
        self.run
            .windows(2)
            .filter(|w| w[0].0 == w[1].0)
            .map(|w| Repeat {
                first: w[0].1,
                again: w[1].1,
            })
            .min_by_key(|r| r.again)
    }

    fn spill(&mut self) -> std::io::Result<()> {
        let mut file = tempfile::tempfile()?;
        {
            let mut out = BufWriter::new(&mut file);
            for (hash, record) in &self.run {
                out.write_all(&hash.to_le_bytes())?;
                out.write_all(&record.to_le_bytes())?;
            }
            out.flush()?;
        }
        file.seek(SeekFrom::Start(0))?;
        self.runs.push((file, self.run.len() as u64));
        self.run.clear();
        Ok(())
    }

    /// The first repeated name (by its later record) among all inserted.
    pub fn finish(mut self) -> std::io::Result<Option<Repeat>> {
        if self.runs.is_empty() {
            return Ok(self.sort_run());
        }
        if !self.run.is_empty() {
            if let Some(repeat) = self.sort_run() {
                return Ok(Some(repeat));
            }
            self.spill()?;
        }
        // k-way merge of the sorted runs: equal neighbours are repeats.
        let mut readers: Vec<(BufReader<std::fs::File>, u64)> = self
            .runs
            .into_iter()
            .map(|(file, n)| (BufReader::with_capacity(1 << 16, file), n))
            .collect();
        let next =
            |reader: &mut (BufReader<std::fs::File>, u64)| -> std::io::Result<Option<Entry>> {
                if reader.1 == 0 {
                    return Ok(None);
                }
                reader.1 -= 1;
                let mut buf = [0u8; 24];
                reader.0.read_exact(&mut buf)?;
                Ok(Some((
                    u128::from_le_bytes(buf[..16].try_into().expect("16 bytes")),
                    u64::from_le_bytes(buf[16..].try_into().expect("8 bytes")),
                )))
            };
        let mut heap = BinaryHeap::new();
        for (i, reader) in readers.iter_mut().enumerate() {
            if let Some(entry) = next(reader)? {
                heap.push(Reverse((entry, i)));
            }
        }
        let mut previous: Option<Entry> = None;
        let mut found: Option<Repeat> = None;
        while let Some(Reverse((entry, i))) = heap.pop() {
            if let Some(prev) = previous {
                if prev.0 == entry.0 {
                    let repeat = Repeat {
                        first: prev.1.min(entry.1),
                        again: prev.1.max(entry.1),
                    };
                    if found.is_none_or(|f| repeat.again < f.again) {
                        found = Some(repeat);
                    }
                }
            }
            previous = Some(entry);
            if let Some(entry) = next(&mut readers[i])? {
                heap.push(Reverse((entry, i)));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_found_in_memory_and_across_spilled_runs() {
        for run_entries in [2, 3, 7, 1000] {
            let mut check = NameCheck::with_run_entries(run_entries);
            let mut early = None;
            for i in 1..=50u64 {
                let name = if i == 41 {
                    b"r7".to_vec()
                } else {
                    format!("r{i}").into_bytes()
                };
                early = early.or(check.insert(&name, i).unwrap());
            }
            let repeat = early.or(check.finish().unwrap());
            assert_eq!(
                repeat,
                Some(Repeat {
                    first: 7,
                    again: 41
                }),
                "runs of {run_entries}"
            );
        }
        let mut check = NameCheck::with_run_entries(4);
        for i in 1..=20u64 {
            assert_eq!(check.insert(format!("r{i}").as_bytes(), i).unwrap(), None);
        }
        assert_eq!(check.finish().unwrap(), None);
    }
}
