//! Helper for the multi-process test: `gcol-stress write PATH N` replaces
//! PATH N times by atomic rename; `gcol-stress read PATH N` opens, verifies
//! and reads PATH N times, checking each file is internally consistent.

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
    if args.len() != 4 {
        eprintln!("usage: gcol-stress write|read PATH N");
        return ExitCode::from(2);
    }
    let n: u64 = args[3].parse().expect("N");
    let path = &args[2];
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..n {
        let result = match args[1].as_str() {
            "write" => write(path, i + 1).map(|_| i + 1),
            "read" => read(path),
            _ => Err("mode must be write or read".into()),
        };
        match result {
            Ok(g) => {
                seen.insert(g);
            }
            Err(e) => {
                eprintln!("gcol-stress {} iteration {i}: {e}", args[1]);
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{}", seen.len());
    ExitCode::SUCCESS
}
