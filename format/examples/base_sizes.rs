//! Measure an order-k context model over 2-bit bases of FASTQ reads from
//! stdin: `cargo run --release -p gcol-format --example base_sizes -- K BITS PAGE_BASES < reads.fq`
use std::io::BufRead;

use gcol_format::encoding::arith::{Models, RangeEncoder};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let (k, bits, page, step, rc_update, max) =
        (args[0], args[1], args[2], args[3], args[4] == 1, args[5]);
    let mut bases = Vec::new();
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.unwrap();
        if i % 4 == 1 {
            bases.extend(line.bytes().map(|b| match b {
                b'A' | b'a' => 0u8,
                b'C' | b'c' => 1,
                b'G' | b'g' => 2,
                _ => 3,
            }));
        }
    }
    let t = std::time::Instant::now();
    let mut total = 0;
    let mut models = Models::new(1 << bits, 4)
        .with_step(step as u32)
        .with_max_total(max as u32);
    for chunk in bases.chunks(page) {
        models.reset();
        let mut rc = RangeEncoder::default();
        let mut h: u64 = 0;
        let mut r: u64 = 0;
        let mut seen = 0usize;
        let mask = if 2 * k >= 64 {
            u64::MAX
        } else {
            (1u64 << (2 * k)) - 1
        };
        for &b in chunk {
            let ctx = if 2 * k <= bits {
                (h & mask) as usize
            } else {
                (((h & mask).wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> (64 - bits)) as usize
            };
            models.encode(&mut rc, ctx, b);
            h = (h << 2) | u64::from(b);
            r = (r >> 2) | (u64::from(3 - b) << (2 * k));
            seen += 1;
            if rc_update && seen > k {
                let rctx = r >> 2;
                let c = if 2 * k <= bits {
                    (rctx & mask) as usize
                } else {
                    (((rctx & mask).wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> (64 - bits)) as usize
                };
                models.observe(c, (r & 3) as u8);
            }
        }
        total += rc.finish().len();
    }
    println!(
        "k {k} bits {bits} page {page} step {step} rc {rc_update} max {max}: {total} bytes ({:.3} bits/base), {:.0} Mbases/s",
        total as f64 * 8.0 / bases.len() as f64,
        bases.len() as f64 / t.elapsed().as_secs_f64() / 1e6
    );
}
