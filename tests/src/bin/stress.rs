//! Helper for the multi-process test and `benches/trust/concurrent.sh`:
//! `gcol-stress write PATH N` replaces PATH N times by atomic rename;
//! `gcol-stress read PATH N [THREADS]` opens, verifies and reads PATH N
//! times in each of THREADS threads (default 1; every reader of the
//! process shares the process-wide page cache), checking each file is
//! internally consistent: one whole version, never a mix. Prints the
//! number of distinct versions seen (and, for reads, the reads done).

use std::process::ExitCode;

use gcol_format::encoding::Encoding;
use gcol_format::PhysicalType;
use gcol_reader::Reader;
use gcol_writer::{ColumnSpec, DatasetSpec, WriteOptions, Writer};

/// Write generation `g`: 20,000 copies of `g` and metadata naming it.
fn write(path: &str, generation: u64) -> Result<(), String> {
    let mut w = Writer::create(path, WriteOptions::default()).map_err(|e| e.to_string())?;
    let d = w
        .add_dataset(DatasetSpec::new("gen", "table"))
        .map_err(|e| e.to_string())?;
    let c = w
        .add_column(
            d,
            ColumnSpec::new("g", PhysicalType::U64, "uint64")
                .encoding(Encoding::for_bitpack().with_zstd(1))
                .page_bytes(4096),
        )
        .map_err(|e| e.to_string())?;
    w.push(c, &vec![generation; 20_000])
        .map_err(|e| e.to_string())?;
    w.set_metadata("generation", generation.to_string());
    w.finish().map_err(|e| e.to_string())?;
    Ok(())
}

fn read(path: &str) -> Result<u64, String> {
    let reader = Reader::open(path).map_err(|e| e.to_string())?;
    reader.verify(|_, _| {}).map_err(|e| e.to_string())?;
    let generation: u64 = reader
        .manifest()
        .metadata
        .get("generation")
        .ok_or("no generation")?
        .parse()
        .map_err(|_| "bad generation")?;
    let values: Vec<u64> = reader
        .column("gen", "g")
        .map_err(|e| e.to_string())?
        .read(0..20_000)
        .map_err(|e| e.to_string())?;
    if values.iter().any(|&v| v != generation) {
        return Err(format!(
            "file of generation {generation} holds other values"
        ));
    }
    Ok(generation)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 && args.len() != 5 {
        eprintln!("usage: gcol-stress write|read PATH N [THREADS]");
        return ExitCode::from(2);
    }
    let n: u64 = args[3].parse().expect("N");
    let threads: usize = args.get(4).map_or(1, |t| t.parse().expect("THREADS"));
    let path = args[2].clone();
    let mode = args[1].clone();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (path, mode) = (path.clone(), mode.clone());
            std::thread::spawn(move || {
                let mut seen = std::collections::BTreeSet::new();
                for i in 0..n {
                    let g = match mode.as_str() {
                        "write" => write(&path, i + 1).map(|_| i + 1),
                        "read" => read(&path),
                        _ => Err("mode must be write or read".into()),
                    }
                    .map_err(|e| format!("gcol-stress {mode} iteration {i}: {e}"))?;
                    seen.insert(g);
                }
                Ok::<_, String>(seen)
            })
        })
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for w in workers {
        match w.join().expect("a worker panicked") {
            Ok(s) => seen.extend(s),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if mode == "read" {
        println!("{} {}", seen.len(), n * threads as u64);
    } else {
        println!("{}", seen.len());
    }
    ExitCode::SUCCESS
}
