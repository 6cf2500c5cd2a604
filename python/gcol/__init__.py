"""gcol: a columnar container format for genomics.

Open a file (``gcol.open``), share a byte-budgeted page cache between files
(``gcol.PageCache``), read sequences with Python slicing, numpy and
Biopython, and convert FASTA/FASTQ (``gcol.convert``). Coordinates are
0-based and half-open everywhere, as in Python slicing.

    >>> import gcol
    >>> f = gcol.open("genome.gcol")                 # doctest: +SKIP
    >>> seqs = f["genome"]                           # doctest: +SKIP
    >>> seqs["chr1"][1000:1010]                      # doctest: +SKIP
    'ACGTACGTAC'
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _gcol
from ._gcol import (
    AlignedSegment,
    Alignments,
    CorruptFileError,
    File,
    GcolError,
    Graph,
    InputFormatError,
    NotFoundError,
    PageBuffer,
    PageCache,
    Record,
    RegionError,
    Sequences,
    Table,
    UnsupportedVersionError,
    Variants,
    copy,
    edit,
    kernel_isa,
    merge,
    reverse_complement,
    schema,
    subset,
    upgrade,
)

if TYPE_CHECKING:
    from Bio.SeqRecord import SeqRecord

__version__: str = _gcol.__version__

__all__ = [
    "AlignedSegment",
    "Alignments",
    "CorruptFileError",
    "File",
    "GcolError",
    "Graph",
    "InputFormatError",
    "NotFoundError",
    "PageBuffer",
    "PageCache",
    "Record",
    "RegionError",
    "Sequences",
    "Table",
    "UnsupportedVersionError",
    "Variants",
    "Partition",
    "Partitions",
    "convert",
    "copy",
    "dataset",
    "edit",
    "kernel_isa",
    "kmer_strings",
    "merge",
    "open",
    "packed_page",
    "reverse_complement",
    "schema",
    "seq_records",
    "subset",
    "upgrade",
    "write_fasta",
    "write_fastq",
]

# A forked child inherits no worker threads: the extension rebuilds its
# thread pool on first use in the child; this hook keeps that explicit.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_gcol._after_fork)


def open(  # noqa: A001 - mirrors builtins.open on purpose
    path: str | os.PathLike[str],
    cache: PageCache | None = None,
    checksums: str = "verify",
    readahead_pages: int = 4,
    reference: str | os.PathLike[str] | None = None,
) -> File:
    """Open a .gcol file; reads only its tail and footer.

    ``path`` may be an ``http://`` or ``https://`` URL: the file is then
    read by HTTP range requests (two at open: the tail with the footer, and
    the header; then each page once, when first read, through the same
    page cache). ``File.remote_stats`` counts the requests and bytes.
    ``s3://bucket/key`` and ``gs://bucket/object`` are read the same way,
    signed with the credentials of the environment (``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, ``AWS_ENDPOINT`` for an
    S3-compatible server; ``GOOGLE_APPLICATION_CREDENTIALS``), or the
    instance's role.

    ``cache`` gives the file a :class:`PageCache` of your choosing; without
    one, every file opened shares the process-wide cache (256 MiB, LRU), so
    reopening a file finds the pages an earlier handle decoded, and a parsed
    manifest is reused when the footer is byte-identical. ``checksums`` is
    ``"verify"`` (default: directory blocks and pages are checked when first
    loaded) or ``"skip"``. ``reference`` (a FASTA or .gcol file) is what
    alignments converted with a reference outside the file need to decode
    their bases (as pysam's ``reference_filename``); each contig is checked
    against the length and MD5 recorded at conversion.
    """
    return _gcol.open(
        os.fspath(path),
        cache,
        checksums,
        readahead_pages,
        None if reference is None else os.fspath(reference),
    )


def convert(
    inputs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    paired: bool = False,
    names: Sequence[str] | None = None,
    alphabet: str = "auto",
    zstd_level: int | None = None,
    page_kib: int = 128,
    quality_binning: str = "lossless",
    compression: str = "default",
    lenient_names: bool = False,
    strict_names: bool = False,
    threads: int | None = None,
    compact: bool = True,
    reference: str | os.PathLike[str] | None = None,
    directed: bool | None = None,
    source_column: str | None = None,
    target_column: str | None = None,
    schema: str | None = None,
    types: dict[str, str] | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> list[str]:
    """Convert FASTA, FASTQ, VCF, BCF, SAM, BAM and CRAM files, and graphs
    (SBML, COBRA JSON, CX/CX2, KGML, edge tables in CSV/TSV), plain, gzip
    or BGZF, into one .gcol file.

    Takes the same options as ``gcol convert``; returns the dataset names.
    ``zstd_level`` (default: 9 for bases, 15 for protein residues) applies
    to every residue page when given.
    ``threads`` bounds the worker threads of this call (``-@`` of the CLI;
    default: one per core). ``compact=False`` writes the 1.0 layout (the
    CLI's ``--no-compact``: protein residues in record order, no inline
    columns) for gcol 1.0 readers; by default similar proteins are stored
    together (format 1.2). ``reference`` (``--reference``) is the FASTA or
    .gcol file that VCF/BCF REF alleles are checked against; when it is one
    of the inputs (or, with none given, when there is exactly one FASTA
    input), REF is stored only where it differs from it. ``compression``
    (``--compression``) trades speed against size for FASTQ: ``"default"``
    codes qualities with a context model (format 1.5), ``"archive"``
    chooses the model for every page, ``"fast"`` keeps zstd pages.
    Edge tables: ``directed=False`` makes edges undirected (the CLI's
    ``--undirected``); ``source_column`` and ``target_column`` name the
    node columns (default: found by name, else the first two).
    ``schema="genomics"`` (``--schema``) reads CSV/TSV inputs as tables of
    the built-in genomics schema (see ``gcol.schema()``): named after their
    tables, typed by it, keys checked before anything is written.
    ``types={"column": "int64", ...}`` (``--types``) types CSV/TSV table
    columns as given instead of from their cells (int64, float64, bool,
    string, timestamp, list<T>).
    ``progress(done_bytes, total_bytes)`` is called as input is read.
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    token = _gcol.CancelToken()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["names"] = _gcol.convert(
                [os.fspath(p) for p in inputs],
                os.fspath(output),
                paired=paired,
                names=list(names) if names is not None else None,
                alphabet=alphabet,
                zstd_level=zstd_level,
                page_kib=page_kib,
                quality_binning=quality_binning,
                compression=compression,
                lenient_names=lenient_names,
                strict_names=strict_names,
                threads=threads,
                compact=compact,
                reference=os.fspath(reference) if reference is not None else None,
                directed=directed,
                source_column=source_column,
                target_column=target_column,
                schema=schema,
                types=types,
                cancel=token,
                progress=progress,
            )
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = error

    # The conversion runs in a thread so that this one stays able to take
    # Ctrl-C: then it stops the conversion, which leaves nothing behind,
    # and raises KeyboardInterrupt.
    worker = threading.Thread(target=work, name="gcol-convert", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.05)
    except KeyboardInterrupt:
        token.cancel()
        worker.join()
        raise
    if "error" in outcome:
        raise outcome["error"]
    return [str(n) for n in outcome["names"]]


class Partition:
    """One partition of a dataset of one .gcol file: a path, a dataset name
    and an index (picklable, so a Dask or Ray worker reopens the file and
    reads only its part). Read as Arrow record batches made in Rust, through
    the Arrow C stream (``pyarrow.table(p)``, ``duckdb.sql("... from p")``).
    ``info`` holds its ``contig`` (variants), and ``rows``, ``records`` or
    ``window``."""

    def __init__(
        self,
        path: str,
        dataset: str,
        index: int,
        info: dict[str, Any],
        columns: list[str] | None = None,
        genotypes: bool = False,
    ) -> None:
        self.path = path
        self.dataset = dataset
        self.index = index
        self.info = info
        self.columns = columns
        self.genotypes = genotypes

    @property
    def contig(self) -> str | None:
        contig: str | None = self.info.get("contig")
        return contig

    def __repr__(self) -> str:
        where = self.info.get("rows") or self.info.get("records") or self.info.get("window")
        return f"Partition({self.path!r}, {self.dataset!r}, {self.index}, contig={self.contig!r}, {where})"

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return open(self.path)._partition_stream(self.dataset, [self.index], self.columns, self.genotypes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Partition) and (self.path, self.dataset, self.index, self.columns, self.genotypes) == (
            other.path,
            other.dataset,
            other.index,
            other.columns,
            other.genotypes,
        )

    __hash__ = None  # type: ignore[assignment]

    def to_arrow(self) -> Any:
        """The partition as a pyarrow Table."""
        import pyarrow as pa  # type: ignore[import-untyped]

        return pa.RecordBatchReader.from_stream(self).read_all()

    def to_pandas(self) -> Any:
        """The partition as a pandas DataFrame."""
        return self.to_arrow().to_pandas()


def _partition_pandas(part: Partition) -> Any:
    return part.to_pandas()


def _partition_files(parts: list[Partition]) -> Any:
    """A read-only pyarrow file system handler whose file ``N.arrow`` is
    partition ``N`` as an Arrow IPC file, made when a scan opens it
    (``opened`` lists the partitions read). Defined here so that importing
    gcol does not import pyarrow."""
    import io

    import pyarrow as pa
    import pyarrow.fs as pafs  # type: ignore[import-untyped]
    import pyarrow.ipc as ipc  # type: ignore[import-untyped]

    class PartitionFiles(pafs.FileSystemHandler):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.opened: list[int] = []
            # A scan opens a file to inspect it, then to read it: the last
            # partitions made are kept for the second open.
            self.recent: dict[int, bytes] = {}
            self.lock = threading.Lock()  # scans open files from several threads

        def get_type_name(self) -> str:
            return "gcol-partitions"

        def normalize_path(self, path: str) -> str:
            return path

        def get_file_info(self, paths: list[str]) -> list[Any]:
            return [pafs.FileInfo(p, type=pafs.FileType.File) for p in paths]

        def get_file_info_selector(self, selector: Any) -> list[Any]:
            return [pafs.FileInfo(f"{i}.arrow", type=pafs.FileType.File) for i in range(len(parts))]

        def open_input_file(self, path: str) -> Any:
            index = int(path.rsplit("/", 1)[-1].split(".")[0])
            with self.lock:
                data = self.recent.get(index)
            if data is None:
                reader = pa.RecordBatchReader.from_stream(parts[index])
                sink = io.BytesIO()
                with ipc.new_file(sink, reader.schema) as out:
                    for batch in reader:
                        out.write_batch(batch)
                data = sink.getvalue()
                with self.lock:
                    self.opened.append(index)
                    while len(self.recent) >= 4:
                        del self.recent[next(iter(self.recent))]
                    self.recent[index] = data
            return pa.BufferReader(data)

        def open_input_stream(self, path: str) -> Any:
            return self.open_input_file(path)

        def _read_only(self, *args: Any) -> Any:
            raise OSError("gcol partitions are read-only")

        create_dir = delete_dir = delete_dir_contents = delete_root_dir_contents = _read_only
        delete_file = move = copy_file = open_output_stream = open_append_stream = _read_only

    return PartitionFiles()


class Partitions(Sequence[Partition]):
    """The partitions :func:`dataset` found, in file and row order. Every
    partition has the same columns when the files' datasets have the same
    fields (or ``columns=`` names them). Not a list, so that Arrow
    consumers see its Arrow C stream rather than a list of arrays."""

    def __init__(self, parts: Sequence[Partition] = ()) -> None:
        self._parts = list(parts)

    def __len__(self) -> int:
        return len(self._parts)

    def __getitem__(self, index: Any) -> Any:
        return self._parts[index]

    def __iter__(self) -> Iterator[Partition]:
        return iter(self._parts)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Partitions):
            return self._parts == other._parts
        return isinstance(other, list) and self._parts == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Partitions({len(self._parts)} partitions)"

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        import pyarrow as pa

        if not self:
            raise ValueError("no partitions")

        def batches() -> Iterator[Any]:
            for part in self:
                yield from pa.RecordBatchReader.from_stream(part)

        schema = pa.RecordBatchReader.from_stream(self[0]).schema
        return pa.RecordBatchReader.from_batches(schema, batches()).__arrow_c_stream__(requested_schema)

    def to_arrow(self) -> Any:
        """Every partition as one pyarrow Table."""
        import pyarrow as pa

        return pa.RecordBatchReader.from_stream(self).read_all()

    def to_pandas(self) -> Any:
        return self.to_arrow().to_pandas()

    def to_dask(self) -> Any:
        """A Dask DataFrame of one partition per partition
        (``dask.dataframe.from_map``): each worker opens its file and reads
        its part."""
        import dask.dataframe as dd

        if not self:
            raise ValueError("no partitions")
        meta = self[0].to_arrow().schema.empty_table().to_pandas()
        return dd.from_map(_partition_pandas, list(self._parts), meta=meta)  # type: ignore[no-untyped-call]

    def to_pyarrow_dataset(self) -> Any:
        """A ``pyarrow.dataset.Dataset`` of these partitions, for engines
        that push filters into a dataset scan (DuckDB: ``duckdb.sql("select
        ... from ds where CHROM = '20'")`` on ``ds =
        parts.to_pyarrow_dataset()``). Each partition is a fragment whose
        contig (``CHROM`` of variants, ``reference_name`` of alignments) is
        its partition expression, so a filter on the contig skips the other
        partitions without reading them; a partition the scan keeps is read
        whole (its columns as ``columns=`` chose) and then projected."""
        import pyarrow as pa
        import pyarrow.dataset as pads  # type: ignore[import-untyped]
        import pyarrow.fs as pafs

        if not self:
            raise ValueError("no partitions")
        schema = pa.RecordBatchReader.from_stream(self[0]).schema
        handler = _partition_files(list(self._parts))
        filesystem = pafs.PyFileSystem(handler)
        fmt = pads.IpcFileFormat()
        field = next((f for f in ("CHROM", "reference_name") if f in schema.names), None)

        def where(part: Partition) -> Any:
            if field is None or part.contig is None:
                return None
            if part.contig == "*":  # unplaced alignments (spec 15): no reference name
                return pads.field(field).is_null()
            return pads.field(field) == part.contig

        fragments = [
            fmt.make_fragment(f"{i}.arrow", filesystem, partition_expression=where(part))
            for i, part in enumerate(self._parts)
        ]
        # The partitions a scan read: ``dataset.filesystem.handler.opened``.
        return pads.FileSystemDataset(fragments, schema, fmt, filesystem)


def dataset(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    name: str | None = None,
    columns: list[str] | None = None,
    contigs: Sequence[str] | None = None,
    genotypes: bool = False,
) -> Partitions:
    """The partitions of a dataset across .gcol files, for engines that
    scale out without an export: ``gcol.dataset("cohorts/").to_dask()``,
    ``duckdb.sql("select ... from parts")`` on ``parts =
    gcol.dataset(...)``, or each :class:`Partition` sent to a worker.

    ``paths``: files, or directories (their ``*.gcol`` files, sorted).
    ``name``: the dataset in each file (default: the file's only dataset).
    ``columns``: only these columns (a variants partition still decodes
    its site columns, but not ``GT`` unless named). ``contigs``: only
    partitions of these contigs (variants; the others are not read).
    ``genotypes``: add a variants dataset's ``GT`` column. Partitions are
    those of ``gcol export --format parquet`` (see ``File.partitions``)."""
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    files: list[str] = []
    for item in items:
        text = os.fspath(item)
        if os.path.isdir(text):
            files.extend(sorted(os.path.join(text, n) for n in os.listdir(text) if n.endswith(".gcol")))
        else:
            files.append(text)
    wanted = None if contigs is None else set(contigs)
    out: list[Partition] = []
    for path in files:
        f = open(path)
        ds = name
        if ds is None:
            if len(f.datasets) != 1:
                raise ValueError(f"{path} has datasets {f.datasets}: name one (name=...)")
            ds = f.datasets[0]
        for info in f.partitions(ds):
            if wanted is not None and info.get("contig") not in wanted:
                continue
            out.append(Partition(path, ds, info["index"], info, columns, genotypes))
    return Partitions(out)


def kmer_strings(codes: Sequence[int] | np.ndarray, k: int) -> list[str]:
    """The k-mers that ``Sequences.kmer_counts`` codes stand for (2 bits per
    base, first base in the highest bits, A=0 C=1 G=2 T=3)."""
    out = []
    for code in np.asarray(codes, dtype=np.uint64).tolist():
        out.append("".join("ACGT"[(code >> (2 * (k - 1 - i))) & 3] for i in range(k)))
    return out


def packed_page(seqs: Sequences, index: int) -> np.ndarray:
    """Page ``index`` of the residue column as a read-only numpy uint8 view
    (no copy; the array keeps the page, and the file mapping, alive)."""
    # PageBuffer implements the buffer protocol in C; typeshed cannot see it.
    buffer: Any = seqs.page(index)
    view: np.ndarray = np.frombuffer(buffer, dtype=np.uint8)
    return view


def seq_records(seqs: Sequences) -> Iterator[SeqRecord]:
    """Iterate the records as Biopython ``SeqRecord`` objects, as
    ``Bio.SeqIO.parse`` would give them (FASTQ qualities in
    ``letter_annotations["phred_quality"]``)."""
    from Bio.Seq import Seq
    from Bio.SeqRecord import SeqRecord

    reads = seqs.kind == "reads"
    for i in range(len(seqs)):
        info = seqs.record_info(i)
        # Biopython strips trailing whitespace from title lines; do the same.
        definition = str(info["definition"]).rstrip()
        name = definition.split(None, 1)[0] if definition.strip() else ""
        record = SeqRecord(Seq(str(seqs[i])), id=name, name=name, description=definition)
        if reads:
            record.letter_annotations["phred_quality"] = seqs.qualities(i).tolist()
        yield record


def write_fasta(seqs: Sequences, path: str | os.PathLike[str], width: int | None = None) -> None:
    """Write the records as FASTA (byte-exact for uniformly wrapped input)."""
    seqs.to_fasta(os.fspath(path), width)


def write_fastq(seqs: Sequences, path: str | os.PathLike[str], mate: int | None = None) -> None:
    """Write reads as FASTQ; ``mate`` keeps one mate of a paired dataset."""
    seqs.to_fastq(os.fspath(path), mate)


def _sites_frame(columns: dict[str, Any]) -> Any:
    """Build the DataFrame of ``Variants.sites`` from its columns: numbers
    come as ``(values, mask)`` numpy pairs and become pandas nullable arrays
    (mask true where the VCF has ``.``)."""
    import pandas as pd  # type: ignore[import-untyped]

    frame: dict[str, Any] = {}
    for name, value in columns.items():
        if isinstance(value, tuple):
            values, mask = value
            if values.dtype.kind == "f":
                frame[name] = pd.arrays.FloatingArray(values, mask)
            else:
                frame[name] = pd.arrays.IntegerArray(values, mask)
        else:
            frame[name] = value
    return pd.DataFrame(frame)


class _Stream:
    """An Arrow C stream capsule made in Rust, as an object of the PyCapsule
    protocol (consumed once)."""

    def __init__(self, capsule: object) -> None:
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self._capsule


def _arrow_table(capsule: object) -> Any:
    """A pyarrow Table of a Rust-made Arrow C stream."""
    import pyarrow as pa

    return pa.table(_Stream(capsule))


def _genotypes_arrow(chrom: list[str], pos: Any, names: list[str], gt: Any) -> Any:
    """The pyarrow Table of ``Variants.arrow_genotypes``: one fixed-size
    list column per sample, built from the numpy array without a copy per
    call."""
    import pyarrow as pa

    sites, n, ploidy = gt.shape
    arrays = {"CHROM": pa.array(chrom, type=pa.string()), "POS": pa.array(pos)}
    for s, name in enumerate(names):
        flat = pa.array(np.ascontiguousarray(gt[:, s, :]).reshape(-1))
        arrays[name] = pa.FixedSizeListArray.from_arrays(flat, ploidy) if ploidy else pa.nulls(sites)
    return pa.table(arrays)


def _graph_frame(columns: dict[str, Any]) -> Any:
    """A pandas DataFrame of graph columns: numpy arrays stay as they are,
    lists with nulls become nullable pandas columns."""
    import pandas as pd

    data = {}
    for name, values in columns.items():
        if isinstance(values, np.ndarray):
            data[name] = values
        else:
            series = pd.Series(values, dtype=object)
            present = [v for v in values if v is not None]
            if present and all(isinstance(v, bool) for v in present):
                series = series.astype("boolean")
            elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
                series = series.astype("Int64")
            elif present and all(isinstance(v, float) for v in present):
                series = series.astype("Float64")
            data[name] = series
    return pd.DataFrame(data)


def _graph_arrow(columns: dict[str, Any]) -> Any:
    """A pyarrow Table of graph columns (nulls kept; lists as list arrays)."""
    import pyarrow as pa

    return pa.table({name: pa.array(values) for name, values in columns.items()})


def _graph_networkx(
    directed: bool,
    network: dict[str, Any],
    nodes: dict[str, Any],
    edges: dict[str, Any],
) -> Any:
    """A networkx multigraph from graph columns (nulls left out)."""
    import networkx as nx  # type: ignore[import-untyped]

    graph = nx.MultiDiGraph() if directed else nx.MultiGraph()
    graph.graph.update(network)
    node_attrs = [k for k in nodes if k != "id"]
    node_values = [nodes[k].tolist() if isinstance(nodes[k], np.ndarray) else nodes[k] for k in node_attrs]
    for i, node in enumerate(nodes["id"]):
        graph.add_node(node, **{k: v[i] for k, v in zip(node_attrs, node_values) if v[i] is not None})
    edge_attrs = [k for k in edges if k not in ("source", "target")]
    edge_values = [edges[k].tolist() if isinstance(edges[k], np.ndarray) else edges[k] for k in edge_attrs]
    for i, (s, t) in enumerate(zip(edges["source"], edges["target"])):
        graph.add_edge(s, t, **{k: v[i] for k, v in zip(edge_attrs, edge_values) if v[i] is not None})
    return graph
