//! Alignments datasets from Python: records with pysam's attribute names,
//! columns for pandas and Arrow (only the columns asked for are decoded),
//! depth as numpy, SAM/BAM export through the library's one writer.

use std::sync::Arc;

use gcol_format::bam::{end_position, split_aux, split_bam, value_size};
use gcol_reader::alignments::{write_alignments, AlignmentExport, AlignmentOutput};
use gcol_reader::{AlignmentRegion, Alignments, Reader, RecordFilter};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::{reader_error, run, RegionError};

const BASES: &[u8; 16] = b"=ACMGRSVTWYHKDBN";

/// An `alignments` dataset (SAM/BAM/CRAM records).
#[pyclass(frozen, name = "Alignments", module = "gcol._gcol")]
pub struct PyAlignments {
    inner: Arc<Alignments>,
    refs: Arc<Vec<(String, u64)>>,
    name: String,
}

/// One alignment record, with pysam's `AlignedSegment` attribute names.
#[pyclass(frozen, name = "AlignedSegment", module = "gcol._gcol")]
pub struct PyAlignedSegment {
    bytes: Vec<u8>,
    refs: Arc<Vec<(String, u64)>>,
}

impl PyAlignments {
    pub(crate) fn open(
        reader: &Reader,
        name: &str,
        reference: Option<Arc<dyn gcol_reader::alignments::ReferenceBases>>,
    ) -> PyResult<PyAlignments> {
        let mut inner = Alignments::open(reader, name).map_err(reader_error)?;
        if let Some(r) = reference {
            inner = inner.with_reference(r);
        }
        let refs = Arc::new(inner.references().to_vec());
        Ok(PyAlignments {
            inner: Arc::new(inner),
            refs,
            name: name.to_string(),
        })
    }

    /// Regions from `None`, a samtools region string (1-based inclusive),
    /// a `(reference, start, end)` tuple (0-based half-open) or a list.
    fn regions(&self, region: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<AlignmentRegion>> {
        let Some(region) = region.filter(|r| !r.is_none()) else {
            return Ok(Vec::new());
        };
        let one = |r: &Bound<'_, PyAny>| -> PyResult<AlignmentRegion> {
            if let Ok(s) = r.extract::<String>() {
                return self
                    .inner
                    .region(&s)
                    .map_err(|e| RegionError::new_err(e.to_string()));
            }
            if let Ok((name, start, end)) = r.extract::<(String, i64, i64)>() {
                let ref_id = self
                    .refs
                    .iter()
                    .position(|(n, _)| *n == name)
                    .ok_or_else(|| RegionError::new_err(format!("no reference {name:?}")))?;
                if start < 0 || end <= start {
                    return Err(RegionError::new_err(format!(
                        "region ({name:?}, {start}, {end}): 0 <= start < end (0-based, half-open)"
                    )));
                }
                return Ok(AlignmentRegion { ref_id, start, end });
            }
            Err(PyTypeError::new_err(
                "a region is 'chr:beg-end' (1-based, inclusive) or (reference, start, end) (0-based, half-open)",
            ))
        };
        if region.is_instance_of::<PyList>() {
            region.try_iter()?.map(|r| one(&r?)).collect()
        } else {
            Ok(vec![one(region)?])
        }
    }
}

#[pymethods]
impl PyAlignments {
    /// Dataset name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// Number of records.
    fn __len__(&self) -> usize {
        self.inner.len() as usize
    }

    /// The SAM header text (with `@SQ` lines from the reference list when
    /// the stored text has none, as samtools prints it).
    #[getter]
    fn header(&self) -> String {
        String::from_utf8_lossy(&self.inner.sam_header()).into_owned()
    }

    /// `(name, length)` of each reference, by reference id.
    #[getter]
    fn references(&self) -> Vec<(String, u64)> {
        self.refs.as_ref().clone()
    }

    /// Tag keys with a column (`NM:C`, `MD:Z`, `ML:BC`, ...).
    #[getter]
    fn tags(&self) -> Vec<String> {
        self.inner.tag_keys()
    }

    /// The reference the bases are coded against (spec 15.10), or None:
    /// `dataset` (the sequences dataset of this file holding it, or None
    /// when it is outside the file), `source` (as given at conversion),
    /// `contigs` (name, length, MD5) and `needed` (True when it is outside
    /// the file and `gcol.open(..., reference=...)` did not give it).
    #[getter]
    fn reference<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(link) = self.inner.reference_link() else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("dataset", link.dataset)?;
        d.set_item("source", link.source)?;
        d.set_item("contigs", link.contigs)?;
        d.set_item("needed", self.inner.needs_reference())?;
        Ok(Some(d))
    }

    /// Records overlapping `region` (every record when `None`) with all
    /// of `flags`, none of `exclude_flags` and MAPQ at least `min_mapq`,
    /// as `samtools view` selects them.
    #[pyo3(signature = (region=None, flags=0, exclude_flags=0, min_mapq=0))]
    fn fetch(
        &self,
        py: Python<'_>,
        region: Option<&Bound<'_, PyAny>>,
        flags: u16,
        exclude_flags: u16,
        min_mapq: u8,
    ) -> PyResult<Vec<PyAlignedSegment>> {
        let regions = self.regions(region)?;
        let filter = RecordFilter {
            require: flags,
            exclude: exclude_flags,
            min_mapq,
        };
        let inner = self.inner.clone();
        let records = run(py, move || {
            let mut out = Vec::new();
            inner
                .query(&regions, &filter, |_, r| {
                    out.push(r.to_vec());
                    Ok(())
                })
                .map(|()| out)
        })
        .map_err(reader_error)?;
        Ok(records
            .into_iter()
            .map(|bytes| PyAlignedSegment {
                bytes,
                refs: self.refs.clone(),
            })
            .collect())
    }

    /// The Arrow C stream (a PyCapsule) of the selected records, in
    /// `columns` (any of `query_name flag reference_name reference_start
    /// reference_end mapping_quality cigarstring next_reference_name
    /// next_reference_start template_length query_sequence query_qualities
    /// tags`; default: all), read without decoding the others: the batch
    /// of a Parquet export (`gcol_reader::partitions::alignments_batch`).
    #[pyo3(signature = (region=None, columns=None, flags=0, exclude_flags=0, min_mapq=0))]
    fn _records_stream<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
        columns: Option<Vec<String>>,
        flags: u16,
        exclude_flags: u16,
        min_mapq: u8,
    ) -> PyResult<Bound<'py, pyo3::types::PyCapsule>> {
        use gcol_reader::partitions::ALIGNMENT_COLUMNS;
        if let Some(bad) = columns
            .iter()
            .flatten()
            .find(|c| !ALIGNMENT_COLUMNS.contains(&c.as_str()))
        {
            return Err(PyKeyError::new_err(format!(
                "no column {bad:?}; columns are {}",
                ALIGNMENT_COLUMNS.join(", ")
            )));
        }
        let regions = self.regions(region)?;
        let filter = RecordFilter {
            require: flags,
            exclude: exclude_flags,
            min_mapq,
        };
        let inner = self.inner.clone();
        let batch = run(py, move || {
            let rows = inner.select_rows(&regions, &filter)?;
            gcol_reader::partitions::alignments_batch(&inner, &rows, columns.as_deref())
        })
        .map_err(reader_error)?;
        let schema = batch.schema();
        crate::partitions::stream_capsule(py, schema, std::iter::once(Ok(batch)))
    }

    /// The selected records as a pandas DataFrame of `columns` (see
    /// `to_arrow`; only those columns are decoded).
    #[pyo3(signature = (region=None, columns=None, flags=0, exclude_flags=0, min_mapq=0))]
    fn to_pandas<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
        columns: Option<Vec<String>>,
        flags: u16,
        exclude_flags: u16,
        min_mapq: u8,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.to_arrow(py, region, columns, flags, exclude_flags, min_mapq)?
            .call_method0("to_pandas")
    }

    /// The selected records as a pyarrow Table of `columns`, typed as a
    /// Parquet export: `flag` uint16, `mapping_quality` uint8, positions
    /// int32, `reference_end` int64 (null when unmapped, as pysam's None),
    /// text utf8 (null for SAM's `*` in names, SEQ and QUAL).
    #[pyo3(signature = (region=None, columns=None, flags=0, exclude_flags=0, min_mapq=0))]
    fn to_arrow<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
        columns: Option<Vec<String>>,
        flags: u16,
        exclude_flags: u16,
        min_mapq: u8,
    ) -> PyResult<Bound<'py, PyAny>> {
        let stream = self._records_stream(py, region, columns, flags, exclude_flags, min_mapq)?;
        py.import("gcol")?.getattr("_arrow_table")?.call1((stream,))
    }

    /// The Arrow C stream of every record (the PyCapsule protocol):
    /// pandas, polars, pyarrow and DuckDB read it (`pyarrow.table(alignments)`).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = requested_schema;
        Ok(self._records_stream(py, None, None, 0, 0, 0)?.into_any())
    }

    /// Per-base depth over `region` (one reference), as `samtools depth
    /// -a` counts it: a uint32 array, one value per position.
    #[pyo3(signature = (region, min_mapq=0, exclude_flags=0x704))]
    fn depth<'py>(
        &self,
        py: Python<'py>,
        region: &Bound<'py, PyAny>,
        min_mapq: u8,
        exclude_flags: u16,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let regions = self.regions(Some(region))?;
        let [r] = regions.as_slice() else {
            return Err(PyValueError::new_err("depth takes one region"));
        };
        let filter = RecordFilter {
            require: 0,
            exclude: exclude_flags,
            min_mapq,
        };
        let inner = self.inner.clone();
        let (counts, _) = run(py, || inner.depth(r, &filter)).map_err(reader_error)?;
        Ok(PyArray1::from_vec(py, counts))
    }

    /// Pileup counts over `region` (one reference): a uint32 array
    /// `(positions, 5)` of A, C, G, T (from `M = X` bases) and deletions,
    /// of records without `exclude_flags` and with MAPQ at least `min_mapq`.
    #[pyo3(signature = (region, min_mapq=0, exclude_flags=0x704))]
    fn pileup<'py>(
        &self,
        py: Python<'py>,
        region: &Bound<'py, PyAny>,
        min_mapq: u8,
        exclude_flags: u16,
    ) -> PyResult<Bound<'py, PyArray2<u32>>> {
        let regions = self.regions(Some(region))?;
        let [r] = regions.as_slice() else {
            return Err(PyValueError::new_err("pileup takes one region"));
        };
        let filter = RecordFilter {
            require: 0,
            exclude: exclude_flags,
            min_mapq,
        };
        let inner = self.inner.clone();
        let counts = run(py, || inner.pileup(r, &filter)).map_err(reader_error)?;
        let flat: Vec<u32> = counts.iter().flatten().copied().collect();
        let n = counts.len();
        PyArray1::from_vec(py, flat).reshape([n, 5])
    }

    /// Write the selected records as SAM (`.sam`) or BAM (`.bam`) with
    /// the header.
    #[pyo3(signature = (path, region=None, flags=0, exclude_flags=0, min_mapq=0))]
    fn write(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        region: Option<&Bound<'_, PyAny>>,
        flags: u16,
        exclude_flags: u16,
        min_mapq: u8,
    ) -> PyResult<()> {
        let export = AlignmentExport {
            regions: self.regions(region)?,
            filter: RecordFilter {
                require: flags,
                exclude: exclude_flags,
                min_mapq,
            },
            header: true,
            header_only: false,
        };
        let kind = AlignmentOutput::from_path(&path);
        let inner = self.inner.clone();
        run(py, move || -> PyResult<()> {
            let file = gcol_writer::AtomicFile::create(&path).map_err(crate::writer_error)?;
            let file = write_alignments(&inner, &export, kind, file).map_err(reader_error)?;
            file.commit().map_err(crate::writer_error)
        })
    }
}

impl PyAlignedSegment {
    fn fields(&self) -> gcol_format::bam::BamFields<'_> {
        split_bam(&self.bytes).expect("records come whole from the reader")
    }

    fn name_of(&self, id: i32) -> Option<String> {
        (id >= 0)
            .then(|| self.refs.get(id as usize).map(|r| r.0.clone()))
            .flatten()
    }

    fn ops(&self) -> Vec<u32> {
        self.fields()
            .cigar
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
}

fn tag_value(py: Python<'_>, key: &[u8], value: &[u8]) -> PyResult<Py<PyAny>> {
    let t = key[3];
    let one = |t: u8, b: &[u8]| -> PyResult<Py<PyAny>> {
        Ok(match t {
            b'c' => (b[0] as i8).into_pyobject(py)?.into_any().unbind(),
            b'C' => b[0].into_pyobject(py)?.into_any().unbind(),
            b's' => i16::from_le_bytes([b[0], b[1]])
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            b'S' => u16::from_le_bytes([b[0], b[1]])
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            b'i' => i32::from_le_bytes([b[0], b[1], b[2], b[3]])
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            b'I' => u32::from_le_bytes([b[0], b[1], b[2], b[3]])
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            b'f' => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .into_pyobject(py)?
                .into_any()
                .unbind(),
            _ => ((b[0] as char).to_string())
                .into_pyobject(py)?
                .into_any()
                .unbind(),
        })
    };
    match t {
        b'Z' | b'H' => Ok(String::from_utf8_lossy(value)
            .into_pyobject(py)?
            .into_any()
            .unbind()),
        b'B' => {
            let sub = key[4];
            let width = value_size(sub).unwrap_or(1);
            let items = value
                .chunks_exact(width)
                .map(|b| one(sub, b))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyList::new(py, items)?.into_any().unbind())
        }
        _ => one(t, value),
    }
}

#[pymethods]
impl PyAlignedSegment {
    /// QNAME.
    #[getter]
    fn query_name(&self) -> String {
        String::from_utf8_lossy(self.fields().name).into_owned()
    }

    /// FLAG.
    #[getter]
    fn flag(&self) -> u16 {
        self.fields().flag
    }

    /// Reference id (−1: none).
    #[getter]
    fn reference_id(&self) -> i32 {
        self.fields().ref_id
    }

    /// RNAME (`None` for `*`).
    #[getter]
    fn reference_name(&self) -> Option<String> {
        self.name_of(self.fields().ref_id)
    }

    /// 0-based leftmost position (−1: none).
    #[getter]
    fn reference_start(&self) -> i32 {
        self.fields().pos
    }

    /// 0-based end (exclusive) from the CIGAR; `None` when unmapped.
    #[getter]
    fn reference_end(&self) -> Option<i64> {
        let f = self.fields();
        let ops = self.ops();
        (f.flag & 4 == 0 && !ops.is_empty()).then(|| end_position(f.pos, f.flag, ops))
    }

    /// MAPQ.
    #[getter]
    fn mapping_quality(&self) -> u8 {
        self.fields().mapq
    }

    /// CIGAR text (`None` for `*`, as pysam).
    #[getter]
    fn cigarstring(&self) -> Option<String> {
        let ops = self.ops();
        (!ops.is_empty()).then(|| gcol_reader::alignments::cigar_string(&ops))
    }

    /// CIGAR as `(operation, length)` pairs (operation 0..8 for `MIDNSHP=X`).
    #[getter]
    fn cigartuples(&self) -> Option<Vec<(u32, u32)>> {
        let ops = self.ops();
        (!ops.is_empty()).then(|| ops.iter().map(|v| (v & 15, v >> 4)).collect())
    }

    /// Mate's reference id.
    #[getter]
    fn next_reference_id(&self) -> i32 {
        self.fields().next_ref_id
    }

    /// RNEXT (`None` for `*`).
    #[getter]
    fn next_reference_name(&self) -> Option<String> {
        self.name_of(self.fields().next_ref_id)
    }

    /// Mate's 0-based position.
    #[getter]
    fn next_reference_start(&self) -> i32 {
        self.fields().next_pos
    }

    /// TLEN.
    #[getter]
    fn template_length(&self) -> i32 {
        self.fields().tlen
    }

    /// SEQ (`None` for `*`).
    #[getter]
    fn query_sequence(&self) -> Option<String> {
        let f = self.fields();
        (f.l_seq > 0).then(|| {
            (0..f.l_seq)
                .map(|i| {
                    let b = f.seq[i / 2];
                    BASES[(if i % 2 == 0 { b >> 4 } else { b & 15 }) as usize] as char
                })
                .collect()
        })
    }

    /// Phred qualities as a uint8 array (`None` for `*`).
    #[getter]
    fn query_qualities<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<u8>>> {
        let f = self.fields();
        (f.l_seq > 0 && f.qual[0] != 0xFF).then(|| PyArray1::from_slice(py, f.qual))
    }

    /// Bases in SEQ.
    #[getter]
    fn query_length(&self) -> usize {
        self.fields().l_seq
    }

    /// FLAG bit 0x4.
    #[getter]
    fn is_unmapped(&self) -> bool {
        self.fields().flag & 0x4 != 0
    }

    /// FLAG bit 0x10.
    #[getter]
    fn is_reverse(&self) -> bool {
        self.fields().flag & 0x10 != 0
    }

    /// FLAG bit 0x1.
    #[getter]
    fn is_paired(&self) -> bool {
        self.fields().flag & 0x1 != 0
    }

    /// FLAG bit 0x2.
    #[getter]
    fn is_proper_pair(&self) -> bool {
        self.fields().flag & 0x2 != 0
    }

    /// FLAG bit 0x100.
    #[getter]
    fn is_secondary(&self) -> bool {
        self.fields().flag & 0x100 != 0
    }

    /// FLAG bit 0x800.
    #[getter]
    fn is_supplementary(&self) -> bool {
        self.fields().flag & 0x800 != 0
    }

    /// FLAG bit 0x400.
    #[getter]
    fn is_duplicate(&self) -> bool {
        self.fields().flag & 0x400 != 0
    }

    /// FLAG bit 0x200.
    #[getter]
    fn is_qcfail(&self) -> bool {
        self.fields().flag & 0x200 != 0
    }

    /// FLAG bit 0x40.
    #[getter]
    fn is_read1(&self) -> bool {
        self.fields().flag & 0x40 != 0
    }

    /// FLAG bit 0x80.
    #[getter]
    fn is_read2(&self) -> bool {
        self.fields().flag & 0x80 != 0
    }

    /// Whether the record has tag `tag`.
    fn has_tag(&self, tag: &str) -> bool {
        let mut found = false;
        let _ = split_aux(self.fields().aux, |f| {
            found |= &f.key[..2] == tag.as_bytes();
            Ok(())
        });
        found
    }

    /// The value of tag `tag`: int, float, str, or a list for arrays;
    /// `KeyError` when absent (as pysam).
    fn get_tag(&self, py: Python<'_>, tag: &str) -> PyResult<Py<PyAny>> {
        let mut found = None;
        let _ = split_aux(self.fields().aux, |f| {
            if found.is_none() && &f.key[..2] == tag.as_bytes() {
                found = Some((f.key, f.value));
            }
            Ok(())
        });
        match found {
            Some((key, value)) => tag_value(py, &key, value),
            None => Err(PyKeyError::new_err(format!("tag '{tag}' not present"))),
        }
    }

    /// Every tag as `(tag, value)` pairs, in the record's order.
    fn get_tags(&self, py: Python<'_>) -> PyResult<Vec<(String, Py<PyAny>)>> {
        let mut fields = Vec::new();
        let _ = split_aux(self.fields().aux, |f| {
            fields.push((f.key, f.value));
            Ok(())
        });
        fields
            .into_iter()
            .map(|(key, value)| {
                Ok((
                    String::from_utf8_lossy(&key[..2]).into_owned(),
                    tag_value(py, &key, value)?,
                ))
            })
            .collect()
    }

    /// The SAM line, as `samtools view` prints it (without its LF).
    fn to_string(&self) -> PyResult<String> {
        let mut out = Vec::new();
        gcol_reader::alignments::write_sam_record(&mut out, &self.bytes, &self.refs)
            .map_err(PyValueError::new_err)?;
        out.pop();
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn __repr__(&self) -> PyResult<String> {
        self.to_string()
    }
}
