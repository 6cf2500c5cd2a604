//! Mean `Reader::open` time of each file given, over many opens in one run
//! (compare layouts side by side: `cargo run --release -p gcol-benches
//! --example open_latency -- a.gcol b.gcol`).
use std::time::Instant;

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let rounds = 20_000u32;
    for _ in 0..2 {
        for path in &paths {
            let start = Instant::now();
            for _ in 0..rounds {
                std::hint::black_box(gcol_reader::Reader::open(path).unwrap());
            }
            let mean = start.elapsed() / rounds;
            println!("{path}: {:.2} us per open", mean.as_nanos() as f64 / 1000.0);
        }
    }
}
