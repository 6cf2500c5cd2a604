//! zstd wrapping (spec 7.5): the stored page is exactly one zstd frame whose
//! header declares its content size; the content is the base encoding's bytes.
//!
//! Frames of more than [`BLOCK_BYTES`] of content are written as one zstd
//! block per [`BLOCK_BYTES`] (a flush ends a block; matches still reach
//! back across blocks, and on 2-bit DNA the split costs nothing measurable),
//! so a reader can decode a page's first blocks only: see [`decompress_prefix`].

use std::sync::Mutex;

use zstd::zstd_safe::{self, CParameter, DCtx, InBuffer, OutBuffer, ResetDirective};

use crate::{Error, Result, MAX_PAGE_BYTES};

const NAME: &str = "zstd";

/// Content bytes per zstd block in frames the writer makes.
pub const BLOCK_BYTES: usize = 22 << 10;

thread_local! {
    /// One compression context per thread and level: creating a context costs
    /// more than compressing a small page.
    static COMPRESSOR: std::cell::RefCell<Option<(i32, zstd::bulk::Compressor<'static>)>> =
        const { std::cell::RefCell::new(None) };
}

pub(crate) fn compress(bytes: &[u8], level: i32) -> Vec<u8> {
    if bytes.len() > BLOCK_BYTES {
        return compress_blocks(bytes, level);
    }
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

thread_local! {
    /// One streaming compression context per thread.
    static STREAM: std::cell::RefCell<Option<zstd_safe::CCtx<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// One frame (content size declared) with a block boundary every
/// [`BLOCK_BYTES`] of content.
fn compress_blocks(bytes: &[u8], level: i32) -> Vec<u8> {
    const FAIL: &str = "zstd compression of an in-memory buffer cannot fail";
    STREAM.with(|cell| {
        let mut slot = cell.borrow_mut();
        let cctx = slot.get_or_insert_with(zstd_safe::CCtx::create);
        cctx.reset(ResetDirective::SessionOnly).expect(FAIL);
        cctx.set_parameter(CParameter::CompressionLevel(level))
            .expect(FAIL);
        cctx.set_pledged_src_size(Some(bytes.len() as u64))
            .expect(FAIL);
        let mut out = Vec::with_capacity(zstd_safe::compress_bound(bytes.len()) + 64);
        let blocks = bytes.len().div_ceil(BLOCK_BYTES);
        for (i, block) in bytes.chunks(BLOCK_BYTES).enumerate() {
            let directive = if i + 1 == blocks {
                zstd::zstd_safe::zstd_sys::ZSTD_EndDirective::ZSTD_e_end
            } else {
                zstd::zstd_safe::zstd_sys::ZSTD_EndDirective::ZSTD_e_flush
            };
            let mut input = InBuffer::around(block);
            loop {
                let at = out.len();
                let mut output = OutBuffer::around_pos(&mut out, at);
                let left = cctx
                    .compress_stream2(&mut output, &mut input, directive)
                    .expect(FAIL);
                if left == 0 && input.pos() == block.len() {
                    break;
                }
                // Only when the bound was too small: make room and go on.
                let more = out.capacity() + (64 << 10);
                out.reserve(more - out.len());
            }
        }
        out
    })
}

/// Check a frame's header against the page: one frame, declared content
/// size within limits (and equal to `exact` when given). Returns the size.
fn frame_size(stored: &[u8], exact: Option<u32>) -> Result<u64> {
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
        return Err(Error::PageLimit {
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
        Ok(n) if n == stored.len() => Ok(size),
        _ => Err(malformed("page is not exactly one zstd frame")),
    }
}

/// Streaming decompression contexts kept for [`decompress_prefix`]: creating
/// one (and its window buffers) costs more than decoding a block.
static DCTX_POOL: Mutex<Vec<DCtx<'static>>> = Mutex::new(Vec::new());

/// An output window over a vector's spare capacity, ending at `limit`: zstd
/// writes at most up to it (so a prefix decode stops there) and the vector's
/// length follows what was written, without zero-filling first.
struct Window<'a> {
    vec: &'a mut Vec<u8>,
    limit: usize,
}

// SAFETY: `capacity` never exceeds the vector's capacity, the pointer is the
// vector's buffer, and `filled_until` is only called (by zstd-safe) for bytes
// zstd wrote, which are below `limit`.
unsafe impl zstd_safe::WriteBuf for Window<'_> {
    fn as_slice(&self) -> &[u8] {
        self.vec
    }

    fn capacity(&self) -> usize {
        self.limit
    }

    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.vec.as_mut_ptr()
    }

    unsafe fn filled_until(&mut self, n: usize) {
        // SAFETY: the caller guarantees the first `n` bytes were written,
        // and n <= limit <= capacity.
        unsafe { self.vec.set_len(n) }
    }
}

/// A frame decoded up to some point; [`PartialFrame::finish`] decodes the rest.
pub struct PartialFrame<S: AsRef<[u8]>> {
    dctx: Option<DCtx<'static>>,
    stored: S,
    in_pos: usize,
    /// Decoded so far; its capacity is the content size.
    out: Vec<u8>,
    size: usize,
    /// zstd reported the end of the frame.
    finished: bool,
}

impl<S: AsRef<[u8]>> PartialFrame<S> {
    /// The content decoded so far (at least what was asked for).
    pub fn prefix(&self) -> &[u8] {
        &self.out
    }

    /// Whether the whole frame is decoded.
    pub fn is_complete(&self) -> bool {
        self.finished
    }

    /// Decode until at least `needed` content bytes are out (or all of it,
    /// in which case the frame must also end exactly at the end of `stored`).
    fn advance(&mut self, needed: usize) -> Result<()> {
        let malformed = |detail| Error::MalformedPage {
            encoding: NAME,
            detail,
            position: 0,
        };
        let size = self.size;
        let target = needed.min(size);
        let dctx = self.dctx.as_mut().expect("present until dropped");
        let stored = self.stored.as_ref();
        while self.out.len() < target || (target == size && !self.finished) {
            let mut input = InBuffer::around(stored);
            input.set_pos(self.in_pos);
            // An output window ending at `target` makes zstd stop after the
            // block that reaches it (the rest of that block waits inside the
            // context for the next call).
            let before = self.out.len();
            let mut window = Window {
                vec: &mut self.out,
                limit: target,
            };
            let mut output = OutBuffer::around_pos(&mut window, before);
            let hint = dctx
                .decompress_stream(&mut output, &mut input)
                .map_err(|_| malformed("frame does not decompress"))?;
            let progressed = output.pos() > before || input.pos() > self.in_pos;
            self.in_pos = input.pos();
            if hint == 0 {
                self.finished = true;
                if self.out.len() < size {
                    return Err(malformed("frame content shorter than its declared size"));
                }
            } else if !progressed {
                return Err(malformed("frame ends before its declared size"));
            }
        }
        if self.finished && self.in_pos != stored.len() {
            return Err(malformed("page is not exactly one zstd frame"));
        }
        Ok(())
    }

    /// Decode the rest and return the whole content.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        self.advance(self.size)?;
        Ok(std::mem::take(&mut self.out))
    }
}

impl<S: AsRef<[u8]>> Drop for PartialFrame<S> {
    fn drop(&mut self) {
        if let Some(mut dctx) = self.dctx.take() {
            // Back to the pool only in a clean state.
            if dctx.reset(ResetDirective::SessionOnly).is_ok() {
                let mut pool = DCTX_POOL.lock().unwrap_or_else(|e| e.into_inner());
                if pool.len() < 8 {
                    pool.push(dctx);
                }
            }
        }
    }
}

/// Decode a page's frame only until `needed` content bytes are out: the
/// blocks past the one that reaches `needed` are left for
/// [`PartialFrame::finish`]. `exact` is the page's decoded length. The same
/// checks as a whole-frame decode apply (header, size, one frame, no
/// trailing data), the last ones when the end is reached.
pub fn decompress_prefix<S: AsRef<[u8]>>(
    stored: S,
    exact: u32,
    needed: usize,
) -> Result<PartialFrame<S>> {
    let size = frame_size(stored.as_ref(), Some(exact))? as usize;
    let dctx = DCTX_POOL
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop()
        .unwrap_or_else(DCtx::create);
    let mut frame = PartialFrame {
        dctx: Some(dctx),
        stored,
        in_pos: 0,
        out: Vec::with_capacity(size),
        size,
        finished: false,
    };
    frame.advance(needed)?;
    Ok(frame)
}

/// Stream a page's frame through this thread's reused context and a
/// reused 64 KiB buffer, handing each piece of content to `sink(offset,
/// bytes)` in order; nothing of the page's size is allocated, so reading a
/// few runs of a large page touches no fresh memory. The same checks as a
/// whole-frame decode apply. Returns the content size.
pub fn decompress_visit(
    stored: &[u8],
    exact: Option<u32>,
    mut sink: impl FnMut(usize, &[u8]),
) -> Result<usize> {
    const PIECE: usize = 64 << 10;
    thread_local! {
        static STREAMING: std::cell::RefCell<Option<(DCtx<'static>, Vec<u8>)>> =
            const { std::cell::RefCell::new(None) };
    }
    let size = frame_size(stored, exact)? as usize;
    let malformed = |detail| Error::MalformedPage {
        encoding: NAME,
        detail,
        position: 0,
    };
    STREAMING.with(|cell| {
        let mut slot = cell.borrow_mut();
        let (dctx, buf) = slot.get_or_insert_with(|| (DCtx::create(), vec![0u8; PIECE]));
        dctx.reset(ResetDirective::SessionOnly)
            .map_err(|_| malformed("context reset failed"))?;
        let mut input = InBuffer::around(stored);
        let mut done = 0usize;
        loop {
            let mut output = OutBuffer::around(&mut buf[..]);
            let hint = dctx
                .decompress_stream(&mut output, &mut input)
                .map_err(|_| malformed("a frame that does not decompress"))?;
            let n = output.pos();
            if done + n > size {
                return Err(malformed("content longer than its declared size"));
            }
            if n > 0 {
                sink(done, &buf[..n]);
                done += n;
            }
            if hint == 0 {
                break;
            }
            if n == 0 && input.pos() == stored.len() {
                return Err(malformed("frame ends before its content does"));
            }
        }
        if done != size || input.pos() != stored.len() {
            return Err(malformed("content shorter than its declared size"));
        }
        Ok(size)
    })
}

/// Decompress one frame; `exact` is the required content size when known.
/// Run `f` with this thread's decompression context: creating one costs
/// more than decompressing a small page (or a manifest).
fn with_decompressor<T>(
    f: impl FnOnce(&mut zstd::bulk::Decompressor<'static>) -> std::io::Result<T>,
) -> std::io::Result<T> {
    thread_local! {
        static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(zstd::bulk::Decompressor::new()?);
        }
        f(slot.as_mut().expect("set above"))
    })
}

/// Decompress the footer's manifest region (spec 2.5): exactly one frame
/// with a declared content size of at most `limit` bytes.
pub(crate) fn decompress_limited(stored: &[u8], limit: u64) -> Result<Vec<u8>> {
    let bad = |detail: &str| Error::InvalidField {
        part: crate::FilePart::Footer,
        field: "manifest region",
        offset: 0,
        expected: "one zstd frame with its content size".into(),
        found: detail.into(),
    };
    let size = match zstd::zstd_safe::get_frame_content_size(stored) {
        Ok(Some(size)) => size,
        Ok(None) => return Err(bad("a frame without its content size")),
        Err(_) => return Err(bad("no zstd frame")),
    };
    if size > limit {
        return Err(Error::LimitExceeded {
            part: crate::FilePart::Footer,
            what: "a manifest region content size",
            found: size,
            limit,
        });
    }
    if zstd::zstd_safe::find_frame_compressed_size(stored).ok() != Some(stored.len()) {
        return Err(bad("not exactly one frame"));
    }
    let out = with_decompressor(|d| d.decompress(stored, size as usize))
        .map_err(|_| bad("a frame that does not decompress"))?;
    if out.len() as u64 != size {
        return Err(bad("content shorter than its declared size"));
    }
    Ok(out)
}

/// Decompress a page's one zstd frame (spec 7.5), its content size declared
/// and at most [`crate::MAX_PAGE_BYTES`] (exactly `exact` when given).
pub fn decompress(stored: &[u8], exact: Option<u32>) -> Result<Vec<u8>> {
    let malformed = |detail| Error::MalformedPage {
        encoding: NAME,
        detail,
        position: 0,
    };
    let size = frame_size(stored, exact)?;
    let out = with_decompressor(|d| d.decompress(stored, size as usize))
        .map_err(|_| malformed("frame does not decompress"))?;
    if out.len() as u64 != size {
        return Err(malformed("frame content shorter than its declared size"));
    }
    Ok(out)
}
