//! Many threads over one cache, and several processes around an atomic replace.

use std::process::Command;

use gcol_reader::{EvictionPolicy, PageCache, ReadOptions, Reader};
use gcol_tests::build_demo;
use gcol_writer::demo::{demo_rows, DEMO_ROWS};

#[test]
fn eight_threads_share_one_cache() {
    let rows: Vec<_> = demo_rows().collect();
    for policy in [EvictionPolicy::Lru, EvictionPolicy::S3Fifo] {
        // A budget far below the file's decoded size forces constant eviction.
        let cache = PageCache::with_budget(24 << 10, policy);
        let bytes = build_demo();
        let reader =
            Reader::from_bytes_with(bytes.clone(), ReadOptions::default().cache(cache.clone()))
                .unwrap();
        // A second reader of the same bytes shares the cache too.
        let other =
            Reader::from_bytes_with(bytes, ReadOptions::default().cache(cache.clone())).unwrap();
        std::thread::scope(|scope| {
            for t in 0..8u64 {
                let reader = if t % 2 == 0 {
                    reader.clone()
                } else {
                    other.clone()
                };
                let rows = &rows;
                scope.spawn(move || {
                    let mut state = 0x2545_F491_4F6C_DD1Du64 ^ t;
                    for _ in 0..1500 {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        let row = state % DEMO_ROWS;
                        let (c, s, e, _, sc, n) = &rows[row as usize];
                        let start = reader
                            .column("features", "start")
                            .unwrap()
                            .read::<u64>(row..row + 1)
                            .unwrap();
                        let end = reader
                            .column("features", "end")
                            .unwrap()
                            .read::<u64>(row..row + 1)
                            .unwrap();
                        let score = reader
                            .column("features", "score_zstd")
                            .unwrap()
                            .read::<f32>(row..row + 1)
                            .unwrap();
                        let name = reader
                            .column("features", "name")
                            .unwrap()
                            .binary(row)
                            .unwrap();
                        let chrom = reader
                            .column("features", "chrom_zstd")
                            .unwrap()
                            .binary(row)
                            .unwrap();
                        assert_eq!(
                            (start[0], end[0], score[0].to_bits()),
                            (*s, *e, sc.to_bits())
                        );
                        assert_eq!(&name[..], n.as_bytes());
                        assert_eq!(&chrom[..], c.as_bytes());
                    }
                });
            }
        });
        let m = cache.metrics();
        assert!(m.bytes_resident <= 24 << 10, "{policy:?}: {m:?}");
        assert!(m.evictions > 0 && m.hits > 0, "{policy:?}: {m:?}");
    }
}

#[test]
fn readers_survive_concurrent_replacement() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.gcol");
    let stress = env!("CARGO_BIN_EXE_gcol-stress");
    // Children's counts go to pipes, not the test run's output.
    let status = Command::new(stress)
        .args(["write", path.to_str().unwrap(), "1"])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let writer = Command::new(stress)
        .args(["write", path.to_str().unwrap(), "60"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Two processes of three threads each, every thread reading whole
    // versions through its process's shared page cache.
    let readers: Vec<_> = (0..2)
        .map(|_| {
            Command::new(stress)
                .args(["read", path.to_str().unwrap(), "60", "3"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let writer = writer.wait_with_output().unwrap();
    assert!(writer.status.success(), "writer failed");
    for reader in readers {
        let out = reader.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a reader failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A writer driven from inside a rayon pool whose only worker is the
/// writer's own thread: pages handed to the pool must still get encoded
/// (the writer runs pool work while it waits) and the file must equal one
/// written outside any pool.
#[test]
fn writer_inside_a_one_thread_pool_finishes() {
    let expected = build_demo();
    let inside = gcol_tests::on_pool_within_a_minute(1, "a writer", build_demo);
    assert!(inside == expected);
}

/// Reopening a path reuses a parsed manifest, a mapping and decoded pages
/// only for the same file: after an atomic replace (new inode) every
/// reopen reads the new content, in the same process, through the shared
/// default cache; and a reader that skips checksums never hands its pages
/// to one that checks them.
#[test]
fn reopen_after_replace_reads_the_new_file() {
    use gcol_import::{import_fasta, no_progress, FastaOptions};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.gcol");
    let write = |seq: &str| {
        let fa = dir.path().join("in.fa");
        std::fs::write(&fa, format!(">chr1 test\n{seq}\n")).unwrap();
        let mut w = gcol_writer::Writer::create(&path, Default::default()).unwrap();
        import_fasta(&mut w, &fa, &FastaOptions::new("s"), &no_progress).unwrap();
        w.finish().unwrap();
    };
    let fetch = |options: ReadOptions| {
        let reader = Reader::open_with(&path, options).unwrap();
        let seqs = reader.sequences("s").unwrap();
        String::from_utf8(seqs.fetch("chr1", 0..8).unwrap()).unwrap()
    };
    // Same length, same name: only the content tells them apart.
    write("ACGTACGTAC");
    for _ in 0..3 {
        assert_eq!(fetch(ReadOptions::default()), "ACGTACGT");
    }
    write("TTTTGGGGCC");
    for _ in 0..3 {
        assert_eq!(fetch(ReadOptions::default()), "TTTTGGGG");
        assert_eq!(
            fetch(ReadOptions::default().checksums(gcol_reader::ChecksumPolicy::Skip)),
            "TTTTGGGG"
        );
    }
}
