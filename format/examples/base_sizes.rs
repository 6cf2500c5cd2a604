//! Measure `base-model` pages on FASTQ bases from stdin:
//! `cargo run --release -p gcol-format --example base_sizes -- ORDER STEP MAX REVERSE PAGE_BYTES < reads.fq`
use std::io::BufRead;

use gcol_format::encoding::base_model::{self, Params};

fn main() {
    let a: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let params = Params {
        order: a[0] as u8,
        step: a[1] as u8,
        max_total: a[2] as u16,
        reverse: a[3] == 1,
    };
    let page = a[4] as usize;
    let mut codes = Vec::new();
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        if i % 4 == 1 {
            codes.extend(line.unwrap().bytes().map(|b| match b {
                b'C' | b'c' => 1u8,
                b'G' | b'g' => 2,
                b'T' | b't' => 3,
                _ => 0,
            }));
        }
    }
    let packed: Vec<u8> = codes
        .chunks(4)
        .map(|c| {
            c.iter()
                .chain(std::iter::repeat(&0))
                .take(4)
                .fold(0u8, |b, &s| (b << 2) | s)
        })
        .collect();
    let t = std::time::Instant::now();
    let size: usize = packed
        .chunks(page)
        .map(|p| base_model::encode(p, params).unwrap().len())
        .sum();
    println!(
        "{params:?} pages of {page} bytes: {size} bytes ({:.3} bits/base), {:.1} Mbases/s",
        size as f64 * 8.0 / codes.len() as f64,
        codes.len() as f64 / t.elapsed().as_secs_f64() / 1e6
    );
}
