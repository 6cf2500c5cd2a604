//! zstd wrapping (spec 7.5): the stored page is exactly one zstd frame whose
//! header declares its content size; the content is the base encoding's bytes.

use crate::{Error, Result, MAX_PAGE_BYTES};

const NAME: &str = "zstd";

thread_local! {
    /// One compression context per thread and level: creating a context costs
    /// more than compressing a small page.
    static COMPRESSOR: std::cell::RefCell<Option<(i32, zstd::bulk::Compressor<'static>)>> =
        const { std::cell::RefCell::new(None) };
}

pub(crate) fn compress(bytes: &[u8], level: i32) -> Vec<u8> {
    // bulk compression of a known-size input writes the content size in the frame header.
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(l, _)| *l != level) {
            let compressor = zstd::bulk::Compressor::new(level).expect("valid zstd level");
            *slot = Some((level, compressor));
        }
        let (_, compressor) = slot.as_mut().expect("set above");
        compressor
            .compress(bytes)
            .expect("zstd compression of an in-memory buffer cannot fail")
    })
}

/// Decompress one frame; `exact` is the required content size when known.
pub(crate) fn decompress(stored: &[u8], exact: Option<u32>) -> Result<Vec<u8>> {
    let malformed = |detail| Error::MalformedPage {
        encoding: NAME,
        detail,
        position: 0,
    };
    let size = match zstd::zstd_safe::get_frame_content_size(stored) {
        Ok(Some(size)) => size,
        Ok(None) => return Err(malformed("frame header does not declare its content size")),
        Err(_) => return Err(malformed("not a zstd frame")),
    };
    if size > u64::from(MAX_PAGE_BYTES) {
        return Err(Error::LimitExceeded {
            region: crate::Region::Page(0),
            what: "a zstd content size",
            found: size,
            limit: u64::from(MAX_PAGE_BYTES),
        });
    }
    if let Some(exact) = exact {
        if size != u64::from(exact) {
            return Err(Error::DecodedLengthMismatch {
                expected: u64::from(exact),
                actual: size,
            });
        }
    }
    match zstd::zstd_safe::find_frame_compressed_size(stored) {
        Ok(n) if n == stored.len() => {}
        _ => return Err(malformed("page is not exactly one zstd frame")),
    }
    // One decompression context per thread: creating one costs more than
    // decompressing a small page.
    thread_local! {
        static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    let out = DECOMPRESSOR
        .with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                *slot = Some(zstd::bulk::Decompressor::new()?);
            }
            slot.as_mut()
                .expect("set above")
                .decompress(stored, size as usize)
        })
        .map_err(|_| malformed("frame does not decompress"))?;
    if out.len() as u64 != size {
        return Err(malformed("frame content shorter than its declared size"));
    }
    Ok(out)
}
