//! Where the time of `Reader::open` goes, phase by phase (a diagnostic).
use std::time::Instant;

fn main() {
    let path = gcol_benches::converted_fasta("fasta/human_hs37_chrX_first70Mb.fa.gz", "hs37_chrX")
        .expect("shared data");
    let rounds = 5000u32;
    let mut t = [0u128; 6];
    for _ in 0..rounds {
        let a = Instant::now();
        let file = std::fs::File::open(&path).unwrap();
        let len = file.metadata().unwrap().len() as usize;
        let b = Instant::now();
        // SAFETY: a bench fixture nobody modifies while it is mapped.
        let map = unsafe { memmap2::Mmap::map(&file) }.unwrap();
        let c = Instant::now();
        let tail = &map[len - 32..];
        let footer_len = u64::from_le_bytes(tail[8..16].try_into().unwrap()) as usize;
        std::hint::black_box(map[0]);
        let d = Instant::now();
        let footer = &map[len - 32 - footer_len..len - 32];
        let crc = gcol_format::crc::crc32c(footer);
        std::hint::black_box(crc);
        let e = Instant::now();
        // The manifest region, decompressed when compact (spec 2.5).
        let parts =
            gcol_format::footer::Footer::decode(footer, (len - 32 - footer_len) as u64).unwrap();
        let region = parts.region().unwrap();
        let manifest =
            gcol_format::manifest::Manifest::decode(region.json(), 0, parts.header.num_pages);
        std::hint::black_box(&manifest);
        assert!(manifest.is_ok(), "{manifest:?}");
        let f = Instant::now();
        drop(manifest);
        drop(map);
        drop(file);
        let g = Instant::now();
        for (slot, d) in t.iter_mut().zip([b - a, c - b, d - c, e - d, f - e, g - f]) {
            *slot += d.as_nanos();
        }
    }
    if std::env::var_os("MANIFEST_LOOP").is_some() {
        let bytes = std::fs::read(&path).unwrap();
        let at = bytes.windows(9).rposition(|w| w == b"{\"format\"").unwrap();
        let m = &bytes[at..bytes.len() - 32];
        let a = Instant::now();
        for _ in 0..100_000 {
            std::hint::black_box(gcol_format::manifest::Manifest::decode(m, 0, 280).unwrap());
        }
        let decode = a.elapsed();
        let text = std::str::from_utf8(m).unwrap();
        let a2 = Instant::now();
        for _ in 0..100_000 {
            std::hint::black_box(serde_json::from_str::<serde::de::IgnoredAny>(text).unwrap());
        }
        println!(
            "json scan only (IgnoredAny): {:.1} us",
            a2.elapsed().as_nanos() as f64 / 1e8
        );
        let a3 = Instant::now();
        for _ in 0..100_000 {
            std::hint::black_box(serde_json::from_str::<serde_json::Value>(text).unwrap());
        }
        println!(
            "json to Value: {:.1} us",
            a3.elapsed().as_nanos() as f64 / 1e8
        );
        let a4 = Instant::now();
        for _ in 0..100_000 {
            std::hint::black_box(
                serde_json::from_str::<gcol_format::manifest::Manifest>(text).unwrap(),
            );
        }
        println!(
            "json to Manifest without validate: {:.1} us",
            a4.elapsed().as_nanos() as f64 / 1e8
        );
        println!(
            "manifest decode alone: {:.1} us ({} bytes)",
            decode.as_nanos() as f64 / 1e8,
            m.len()
        );
    }
    if std::env::var_os("PAGE_PHASES").is_some() {
        // Two neighbouring bases pages (same directory block), then a fetch
        // inside the first of them.
        let mut t = [0u128; 4];
        for i in 0..rounds as u64 {
            let r = gcol_reader::Reader::open(&path).unwrap();
            let bases = r.column("hs37_chrX", "bases").unwrap().meta().first_page;
            let k = 93 + i % 100; // bases page within the column
            let a = Instant::now();
            let _ = r.page_info(bases + k).unwrap();
            let b = Instant::now();
            let _ = r.page(bases + k).unwrap();
            let c = Instant::now();
            let _ = r.page(bases + k + 1).unwrap();
            let d = Instant::now();
            let s = r.sequences("hs37_chrX").unwrap();
            let d1 = Instant::now();
            let _ = s.length(0).unwrap();
            let d2 = Instant::now();
            if i == 0 {
                println!("sequences() {:?} records {:?}", d1 - d, d2 - d1);
            }
            let mut out = Vec::new();
            s.fetch_record_into(0, 262144 * k + 5000..262144 * k + 6000, &mut out)
                .unwrap();
            let e = Instant::now();
            for (slot, d) in t.iter_mut().zip([b - a, c - b, d - c, e - d]) {
                *slot += d.as_nanos();
            }
        }
        for (n, v) in [
            "page_info (directory block check)",
            "first page load",
            "second page load",
            "sequences + fetch in a loaded page",
        ]
        .iter()
        .zip(t)
        {
            println!("{n:>36}: {:.1} us", v as f64 / f64::from(rounds) / 1000.0);
        }
    }
    if std::env::var_os("PAGE_LOOP").is_some() {
        // A 1-byte cache: every page read is a load (CRC + zstd + allocation).
        let cache = gcol_reader::PageCache::with_budget(1, gcol_reader::EvictionPolicy::Lru);
        let r =
            gcol_reader::Reader::open_with(&path, gcol_reader::ReadOptions::default().cache(cache))
                .unwrap();
        let a = Instant::now();
        for i in 0..20_000u64 {
            std::hint::black_box(r.page(100 + i % 100).unwrap());
        }
        println!(
            "load_page alone: {:.1} us",
            a.elapsed().as_nanos() as f64 / 2e7
        );
    }
    let names = [
        "open+fstat",
        "mmap",
        "touch header+tail",
        "footer crc",
        "manifest json",
        "drop (munmap, close)",
    ];
    for (n, v) in names.iter().zip(t) {
        println!("{n:>22}: {:.1} us", v as f64 / f64::from(rounds) / 1000.0);
    }
}
