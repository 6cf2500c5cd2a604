//! Crash safety: a sink that fails after N bytes, for many N, never leaves a
//! valid file; a dropped unfinished path writer leaves nothing behind.

use std::io::{self, Write};

use gcol_reader::Reader;
use gcol_writer::demo::write_demo;
use gcol_writer::{WriteOptions, Writer};

/// Accepts `limit` bytes, then fails every write.
struct FailingSink {
    data: Vec<u8>,
    limit: usize,
}

impl Write for FailingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.limit - self.data.len();
        if room == 0 {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
        }
        let n = room.min(buf.len());
        self.data.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn write_demo_to(limit: usize) -> (Result<(), gcol_writer::Error>, Vec<u8>) {
    import_to(limit, &|w| write_demo(w))
}

#[test]
fn failing_sink_never_yields_a_valid_file() {
    let (ok, full) = write_demo_to(usize::MAX);
    ok.unwrap();
    let total = full.len();
    let mut limits: Vec<usize> = (0..200).collect();
    limits.extend((200..total).step_by(97));
    limits.extend(total - 100..total);
    for limit in limits {
        let (result, partial) = write_demo_to(limit);
        let err = result.expect_err(&format!(
            "writer must report the failing sink at {limit} of {total}"
        ));
        assert!(
            matches!(err, gcol_writer::Error::Io { .. }),
            "limit {limit}: {err}"
        );
        assert!(
            Reader::from_bytes(partial).is_err(),
            "limit {limit}: a partial write opened as a valid file"
        );
    }
}

#[test]
fn writer_is_poisoned_after_a_failure() {
    let mut sink = FailingSink {
        data: Vec::new(),
        limit: 100,
    };
    let mut w = Writer::new(&mut sink, WriteOptions::default()).unwrap();
    // Pages are encoded in the background and written in turn: the failure
    // shows when they are written.
    let result = write_demo(&mut w).and_then(|()| w.write_pending());
    assert!(
        matches!(result, Err(gcol_writer::Error::Io { .. })),
        "{result:?}"
    );
    assert!(matches!(
        w.write_pending(),
        Err(gcol_writer::Error::Poisoned)
    ));
    assert!(matches!(w.finish(), Err(gcol_writer::Error::Poisoned)));
}

#[test]
fn unfinished_path_writer_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.gcol");
    {
        let mut w = Writer::create(&path, WriteOptions::default()).unwrap();
        write_demo(&mut w).unwrap();
        // dropped without finish
    }
    assert!(!path.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "temporary file left behind"
    );
}

#[test]
fn finished_path_writer_replaces_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.gcol");
    std::fs::write(&path, b"old contents").unwrap();
    let mut w = Writer::create(&path, WriteOptions::default()).unwrap();
    write_demo(&mut w).unwrap();
    // Until finish, the old file is still there, untouched.
    assert_eq!(std::fs::read(&path).unwrap(), b"old contents");
    let len = w.finish().unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), len);
    Reader::open(&path).unwrap().verify(|_, _| {}).unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// One writer per path: while one writes (its temporary locked), a second
/// writer of the same path is refused with an error naming the first
/// writer's process; once the first is done, the path is free again.
#[test]
fn a_second_writer_of_one_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.gcol");
    let first = gcol_writer::Writer::create(&path, gcol_writer::WriteOptions::default()).unwrap();
    match gcol_writer::Writer::create(&path, gcol_writer::WriteOptions::default()) {
        Err(gcol_writer::Error::Busy { pid, other, .. }) => {
            assert_eq!(pid, Some(std::process::id()));
            assert!(other.exists());
            let message = gcol_writer::Error::Busy {
                target: path.clone(),
                other,
                pid,
            }
            .to_string();
            assert!(
                message.contains(&format!("pid {}", std::process::id())),
                "{message}"
            );
        }
        Err(other) => panic!("expected Busy, got {other}"),
        Ok(_) => panic!("two writers of one path"),
    }
    // Another path in the same directory is free.
    gcol_writer::Writer::create(dir.path().join("two.gcol"), Default::default()).unwrap();
    first.finish().unwrap();
    let again = gcol_writer::Writer::create(&path, Default::default()).unwrap();
    again.finish().unwrap();
    assert!(Reader::open(&path).is_ok());
}

/// Write with `import` into a sink that fails after `limit` bytes.
fn import_to(
    limit: usize,
    import: &dyn Fn(&mut Writer<&mut FailingSink>) -> Result<(), gcol_writer::Error>,
) -> (Result<(), gcol_writer::Error>, Vec<u8>) {
    let mut sink = FailingSink {
        data: Vec::new(),
        limit,
    };
    let result = (|| {
        // A fixed timestamp: the compressed manifest's size must not change
        // between the full run and the failing ones.
        let options = WriteOptions {
            timestamp: Some(gcol_writer::demo::DEMO_TIMESTAMP.into()),
            ..WriteOptions::default()
        };
        let mut w = Writer::new(&mut sink, options)?;
        import(&mut w)?;
        w.finish().map(|_| ())
    })();
    (result, sink.data)
}

/// Every importer (FASTA, FASTQ, VCF with its reference in the file, SAM,
/// GFF3, GenBank, CSV, KGML) into a
/// sink that fails at every offset, in steps: each failure is reported as
/// an I/O error, and no partial output opens as a valid file.
#[test]
fn failing_sink_under_every_importer_never_yields_a_valid_file() {
    let inputs = gcol_tests::crate_dir().join("../spec/conformance/inputs");
    let fasta = inputs.join("variants_ref.fa");
    let vcf = inputs.join("variants_ref.vcf");
    let fastq = inputs.join("edge.fq");
    type Import<'a> =
        Box<dyn Fn(&mut Writer<&mut FailingSink>) -> Result<(), gcol_writer::Error> + 'a>;
    let importers: Vec<(&str, Import)> = vec![
        (
            "fasta",
            Box::new(|w| {
                gcol_import::import_fasta(
                    w,
                    &fasta,
                    &gcol_import::FastaOptions::new("ref"),
                    &|_, _| {},
                )
                .map(|_| ())
            }),
        ),
        (
            "fastq",
            Box::new(|w| {
                gcol_import::import_fastq(
                    w,
                    &[&fastq],
                    &gcol_import::FastqOptions::new("reads"),
                    &|_, _| {},
                )
                .map(|_| ())
            }),
        ),
        (
            "vcf",
            Box::new(|w| {
                gcol_import::import_fasta(
                    w,
                    &fasta,
                    &gcol_import::FastaOptions::new("ref"),
                    &|_, _| {},
                )?;
                let mut options = gcol_import::VcfOptions::new("calls");
                options.reference = Some(gcol_import::ReferenceSpec {
                    path: fasta.clone(),
                    dataset: Some("ref".into()),
                });
                gcol_import::import_vcf(w, &vcf, false, &options, &|_, _| {}, &mut |_| {})
                    .map(|_| ())
            }),
        ),
        (
            "sam",
            Box::new(|w| {
                gcol_import::import_alignments(
                    w,
                    &inputs.join("alignments.sam"),
                    gcol_import::AlignmentFormat::Sam,
                    &gcol_import::AlignmentOptions::new("aln"),
                    &|_, _| {},
                )
                .map(|_| ())
            }),
        ),
        (
            "gff3",
            Box::new(|w| {
                let input = gcol_import::open_input(&inputs.join("features.gff3"))?;
                let options = gcol_import::TableOptions::new("gff3");
                gcol_import::import_features(w, input, false, &options, &|_, _| {}).map(|_| ())
            }),
        ),
        (
            "genbank",
            Box::new(|w| {
                let input = gcol_import::open_input(&inputs.join("features.gbk"))?;
                let options = gcol_import::TableOptions::new("genbank");
                gcol_import::import_genbank(w, input, &options, &|_, _| {}).map(|_| ())
            }),
        ),
        (
            "csv",
            Box::new(|w| {
                let input = gcol_import::open_input(&inputs.join("table.csv"))?;
                let options = gcol_import::TableOptions::new("table");
                gcol_import::import_table(w, input, b',', &options, &|_, _| {}).map(|_| ())
            }),
        ),
        (
            "kgml",
            Box::new(|w| {
                let input = gcol_import::open_input(&inputs.join("graph.kgml"))?;
                let options = gcol_import::GraphOptions::new("map");
                gcol_import::import_graph(
                    w,
                    input,
                    gcol_import::SourceFormat::Kgml,
                    &options,
                    &|_, _| {},
                )
                .map(|_| ())
            }),
        ),
    ];
    for (name, import) in &importers {
        let (ok, full) = import_to(usize::MAX, import.as_ref());
        ok.unwrap();
        Reader::from_bytes(full.clone()).expect("the full output opens");
        let total = full.len();
        let mut limits: Vec<usize> = (0..100).collect();
        limits.extend((100..total).step_by(31));
        limits.extend(total.saturating_sub(40)..total);
        for limit in limits {
            let (result, partial) = import_to(limit, import.as_ref());
            let err = result.expect_err(&format!("{name}: the sink failing at {limit} of {total}"));
            assert!(
                matches!(err, gcol_writer::Error::Io { .. }),
                "{name}, limit {limit}: {err}"
            );
            assert!(
                Reader::from_bytes(partial).is_err(),
                "{name}, limit {limit}: a partial write opened as a valid file"
            );
        }
    }
}
