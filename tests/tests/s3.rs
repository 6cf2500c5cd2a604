//! `s3://` files (issue 17) against a local S3-compatible server (moto):
//! every conformance file reads the same as from disk (manifest, content
//! hash of every dataset, deep verify) at the same request counts as over
//! HTTP; an object replaced while it is read is an error, not a mix.
//!
//! One test in this binary: the store's address and credentials come from
//! the process environment, set here before any reader starts.

use gcol_reader::{CacheOptions, PageCache, ReadOptions, Reader};
use gcol_tests::s3::S3Server;

fn own_cache() -> ReadOptions {
    ReadOptions::default().cache(PageCache::new(CacheOptions::default()))
}

#[test]
fn s3_objects_read_as_local_files() {
    let Some(store) = S3Server::start("reading s3:// objects") else {
        return;
    };
    for (key, value) in store.env() {
        // The only test of this binary, before any other thread runs.
        std::env::set_var(key, value);
    }
    for file in gcol_tests::conformance_paths() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&file).unwrap();
        let url = store.put(&name, &bytes);
        let remote = Reader::open_with(&url, own_cache()).unwrap();
        let small = bytes.len() as u64 <= gcol_reader::TAIL_READ;
        let stats = remote.remote_stats().unwrap();
        assert_eq!(stats.requests, if small { 1 } else { 2 }, "{name}: open");
        let local = Reader::open(&file).unwrap();
        gcol_tests::assert_reads_as_local(&remote, &local, &name);
    }

    // Replaced while read: the next ranged GET carries the first answer's
    // ETag (If-Match), the store refuses it, and the read says so.
    let file = gcol_tests::crate_dir().join("../spec/conformance/many_pages.gcol");
    let bytes = std::fs::read(&file).unwrap();
    let url = store.put("replaced.gcol", &bytes);
    let remote = Reader::open_with(&url, own_cache()).unwrap();
    let mut changed = bytes.clone();
    let last = changed.len() - 40;
    changed[last] ^= 1;
    store.delete("replaced.gcol");
    store.put("replaced.gcol", &changed);
    let e = gcol_tests::read_everything(&remote).unwrap_err();
    assert!(e.to_string().contains("changed"), "{e}");
}
