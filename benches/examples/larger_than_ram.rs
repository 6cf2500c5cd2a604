//! Larger than the cache, and than RAM with `--gbases` (issue 17; a bench,
//! not in CI): a generated genome of `--gbases` Gbases (default 32: an
//! 8 GB file) in 1-Gbase chromosomes of random bases (incompressible, 2
//! bits a base), converted once through a FIFO (the FASTA never touches
//! the disk) into `target/bench-data/`. Then, with the page cache at 256
//! MiB and the file's pages dropped from the OS cache before each run
//! (`posix_fadvise(DONTNEED)`):
//!
//! - the disk's sequential read speed (the file read in 16 MiB blocks, as
//!   `dd` does);
//! - a scan: every chromosome fetched in 4 Mb windows, G+C counted;
//! - random access: 20,000 fetches of 1 kb at random places.
//!
//! Memory is sampled every 50 ms from /proc/self/status: `RssAnon` (what
//! the process owns: decoded pages, buffers) against the budget, and
//! `RssFile` (mapped file pages, which the kernel reclaims under pressure).
//!
//! Usage: cargo run --release -p gcol-benches --example larger_than_ram -- [--gbases N]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use gcol_reader::{CacheOptions, PageCache, ReadOptions, Reader};

const BUDGET: u64 = 256 << 20;
const CHROMOSOME: u64 = 1_000_000_000;

fn main() {
    let mut gbases = 32u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--gbases" => {
                gbases = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--gbases N")
            }
            other => panic!("unknown argument {other}"),
        }
    }
    let path = gcol_benches::fixture_dir().join(format!("genome-{gbases}g.gcol"));
    if !path.exists() {
        generate(&path, gbases);
    }
    let len = std::fs::metadata(&path).unwrap().len();
    println!(
        "file {} : {:.2} GB, {gbases} Gbases; page cache budget {} MiB; RAM {:.1} GiB",
        path.display(),
        len as f64 / 1e9,
        BUDGET >> 20,
        ram_gib()
    );

    drop_cached(&path);
    let t = Instant::now();
    let mut f = std::fs::File::open(&path).unwrap();
    let mut buf = vec![0u8; 16 << 20];
    let mut read = 0u64;
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        read += n as u64;
    }
    let disk = read as f64 / t.elapsed().as_secs_f64() / 1e6;
    println!("disk sequential read (16 MiB blocks, as dd): {disk:.0} MB/s");

    let open = || {
        let cache = PageCache::new(CacheOptions {
            budget_bytes: BUDGET,
            ..CacheOptions::default()
        });
        Reader::open_with(&path, ReadOptions::default().cache(cache)).unwrap()
    };

    // Scan.
    drop_cached(&path);
    let memory = Sampler::start();
    let reader = open();
    let name = reader.datasets()[0].name.clone();
    let seqs = reader.sequences(&name).unwrap();
    let names = seqs.names().unwrap();
    let lengths = seqs.lengths().unwrap();
    let t = Instant::now();
    let (mut gc, mut bases) = (0u64, 0u64);
    let mut out = Vec::new();
    for (n, &length) in names.iter().zip(&lengths) {
        let mut at = 0;
        while at < length {
            let end = (at + 4_000_000).min(length);
            out.clear();
            seqs.fetch_into(n, at..end, &mut out).unwrap();
            gc += out
                .iter()
                .filter(|&&b| matches!(b, b'G' | b'C' | b'g' | b'c'))
                .count() as u64;
            bases += out.len() as u64;
            at = end;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let (anon, file) = memory.stop();
    let m = reader.cache().metrics();
    println!(
        "scan: {bases} bases in {secs:.1} s = {:.0} Mbases/s, {:.0} MB/s of file ({:.2}x the disk); GC {:.4}",
        bases as f64 / secs / 1e6,
        len as f64 / secs / 1e6,
        len as f64 / secs / 1e6 / disk,
        gc as f64 / bases as f64
    );
    println!(
        "  peak RssAnon {:.0} MiB (budget {} MiB), peak RssFile {:.0} MiB; cache: {} misses, {} evictions, {:.0} MiB resident, {} readahead pages",
        anon as f64 / 1048576.0,
        BUDGET >> 20,
        file as f64 / 1048576.0,
        m.misses,
        m.evictions,
        m.bytes_resident as f64 / 1048576.0,
        m.readahead_pages
    );
    drop((seqs, reader));

    // Random access.
    drop_cached(&path);
    let memory = Sampler::start();
    let reader = open();
    let seqs = reader.sequences(&name).unwrap();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let fetches = 20_000;
    let t = Instant::now();
    for _ in 0..fetches {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let record = (state % names.len() as u64) as usize;
        let start = (state >> 20) % (lengths[record] - 1000);
        out.clear();
        seqs.fetch_into(&names[record], start..start + 1000, &mut out)
            .unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    let (anon, file) = memory.stop();
    let m = reader.cache().metrics();
    println!(
        "random: {fetches} fetches of 1 kb in {secs:.2} s = {:.0} fetches/s ({:.3} ms each)",
        fetches as f64 / secs,
        secs * 1000.0 / fetches as f64
    );
    println!(
        "  peak RssAnon {:.0} MiB (budget {} MiB), peak RssFile {:.0} MiB; cache: {} hits, {} misses, {} evictions, {:.0} MiB resident",
        anon as f64 / 1048576.0,
        BUDGET >> 20,
        file as f64 / 1048576.0,
        m.hits,
        m.misses,
        m.evictions,
        m.bytes_resident as f64 / 1048576.0
    );
    println!("pages in the file: {}", reader.num_pages());
}

/// Write the genome as FASTA into a FIFO that `gcol_import` converts.
fn generate(path: &Path, gbases: u64) {
    let fifo: PathBuf = path.with_extension("fifo.fa");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success(), "mkfifo failed");
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut out = std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(&writer_path).unwrap(),
        );
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut line = [b'\n'; 61];
        for c in 0..gbases {
            writeln!(out, ">chr{} generated, 1 Gbase of random bases", c + 1).unwrap();
            let mut left = CHROMOSOME;
            while left > 0 {
                let n = left.min(60) as usize;
                for chunk in line[..n].chunks_mut(30) {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let mut bits = state;
                    for b in chunk {
                        *b = b"ACGT"[(bits & 3) as usize];
                        bits >>= 2;
                    }
                }
                line[n] = b'\n';
                out.write_all(&line[..=n]).unwrap();
                left -= n as u64;
            }
        }
        out.flush().unwrap();
    });
    let t = Instant::now();
    let mut options = gcol_import::ConvertOptions::new(vec![fifo.clone()], path);
    options.names = vec!["genome".into()];
    gcol_import::convert(&options, &gcol_import::no_progress, &mut |_| {}).expect("convert");
    writer.join().unwrap();
    let _ = std::fs::remove_file(&fifo);
    println!(
        "generated {gbases} Gbases through a FIFO and converted in {:.0} s",
        t.elapsed().as_secs_f64()
    );
}

/// Ask the kernel to drop the file's cached pages (clean pages go).
fn drop_cached(path: &Path) {
    use std::os::unix::io::AsRawFd;
    let f = std::fs::File::open(path).unwrap();
    // SAFETY: a valid descriptor; advice only.
    unsafe {
        libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
    }
}

fn ram_gib() -> f64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1048576.0)
}

/// Peak `RssAnon` and `RssFile` while running.
struct Sampler {
    stop: Arc<AtomicBool>,
    anon: Arc<AtomicU64>,
    file: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl Sampler {
    fn start() -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let anon = Arc::new(AtomicU64::new(0));
        let file = Arc::new(AtomicU64::new(0));
        let (s, a, f) = (stop.clone(), anon.clone(), file.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
                let kb = |key: &str| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix(key))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                        .unwrap_or(0)
                        * 1024
                };
                a.fetch_max(kb("RssAnon:"), Ordering::Relaxed);
                f.fetch_max(kb("RssFile:"), Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        });
        Sampler {
            stop,
            anon,
            file,
            thread,
        }
    }

    fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap();
        (
            self.anon.load(Ordering::Relaxed),
            self.file.load(Ordering::Relaxed),
        )
    }
}
