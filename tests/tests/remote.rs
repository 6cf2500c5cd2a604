//! Remote files read by HTTP range requests (issue 17), against a local
//! server that counts what it is asked for: every conformance file reads
//! the same over HTTP as from disk (content hash of every dataset, verify);
//! an open costs two requests (one for a small file); a page is fetched
//! once however many readers and threads ask for it; a server without
//! range support, a missing file, a refused connection, a file that is not
//! a .gcol and a file replaced while it is read are clear errors.

use std::path::{Path, PathBuf};

use gcol_reader::{CacheOptions, Error, PageCache, ReadOptions, Reader};
use gcol_tests::http::Server;

fn conformance_files() -> Vec<PathBuf> {
    gcol_tests::conformance_paths()
}

/// Options with a cache of the reader's own, so counts do not depend on
/// what other tests (or readers) cached.
fn own_cache() -> ReadOptions {
    ReadOptions::default().cache(PageCache::new(CacheOptions::default()))
}

fn no_progress(_: u64, _: u64) {}

#[test]
fn every_conformance_file_reads_the_same_over_http() {
    let server = Server::start();
    for file in conformance_files() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&file).unwrap();
        let small = bytes.len() as u64 <= gcol_reader::TAIL_READ;
        let url = server.put(&name, bytes);
        let before = server.requests();
        let remote = Reader::open_with(&url, own_cache()).unwrap();
        let opened = server.requests() - before;
        // A small file is read whole by the first request.
        assert_eq!(
            opened,
            if small { 1 } else { 2 },
            "{name}: requests at open"
        );
        let local = Reader::open(&file).unwrap();
        gcol_tests::assert_reads_as_local(&remote, &local, &name);
        let stats = remote.remote_stats().unwrap();
        assert_eq!(stats.requests, server.requests() - before, "{name}");
    }
}

/// Yeast (12 Mb in 16 chromosomes): opening costs two requests whatever
/// the file's size; a region costs one request per page it touches (and
/// one per directory block, once); reading it again costs none; regions
/// equal the local file's.
#[test]
fn pages_are_fetched_once_and_regions_equal_the_local_file() {
    let Some(data) = gcol_tests::shared_data("remote reads of real data") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let fasta = data.join("fasta/scerevisiae_S288C_R64_16chr.fa.gz");
    let path = dir.path().join("yeast.gcol");
    let options = gcol_import::ConvertOptions::new(vec![fasta], &path);
    gcol_import::convert(&options, &no_progress, &mut |_| {}).unwrap();
    let server = Server::start();
    let bytes = std::fs::read(&path).unwrap();
    let file_len = bytes.len() as u64;
    let url = server.put("yeast.gcol", bytes);

    let remote = Reader::open_with(&url, own_cache()).unwrap();
    assert_eq!(server.requests(), 2, "{:?}", server.seen());
    // The open read the tail (with the footer) and the header, no more.
    assert!(
        server.bytes() <= gcol_reader::TAIL_READ + 64,
        "{}",
        server.bytes()
    );
    let local = Reader::open(&path).unwrap();
    let dataset = local.datasets()[0].name.clone();
    let (ls, rs) = (
        local.sequences(&dataset).unwrap(),
        remote.sequences(&dataset).unwrap(),
    );
    let names = ls.names().unwrap();
    assert_eq!(rs.names().unwrap(), names);
    let regions = [
        (3usize, 0u64, 1000u64),
        (3, 50_000, 52_000),
        (11, 700_000, 1_000_000),
        (0, 0, 230_218),
    ];
    for &(record, start, end) in &regions {
        let name = &names[record];
        let got = rs.fetch(name, start..end).unwrap();
        assert_eq!(
            got,
            ls.fetch(name, start..end).unwrap(),
            "{name}:{start}-{end}"
        );
        let before = server.requests();
        assert_eq!(rs.fetch(name, start..end).unwrap(), got);
        assert_eq!(
            server.requests(),
            before,
            "{name}:{start}-{end} fetched again"
        );
    }
    assert!(server.requests() > 2, "pages came from the open's reads");
    // Every page fetched at most once: no range asked for twice.
    let mut ranges: Vec<String> = server.seen().into_iter().filter_map(|s| s.range).collect();
    let asked = ranges.len();
    ranges.sort();
    ranges.dedup();
    assert_eq!(ranges.len(), asked, "a range was asked for twice");
    // Far less than the file was read.
    assert!(
        server.bytes() < file_len / 2,
        "{} of {file_len}",
        server.bytes()
    );
    assert_eq!(remote.remote_stats().unwrap().bytes, server.bytes());

    // Readers opened again share the pages already read (same URL, length
    // and cache): the second reader's fetches cost no page requests.
    let cache = PageCache::new(CacheOptions::default());
    let first = Reader::open_with(&url, ReadOptions::default().cache(cache.clone())).unwrap();
    first
        .sequences(&dataset)
        .unwrap()
        .fetch(&names[5], 0..20_000)
        .unwrap();
    let before = server.requests();
    let second = Reader::open_with(&url, ReadOptions::default().cache(cache)).unwrap();
    let opened = server.requests() - before;
    second
        .sequences(&dataset)
        .unwrap()
        .fetch(&names[5], 0..20_000)
        .unwrap();
    // The open's two requests, and at most the directory block.
    assert!(server.requests() - before <= opened + 1);
}

/// Eight threads asking for the same pages at once make one request per
/// page: the page cache's flights hold the others until it arrives.
#[test]
fn concurrent_readers_share_one_request_per_page() {
    let file = gcol_tests::crate_dir().join("../spec/conformance/many_pages.gcol");
    let server = Server::start();
    let url = server.put("many_pages.gcol", std::fs::read(&file).unwrap());
    let remote = Reader::open_with(&url, own_cache()).unwrap();
    let opened = server.requests();
    let pages = remote.num_pages();
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for page in 0..pages {
                    remote.page(page).unwrap();
                }
            });
        }
    });
    let blocks = remote.footer().num_blocks as u64;
    // Each page once; the directory blocks once each, when the open's
    // suffix read did not hold them.
    let made = server.requests() - opened;
    assert!(made <= pages + blocks, "{made} requests for {pages} pages");
    let mut ranges: Vec<String> = server.seen().into_iter().filter_map(|s| s.range).collect();
    let asked = ranges.len();
    ranges.sort();
    ranges.dedup();
    assert_eq!(ranges.len(), asked, "a range was asked for twice");
}

/// `gcol copy URL FILE` (the library's copy) is a verified download.
#[test]
fn copy_downloads_and_verifies() {
    let file = gcol_tests::crate_dir().join("../spec/conformance/tables.gcol");
    let server = Server::start();
    let bytes = std::fs::read(&file).unwrap();
    let url = server.put("tables.gcol", bytes.clone());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copy.gcol");
    gcol_import::copy_verified(Path::new(&url), &out, &no_progress).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
}

fn remote_error(result: Result<Reader, Error>) -> (String, Option<u16>) {
    match result {
        Err(Error::Remote {
            url,
            detail,
            status,
        }) => (format!("{url}: {detail}"), status),
        Err(other) => panic!("not a remote error: {other}"),
        Ok(_) => panic!("opened"),
    }
}

#[test]
fn servers_and_files_that_cannot_serve_are_clear_errors() {
    let server = Server::start();
    // No such file.
    let (message, status) = remote_error(Reader::open(server.url("missing.gcol")));
    assert_eq!(status, Some(404), "{message}");
    assert!(
        message.contains("missing.gcol") && message.contains("404"),
        "{message}"
    );
    // Nothing listening.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{closed}/x.gcol");
    let (message, _) = remote_error(Reader::open(&url));
    assert!(message.contains(&url), "{message}");
    // Not a .gcol file: named as such by the header check.
    let url = server.put("lambda.fa", b">lambda\nACGT\n".repeat(10_000));
    let e = Reader::open(&url).unwrap_err();
    assert!(
        matches!(e, Error::Format(gcol_format::Error::BadMagic { .. })),
        "{e}"
    );
    // Truncated: the tail is not a tail.
    let whole =
        std::fs::read(gcol_tests::crate_dir().join("../spec/conformance/tables.gcol")).unwrap();
    let url = server.put("half.gcol", whole[..whole.len() / 2].to_vec());
    assert!(Reader::open(&url).is_err());
    // Empty.
    let url = server.put("empty.gcol", Vec::new());
    let e = Reader::open(&url).unwrap_err();
    assert!(
        matches!(e, Error::Format(gcol_format::Error::Truncated { .. })),
        "{e}"
    );
}

/// A server whose answers are shorter than their `Content-Range` says is
/// an error at open, and for a page, never a panic or a short read.
#[test]
fn answers_that_do_not_match_their_range_are_errors() {
    let server = Server::start();
    let file = gcol_tests::crate_dir().join("../spec/conformance/many_pages.gcol");
    let url = server.put("many_pages.gcol", std::fs::read(&file).unwrap());
    server.short_bodies(true);
    let (message, _) = remote_error(Reader::open_with(&url, own_cache()));
    assert!(
        ["sent", "end of the file", "does not match"]
            .iter()
            .any(|w| message.contains(w)),
        "{message}"
    );
    server.short_bodies(false);
    let remote = Reader::open_with(&url, own_cache()).unwrap();
    server.short_bodies(true);
    let e = gcol_tests::read_everything(&remote).unwrap_err();
    assert!(matches!(e, Error::Remote { .. }), "{e}");
}

#[test]
fn a_server_without_ranges_serves_small_files_whole_and_refuses_large_ones() {
    let server = Server::start();
    server.ignore_ranges(true);
    let file = gcol_tests::crate_dir().join("../spec/conformance/many_pages.gcol");
    let url = server.put("many_pages.gcol", std::fs::read(&file).unwrap());
    let remote = Reader::open_with(&url, own_cache()).unwrap();
    gcol_tests::read_everything(&remote).unwrap();
    // One request: the whole file, then every page from it.
    assert_eq!(server.requests(), 1);
    let url = server.put("huge.gcol", vec![0; 65 << 20]);
    let (message, _) = remote_error(Reader::open(&url));
    assert!(message.contains("range requests"), "{message}");
}

/// A file replaced on the server while it is read: with an `ETag` the
/// next request is refused (412), and the read fails saying so.
#[test]
fn a_file_replaced_while_read_is_an_error_not_a_mix() {
    let server = Server::start();
    server.etags(true);
    let file = gcol_tests::crate_dir().join("../spec/conformance/many_pages.gcol");
    let bytes = std::fs::read(&file).unwrap();
    let url = server.put("f.gcol", bytes.clone());
    let remote = Reader::open_with(&url, own_cache()).unwrap();
    let mut changed = bytes.clone();
    let last = changed.len() - 40;
    changed[last] ^= 1;
    server.put("f.gcol", changed);
    let e = gcol_tests::read_everything(&remote).unwrap_err();
    assert!(e.to_string().contains("changed"), "{e}");
}
