//! Measure `name-tokens` pages on FASTQ names from stdin:
//! `cargo run --release -p gcol-format --example name_sizes < reads.fq`
use std::io::BufRead;

use gcol_format::encoding::name_tokens;
use gcol_format::values::BinaryBuilder;

fn main() {
    let strip = std::env::args().nth(1).is_some_and(|a| a == "strip");
    let mut b = BinaryBuilder::new();
    let mut n = 0;
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.unwrap();
        if i % 4 == 0 {
            let name = line[1..].split([' ', '\t']).next().unwrap();
            let name = if strip {
                name.trim_end_matches("/1").trim_end_matches("/2")
            } else {
                name
            };
            b.push(name.as_bytes());
            n += 1;
        }
    }
    let mut decoded = Vec::new();
    b.finish_into(&mut decoded);
    let t = std::time::Instant::now();
    let page = name_tokens::encode(&decoded, n).unwrap();
    let e = t.elapsed();
    let t = std::time::Instant::now();
    let back = name_tokens::decode(n as u32, decoded.len() as u32, &page).unwrap();
    assert_eq!(back, decoded);
    println!(
        "{n} names, {} bytes ({:.2} per name), encode {:?}, decode {:?}",
        page.len(),
        page.len() as f64 / n as f64,
        e,
        t.elapsed()
    );
}
