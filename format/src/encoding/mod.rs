//! Page encodings and the encoding-id registry (spec 7).
//!
//! An encoding id is a `u16`: the low byte names the base encoding, the high
//! byte the compression wrapped around it. Every combination below is in the
//! registry; ids never change meaning.
//!
//! | id | name | applies to |
//! |---|---|---|
//! | `0x0000` | plain | all types |
//! | `0x0001` | delta-varint | integers |
//! | `0x0002` | for-bitpack | integers |
//! | `0x0003` | dictionary | binary |
//! | `0x0004` | varint | integers |
//! | `0x0005` | lengths (format 1.2) | binary |
//! | `0x0006` | decimal (format 1.3) | f32, f64 |
//! | `0x0100`..`0x0106` | zstd around the base encoding | as the base encoding |

pub mod arith;
pub mod base_model;
mod bitpack;
pub mod decimal;
mod delta_varint;
mod dictionary;
pub mod for_bitpack;
pub mod int_model;
mod integers;
mod lengths;
pub mod name_tokens;
pub mod quality_model;
mod varint_plain;
pub mod zstd_frame;

use std::borrow::Cow;

use crate::values::BinaryView;
use crate::{crc, validity, Error, PhysicalType, Result, MAX_PAGE_BYTES};

pub(crate) use bitpack::packed_len;

/// A base encoding: how values become bytes before compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseEncoding {
    /// The decoded layout itself (spec 7.1).
    Plain,
    /// Zigzag LEB128 varints of successive differences (spec 7.2).
    DeltaVarint,
    /// Frame of reference and fixed-width bit packing (spec 7.3).
    ForBitpack,
    /// Distinct values once, then bit-packed indices (spec 7.4).
    Dictionary,
    /// Each value as a (zigzag for signed types) LEB128 varint (spec 7.6).
    Varint,
    /// Binary values as varint byte lengths, then their bytes (spec 7.7;
    /// format 1.2).
    Lengths,
    /// Floats as scaled decimal integers, delta-coded (spec 7.8; format 1.3).
    Decimal,
    /// Quality values through an adaptive context model and a range coder
    /// (spec 7.10; format 1.5). Never wrapped in zstd.
    QualityModel,
    /// Binary values (read names) as tokens coded against an earlier value
    /// (spec 7.11; format 1.5). Never wrapped in zstd.
    NameTokens,
    /// Packed 2-bit bases through an order-k context model (spec 7.12;
    /// format 1.5). Never wrapped in zstd.
    BaseModel,
    /// `int-model` (0x0A, format 1.6).
    IntModel,
    /// Quality values through the `quality-model` context model, starting
    /// from the state the column's first page left (spec 7.14; format
    /// 1.8). Never wrapped in zstd.
    QualityPrimed,
}

/// Compression wrapped around a base encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Stored as the base encoding produced it.
    None,
    /// One zstd frame with its content size (spec 7.5); the level only affects writing.
    Zstd {
        /// zstd compression level (1..=22; 3 is zstd's default).
        level: i32,
    },
}

/// A complete page encoding: base encoding plus compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Encoding {
    /// Base encoding.
    pub base: BaseEncoding,
    /// Compression around it.
    pub compression: Compression,
}

/// Registry ids of base encodings (low byte).
pub mod ids {
    /// `plain`.
    pub const PLAIN: u16 = 0x0000;
    /// `delta-varint`.
    pub const DELTA_VARINT: u16 = 0x0001;
    /// `for-bitpack`.
    pub const FOR_BITPACK: u16 = 0x0002;
    /// `dictionary`.
    pub const DICTIONARY: u16 = 0x0003;
    /// `varint`.
    pub const VARINT: u16 = 0x0004;
    /// `lengths` (format 1.2).
    pub const LENGTHS: u16 = 0x0005;
    /// `decimal` (format 1.3).
    pub const DECIMAL: u16 = 0x0006;
    /// `quality-model` (format 1.5; no zstd form).
    pub const QUALITY_MODEL: u16 = 0x0007;
    /// `name-tokens` (format 1.5; no zstd form).
    pub const NAME_TOKENS: u16 = 0x0008;
    /// `base-model` (format 1.5; no zstd form).
    pub const BASE_MODEL: u16 = 0x0009;
    /// `int-model` (format 1.6; no zstd form).
    pub const INT_MODEL: u16 = 0x000A;
    /// `quality-primed` (format 1.8; no zstd form).
    pub const QUALITY_PRIMED: u16 = 0x000B;
    /// High byte for zstd compression.
    pub const ZSTD: u16 = 0x0100;
    /// Every id in the v1 registry, ascending.
    pub const ALL: [u16; 19] = [
        PLAIN,
        DELTA_VARINT,
        FOR_BITPACK,
        DICTIONARY,
        VARINT,
        LENGTHS,
        DECIMAL,
        QUALITY_MODEL,
        NAME_TOKENS,
        BASE_MODEL,
        INT_MODEL,
        QUALITY_PRIMED,
        ZSTD | PLAIN,
        ZSTD | DELTA_VARINT,
        ZSTD | FOR_BITPACK,
        ZSTD | DICTIONARY,
        ZSTD | VARINT,
        ZSTD | LENGTHS,
        ZSTD | DECIMAL,
    ];

    /// Whether pages of `id` decode only with their column's first page
    /// (`quality-primed`, spec 7.14): every other id decodes a page alone.
    pub fn needs_primer(id: u16) -> bool {
        id == QUALITY_PRIMED
    }

    /// The lowest minor version (spec 9) that has `id` in its registry.
    pub fn minor_of(id: u16) -> u16 {
        match id & 0xFF {
            LENGTHS => 2,
            DECIMAL => 3,
            QUALITY_MODEL | NAME_TOKENS | BASE_MODEL => 5,
            INT_MODEL => 6,
            QUALITY_PRIMED => 8,
            _ => 0,
        }
    }
}

impl BaseEncoding {
    fn id(self) -> u16 {
        match self {
            BaseEncoding::Plain => ids::PLAIN,
            BaseEncoding::DeltaVarint => ids::DELTA_VARINT,
            BaseEncoding::ForBitpack => ids::FOR_BITPACK,
            BaseEncoding::Dictionary => ids::DICTIONARY,
            BaseEncoding::Varint => ids::VARINT,
            BaseEncoding::Lengths => ids::LENGTHS,
            BaseEncoding::Decimal => ids::DECIMAL,
            BaseEncoding::QualityModel => ids::QUALITY_MODEL,
            BaseEncoding::NameTokens => ids::NAME_TOKENS,
            BaseEncoding::BaseModel => ids::BASE_MODEL,
            BaseEncoding::IntModel => ids::INT_MODEL,
            BaseEncoding::QualityPrimed => ids::QUALITY_PRIMED,
        }
    }

    fn name(self) -> &'static str {
        match self {
            BaseEncoding::Plain => "plain",
            BaseEncoding::DeltaVarint => "delta-varint",
            BaseEncoding::ForBitpack => "for-bitpack",
            BaseEncoding::Dictionary => "dictionary",
            BaseEncoding::Varint => "varint",
            BaseEncoding::Lengths => "lengths",
            BaseEncoding::Decimal => "decimal",
            BaseEncoding::QualityModel => "quality-model",
            BaseEncoding::NameTokens => "name-tokens",
            BaseEncoding::BaseModel => "base-model",
            BaseEncoding::IntModel => "int-model",
            BaseEncoding::QualityPrimed => "quality-primed",
        }
    }

    /// Whether this base encoding can hold values of `physical` type.
    pub fn applies_to(self, physical: PhysicalType) -> bool {
        match self {
            BaseEncoding::Plain => true,
            BaseEncoding::DeltaVarint
            | BaseEncoding::ForBitpack
            | BaseEncoding::Varint
            | BaseEncoding::IntModel => physical.is_integer(),
            BaseEncoding::Dictionary | BaseEncoding::Lengths => physical == PhysicalType::Binary,
            BaseEncoding::Decimal => matches!(physical, PhysicalType::F32 | PhysicalType::F64),
            BaseEncoding::QualityModel | BaseEncoding::QualityPrimed | BaseEncoding::BaseModel => {
                physical == PhysicalType::U8
            }
            BaseEncoding::NameTokens => physical == PhysicalType::Binary,
        }
    }

    /// Whether this base encoding codes its own entropy (no zstd form).
    pub fn is_entropy_coded(self) -> bool {
        matches!(
            self,
            BaseEncoding::QualityModel
                | BaseEncoding::NameTokens
                | BaseEncoding::BaseModel
                | BaseEncoding::IntModel
                | BaseEncoding::QualityPrimed
        )
    }
}

impl Encoding {
    /// `plain`, uncompressed: served zero-copy by readers.
    pub const PLAIN: Encoding = Encoding {
        base: BaseEncoding::Plain,
        compression: Compression::None,
    };

    /// `delta-varint`, uncompressed.
    pub fn delta_varint() -> Encoding {
        Encoding {
            base: BaseEncoding::DeltaVarint,
            compression: Compression::None,
        }
    }

    /// `for-bitpack`, uncompressed.
    pub fn for_bitpack() -> Encoding {
        Encoding {
            base: BaseEncoding::ForBitpack,
            compression: Compression::None,
        }
    }

    /// `varint`, uncompressed.
    pub fn varint() -> Encoding {
        Encoding {
            base: BaseEncoding::Varint,
            compression: Compression::None,
        }
    }

    /// `dictionary`, uncompressed.
    pub fn dictionary() -> Encoding {
        Encoding {
            base: BaseEncoding::Dictionary,
            compression: Compression::None,
        }
    }

    /// `lengths` (binary; spec 7.7, format 1.2).
    pub fn lengths() -> Encoding {
        Encoding {
            base: BaseEncoding::Lengths,
            compression: Compression::None,
        }
    }

    /// `decimal` (floats; spec 7.8, format 1.3).
    pub fn decimal() -> Encoding {
        Encoding {
            base: BaseEncoding::Decimal,
            compression: Compression::None,
        }
    }

    /// `quality-model` (u8 quality values; spec 7.10, format 1.5).
    pub fn quality_model() -> Encoding {
        Encoding {
            base: BaseEncoding::QualityModel,
            compression: Compression::None,
        }
    }

    /// `quality-primed` (u8 quality values coded against their column's
    /// first page; spec 7.14, format 1.8).
    pub fn quality_primed() -> Encoding {
        Encoding {
            base: BaseEncoding::QualityPrimed,
            compression: Compression::None,
        }
    }

    /// `base-model` (packed 2-bit bases; spec 7.12, format 1.5).
    pub fn base_model() -> Encoding {
        Encoding {
            base: BaseEncoding::BaseModel,
            compression: Compression::None,
        }
    }

    /// `int-model` (integers; spec 7.13, format 1.6).
    pub fn int_model() -> Encoding {
        Encoding {
            base: BaseEncoding::IntModel,
            compression: Compression::None,
        }
    }

    /// `name-tokens` (binary; spec 7.11, format 1.5).
    pub fn name_tokens() -> Encoding {
        Encoding {
            base: BaseEncoding::NameTokens,
            compression: Compression::None,
        }
    }

    /// The same base encoding wrapped in zstd at `level` (entropy-coded
    /// encodings stay as they are: they have no zstd form).
    pub fn with_zstd(self, level: i32) -> Encoding {
        if self.base.is_entropy_coded() {
            return self;
        }
        Encoding {
            base: self.base,
            compression: Compression::Zstd { level },
        }
    }

    /// Registry id (spec 7).
    pub fn id(self) -> u16 {
        let high = match self.compression {
            Compression::None => 0,
            Compression::Zstd { .. } => ids::ZSTD,
        };
        high | self.base.id()
    }

    /// Look up a registry id. The zstd level is not stored; decoding does not need it.
    pub fn from_id(id: u16) -> Result<Encoding> {
        let base = match id & 0xFF {
            0 => BaseEncoding::Plain,
            1 => BaseEncoding::DeltaVarint,
            2 => BaseEncoding::ForBitpack,
            3 => BaseEncoding::Dictionary,
            4 => BaseEncoding::Varint,
            5 => BaseEncoding::Lengths,
            6 => BaseEncoding::Decimal,
            7 => BaseEncoding::QualityModel,
            8 => BaseEncoding::NameTokens,
            9 => BaseEncoding::BaseModel,
            10 => BaseEncoding::IntModel,
            11 => BaseEncoding::QualityPrimed,
            _ => return Err(Error::UnknownEncoding { id }),
        };
        let compression = match id >> 8 {
            0 => Compression::None,
            1 if !base.is_entropy_coded() => Compression::Zstd { level: 3 },
            _ => return Err(Error::UnknownEncoding { id }),
        };
        Ok(Encoding { base, compression })
    }

    /// Human-readable name, as in the registry (`zstd+delta-varint`).
    pub fn name(self) -> String {
        match self.compression {
            Compression::None => self.base.name().to_string(),
            Compression::Zstd { .. } => format!("zstd+{}", self.base.name()),
        }
    }
}

/// Registry name of an id, or `unknown(0x....)`.
pub fn name_of(id: u16) -> String {
    Encoding::from_id(id)
        .map(Encoding::name)
        .unwrap_or_else(|_| format!("unknown({id:#06x})"))
}

/// A page ready to be written: stored bytes plus what its directory entry needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPage {
    /// Registry id.
    pub encoding_id: u16,
    /// Directory entry flags (spec 2.4): [`crate::directory::FLAG_VALIDITY`]
    /// when the page starts with a validity section.
    pub flags: u16,
    /// Bytes to write to the file.
    pub stored: Vec<u8>,
    /// Length of the decoded layout in bytes.
    pub decoded_len: u32,
    /// Number of values.
    pub num_values: u32,
    /// CRC32C of `stored`.
    pub crc32c: u32,
}

impl EncodedPage {
    /// A page of another file written again as stored (a copy): its
    /// directory entry's encoding, flags and lengths, and its bytes.
    pub fn copied(info: &crate::directory::PageInfo, stored: &[u8]) -> EncodedPage {
        EncodedPage {
            encoding_id: info.encoding,
            flags: info.flags,
            crc32c: crc::crc32c(stored),
            stored: stored.to_vec(),
            decoded_len: info.decoded_len,
            num_values: info.num_values,
        }
    }
}

/// Check that `decoded` is a valid decoded layout of `num_values` values.
pub fn check_layout(physical: PhysicalType, num_values: u32, decoded: &[u8]) -> Result<()> {
    match physical.width() {
        Some(width) => {
            let expected = u64::from(num_values) * width as u64;
            if decoded.len() as u64 != expected {
                return Err(Error::DecodedLengthMismatch {
                    expected,
                    actual: decoded.len() as u64,
                });
            }
        }
        None => {
            BinaryView::new(decoded, num_values as usize)?;
        }
    }
    Ok(())
}

fn check_applies(encoding: Encoding, physical: PhysicalType) -> Result<()> {
    if !encoding.base.applies_to(physical) {
        return Err(Error::EncodingNotApplicable {
            encoding: encoding.base.name(),
            physical: physical.name(),
        });
    }
    Ok(())
}

fn check_page_limit(what: &'static str, len: usize) -> Result<()> {
    if len as u64 > u64::from(MAX_PAGE_BYTES) {
        return Err(Error::PageLimit {
            what,
            found: len as u64,
            limit: u64::from(MAX_PAGE_BYTES),
        });
    }
    Ok(())
}

/// The base encoding of `num_values` values in their decoded layout.
fn encode_base(
    base: BaseEncoding,
    physical: PhysicalType,
    num_values: u32,
    decoded: &[u8],
    out: &mut Vec<u8>,
) -> Result<()> {
    match base {
        BaseEncoding::Plain => out.extend_from_slice(decoded),
        BaseEncoding::DeltaVarint => out.extend(delta_varint::encode(physical, decoded)),
        BaseEncoding::ForBitpack => out.extend(for_bitpack::encode(physical, decoded)),
        BaseEncoding::Dictionary => out.extend(dictionary::encode(decoded, num_values as usize)?),
        BaseEncoding::Varint => out.extend(varint_plain::encode(physical, decoded)),
        BaseEncoding::Lengths => out.extend(lengths::encode(decoded, num_values as usize)?),
        BaseEncoding::Decimal => out.extend(decimal::encode(physical, decoded)?),
        BaseEncoding::QualityModel => {
            out.extend(quality_model::encode(decoded, &[num_values], None)?)
        }
        BaseEncoding::NameTokens => out.extend(name_tokens::encode(decoded, num_values as usize)?),
        BaseEncoding::BaseModel => out.extend(base_model::encode(decoded, base_model::DEFAULT)?),
        BaseEncoding::IntModel => out.extend(int_model::encode(physical, decoded)),
        // A primed page needs its column's first page: the import layer
        // codes it (`quality_model::encode_primed`), never this table.
        BaseEncoding::QualityPrimed => {
            return Err(Error::MalformedPage {
                encoding: "quality-primed",
                detail: "a primed page is coded against its column's first page",
                position: 0,
            })
        }
    }
    Ok(())
}

fn finish_page(
    encoding: Encoding,
    flags: u16,
    num_values: u32,
    decoded_len: usize,
    base: Vec<u8>,
) -> Result<EncodedPage> {
    let stored = match encoding.compression {
        Compression::None => base,
        Compression::Zstd { level } => zstd_frame::compress(&base, level),
    };
    check_page_limit("a stored length", stored.len())?;
    check_page_limit("a decoded length", decoded_len)?;
    Ok(EncodedPage {
        encoding_id: encoding.id(),
        flags,
        crc32c: crc::crc32c(&stored),
        stored,
        decoded_len: decoded_len as u32,
        num_values,
    })
}

/// Encode one page of `num_values` values given in their decoded layout (spec 6.1).
pub fn encode_page(
    encoding: Encoding,
    physical: PhysicalType,
    num_values: u32,
    decoded: &[u8],
) -> Result<EncodedPage> {
    check_applies(encoding, physical)?;
    check_page_limit("a decoded length", decoded.len())?;
    check_layout(physical, num_values, decoded)?;
    let mut base = Vec::new();
    encode_base(encoding.base, physical, num_values, decoded, &mut base)?;
    finish_page(encoding, 0, num_values, decoded.len(), base)
}

/// Encode one `quality-model` page (spec 7.10) of `u8` values cut into
/// reads of `segments` values each, so that each read's values are coded
/// from the start of the read; `params` `None` tries the candidates.
pub fn encode_quality_page(
    values: &[u8],
    segments: &[u32],
    params: Option<quality_model::Params>,
) -> Result<EncodedPage> {
    check_page_limit("a decoded length", values.len())?;
    let base = quality_model::encode(values, segments, params)?;
    quality_page(values.len(), base)
}

/// A `quality-model` page of `num_values` values from its coded bytes
/// ([`quality_model::encode`]'s output).
pub fn quality_page(num_values: usize, coded: Vec<u8>) -> Result<EncodedPage> {
    check_page_limit("a decoded length", num_values)?;
    finish_page(
        Encoding::quality_model(),
        0,
        num_values as u32,
        num_values,
        coded,
    )
}

/// A page of `values` cut into `segments` coded against `primer` (spec
/// 7.14, `quality-primed`), or alone as `quality-model` with the primer's
/// parameters when a value is not in the primer's table.
pub fn encode_primed_quality_page(
    values: &[u8],
    segments: &[u32],
    primer: &quality_model::Primer,
) -> Result<EncodedPage> {
    check_page_limit("a decoded length", values.len())?;
    match quality_model::encode_primed(values, segments, primer)? {
        Some(coded) => finish_page(
            Encoding {
                base: BaseEncoding::QualityPrimed,
                compression: Compression::None,
            },
            0,
            values.len() as u32,
            values.len(),
            coded,
        ),
        None => encode_quality_page(values, segments, Some(primer.params())),
    }
}

/// Encode one page of a nullable column (spec 6.5): `num_values` values in
/// their decoded layout (null slots should hold zero, the empty string, or
/// in a list column the previous end offset), and `bitmap`, whose bit `i`
/// (LSB first) is set when value `i` is present.
///
/// A page without nulls is an ordinary page (flags 0, no section). A page
/// of nulls only stores its 8-byte section and no values, unless
/// `keep_values` (list columns, whose null rows keep their end offsets).
pub fn encode_page_nullable(
    encoding: Encoding,
    physical: PhysicalType,
    num_values: u32,
    bitmap: &[u8],
    decoded: &[u8],
    keep_values: bool,
) -> Result<EncodedPage> {
    let n = num_values as usize;
    if bitmap.len() < validity::bitmap_len(n) {
        return Err(Error::DecodedLengthMismatch {
            expected: validity::bitmap_len(n) as u64,
            actual: bitmap.len() as u64,
        });
    }
    if validity::count_nulls(bitmap, n) == 0 {
        return encode_page(encoding, physical, num_values, decoded);
    }
    check_applies(encoding, physical)?;
    check_layout(physical, num_values, decoded)?;
    let mut base = Vec::new();
    let nulls = validity::write_section(bitmap, n, keep_values, &mut base);
    let section = base.len();
    let decoded_len = if validity::has_bitmap(n, nulls, keep_values) {
        encode_base(encoding.base, physical, num_values, decoded, &mut base)?;
        section + decoded.len()
    } else {
        section
    };
    finish_page(
        encoding,
        crate::directory::FLAG_VALIDITY,
        num_values,
        decoded_len,
        base,
    )
}

/// The result of decoding a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// The stored bytes are already the decoded layout (plain pages): no copy.
    Stored,
    /// Decoding produced new bytes.
    Owned(Vec<u8>),
}

impl Decoded {
    /// The decoded layout, given the stored bytes that were decoded.
    pub fn as_bytes<'a>(&'a self, stored: &'a [u8]) -> &'a [u8] {
        match self {
            Decoded::Stored => stored,
            Decoded::Owned(bytes) => bytes,
        }
    }
}

/// Check a decoded length against `num_values` values of `physical` (6.1).
fn check_values_len(physical: PhysicalType, num_values: u32, values_len: u64) -> Result<()> {
    if let Some(width) = physical.width() {
        let expected = u64::from(num_values) * width as u64;
        if values_len != expected {
            return Err(Error::DecodedLengthMismatch {
                expected,
                actual: values_len,
            });
        }
    } else if values_len < 4 * (u64::from(num_values) + 1) {
        return Err(Error::DecodedLengthMismatch {
            expected: 4 * (u64::from(num_values) + 1),
            actual: values_len,
        });
    }
    Ok(())
}

/// Decode the base encoding of `inner` (no compression left) into the
/// values' layout; `None` when `inner` already is that layout (plain).
fn decode_base(
    base: BaseEncoding,
    physical: PhysicalType,
    num_values: u32,
    values_len: u32,
    inner: &[u8],
    primer: Option<&quality_model::Primer>,
) -> Result<Option<Vec<u8>>> {
    let owned = match base {
        BaseEncoding::Plain => {
            if inner.len() != values_len as usize {
                return Err(Error::DecodedLengthMismatch {
                    expected: u64::from(values_len),
                    actual: inner.len() as u64,
                });
            }
            if physical == PhysicalType::Binary {
                BinaryView::new(inner, num_values as usize)?;
            }
            return Ok(None);
        }
        BaseEncoding::DeltaVarint => delta_varint::decode(physical, num_values, inner)?,
        BaseEncoding::ForBitpack => for_bitpack::decode(physical, num_values, inner)?,
        BaseEncoding::Dictionary => dictionary::decode(num_values, values_len, inner)?,
        BaseEncoding::Varint => varint_plain::decode(physical, num_values, inner)?,
        BaseEncoding::Lengths => lengths::decode(num_values, values_len, inner)?,
        BaseEncoding::Decimal => decimal::decode(physical, num_values, inner)?,
        BaseEncoding::QualityModel => quality_model::decode(num_values, inner)?,
        BaseEncoding::NameTokens => name_tokens::decode(num_values, values_len, inner)?,
        BaseEncoding::BaseModel => base_model::decode(num_values, inner)?,
        BaseEncoding::IntModel => int_model::decode(physical, num_values, inner)?,
        BaseEncoding::QualityPrimed => match primer {
            Some(primer) => quality_model::decode_primed(num_values, inner, primer)?,
            None => return Err(Error::PrimerMissing),
        },
    };
    if owned.len() != values_len as usize {
        return Err(Error::DecodedLengthMismatch {
            expected: u64::from(values_len),
            actual: owned.len() as u64,
        });
    }
    Ok(Some(owned))
}

/// Decode one page's stored bytes into its decoded layout (a page without
/// entry flags; see [`decode_page_with_flags`]).
///
/// `num_values` and `decoded_len` come from the page's directory entry; no
/// allocation exceeds `decoded_len` (itself at most [`MAX_PAGE_BYTES`]) or
/// the declared content size of a zstd frame (also capped).
pub fn decode_page(
    encoding_id: u16,
    physical: PhysicalType,
    num_values: u32,
    decoded_len: u32,
    stored: &[u8],
) -> Result<Decoded> {
    decode_page_with_flags(
        encoding_id,
        0,
        physical,
        num_values,
        decoded_len,
        stored,
        false,
    )
}

/// Decode one page's stored bytes into its decoded layout, honouring the
/// entry's flags: with [`crate::directory::FLAG_VALIDITY`] the layout is
/// the validity section (spec 6.5) followed by the values' layout (none in
/// a page of nulls, unless `keep_values`: pages of list columns).
pub fn decode_page_with_flags(
    encoding_id: u16,
    flags: u16,
    physical: PhysicalType,
    num_values: u32,
    decoded_len: u32,
    stored: &[u8],
    keep_values: bool,
) -> Result<Decoded> {
    decode_page_primed(
        encoding_id,
        flags,
        physical,
        num_values,
        decoded_len,
        stored,
        keep_values,
        None,
    )
}

/// [`decode_page_with_flags`] for a page that may be `quality-primed`
/// (spec 7.14): `primer` is the state its column's first page left
/// ([`primer_of_page`]); without one such a page is
/// [`Error::PrimerMissing`].
#[allow(clippy::too_many_arguments)]
pub fn decode_page_primed(
    encoding_id: u16,
    flags: u16,
    physical: PhysicalType,
    num_values: u32,
    decoded_len: u32,
    stored: &[u8],
    keep_values: bool,
    primer: Option<&quality_model::Primer>,
) -> Result<Decoded> {
    let encoding = Encoding::from_id(encoding_id)?;
    if flags & !crate::directory::KNOWN_FLAGS != 0 {
        return Err(Error::UnknownPageFlags { flags });
    }
    check_applies(encoding, physical)?;
    if decoded_len > MAX_PAGE_BYTES {
        return Err(Error::PageLimit {
            what: "a decoded length",
            found: u64::from(decoded_len),
            limit: u64::from(MAX_PAGE_BYTES),
        });
    }
    let nullable = flags & crate::directory::FLAG_VALIDITY != 0;
    if !nullable {
        check_values_len(physical, num_values, u64::from(decoded_len))?;
    }
    let inner: Cow<'_, [u8]> = match encoding.compression {
        Compression::None => Cow::Borrowed(stored),
        Compression::Zstd { .. } => {
            let exact = (encoding.base == BaseEncoding::Plain).then_some(decoded_len);
            Cow::Owned(zstd_frame::decompress(stored, exact)?)
        }
    };
    let section_len = if nullable {
        let validity = validity::parse_section(&inner, num_values as usize, keep_values)?;
        if validity.values_omitted() {
            if inner.len() != validity.len || decoded_len as usize != validity.len {
                return Err(Error::DecodedLengthMismatch {
                    expected: validity.len as u64,
                    actual: inner.len().max(decoded_len as usize) as u64,
                });
            }
            return Ok(match inner {
                Cow::Borrowed(_) => Decoded::Stored,
                Cow::Owned(bytes) => Decoded::Owned(bytes),
            });
        }
        validity.len
    } else {
        0
    };
    let values_len =
        (decoded_len as usize)
            .checked_sub(section_len)
            .ok_or(Error::DecodedLengthMismatch {
                expected: section_len as u64,
                actual: u64::from(decoded_len),
            })?;
    check_values_len(physical, num_values, values_len as u64)?;
    let values = decode_base(
        encoding.base,
        physical,
        num_values,
        values_len as u32,
        &inner[section_len..],
        primer,
    )?;
    Ok(match (values, inner) {
        (None, Cow::Borrowed(_)) => Decoded::Stored,
        (None, Cow::Owned(bytes)) => Decoded::Owned(bytes),
        (Some(values), inner) if section_len == 0 => {
            drop(inner);
            Decoded::Owned(values)
        }
        (Some(values), inner) => {
            let mut out = Vec::with_capacity(decoded_len as usize);
            out.extend_from_slice(&inner[..section_len]);
            out.extend_from_slice(&values);
            Decoded::Owned(out)
        }
    })
}

#[cfg(test)]
mod tests;

/// The state a column's first page leaves for its `quality-primed` pages
/// (spec 7.14), from that page's entry fields and stored bytes: the page
/// MUST be `quality-model` (0x0007).
pub fn primer_of_page(
    encoding_id: u16,
    flags: u16,
    num_values: u32,
    decoded_len: u32,
    stored: &[u8],
) -> Result<quality_model::Primer> {
    if encoding_id != ids::QUALITY_MODEL {
        return Err(Error::MalformedPage {
            encoding: "quality-primed",
            detail: "the column's first page is not quality-model (0x0007)",
            position: 0,
        });
    }
    if flags & !crate::directory::KNOWN_FLAGS != 0 {
        return Err(Error::UnknownPageFlags { flags });
    }
    if decoded_len > MAX_PAGE_BYTES {
        return Err(Error::PageLimit {
            what: "a decoded length",
            found: u64::from(decoded_len),
            limit: u64::from(MAX_PAGE_BYTES),
        });
    }
    let mut at = 0;
    if flags & crate::directory::FLAG_VALIDITY != 0 {
        let validity = validity::parse_section(stored, num_values as usize, false)?;
        if validity.values_omitted() {
            return Err(Error::MalformedPage {
                encoding: "quality-primed",
                detail: "the column's first page stores no values",
                position: 0,
            });
        }
        at = validity.len;
    }
    // u8 values: the entry's decoded length bounds the count (as for any
    // page, 7), so a forged count cannot make the primer's decode allocate
    // past MAX_PAGE_BYTES.
    check_values_len(
        PhysicalType::U8,
        num_values,
        u64::from(decoded_len).saturating_sub(at as u64),
    )?;
    Ok(quality_model::Primer::from_page(num_values, &stored[at..])?.0)
}
