//! Variants datasets from Python: sites as pandas columns, genotypes as
//! numpy arrays, allele counts, VCF/BCF export. The Python layer
//! (`gcol/__init__.py`) builds the DataFrame from `_sites`.

use std::sync::Arc;

use gcol_reader::variants::{
    write_vcf, GenotypeValues, InfoKind, InfoValues, VcfExport, VcfOutput, VcfWriteOptions,
};
use gcol_reader::{Reader, Variants, VcfRegion};
use numpy::{PyArray1, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::{reader_error, run, writer_error, RegionError};

/// A `variants` dataset (VCF/BCF records).
#[pyclass(frozen, name = "Variants", module = "gcol._gcol")]
pub struct PyVariants {
    pub(crate) inner: Arc<Variants>,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl PyVariants {
    pub(crate) fn open(reader: &Reader, name: &str) -> PyResult<PyVariants> {
        Ok(PyVariants {
            inner: Arc::new(Variants::open(reader, name).map_err(reader_error)?),
        })
    }

    /// Rows of `region`: `None` (all), a bcftools region string (1-based,
    /// inclusive), a `(contig, start, end)` tuple (0-based, half-open), or
    /// a list of those.
    fn select(&self, region: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<u64>> {
        let Some(region) = region.filter(|r| !r.is_none()) else {
            return Ok((0..self.inner.num_sites()).collect());
        };
        let one = |r: &Bound<'_, PyAny>| -> PyResult<VcfRegion> {
            if let Ok(s) = r.extract::<String>() {
                return VcfRegion::parse(&s).map_err(|e| RegionError::new_err(e.to_string()));
            }
            if let Ok((contig, start, end)) = r.extract::<(String, u64, u64)>() {
                if end <= start {
                    return Err(RegionError::new_err(format!(
                        "region ({contig:?}, {start}, {end}): the end is not after the start (0-based, half-open)"
                    )));
                }
                return Ok(VcfRegion {
                    contig,
                    start: start + 1,
                    end,
                });
            }
            Err(PyTypeError::new_err(
                "a region is 'chr:beg-end' (1-based, inclusive) or (contig, start, end) (0-based, half-open)",
            ))
        };
        let regions: Vec<VcfRegion> = if region.is_instance_of::<PyList>() {
            region
                .try_iter()?
                .map(|r| one(&r?))
                .collect::<PyResult<_>>()?
        } else {
            vec![one(region)?]
        };
        self.inner.regions_rows(&regions).map_err(reader_error)
    }

    /// Genotypes of a selection: alleles, phase, ploidy, samples.
    fn calls(
        &self,
        py: Python<'_>,
        region: Option<&Bound<'_, PyAny>>,
        samples: Option<Vec<String>>,
        with_phase: bool,
    ) -> PyResult<(GenotypeValues, Vec<bool>, usize, usize)> {
        let rows = self.select(region)?;
        let chosen = self.samples_arg(samples)?;
        let n = chosen.as_ref().map_or(self.inner.samples().len(), Vec::len);
        let inner = self.inner.clone();
        let (alleles, phased, ploidy) = run(py, move || {
            inner.genotypes_of_any(&rows, chosen.as_deref(), with_phase)
        })
        .map_err(reader_error)?;
        Ok((alleles, phased, ploidy, n))
    }

    /// Allele counts of a selection: counts, width, alleles per site.
    fn counts(
        &self,
        py: Python<'_>,
        region: Option<&Bound<'_, PyAny>>,
        samples: Option<Vec<String>>,
    ) -> PyResult<(Vec<u32>, usize, Vec<u32>)> {
        let rows = self.select(region)?;
        let chosen = self.samples_arg(samples)?;
        let inner = self.inner.clone();
        run(py, move || inner.allele_counts(&rows, chosen.as_deref())).map_err(reader_error)
    }

    fn samples_arg(&self, samples: Option<Vec<String>>) -> PyResult<Option<Vec<usize>>> {
        match samples {
            None => Ok(None),
            Some(names) => self
                .inner
                .sample_indexes(&names)
                .map(Some)
                .map_err(|e| pyo3::exceptions::PyKeyError::new_err(e.to_string())),
        }
    }
}

fn masked<'py, T: numpy::Element + Copy + Default>(
    py: Python<'py>,
    values: &[Option<T>],
) -> PyResult<Bound<'py, PyTuple>> {
    let data: Vec<T> = values.iter().map(|v| v.unwrap_or_default()).collect();
    let mask: Vec<bool> = values.iter().map(Option::is_none).collect();
    PyTuple::new(
        py,
        [
            PyArray1::from_vec(py, data).into_any(),
            PyArray1::from_vec(py, mask).into_any(),
        ],
    )
}

#[pymethods]
impl PyVariants {
    /// Dataset name.
    #[getter]
    fn name(&self) -> String {
        self.inner.dataset().name.clone()
    }

    /// Sample names, in header order.
    #[getter]
    fn samples(&self) -> Vec<String> {
        self.inner.samples().to_vec()
    }

    /// Contigs with records, in record order.
    #[getter]
    fn contigs(&self) -> Vec<String> {
        self.inner.contigs().to_vec()
    }

    /// The VCF header text.
    #[getter]
    fn header(&self) -> String {
        text(self.inner.header())
    }

    /// INFO fields stored, as `(id, kind)` with kind `flag`, `int`,
    /// `float`, `int_list`, `float_list` or `text`.
    #[getter]
    fn info_fields(&self) -> Vec<(String, &'static str)> {
        self.inner
            .infos()
            .iter()
            .map(|f| {
                let kind = match f.kind {
                    InfoKind::Flag => "flag",
                    InfoKind::Int => "int",
                    InfoKind::Float => "float",
                    InfoKind::IntList => "int_list",
                    InfoKind::FloatList => "float_list",
                    InfoKind::Text => "text",
                };
                (f.id.clone(), kind)
            })
            .collect()
    }

    /// FORMAT fields stored.
    #[getter]
    fn format_fields(&self) -> Vec<String> {
        self.inner.formats().iter().map(|f| f.id.clone()).collect()
    }

    /// Number of records (sites).
    fn __len__(&self) -> usize {
        self.inner.num_sites() as usize
    }

    fn __repr__(&self) -> String {
        format!(
            "Variants({:?}, {} sites, {} samples)",
            self.inner.dataset().name,
            self.inner.num_sites(),
            self.inner.samples().len()
        )
    }

    /// The reference REF was checked against (as `gcol inspect` reports
    /// it), or None: `dataset` (the sequences dataset REF is coded
    /// against, or None when REF is text), `source`, `contigs` (name,
    /// length, MD5), `stored_bytes` of the REF columns, `text_bytes` (REF
    /// as zstd text), `saved_bytes`, and `mismatches`: (contig, POS, REF,
    /// the reference's bases or None).
    fn reference<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(r) = self.inner.reference_report().map_err(reader_error)? else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("dataset", r.link.dataset.clone())?;
        d.set_item("source", r.link.source.clone())?;
        d.set_item("contigs", r.link.contigs.clone())?;
        d.set_item("stored_bytes", r.stored_bytes)?;
        d.set_item("text_bytes", r.link.text_bytes)?;
        d.set_item("saved_bytes", r.saved_bytes())?;
        let mismatches: Vec<(String, u64, String, Option<String>)> = r
            .mismatches
            .iter()
            .map(|m| {
                (
                    m.contig.clone(),
                    m.pos,
                    text(&m.allele),
                    m.expected.as_deref().map(text),
                )
            })
            .collect();
        d.set_item("mismatches", mismatches)?;
        Ok(Some(d))
    }

    /// Row indexes of the records overlapping `region` (see `sites`).
    #[pyo3(signature = (region=None))]
    fn rows<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray1<u64>>> {
        Ok(PyArray1::from_vec(py, self.select(region)?))
    }

    /// Site columns of `region` as a dict of column name to values: lists
    /// for text, `(values, mask)` numpy pairs for numbers (mask true where
    /// null). `gcol.Variants.sites` turns it into a pandas DataFrame.
    #[pyo3(signature = (region=None))]
    fn _sites<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let rows = self.select(region)?;
        let inner = self.inner.clone();
        let blocks = run(py, move || {
            gcol_reader::variants::row_runs(&rows)
                .into_iter()
                .map(|run| inner.block(run, None))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(reader_error)?;
        let d = PyDict::new(py);
        let contigs = self.inner.contigs();
        let chrom: Vec<&str> = blocks
            .iter()
            .flat_map(|b| b.contig.iter().map(|&c| contigs[c].as_str()))
            .collect();
        d.set_item("CHROM", chrom)?;
        let pos: Vec<i64> = blocks
            .iter()
            .flat_map(|b| b.pos.iter().map(|&p| p as i64))
            .collect();
        d.set_item("POS", PyArray1::from_vec(py, pos))?;
        let id: Vec<Option<String>> = blocks
            .iter()
            .flat_map(|b| b.id.iter().map(|v| v.as_deref().map(text)))
            .collect();
        d.set_item("ID", id)?;
        let reference: Vec<String> = blocks
            .iter()
            .flat_map(|b| b.reference.iter().map(|v| text(v)))
            .collect();
        d.set_item("REF", reference)?;
        let alt: Vec<Vec<String>> = blocks
            .iter()
            .flat_map(|b| b.alt.iter().map(|a| a.iter().map(|x| text(x)).collect()))
            .collect();
        d.set_item("ALT", alt)?;
        let qual: Vec<Option<f32>> = blocks.iter().flat_map(|b| b.qual.iter().copied()).collect();
        d.set_item("QUAL", masked(py, &qual)?)?;
        let filter: Vec<Option<Vec<String>>> = blocks
            .iter()
            .flat_map(|b| {
                b.filter
                    .iter()
                    .map(|f| f.as_ref().map(|f| f.iter().map(|x| text(x)).collect()))
            })
            .collect();
        d.set_item("FILTER", filter)?;
        for (i, field) in self.inner.infos().iter().enumerate() {
            let values = blocks.iter().map(|b| &b.info[i]);
            let item: Bound<'py, PyAny> = match field.kind {
                InfoKind::Flag => {
                    let v: Vec<bool> = values
                        .flat_map(|v| match v {
                            InfoValues::Flag(x) => x.iter().map(|&f| f != 0).collect::<Vec<_>>(),
                            _ => Vec::new(),
                        })
                        .collect();
                    PyArray1::from_vec(py, v).into_any()
                }
                InfoKind::Int => {
                    let v: Vec<Option<i64>> = values
                        .flat_map(|v| match v {
                            InfoValues::Int(x) => x.clone(),
                            _ => Vec::new(),
                        })
                        .collect();
                    masked(py, &v)?.into_any()
                }
                InfoKind::Float => {
                    let v: Vec<Option<f32>> = values
                        .flat_map(|v| match v {
                            InfoValues::Float(x) => x.clone(),
                            _ => Vec::new(),
                        })
                        .collect();
                    masked(py, &v)?.into_any()
                }
                InfoKind::IntList => {
                    let v: Vec<Option<Vec<Option<i64>>>> = values
                        .flat_map(|v| match v {
                            InfoValues::IntList(x) => x.clone(),
                            _ => Vec::new(),
                        })
                        .collect();
                    v.into_pyobject(py)?.into_any()
                }
                InfoKind::FloatList => {
                    let v: Vec<Option<Vec<Option<f32>>>> = values
                        .flat_map(|v| match v {
                            InfoValues::FloatList(x) => x.clone(),
                            _ => Vec::new(),
                        })
                        .collect();
                    v.into_pyobject(py)?.into_any()
                }
                InfoKind::Text => {
                    let v: Vec<Option<String>> = values
                        .flat_map(|v| match v {
                            InfoValues::Text(x) => {
                                x.iter().map(|t| t.as_deref().map(text)).collect::<Vec<_>>()
                            }
                            _ => Vec::new(),
                        })
                        .collect();
                    v.into_pyobject(py)?.into_any()
                }
            };
            d.set_item(format!("INFO/{}", field.id), item)?;
        }
        Ok(d)
    }

    /// Sites of `region` as a pandas DataFrame: CHROM, POS (1-based), ID,
    /// REF, ALT (lists), QUAL, FILTER (lists, None for `.`) and one column
    /// per INFO field (`INFO/AF`, ...), typed as its header says (nullable
    /// Int64/Float32 for numbers, bool for flags, lists and str otherwise).
    /// `region`: 'chr:beg-end' (1-based, inclusive, as bcftools), a
    /// `(contig, start, end)` tuple (0-based, half-open), or a list of them.
    #[pyo3(signature = (region=None))]
    fn sites<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let columns = self._sites(py, region)?;
        py.import("gcol")?
            .getattr("_sites_frame")?
            .call1((columns,))
    }

    /// Sites of `region` as a pyarrow Table (typed INFO columns, lists for
    /// ALT and FILTER, nulls where the VCF has `.`): the batch of a Parquet
    /// export (`gcol_reader::partitions`), through the Arrow C stream.
    #[pyo3(signature = (region=None))]
    fn arrow_sites<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let stream = self._sites_stream(py, region)?;
        py.import("gcol")?.getattr("_arrow_table")?.call1((stream,))
    }

    /// Genotypes of `region` × `samples` as a pyarrow Table: CHROM, POS,
    /// then one column per sample of fixed-size lists of `ploidy` int8
    /// allele indexes (−1 missing, −2 past the call's ploidy).
    #[pyo3(signature = (region=None, samples=None))]
    fn arrow_genotypes<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
        samples: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let names = samples
            .clone()
            .unwrap_or_else(|| self.inner.samples().to_vec());
        let sites = self._sites(py, region)?;
        let chrom = sites.get_item("CHROM")?;
        let pos = sites.get_item("POS")?;
        let gt = self.genotypes(py, region, samples, None)?;
        py.import("gcol")?
            .getattr("_genotypes_arrow")?
            .call1((chrom, pos, names, gt))
    }

    /// The Arrow C stream of every site (the PyCapsule protocol): pandas,
    /// polars, pyarrow and DuckDB read it (`pyarrow.table(variants)`).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = requested_schema;
        Ok(self._sites_stream(py, None)?.into_any())
    }

    /// The Arrow C stream (a PyCapsule) of the sites of `region`, the
    /// batches of `gcol_reader::partitions` (the types of a Parquet export).
    #[pyo3(signature = (region=None))]
    fn _sites_stream<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, pyo3::types::PyCapsule>> {
        let rows = self.select(region)?;
        let runs = gcol_reader::variants::row_runs(&rows);
        let inner = self.inner.clone();
        let batch = run(py, move || {
            gcol_reader::partitions::variants_batch(&inner, &runs, false)
        })
        .map_err(reader_error)?;
        let schema = batch.schema();
        crate::partitions::stream_capsule(py, schema, std::iter::once(Ok(batch)))
    }

    /// Allele frequencies of `region` × `samples`: a float64 array `(sites,
    /// max alleles)`, each count over the site's called alleles (NaN where
    /// none is called).
    #[pyo3(signature = (region=None, samples=None))]
    fn allele_frequencies<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
        samples: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (counts, width, n_alleles) = self.counts(py, region, samples)?;
        let sites = n_alleles.len();
        let mut freq = vec![0f64; counts.len()];
        for (site, row) in counts.chunks(width.max(1)).enumerate() {
            let total: u32 = row.iter().sum();
            for (k, &c) in row.iter().enumerate() {
                freq[site * width + k] = if total == 0 {
                    f64::NAN
                } else {
                    f64::from(c) / f64::from(total)
                };
            }
        }
        Ok(PyArray1::from_vec(py, freq)
            .reshape([sites, width])?
            .into_any())
    }

    /// Genotypes of `region` × `samples` as a numpy array `(sites, samples,
    /// ploidy)` of allele indexes: −1 for a missing allele, −2 past a
    /// call's ploidy (int8; int16 when an allele index passes 127). With
    /// `out` (a C-contiguous int8 array of that shape), the genotypes are
    /// written into it and it is returned: repeated reads reuse one array.
    #[pyo3(signature = (region=None, samples=None, out=None))]
    fn genotypes<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
        samples: Option<Vec<String>>,
        out: Option<Bound<'py, numpy::PyArray3<i8>>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(array) = out {
            let rows = self.select(region)?;
            let chosen = self.samples_arg(samples)?;
            let n = chosen.as_ref().map_or(self.inner.samples().len(), Vec::len);
            let ploidy = self
                .inner
                .formats()
                .iter()
                .find(|f| f.kind == gcol_reader::variants::FormatKind::Gt)
                .map_or(0, |f| f.width);
            if array.shape() != [rows.len(), n, ploidy] {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "out has shape {:?}; these genotypes need ({}, {n}, {ploidy})",
                    array.shape(),
                    rows.len()
                )));
            }
            if !array.is_c_contiguous() {
                return Err(PyTypeError::new_err(
                    "out must be a C-contiguous int8 array (np.empty(shape, dtype=np.int8))",
                ));
            }
            {
                let mut view = array
                    .try_readwrite()
                    .map_err(|e| PyTypeError::new_err(format!("out must be writable: {e}")))?;
                let slice = view
                    .as_slice_mut()
                    .map_err(|_| PyTypeError::new_err("out must be a C-contiguous int8 array"))?;
                let inner = self.inner.clone();
                run(py, move || {
                    inner.genotypes_into(&rows, chosen.as_deref(), slice)
                })
                .map_err(reader_error)?;
            }
            return Ok(array.into_any());
        }
        let (alleles, _, ploidy, n) = self.calls(py, region, samples, false)?;
        let len = match &alleles {
            GenotypeValues::I8(v) => v.len(),
            GenotypeValues::I16(v) => v.len(),
        };
        let sites = len.checked_div(n * ploidy).unwrap_or(0);
        let shape = [sites, n, ploidy];
        Ok(match alleles {
            GenotypeValues::I8(v) => PyArray1::from_vec(py, v).reshape(shape)?.into_any(),
            GenotypeValues::I16(v) => PyArray1::from_vec(py, v).reshape(shape)?.into_any(),
        })
    }

    /// Phase of each call of `region` × `samples`: a bool array `(sites,
    /// samples)`, true when every separator of the call is `|`.
    #[pyo3(signature = (region=None, samples=None))]
    fn phased<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
        samples: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (_, phased, _, n) = self.calls(py, region, samples, true)?;
        let sites = phased.len().checked_div(n).unwrap_or(0);
        Ok(PyArray1::from_vec(py, phased)
            .reshape([sites, n])?
            .into_any())
    }

    /// Called allele counts of `region` × `samples`: `(counts, n_alleles)`,
    /// counts an int32 array `(sites, max alleles)` (REF first, zero past a
    /// site's alleles), n_alleles the alleles of each site.
    #[pyo3(signature = (region=None, samples=None))]
    fn allele_counts<'py>(
        &self,
        py: Python<'py>,
        region: Option<&Bound<'py, PyAny>>,
        samples: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let (counts, width, n_alleles) = self.counts(py, region, samples)?;
        let sites = n_alleles.len();
        let counts: Vec<i32> = counts.into_iter().map(|c| c as i32).collect();
        PyTuple::new(
            py,
            [
                PyArray1::from_vec(py, counts)
                    .reshape([sites, width])?
                    .into_any(),
                PyArray1::from_vec(py, n_alleles).into_any(),
            ],
        )
    }

    /// Write VCF (`.vcf`), BGZF VCF (`.vcf.gz`) or BCF (`.bcf`) of
    /// `region` and `samples` to `path` (replaced only on success). With
    /// samples, INFO/AC and INFO/AN are recomputed as `bcftools view -s`
    /// does unless `update_ac_an=False`.
    #[pyo3(signature = (path, region=None, samples=None, update_ac_an=true))]
    fn to_vcf(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        region: Option<&Bound<'_, PyAny>>,
        samples: Option<Vec<String>>,
        update_ac_an: bool,
    ) -> PyResult<()> {
        let rows = match region {
            Some(r) if !r.is_none() => Some(self.select(Some(r))?),
            _ => None,
        };
        let samples = self.samples_arg(samples)?;
        let kind = VcfOutput::from_path(&path);
        let export = VcfExport {
            rows,
            write: VcfWriteOptions {
                samples,
                update_ac_an,
            },
            header: true,
            header_only: false,
        };
        let inner = self.inner.clone();
        run(py, move || -> PyResult<()> {
            let file = gcol_writer::AtomicFile::create(&path).map_err(writer_error)?;
            let file = write_vcf(&inner, &export, kind, file).map_err(reader_error)?;
            file.commit().map_err(writer_error)
        })
    }
}
