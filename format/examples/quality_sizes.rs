//! Measure `quality-model` page sizes on FASTQ from stdin (uncompressed):
//! `zcat reads.fastq.gz | cargo run --release -p gcol-format --example quality_sizes -- 262144`
use std::io::BufRead;

use gcol_format::encoding::quality_model::{self, Params};

fn main() {
    let page: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1 << 18);
    let stdin = std::io::stdin();
    let mut quals: Vec<Vec<u8>> = Vec::new();
    for (i, line) in stdin.lock().lines().enumerate() {
        let line = line.unwrap();
        if i % 4 == 3 {
            quals.push(line.bytes().map(|b| b - 33).collect());
        }
    }
    let total: usize = quals.iter().map(Vec::len).sum();
    // Cut pages at read boundaries.
    let mut pages: Vec<(Vec<u8>, Vec<u32>)> = vec![(Vec::new(), Vec::new())];
    for q in &quals {
        let last = pages.last_mut().unwrap();
        if !last.0.is_empty() && last.0.len() + q.len() > page {
            pages.push((Vec::new(), Vec::new()));
        }
        let last = pages.last_mut().unwrap();
        last.0.extend_from_slice(q);
        last.1.push(q.len() as u32);
    }
    let m = {
        let mut seen = [false; 256];
        quals
            .iter()
            .flatten()
            .for_each(|&v| seen[v as usize] = true);
        seen.iter().filter(|&&s| s).count()
    };
    let max_len = quals.iter().map(Vec::len).max().unwrap_or(0);
    let t = std::time::Instant::now();
    let best: usize = pages
        .iter()
        .map(|(v, s)| quality_model::encode(v, s, None).unwrap().len())
        .sum();
    let enc = t.elapsed();
    println!("{} values, {} pages of {page}, best-of-candidates {best} bytes ({:.3} bits/value), search {:?}", total, pages.len(), best as f64 * 8.0 / total as f64, enc);
    for p in Params::candidates(m, max_len)
        .into_iter()
        .chain(std::env::args().nth(2).map(|s| {
            let v: Vec<u8> = s.split(',').map(|x| x.parse().unwrap()).collect();
            Params {
                qbits: v[0],
                qshift: v[1],
                pbits: v[2],
                pshift: v[3],
                dbits: v[4],
                dshift: v[5],
            }
        }))
    {
        let t = std::time::Instant::now();
        let encoded: Vec<Vec<u8>> = pages
            .iter()
            .map(|(v, s)| quality_model::encode(v, s, Some(p)).unwrap())
            .collect();
        let et = t.elapsed();
        let t = std::time::Instant::now();
        for (e, (v, _)) in encoded.iter().zip(&pages) {
            let d = quality_model::decode(v.len() as u32, e).unwrap();
            assert_eq!(&d, v);
        }
        let dt = t.elapsed();
        let size: usize = encoded.iter().map(Vec::len).sum();
        println!(
            "{p:?}: {size} bytes, encode {:.0} MB/s, decode {:.0} MB/s",
            total as f64 / et.as_secs_f64() / 1e6,
            total as f64 / dt.as_secs_f64() / 1e6
        );
    }
}
