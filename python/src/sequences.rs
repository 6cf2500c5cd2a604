//! Sequences and reads datasets from Python: `seqs["chr1"][1000:2000]`,
//! fetch, batch fetch, kernels, qualities, zero-copy page views, export.

use std::ops::Range;
use std::sync::Arc;

use gcol_format::coords::Interval;
use gcol_reader::{Alphabet, Reader, Region, Sequences};
use pyo3::exceptions::{PyIndexError, PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PySlice, PyString};

use crate::buffer::PageBuffer;
use crate::{reader_error, run, run_parallel, RegionError};

/// A `sequences` (FASTA) or `reads` (FASTQ) dataset.
#[pyclass(frozen, name = "Sequences", module = "gcol._gcol")]
pub struct PySequences {
    pub(crate) inner: Arc<Sequences>,
}

/// A `str` from ASCII bytes, checked once by CPython's ASCII decoder (no
/// separate UTF-8 validation pass on our side).
fn ascii<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    // SAFETY: the pointer and length describe `bytes`, which outlives the
    // call; a null `errors` means strict decoding; CPython returns a new
    // reference or null with an exception set, which `from_owned_ptr_or_err`
    // turns into an error.
    unsafe {
        let obj = pyo3::ffi::PyUnicode_DecodeASCII(
            bytes.as_ptr().cast(),
            bytes.len() as pyo3::ffi::Py_ssize_t,
            std::ptr::null(),
        );
        Ok(Bound::from_owned_ptr_or_err(py, obj)?.cast_into_unchecked())
    }
}

/// Resolve Python-style bounds (None, negatives) against `length`, strictly:
/// out-of-range bounds are a `RegionError`.
fn bounds(start: Option<i64>, end: Option<i64>, length: u64) -> PyResult<Range<u64>> {
    let resolve = |v: i64| -> i64 {
        if v < 0 {
            v + length as i64
        } else {
            v
        }
    };
    let s = resolve(start.unwrap_or(0));
    let e = end.map(resolve).unwrap_or(length as i64);
    if s >= 0 && e >= 0 && e < s {
        return Err(RegionError::new_err(format!(
            "region {}..{}: the end is before the start (0-based, half-open)",
            start.unwrap_or(0),
            end.map_or_else(|| length.to_string(), |v| v.to_string())
        )));
    }
    if s < 0 || e < s || e as u64 > length {
        return Err(RegionError::new_err(format!(
            "region {}..{} is outside a record of length {length} (0-based, half-open)",
            start.unwrap_or(0),
            end.map_or_else(|| length.to_string(), |v| v.to_string())
        )));
    }
    Ok(s as u64..e as u64)
}

impl PySequences {
    pub(crate) fn open(reader: &Reader, name: &str) -> PyResult<PySequences> {
        Ok(PySequences {
            inner: Arc::new(reader.sequences(name).map_err(reader_error)?),
        })
    }

    /// Record index and checked 0-based range for Python-style bounds.
    fn resolve(
        &self,
        name: &Bound<'_, PyAny>,
        start: Option<i64>,
        end: Option<i64>,
    ) -> PyResult<(usize, Range<u64>)> {
        let index = self.index_of(name)?;
        let range = bounds(start, end, self.inner.length(index).map_err(reader_error)?)?;
        Ok((index, range))
    }

    fn index_of(&self, key: &Bound<'_, PyAny>) -> PyResult<usize> {
        if let Ok(name) = key.extract::<&str>() {
            return self.inner.record_index(name).map_err(reader_error);
        }
        if let Ok(i) = key.extract::<i64>() {
            let n = self.inner.len() as i64;
            let j = if i < 0 { i + n } else { i };
            if j < 0 || j >= n {
                return Err(PyIndexError::new_err(format!(
                    "record {i} out of range for {n} records"
                )));
            }
            return Ok(j as usize);
        }
        Err(PyTypeError::new_err(
            "records are looked up by name (str) or index (int)",
        ))
    }

    /// Fetch a region into this thread's reusable buffer (GIL released for
    /// the fetch) and hand the bytes to `make` (GIL held) to build the result.
    fn with_region<'py, T>(
        &self,
        py: Python<'py>,
        name: &Bound<'_, PyAny>,
        start: Option<i64>,
        end: Option<i64>,
        rc: bool,
        make: impl FnOnce(Python<'py>, &[u8]) -> PyResult<T>,
    ) -> PyResult<T> {
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let (index, range) = self.resolve(name, start, end)?;
        let seqs = &*self.inner;
        // `detach` runs the closure on this same thread, so the buffer is this thread's.
        let mut buffer = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
        buffer.clear();
        // Start the memory loads of a cached page before releasing the GIL,
        // so they overlap with the release.
        seqs.prefetch_record(index, range.clone());
        let result = run(py, || {
            seqs.fetch_record_into(index, range, &mut buffer)?;
            if rc {
                gcol_format::kernels::reverse_complement(&mut buffer);
            }
            Ok::<_, gcol_reader::Error>(())
        });
        let made = result
            .map_err(reader_error)
            .and_then(|()| make(py, &buffer));
        if buffer.capacity() <= 1 << 20 {
            BUFFER.with(|b| *b.borrow_mut() = buffer);
        }
        made
    }
}

#[pymethods]
impl PySequences {
    /// Dataset name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// `"sequences"` (FASTA) or `"reads"` (FASTQ).
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    /// `"nucleotide"` or `"protein"`.
    #[getter]
    fn alphabet(&self) -> &'static str {
        match self.inner.alphabet() {
            Alphabet::Nucleotide => "nucleotide",
            Alphabet::Protein => "protein",
        }
    }

    /// Record names in order (reads only the name column).
    #[getter]
    fn names(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let seqs = self.inner.clone();
        run(py, move || seqs.names()).map_err(reader_error)
    }

    /// Record lengths (numpy uint64), without touching residue pages.
    #[getter]
    fn lengths<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, numpy::PyArray1<u64>>> {
        let seqs = self.inner.clone();
        let lengths = run(py, move || seqs.lengths()).map_err(reader_error)?;
        Ok(numpy::PyArray1::from_vec(py, lengths))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __contains__(&self, name: &str) -> PyResult<bool> {
        Ok(self.inner.find(name).map_err(reader_error)?.is_some())
    }

    /// `seqs["chr1"]` or `seqs[0]`: one record, sliceable like a `str`.
    fn __getitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<PyRecord> {
        let index = self.index_of(key).map_err(|e| {
            if key.is_instance_of::<PyString>() {
                PyKeyError::new_err(key.to_string())
            } else {
                e
            }
        })?;
        Ok(PyRecord {
            seqs: self.inner.clone(),
            index,
            length: self.inner.length(index).map_err(reader_error)?,
        })
    }

    /// Name, definition line, length, line width, flags and blank lines of a record.
    fn record_info<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let index = self.index_of(key)?;
        let info = self.inner.record(index).map_err(reader_error)?;
        let d = PyDict::new(py);
        d.set_item("name", info.name)?;
        d.set_item("definition", info.definition)?;
        d.set_item("length", info.length)?;
        d.set_item("line_width", info.line_width)?;
        d.set_item("flags", info.flags)?;
        d.set_item("blank_lines", info.blank_lines)?;
        Ok(d)
    }

    /// Residues `start..end` (0-based, half-open; negatives count from the
    /// end) of a record, as `str`.
    #[pyo3(signature = (name, start=None, end=None, reverse_complement=false))]
    fn fetch<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'_, PyAny>,
        start: Option<i64>,
        end: Option<i64>,
        reverse_complement: bool,
    ) -> PyResult<Bound<'py, PyString>> {
        self.with_region(py, name, start, end, reverse_complement, ascii)
    }

    /// A samtools-style region string, `chr1:1,000-2,000` (1-based,
    /// inclusive; also `chr1`, `chr1:1000`, `chr1:-500`, `{a:b}:1-5`), parsed
    /// as `gcol fetch` and `samtools faidx` parse it; a region past the
    /// record's end is clipped, one ending before it begins is a
    /// `RegionError`.
    #[pyo3(signature = (region, reverse_complement=false))]
    fn region<'py>(
        &self,
        py: Python<'py>,
        region: &str,
        reverse_complement: bool,
    ) -> PyResult<Bound<'py, PyString>> {
        use gcol_format::coords::region::Resolved;
        let spec = gcol_reader::parse_region(std::slice::from_ref(&self.inner), region)
            .map_err(reader_error)?;
        let record = self.inner.record_index(&spec.name).map_err(reader_error)?;
        let length = self.inner.length(record).map_err(reader_error)?;
        let (start, end) = match spec.resolve(length) {
            Resolved::Within { interval, .. } => (interval.start(), interval.end()),
            Resolved::Empty => (0, 0),
            Resolved::Invalid => {
                return Err(RegionError::new_err(format!(
                    "region {region:?} ends before it begins"
                )))
            }
        };
        let name = pyo3::types::PyInt::new(py, record as u64).into_any();
        self.with_region(
            py,
            &name,
            Some(start as i64),
            Some(end as i64),
            reverse_complement,
            ascii,
        )
    }

    /// As `fetch`, returning `bytes`.
    #[pyo3(signature = (name, start=None, end=None, reverse_complement=false))]
    fn fetch_bytes<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'_, PyAny>,
        start: Option<i64>,
        end: Option<i64>,
        reverse_complement: bool,
    ) -> PyResult<Bound<'py, PyBytes>> {
        self.with_region(py, name, start, end, reverse_complement, |py, bytes| {
            Ok(PyBytes::new(py, bytes))
        })
    }

    /// Many `(name, start, end)` regions at once, fetched in parallel.
    #[pyo3(signature = (regions, reverse_complement=false))]
    fn fetch_batch(
        &self,
        py: Python<'_>,
        regions: Vec<(Bound<'_, PyAny>, Option<i64>, Option<i64>)>,
        reverse_complement: bool,
    ) -> PyResult<Vec<Py<PyString>>> {
        let mut resolved = Vec::with_capacity(regions.len());
        for (name, start, end) in &regions {
            let (record, range) = self.resolve(name, *start, *end)?;
            resolved.push(region(record, range));
        }
        // Groups of 8,192 regions: the GIL is released while a group is
        // fetched in parallel, 256 regions to a buffer (reverse-complemented
        // there too), then the strs are built from slices of the buffers,
        // which the next group reuses: memory stays at one group's bases.
        const GROUP: usize = 8192;
        const CHUNK: usize = 256;
        let seqs = &*self.inner;
        let mut buffers: Vec<(Vec<u8>, Vec<usize>)> = vec![Default::default(); GROUP / CHUNK];
        let mut out = Vec::with_capacity(regions.len());
        for group in resolved.chunks(GROUP) {
            // Ctrl-C between groups raises KeyboardInterrupt.
            py.check_signals()?;
            run_parallel(py, || {
                use rayon::prelude::*;
                group
                    .par_chunks(CHUNK)
                    .zip(buffers.par_iter_mut())
                    .try_for_each(|(chunk, (buffer, ends))| {
                        buffer.clear();
                        ends.clear();
                        for region in chunk {
                            let start = buffer.len();
                            seqs.fetch_record_into(
                                region.record,
                                region.interval.as_range(),
                                buffer,
                            )?;
                            if reverse_complement {
                                gcol_format::kernels::reverse_complement(&mut buffer[start..]);
                            }
                            ends.push(buffer.len());
                        }
                        Ok::<_, gcol_reader::Error>(())
                    })
            })
            .map_err(reader_error)?;
            for (buffer, ends) in buffers.iter().take(group.len().div_ceil(CHUNK)) {
                let mut start = 0;
                for &end in ends {
                    out.push(ascii(py, &buffer[start..end])?.unbind());
                    start = end;
                }
            }
        }
        Ok(out)
    }

    /// Base counts `{"A", "C", "G", "T", "N", "other"}` of a region
    /// (case-insensitive; U counts as T), computed on the packed 2-bit words.
    #[pyo3(signature = (name, start=None, end=None))]
    fn counts<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'_, PyAny>,
        start: Option<i64>,
        end: Option<i64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (index, range) = self.resolve(name, start, end)?;
        let seqs = self.inner.clone();
        let c = run(py, move || seqs.base_counts(index, range)).map_err(reader_error)?;
        let d = PyDict::new(py);
        for (key, value) in ["A", "C", "G", "T", "N", "other"].iter().zip(c) {
            d.set_item(*key, value)?;
        }
        Ok(d)
    }

    /// GC fraction `(G + C) / (A + C + G + T)` of a region, or `None`
    /// when it holds no A, C, G or T.
    #[pyo3(signature = (name, start=None, end=None))]
    fn gc(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        start: Option<i64>,
        end: Option<i64>,
    ) -> PyResult<Option<f64>> {
        let (index, range) = self.resolve(name, start, end)?;
        let seqs = self.inner.clone();
        run(py, move || seqs.gc_fraction(index, range)).map_err(reader_error)
    }

    /// Exact, case-insensitive matches of `pattern` as `(name, start, strand)`
    /// tuples (0-based starts; strand `"+"` or `"-"`), in one record or all.
    #[pyo3(signature = (pattern, name=None, start=None, end=None, both_strands=true))]
    fn find_motif(
        &self,
        py: Python<'_>,
        pattern: &str,
        name: Option<&Bound<'_, PyAny>>,
        start: Option<i64>,
        end: Option<i64>,
        both_strands: bool,
    ) -> PyResult<Vec<(String, u64, &'static str)>> {
        let names = self.names(py)?;
        let mut regions = Vec::new();
        match name {
            Some(name) => {
                let (record, range) = self.resolve(name, start, end)?;
                regions.push(region(record, range));
            }
            None => {
                for index in 0..self.inner.len() {
                    let length = self.inner.length(index).map_err(reader_error)?;
                    regions.push(region(index, 0..length));
                }
            }
        }
        let seqs = self.inner.clone();
        let pattern = pattern.as_bytes().to_vec();
        let regions_for_run = regions.clone();
        let hits = run_parallel(py, move || {
            seqs.find_motif_batch(&regions_for_run, &pattern, both_strands)
        })
        .map_err(reader_error)?;
        let mut out = Vec::new();
        for (region, hits) in regions.iter().zip(hits) {
            for h in hits {
                out.push((
                    names[region.record].clone(),
                    h.position,
                    if h.reverse { "-" } else { "+" },
                ));
            }
        }
        Ok(out)
    }

    /// Every distinct k-mer (k in 1..=32) of the dataset, or of `region`
    /// (a samtools string such as `chr1:1-1,000,000`), seen at least
    /// `min_count` times, as two numpy arrays sorted by code: `codes`
    /// (uint64: 2 bits per base, first base highest, A=0 C=1 G=2 T=3) and
    /// `counts` (uint32). With `canonical`, a k-mer and its reverse
    /// complement count together under the smaller code. Memory: 12 bytes
    /// per distinct k-mer. `gcol.kmer_strings(codes, k)` spells codes out.
    #[pyo3(signature = (k, canonical=false, region=None, min_count=1))]
    fn kmer_counts<'py>(
        &self,
        py: Python<'py>,
        k: usize,
        canonical: bool,
        region: Option<&str>,
        min_count: u32,
    ) -> PyResult<KmerArrays<'py>> {
        if !(1..=32).contains(&k) {
            return Err(PyValueError::new_err("k must be between 1 and 32"));
        }
        let region = match region {
            None => None,
            Some(text) => {
                use gcol_format::coords::region::Resolved;
                let spec = gcol_reader::parse_region(std::slice::from_ref(&self.inner), text)
                    .map_err(reader_error)?;
                let record = self.inner.record_index(&spec.name).map_err(reader_error)?;
                let length = self.inner.length(record).map_err(reader_error)?;
                let interval = match spec.resolve(length) {
                    Resolved::Within { interval, .. } => interval,
                    Resolved::Empty => Interval::default(),
                    Resolved::Invalid => {
                        return Err(RegionError::new_err(format!(
                            "region {text:?} ends before it begins"
                        )))
                    }
                };
                Some(Region { record, interval })
            }
        };
        let seqs = &*self.inner;
        let table = crate::run_interruptible(py, move |cancel| {
            seqs.kmer_table_cancellable(k, canonical, region.as_ref(), min_count, cancel)
        })?
        .map_err(reader_error)?;
        Ok((
            numpy::PyArray1::from_vec(py, table.codes),
            numpy::PyArray1::from_vec(py, table.counts),
        ))
    }

    /// Phred qualities of a read (numpy uint8, read-only).
    fn qualities<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let index = self.index_of(key)?;
        let seqs = self.inner.clone();
        let q = run(py, move || {
            let mut out = Vec::new();
            seqs.qualities_into(index, &mut out)?;
            Ok::<_, gcol_reader::Error>(out)
        })
        .map_err(reader_error)?;
        let bytes = PyBytes::new(py, &q);
        py.import("numpy")?
            .call_method1("frombuffer", (bytes, "uint8"))
    }

    /// Mate (1 or 2) of every read of a paired reads dataset (numpy uint8), else `None`.
    #[getter]
    fn mates<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, numpy::PyArray1<u8>>>> {
        let mates = self.inner.mates().map_err(reader_error)?;
        Ok(mates.map(|m| numpy::PyArray1::from_vec(py, m)))
    }

    /// Number of pages of the residue column (`bases` or `residues`).
    #[getter]
    fn num_pages(&self) -> PyResult<u64> {
        Ok(self
            .inner
            .residue_column()
            .map_err(reader_error)?
            .num_pages())
    }

    /// Page `index` of the residue column, decoded, as a read-only buffer:
    /// `numpy.frombuffer(seqs.page(0), numpy.uint8)` views it without copying
    /// (packed 2-bit bases for nucleotides, first base in the high bits).
    fn page(&self, py: Python<'_>, index: u64) -> PyResult<PageBuffer> {
        let seqs = self.inner.clone();
        let data = run(py, move || {
            let c = seqs.residue_column()?;
            Ok::<_, gcol_reader::Error>(c.page(index)?.data().clone())
        })
        .map_err(reader_error)?;
        Ok(PageBuffer { data })
    }

    /// Write every record as FASTA (byte-exact for uniformly wrapped input);
    /// `width` rewraps every record (0 = one line).
    #[pyo3(signature = (path, width=None))]
    fn to_fasta(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        width: Option<u32>,
    ) -> PyResult<()> {
        let seqs = &*self.inner;
        let file = crate::run_interruptible(py, move |cancel| -> PyResult<_> {
            let mut file = gcol_writer::AtomicFile::create(&path).map_err(crate::writer_error)?;
            let mut out = crate::CancellableWrite {
                inner: &mut file,
                cancel,
            };
            seqs.write_fasta(&mut out, &gcol_reader::ExportOptions { width }, |_, _| {})
                .map_err(reader_error)?;
            Ok(file)
        })??;
        // Committed here, after a last check: a Ctrl-C that came as the
        // export ended leaves no output (dropping the file removes it).
        py.check_signals()?;
        run(py, move || file.commit()).map_err(crate::writer_error)
    }

    /// Write the reads as FASTQ; `mate` keeps one mate of a paired dataset.
    #[pyo3(signature = (path, mate=None))]
    fn to_fastq(&self, py: Python<'_>, path: std::path::PathBuf, mate: Option<u8>) -> PyResult<()> {
        let seqs = &*self.inner;
        let file = crate::run_interruptible(py, move |cancel| -> PyResult<_> {
            let mut file = gcol_writer::AtomicFile::create(&path).map_err(crate::writer_error)?;
            let mut out = crate::CancellableWrite {
                inner: &mut file,
                cancel,
            };
            seqs.write_fastq(&mut out, mate, |_, _| {})
                .map_err(reader_error)?;
            Ok(file)
        })??;
        // Committed here, after a last check: a Ctrl-C that came as the
        // export ended leaves no output (dropping the file removes it).
        py.check_signals()?;
        run(py, move || file.commit()).map_err(crate::writer_error)
    }

    fn __repr__(&self) -> String {
        format!(
            "<gcol.Sequences {:?}: {} {} records>",
            self.inner.name(),
            self.inner.len(),
            self.alphabet()
        )
    }
}

/// One record: `len(rec)`, `rec[a:b]` (Python slicing, returns `str`), `str(rec)`.
#[pyclass(frozen, name = "Record", module = "gcol._gcol")]
pub struct PyRecord {
    seqs: Arc<Sequences>,
    index: usize,
    length: u64,
}

impl PyRecord {
    fn fetch(&self, py: Python<'_>, range: Range<u64>) -> PyResult<Vec<u8>> {
        let seqs = self.seqs.clone();
        let index = self.index;
        seqs.prefetch_record(index, range.clone());
        run(py, move || {
            let mut out = Vec::new();
            seqs.fetch_record_into(index, range, &mut out)?;
            Ok::<_, gcol_reader::Error>(out)
        })
        .map_err(reader_error)
    }
}

#[pymethods]
impl PyRecord {
    /// Record index in its dataset.
    #[getter]
    fn index(&self) -> usize {
        self.index
    }

    /// Record name.
    #[getter]
    fn name(&self) -> PyResult<String> {
        Ok(self.seqs.record(self.index).map_err(reader_error)?.name)
    }

    fn __len__(&self) -> usize {
        self.length as usize
    }

    /// `rec[i]` or `rec[start:stop:step]` with Python's rules (clamping,
    /// negatives); returns `str`.
    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyString>> {
        let n = self.length as isize;
        if let Ok(slice) = key.cast::<PySlice>() {
            let idx = slice.indices(n)?;
            if idx.step == 1 {
                let (s, e) = (
                    idx.start.max(0) as u64,
                    idx.stop.max(idx.start).max(0) as u64,
                );
                let bytes = self.fetch(py, s..e)?;
                return ascii(py, &bytes);
            }
            // Other steps: fetch the covering span once and step through it.
            if idx.slicelength == 0 {
                return Ok(PyString::new(py, ""));
            }
            let last = idx.start + (idx.slicelength as isize - 1) * idx.step;
            let (lo, hi) = (idx.start.min(last) as u64, idx.start.max(last) as u64 + 1);
            let span = self.fetch(py, lo..hi)?;
            let picked: Vec<u8> = (0..idx.slicelength as isize)
                .map(|k| span[((idx.start + k * idx.step) as u64 - lo) as usize])
                .collect();
            return ascii(py, &picked);
        }
        let i: isize = key.extract()?;
        let j = if i < 0 { i + n } else { i };
        if j < 0 || j >= n {
            return Err(PyIndexError::new_err("sequence index out of range"));
        }
        let bytes = self.fetch(py, j as u64..j as u64 + 1)?;
        ascii(py, &bytes)
    }

    fn __str__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        let bytes = self.fetch(py, 0..self.length)?;
        ascii(py, &bytes)
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!(
            "<gcol.Record {:?} length {}>",
            self.name()?,
            self.length
        ))
    }
}

/// `kmer_counts`' result: codes and counts.
type KmerArrays<'py> = (
    Bound<'py, numpy::PyArray1<u64>>,
    Bound<'py, numpy::PyArray1<u32>>,
);

/// A record's region from a range `bounds` made valid (start <= end).
fn region(record: usize, range: Range<u64>) -> Region {
    Region {
        record,
        interval: Interval::try_from(range).unwrap_or_default(),
    }
}
