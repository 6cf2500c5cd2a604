"""An independent reader of .gcol v1 files, written from spec/gcol-v1.md alone.

Standard library plus `zstandard`; no code shared with the Rust crates.
Section numbers in comments refer to spec/gcol-v1.md.

    reader = GcolFile.open("x.gcol")      # checks magic, header, tail, footer
    reader.datasets                        # manifest datasets (5.2)
    reader.column_values("table", "col")   # every value of a column, decoded (None for a null, 6.5)
    reader.list_values("table", "col")     # a list column's rows as Python lists (6.6)
    reader.chunked_array("table", "col")   # a chunked column as [rows][columns][K] (6.7)
    reader.verify()                        # every checksum and rule of 8.2, 16.6 for graphs, 17.6 (and
                                           # 17.8's keys for genomics tables) for tables
    records_text(reader, "seqs")           # a sequences dataset's records (12.4, 12.5)
    decode_page(0x0007, "u8", n, n, b)     # one page; quality-model pages as 7.9 and 7.10
    decode_page(0x0008, "binary", n, d, b) # name-tokens pages as 7.9 and 7.11
    decode_page(0x0009, "u8", n, n, b)     # base-model pages as 7.9 and 7.12
    decode_page(0x000A, "i32", n, 4 * n, b)  # int-model pages as 7.9 and 7.13
    decode_page(0x000B, "u8", n, n, b, primer=quality_primer(0x0007, "u8", pn, pn, p))
                                           # quality-primed pages as 7.14, from their column's first page
    variants_vcf(reader, "calls")          # a variants dataset as VCF text (14.5), REF as 14.7
    alignments_bam_records(reader, "aln")  # an alignments dataset's records in BAM's layout (15.4)
    alignments_sam(reader, "aln")          # ... as the SAM text `samtools view -h` prints (15.4)
                                           # (bases against a consensus rebuilt and checked as 15.8 says,
                                           # against a reference as 15.10 says)
    check_region_index(reader, "aln")      # the region index against the one the records give (15.5)
    alignments_region(reader, "aln", 0, s, e)  # rows overlapping a region, read through that index (15.5)
    g = graph(reader, "net")               # a graph dataset as plain structures, 16.6 checked (16)
    find_node(g, "TP53"); neighbours(g, v, "both"); shortest_path(g, a, b)  # 16.2, 16.3
    edge_table(g, "\t")                    # the TSV (or CSV) edge table of 16.8, edges in source order
    t = table(reader, "genes")             # a typed table (17): columns by value_type (timestamps as
                                           # Timestamp: an int whose str is 16.4's text), 17.6 checked,
                                           # and 17.8's columns and keys for `schema` = `genomics`
    export_features(t)                     # a feature table's GFF3/GTF text, byte for byte (17.3)
    export_features(t, reader)             # a GenBank table's flat file, ORIGIN blocks from its sequences (17.4);
                                           # an antiSMASH table's JSON document, sequences after their pieces (17.9)
    antismash_json_lines(t, rows)          # a subset of an antiSMASH table's rows as JSON Lines (17.9)
    export_table(t, ",")                   # a typed table as CSV (TSV with "\t"), values as 16.4's text
    index_search(t, "Parent", "g1")        # rows through the attribute index (17.5); prefix=True for g1*
"""

import bisect
import decimal
import hashlib
import json
import math
import re
import struct

import zstandard

MAGIC = b"\x89GCOL\r\n\x1a"  # 2.1
HEADER_LEN = 64  # 2.2
TAIL_LEN = 32  # 2.6
FOOTER_HEADER_LEN = 64  # 2.5
ENTRY_LEN = 48  # 2.4
ENTRIES_PER_BLOCK = 1024  # 2.4
MAX_PAGE_BYTES = 64 << 20  # 10
MAX_FOOTER_BYTES = 256 << 20  # 10
ALIGN = 64  # 2.3

WIDTH = {"u8": 1, "u16": 2, "u32": 4, "u64": 8, "i8": 1, "i16": 2, "i32": 4, "i64": 8, "f32": 4, "f64": 8}
STRUCT = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q", "i8": "b", "i16": "h", "i32": "i", "i64": "q", "f32": "f", "f64": "d"}
INTEGER = {"u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64"}
SIGNED = {"i8", "i16", "i32", "i64"}
BASES = {0: "plain", 1: "delta-varint", 2: "for-bitpack", 3: "dictionary", 4: "varint", 5: "lengths", 6: "decimal",
         7: "quality-model", 8: "name-tokens", 9: "base-model", 10: "int-model", 11: "quality-primed"}  # 7
COMPRESSIONS = {0: None, 1: "zstd"}  # 7
NO_ZSTD_FORM = {"quality-model", "name-tokens", "base-model", "int-model", "quality-primed"}  # 7: no zstd
# form; 0x0107-0x010B are not in the registry
READER_MINOR = 8  # 9: the minor version this reader implements
QUALITY_MODEL, QUALITY_PRIMED = 0x0007, 0x000B  # 7.10, 7.14
FLAG_VALIDITY = 0x0001  # 2.4 entry flag bit 0 (1.1): the page starts with a validity section (6.5)
U32_MAX = (1 << 32) - 1  # 10: values per page


class GcolError(Exception):
    """A file that breaks the spec. `kind` is a short class as in tests/data/corrupt/expected.json."""

    def __init__(self, kind, message):
        super().__init__(f"{kind}: {message}")
        self.kind = kind


def _crc32c_table():
    # 2.7: CRC-32C, reflected polynomial 0x82F63B78.
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283


def _u16(b, at):
    return struct.unpack_from("<H", b, at)[0]


def _u32(b, at):
    return struct.unpack_from("<I", b, at)[0]


def _u64(b, at):
    return struct.unpack_from("<Q", b, at)[0]


def _align(n):
    return (n + ALIGN - 1) // ALIGN * ALIGN


# 6.3 varints and zigzag
def read_varint(data, pos):
    value = 0
    shift = 0
    for i in range(10):
        if pos >= len(data):
            raise GcolError("malformed_page", "page ends inside a varint")
        byte = data[pos]
        pos += 1
        if i == 9 and byte > 1:
            raise GcolError("malformed_page", "varint longer than 64 bits")
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    raise GcolError("malformed_page", "varint longer than 10 bytes")


def unzigzag(code):
    return (code >> 1) ^ -(code & 1)


def _narrow(physical, value64):
    """6.2: a 64-bit two's-complement value narrowed to the column type, which it must fit."""
    value64 &= (1 << 64) - 1
    bits = 8 * WIDTH[physical]
    if physical in SIGNED:
        signed = value64 - (1 << 64) if value64 >> 63 else value64
        if not -(1 << (bits - 1)) <= signed < (1 << (bits - 1)):
            raise GcolError("malformed_page", "value does not fit the physical type")
        return signed
    if value64 >> bits:
        raise GcolError("malformed_page", "value does not fit the physical type")
    return value64


def _widen(physical, value):
    return value & ((1 << 64) - 1)


def unpack_bits(packed, n, width):
    """6.4: n values of `width` bits, least significant bit first; padding must be zero."""
    if len(packed) != (n * width + 7) // 8:
        raise GcolError("malformed_page", "packed length does not match")
    if width == 0:
        return [0] * n
    mask = (1 << width) - 1
    values = []
    block = 8 * width  # 64 values fill exactly 8 x width bytes, so blocks start on byte boundaries
    for first in range(0, n, 64):  # block by block: shifting one big integer would be quadratic
        count = min(64, n - first)
        as_int = int.from_bytes(packed[first // 8 * width:first // 8 * width + block], "little")
        values.extend((as_int >> (i * width)) & mask for i in range(count))
        if as_int >> (count * width):
            raise GcolError("malformed_page", "padding bits are not zero")
    return values


def parse_binary_layout(data, n):
    """6.1: n + 1 u32 offsets, then the bytes."""
    if 4 * (n + 1) > len(data):
        raise GcolError("malformed_page", "offsets run past the page")
    offsets = struct.unpack_from(f"<{n + 1}I", data, 0)
    body = data[4 * (n + 1):]
    if offsets[0] != 0 or any(offsets[i] > offsets[i + 1] for i in range(n)) or offsets[n] != len(body):
        raise GcolError("malformed_page", "bad binary offsets")
    return [bytes(body[offsets[i]:offsets[i + 1]]) for i in range(n)]


def parse_validity(data, n, keep=False):
    """6.5: the validity section at the start of `data` for a page of `n` values.

    Returns (valid, section_length): valid[i] is True when value i is present.
    `keep` is True for list columns, whose pages of nulls keep their bitmap
    and values (6.5, 6.6).
    """
    if len(data) < 8:
        raise GcolError("malformed_page", "validity section shorter than 8 bytes")
    nulls = _u32(data, 0)
    if not 1 <= nulls <= n:
        raise GcolError("malformed_page", f"null count {nulls} not in 1..={n}")
    if nulls == n and not keep:  # a page of nulls: count and 4 zero bytes, no bitmap
        if any(data[4:8]):
            raise GcolError("malformed_page", "padding of an all-null validity section")
        return [False] * n, 8
    bitmap_len = (n + 7) // 8
    section_len = 8 * ((4 + bitmap_len + 7) // 8)
    if len(data) < section_len:
        raise GcolError("malformed_page", "validity section runs past the page")
    bits = int.from_bytes(data[4:4 + bitmap_len], "little")
    if bits >> n:
        raise GcolError("malformed_page", "unused bitmap bits are not zero")
    if bin(bits).count("1") != n - nulls:
        raise GcolError("malformed_page", "bitmap does not match the null count")
    if any(data[4 + bitmap_len:section_len]):
        raise GcolError("malformed_page", "validity padding is not zero")
    return [bool((bits >> i) & 1) for i in range(n)], section_len


def decode_page_slots(encoding_id, physical, n, decoded_len, stored, flags=0, keep=False, primer=None):
    """Sections 6.5 and 7: stored page bytes to (slots, valid).

    `slots` holds the page's n values as stored, null slots included (6.5);
    it is None for a page of nulls, which stores no values. `valid` is None
    for a page without a validity section (flag bit 0 clear), else a list of
    n booleans, True for a present value. `primer` is for a quality-primed
    page (7.14): the QualityState its column's first page left (see
    quality_primer), or a function of no arguments that returns it, called
    only once the page's own header checks pass; without it such a page is
    malformed.
    """
    base, data, decoded_len, valid = _page_base_bytes(encoding_id, physical, n, decoded_len, stored, flags, keep)
    if data is None:  # a page of nulls (6.5): no base decoding
        return None, valid
    if base == "quality-primed":  # 7.14 (minor 8)
        return decode_quality_primed(data, n, primer), valid
    return _decode_values(base, physical, n, decoded_len, data), valid


def _page_base_bytes(encoding_id, physical, n, decoded_len, stored, flags, keep):
    """Sections 6.5 and 7 up to the base encoding: (base, data, decoded_len,
    valid), `data` the bytes the base encoding decodes (after zstd and any
    validity section) and `decoded_len` their decoded length; `data` is None
    for a page of nulls."""
    base = BASES.get(encoding_id & 0xFF)
    compression = encoding_id >> 8
    if base is None or compression not in COMPRESSIONS or (compression and base in NO_ZSTD_FORM):
        raise GcolError("unknown_encoding", f"encoding id {encoding_id:#06x}")
    if base in ("delta-varint", "for-bitpack", "varint", "int-model") and physical not in INTEGER:
        raise GcolError("encoding_not_applicable", f"{base} on {physical}")
    if base in ("dictionary", "lengths", "name-tokens") and physical != "binary":
        raise GcolError("encoding_not_applicable", f"{base} on {physical}")
    if base == "decimal" and physical not in ("f32", "f64"):
        raise GcolError("encoding_not_applicable", f"{base} on {physical}")
    if base in ("quality-model", "base-model", "quality-primed") and physical != "u8":
        raise GcolError("encoding_not_applicable", f"{base} on {physical}")
    if decoded_len > MAX_PAGE_BYTES:
        raise GcolError("limit", "decoded length above the limit")
    has_validity = bool(flags & FLAG_VALIDITY)
    if not has_validity and physical != "binary" and decoded_len != n * WIDTH[physical]:
        raise GcolError("decoded_length", "decoded length is not n x width")
    data = bytes(stored)
    if COMPRESSIONS[compression] == "zstd":  # 7.5
        params = zstandard.get_frame_parameters(data)
        size = params.content_size
        if size == zstandard.CONTENTSIZE_UNKNOWN:
            raise GcolError("malformed_page", "zstd frame without content size")
        if size > MAX_PAGE_BYTES:
            raise GcolError("limit", "zstd content size above the limit")
        if base == "plain" and size != decoded_len:
            raise GcolError("decoded_length", "zstd content size differs from the decoded length")
        obj = zstandard.ZstdDecompressor().decompressobj()
        data = obj.decompress(data)
        if obj.unused_data or len(data) != size:
            raise GcolError("malformed_page", "not exactly one zstd frame")
    valid = None
    if has_validity:  # 6.5, 7: the base encoding applies to the bytes after the section
        valid, section_len = parse_validity(data, n, keep)
        if not any(valid) and not keep:  # a page of nulls: the 8-byte section and no values
            if len(data) != 8:
                raise GcolError("malformed_page", "bytes after an all-null validity section")
            if decoded_len != 8:
                raise GcolError("decoded_length", "a page of nulls has decoded length 8")
            return base, None, decoded_len, valid
        data = data[section_len:]
        decoded_len -= section_len
        if decoded_len < 0 or (physical != "binary" and decoded_len != n * WIDTH[physical]):
            raise GcolError("decoded_length", "decoded length is not the section plus n x width")
    return base, data, decoded_len, valid


def with_nulls(slots, valid, n):
    """6.5: values with None for every null (a null slot has no other meaning)."""
    if valid is None:
        return slots
    if slots is None:
        return [None] * n
    return [v if ok else None for v, ok in zip(slots, valid)]


def decode_page(encoding_id, physical, n, decoded_len, stored, flags=0, primer=None):
    """Section 7: stored page bytes to a list of Python values, None for a null (6.5).
    `primer`: see decode_page_slots (quality-primed pages, 7.14)."""
    slots, valid = decode_page_slots(encoding_id, physical, n, decoded_len, stored, flags, primer=primer)
    return with_nulls(slots, valid, n)


def _decode_values(base, physical, n, decoded_len, data):
    """Section 7 for one base encoding: `data` (decompressed, after any
    validity section) to n values whose layout is `decoded_len` bytes."""
    if base == "plain":  # 7.1
        if len(data) != decoded_len:
            raise GcolError("decoded_length", "plain page length")
        if physical == "binary":
            return parse_binary_layout(data, n)
        return list(struct.unpack(f"<{n}{STRUCT[physical]}", data))
    if base == "delta-varint":  # 7.2
        values, pos, previous = [], 0, 0
        for _ in range(n):
            code, pos = read_varint(data, pos)
            previous = (previous + unzigzag(code)) & ((1 << 64) - 1)
            values.append(_narrow(physical, previous))
        if pos != len(data):
            raise GcolError("malformed_page", "bytes after the last varint")
        return values
    if base == "varint":  # 7.6
        values, pos = [], 0
        for _ in range(n):
            code, pos = read_varint(data, pos)
            value = unzigzag(code) if physical in SIGNED else code
            values.append(_narrow(physical, value))
        if pos != len(data):
            raise GcolError("malformed_page", "bytes after the last varint")
        return values
    if base == "lengths":  # 7.7 (minor 2)
        lengths, pos = [], 0
        for _ in range(n):
            length, pos = read_varint(data, pos)
            lengths.append(length)
        if sum(lengths) > decoded_len - 4 * (n + 1):
            raise GcolError("malformed_page", "lengths add up to more than the decoded length")
        if len(data) - pos != sum(lengths):
            raise GcolError("malformed_page", "the values' bytes do not fill the page")
        values = []
        for length in lengths:
            values.append(bytes(data[pos:pos + length]))
            pos += length
        if 4 * (n + 1) + sum(lengths) != decoded_len:
            raise GcolError("decoded_length", "lengths page decodes to another length")
        return values
    if base == "decimal":  # 7.8 (minor 3)
        if not data:
            raise GcolError("malformed_page", "no scale byte")
        scale, delta = data[0] & 0x7F, bool(data[0] & 0x80)
        if scale > 18:
            raise GcolError("malformed_page", "scale above 18")
        values, pos, m = [], 1, 0
        for _ in range(n):
            code, pos = read_varint(data, pos)
            step = unzigzag(code)
            m = (m + step if delta else step)
            m = (m + (1 << 63)) % (1 << 64) - (1 << 63)  # 64-bit signed arithmetic
            if abs(m) > 1 << 53:
                raise GcolError("malformed_page", "an integer beyond 2^53")
            value = float(m) / float(10 ** scale)  # both exact; one correctly rounded division
            if physical == "f32":
                value = struct.unpack("<f", struct.pack("<f", value))[0]  # round to binary32
            values.append(value)
        if pos != len(data):
            raise GcolError("malformed_page", "bytes after the last varint")
        return values
    if base == "quality-model":  # 7.10 (minor 5)
        return decode_quality_model(data, n)
    if base == "name-tokens":  # 7.11 (minor 5)
        return decode_name_tokens(data, n, decoded_len)
    if base == "base-model":  # 7.12 (minor 5)
        return decode_base_model(data, n)
    if base == "int-model":  # 7.13 (minor 6)
        return decode_int_model(physical, n, decoded_len, data)
    if base == "for-bitpack":  # 7.3
        if len(data) < 9:
            raise GcolError("malformed_page", "short frame header")
        reference, width = _u64(data, 0), data[8]
        if width > 64:
            raise GcolError("malformed_page", "bit width above 64")
        deltas = unpack_bits(data[9:], n, width)
        return [_narrow(physical, reference + d) for d in deltas]
    # 7.4 dictionary
    if len(data) < 4:
        raise GcolError("malformed_page", "short dictionary")
    count = _u32(data, 0)
    if 4 + 4 * (count + 1) > len(data):
        raise GcolError("malformed_page", "dictionary offsets run past the page")
    dict_data_len = _u32(data, 4 + 4 * count)
    dict_end = 4 + 4 * (count + 1) + dict_data_len
    if dict_end >= len(data):
        raise GcolError("malformed_page", "dictionary runs past the page")
    dictionary = parse_binary_layout(data[4:dict_end], count)
    width = data[dict_end]
    if width > 32:
        raise GcolError("malformed_page", "index width above 32")
    indices = unpack_bits(data[dict_end + 1:], n, width)
    out, total = [], 4 * (n + 1)
    for i in indices:
        if i >= count:
            raise GcolError("malformed_page", "index beyond the dictionary")
        total += len(dictionary[i])
        if total > decoded_len:
            raise GcolError("malformed_page", "values exceed the decoded length")
        out.append(dictionary[i])
    if total != decoded_len:
        raise GcolError("decoded_length", "dictionary page decoded length")
    return out


# 7.9 range coder and adaptive models (minor 5)
RC_STEP = 4  # 7.9: a coded symbol's frequency grows by STEP
RC_MAX_TOTAL = 65504  # 7.9: above this total every frequency is halved
RC_BOTTOM = 1 << 24  # 7.9: renormalise while range < 2^24


class RangeDecoder:
    """7.9: the decoder of a coded stream `s`."""

    def __init__(self, s):
        if len(s) < 5:
            raise GcolError("malformed_page", f"range coder stream of {len(s)} bytes, at least 5 needed")
        if s[0] != 0:
            raise GcolError("malformed_page", f"range coder stream starts with {s[0]:#04x}, not 0")
        self.s = s
        self.code = int.from_bytes(s[1:5], "big")
        self.range = 0xFFFFFFFF
        self.i = 5

    def decode(self, model):
        """One symbol with `model` (an AdaptiveModel), which it then updates."""
        total = model.total
        rng = self.range // total  # step 1
        v = self.code // rng
        if v >= total:
            raise GcolError("malformed_page", f"range coder value {v} >= model total {total}")
        k, cum, freq = model.find(v)  # step 2
        code = self.code - cum * rng  # step 3
        rng *= freq
        s, i = self.s, self.i
        while rng < RC_BOTTOM:  # step 4
            if i >= len(s):
                raise GcolError("malformed_page", "range coder reads past the end of its stream")
            rng = (rng << 8) & 0xFFFFFFFF
            code = ((code << 8) + s[i]) & 0xFFFFFFFF
            i += 1
        self.code, self.range, self.i = code, rng, i
        return model.update(k)

    def finish(self):
        """7.9: after the page's last symbol every byte of the stream is used."""
        if self.i != len(self.s):
            raise GcolError("malformed_page", f"{len(self.s) - self.i} bytes left over after the range coder stream")


class AdaptiveModel:
    """7.9: n entries (symbol, frequency) in a current order, and their total.

    `step` and `max_total` are 7.9's STEP and MAX_TOTAL; base-model (7.12)
    takes them from its page header."""

    __slots__ = ("symbols", "freqs", "total", "step", "max_total")

    def __init__(self, n, step=RC_STEP, max_total=RC_MAX_TOTAL):
        self.symbols = list(range(n))
        self.freqs = [1] * n
        self.total = n
        self.step = step
        self.max_total = max_total

    def find(self, v):
        """The first entry k whose running sum (entries 0..=k) exceeds v: (k, cum, freq)."""
        cum = 0
        for k, f in enumerate(self.freqs):
            if cum + f > v:
                return k, cum, f
            cum += f
        raise GcolError("malformed_page", "no model entry holds the value")  # unreachable: v < total

    def update(self, k):
        """After coding entry k: grow, maybe halve, maybe swap with k - 1. Returns its symbol."""
        freqs = self.freqs
        symbol = self.symbols[k]
        freqs[k] += self.step  # step 1
        self.total += self.step
        if self.total > self.max_total:  # step 2: halved once, rounding up
            for j, f in enumerate(freqs):
                freqs[j] = f - f // 2
            self.total = sum(freqs)
        if k > 0 and freqs[k] > freqs[k - 1]:  # step 3
            freqs[k - 1], freqs[k] = freqs[k], freqs[k - 1]
            self.symbols[k - 1], self.symbols[k] = symbol, self.symbols[k - 1]
        return symbol

    def update_symbol(self, symbol):
        """7.9's update (steps 1-3) of `symbol`'s entry without coding anything (7.12)."""
        return self.update(self.symbols.index(symbol))


def decode_number(decoder, byte_models):
    """7.9 "bytes of a number": a 32-bit number as 4 little-endian bytes, byte j with model j."""
    value = 0
    for j in range(4):
        if byte_models[j] is None:
            byte_models[j] = AdaptiveModel(256)
        value |= decoder.decode(byte_models[j]) << (8 * j)
    return value


QUALITY_FLAG_FIXED = 0x01  # 7.10, 7.14 flags bit 0: fixed segment length


class QualityState:
    """7.14: what a quality-model page (7.10) leaves at its end: its `m`, value
    table and six parameters, the model of every context it used (`models`,
    context -> AdaptiveModel) and its lengths byte model set (`length_models`,
    4 entries, None for a model never used: flat, as created). The primer of a
    column's quality-primed pages; never changed by decoding them."""

    __slots__ = ("m", "table", "params", "models", "length_models")

    def __init__(self, m, table, params, models, length_models):
        self.m, self.table, self.params = m, table, params
        self.models, self.length_models = models, length_models


def _copy_model(model):
    """A copy of an AdaptiveModel (entries in their order, frequencies, total)."""
    copy = AdaptiveModel.__new__(AdaptiveModel)
    copy.symbols, copy.freqs, copy.total = list(model.symbols), list(model.freqs), model.total
    copy.step, copy.max_total = model.step, model.max_total
    return copy


def _quality_fixed_length(data, pos, n, malformed):
    """7.10: the varint segment length L after flag bit 0; L = 0 only when n = 0."""
    fixed, pos = read_varint(data, pos)
    if fixed == 0 and n != 0:
        raise malformed("fixed segment length 0")
    return fixed, pos


def _quality_segments(decoder, n, fixed, state, primer, malformed):
    """7.10 "Segments" and "Contexts": n values decoded with `state`'s table and
    parameters into `state`'s models (created on first use; with a `primer`,
    7.14, a context's first use in the page starts from a copy of the model
    the primer left, when it used that context)."""
    m, table = state.m, state.table
    qbits, qshift, pbits, pshift, dbits, dshift = state.params
    models, length_models = state.models, state.length_models
    primed = primer.models if primer is not None else {}
    h_mask = (1 << qbits) - 1
    p_max = (1 << pbits) - 1
    d_max = (1 << dbits) - 1
    d_sat = (1 << 32) - 1
    out = bytearray()
    done = 0
    while done < n:
        if fixed is not None:
            length = min(fixed, n - done)
        else:
            length = decode_number(decoder, length_models)
            if length == 0:
                raise malformed(f"segment length 0 after {done} values")
            if length > n - done:
                raise malformed(f"segment length {length} after {done} values passes the page's {n}")
        h = d = p = prev = 0
        for _ in range(length):
            ctx = (h | min(p >> pshift, p_max) << qbits
                   | min((d >> dshift).bit_length(), d_max) << (qbits + pbits))
            model = models.get(ctx)
            if model is None:
                start = primed.get(ctx)
                model = models[ctx] = AdaptiveModel(m) if start is None else _copy_model(start)
            q = decoder.decode(model)
            if q >= m:
                raise malformed(f"symbol {q} >= m {m}")  # unreachable: the models have m symbols
            out.append(table[q])
            if p > 0:
                d = min(d + abs(q - prev), d_sat)
            prev = q
            h = ((h << qshift) + q) & h_mask
            p += 1
        done += length
    decoder.finish()
    return list(out)


def decode_quality_model(data, n, keep_state=False):
    """7.10: a quality-model page of n u8 values; with `keep_state`, (values,
    QualityState at the page's end) for quality-primed pages (7.14)."""
    def malformed(why):
        return GcolError("malformed_page", f"quality-model: {why}")

    if len(data) < 2:
        raise malformed("page ends inside the header")
    flags, m = data[0], data[1] + 1
    if flags & ~QUALITY_FLAG_FIXED:
        raise malformed(f"unknown flag bits {flags:#04x}")
    pos = 2
    if len(data) < pos + m + 6:
        raise malformed("page ends inside the header")
    table = bytes(data[pos:pos + m])
    pos += m
    if any(a >= b for a, b in zip(table, table[1:])):
        raise malformed("value table is not strictly rising")
    qbits, qshift, pbits, pshift, dbits, dshift = params = tuple(data[pos:pos + 6])
    pos += 6
    bits = qbits + pbits + dbits
    if (qbits > 16 or pbits > 8 or dbits > 8 or bits > 20 or qshift > 8 or pshift > 15 or dshift > 15
            or m << bits > 1 << 24):
        raise malformed(f"parameters qbits {qbits} qshift {qshift} pbits {pbits} pshift {pshift} "
                        f"dbits {dbits} dshift {dshift} with m {m} beyond the limits")
    fixed = None
    if flags & QUALITY_FLAG_FIXED:
        fixed, pos = _quality_fixed_length(data, pos, n, malformed)
    decoder = RangeDecoder(bytes(data[pos:]))
    # 7.9: each context's model, and the lengths' byte model set (7.10: 4 models
    # created on first use and kept across the page's segments)
    state = QualityState(m, table, params, {}, [None] * 4)
    values = _quality_segments(decoder, n, fixed, state, None, malformed)
    return (values, state) if keep_state else values


def quality_primer(encoding_id, physical, n, decoded_len, stored, flags=0):
    """7.14 "Primer": the QualityState a column's first page leaves, from that
    page's entry fields and stored bytes. It MUST be a quality-model (0x0007)
    page that stores values (with a validity section, they follow it; a page of
    nulls stores none); else the column's quality-primed pages are malformed."""
    if encoding_id != QUALITY_MODEL:
        raise GcolError("malformed_page", f"quality-primed: the column's first page (the primer) has encoding "
                                          f"{encoding_id:#06x}, not quality-model (0x0007) (7.14)")
    base, data, _, _ = _page_base_bytes(encoding_id, physical, n, decoded_len, stored, flags, False)
    if data is None or n == 0:
        raise GcolError("malformed_page", "quality-primed: the primer stores no values (7.14)")
    return decode_quality_model(data, n, keep_state=True)[1]


def decode_quality_primed(data, n, primer):
    """7.14: a quality-primed page of n u8 values, decoded as a 7.10 page with
    the primer's m, table and parameters, its models starting as `primer` (a
    QualityState, or a function that returns it, called after the page's
    header checks) left them. `primer` is not changed."""
    def malformed(why):
        return GcolError("malformed_page", f"quality-primed: {why}")

    if len(data) < 1:
        raise malformed("page ends inside the header")
    flags = data[0]
    if flags & ~QUALITY_FLAG_FIXED:
        raise malformed(f"unknown flag bits {flags:#04x}")
    pos = 1
    fixed = None
    if flags & QUALITY_FLAG_FIXED:
        fixed, pos = _quality_fixed_length(data, pos, n, malformed)
    if callable(primer):
        primer = primer()
    if primer is None:
        raise malformed("no primer: the column's first page is needed (7.14)")
    decoder = RangeDecoder(bytes(data[pos:]))
    lengths = [None if model is None else _copy_model(model) for model in primer.length_models]
    state = QualityState(primer.m, primer.table, primer.params, {}, lengths)
    return _quality_segments(decoder, n, fixed, state, primer, malformed)


# 7.11 name-tokens (minor 5)
NT_END, NT_MATCH, NT_DELTA, NT_NUM, NT_TEXT = range(5)  # 7.11: the type model's 5 symbols
NT_MAX_POSITION = 31  # 7.11: token position j uses the models of p = min(j, 31)
NT_MAX_WIDTH = 18  # 7.11: a number token has 1 ..= 18 digits (the width model has 19 symbols, 0 ..= 18)
NT_MAX_TOKENS = 4096  # 7.11: tokens of one name before its END


def token_bytes(token):
    """7.11: a number as its value in decimal left-padded with zeros to its width; a text as its bytes."""
    if token[0] == "num":
        return str(token[1]).zfill(token[2]).encode("ascii")
    return token[1]


def token_length(token):
    return token[2] if token[0] == "num" else len(token[1])


def decode_name_tokens(data, n, decoded_len, trace=None):
    """7.11: a name-tokens page of n binary values whose layout (6.1) is `decoded_len` bytes.

    Tokens are ("num", value, width) or ("text", bytes), kept as decoded. With
    a list as `trace`, each name appends (distance, [(type, token), ...])."""
    def malformed(why):
        return GcolError("malformed_page", f"name-tokens: {why}")

    def wrong_length(why):  # 7.11: names that pass or end short of the decoded length (8.3)
        return GcolError("decoded_length", f"name-tokens: {why}")

    budget = decoded_len - 4 * (n + 1)  # the value bytes the decoded length leaves for the names
    if budget < 0:  # n names take at least n + 1 offsets: the names would pass the decoded length
        raise wrong_length(f"decoded length {decoded_len} is shorter than the {4 * (n + 1)} bytes of {n + 1} offsets")
    decoder = RangeDecoder(bytes(data))
    models = {}  # (kind, context) -> AdaptiveModel, each created on first use in the page (7.9)

    def decode(kind, context, symbols):
        model = models.get((kind, context))
        if model is None:
            model = models[(kind, context)] = AdaptiveModel(symbols)
        return decoder.decode(model)

    distance_models = [None] * 4  # 7.11: the distance, a number (7.9) with models 0 ..= 3
    # (earlier names are kept as bytes in `out`)
    out = []
    used = 0
    for i in range(n):
        d = decode_number(decoder, distance_models)
        if i == 0 and d != 0:
            raise malformed(f"name 0: reference distance {d}, not 0")
        if i > 0 and not 1 <= d <= i:
            raise malformed(f"name {i}: reference distance {d} outside 1..={i}")
        # 7.11: a reference's tokens are those its bytes split into
        reference = nt_split(out[i - d]) if d else []
        tokens, types = [], []
        j = 0
        while True:
            p = min(j, NT_MAX_POSITION)
            f = 1 if d > 1 else 0  # 7.11: types of names referring further back than the previous
            kind = decode("type", p + 32 * f, 5)
            if kind == NT_END:
                break
            if j >= NT_MAX_TOKENS:
                raise malformed(f"name {i}: more than {NT_MAX_TOKENS} tokens")
            if kind == NT_MATCH:
                if j >= len(reference):
                    raise malformed(f"name {i} token {j}: MATCH, but the reference (name {i - d}) has "
                                    f"{len(reference)} tokens" if d else f"name {i} token {j}: MATCH without a reference")
                token = reference[j]
            elif kind == NT_DELTA:
                k = decode("delta", p, 256)
                if j >= len(reference) or reference[j][0] != "num":
                    raise malformed(f"name {i} token {j}: DELTA " +
                                    ("without a reference" if not d else
                                     f"against no token (the reference, name {i - d}, has {len(reference)})"
                                     if j >= len(reference) else "against a text token"))
                _, v, w = reference[j]
                value = v + k + 1  # v < 10^18 and k + 1 <= 256: always within 64 bits
                if value >= 10 ** w:
                    raise malformed(f"name {i} token {j}: DELTA value {value} has more than {w} digits")
                token = ("num", value, w)
            elif kind == NT_NUM:
                w = decode("width", p, NT_MAX_WIDTH + 1)
                if w == 0:
                    raise malformed(f"name {i} token {j}: NUM of width 0")
                value = 0
                for b in range(8):
                    value |= decode("value", 8 * p + b, 256) << (8 * b)
                if value >= 10 ** w:
                    raise malformed(f"name {i} token {j}: NUM value {value} has more than {w} digits")
                token = ("num", value, w)
            elif kind == NT_TEXT:
                length = decode("length", p, 256)
                if length == 0:
                    raise malformed(f"name {i} token {j}: TEXT of length 0")
                token = ("text", bytes(decode("byte", p, 256) for _ in range(length)))
            else:  # unreachable: the type model has 5 symbols (a value past them is 7.9's v >= T)
                raise malformed(f"name {i} token {j}: unknown token type {kind}")
            used += token_length(token)
            if used > budget:  # a reader stops once a token has passed the decoded length
                raise wrong_length(f"name {i} token {j}: the names pass the decoded length {decoded_len}")
            tokens.append(token)
            types.append(kind)
            j += 1
        if trace is not None:
            trace.append((d, list(zip(types, tokens))))
        out.append(b"".join(token_bytes(t) for t in tokens))
    decoder.finish()
    if used != budget:
        raise wrong_length(f"the names end after {4 * (n + 1) + used} bytes of layout, short of the decoded length "
                           f"{decoded_len}")
    return out


def nt_split(name):
    """7.11: a name's tokens: maximal runs of ASCII digits of at most 18
    (numbers: value and width) and of other bytes of at most 255 (text)."""
    tokens, at = [], 0
    while at < len(name):
        digit = 48 <= name[at] <= 57
        limit = NT_MAX_WIDTH if digit else 255
        end = at
        while end < len(name) and (48 <= name[end] <= 57) == digit and end - at < limit:
            end += 1
        run = bytes(name[at:end])
        tokens.append(("num", int(run), len(run)) if digit else ("text", run))
        at = end
    return tokens


# 7.12 base-model (minor 5)
BM_HEADER_LEN = 5  # 7.12: k, flags, step, max (u16)
BM_FLAG_REVERSE = 0x01  # 7.12 flags bit 0: learn from the reverse complement
BM_MAX_ORDER = 11  # 7.12: k is 1 ..= 11
BM_MAX_RANGE = (16, 65504)  # 7.12: max is 16 ..= 65,504


def decode_base_model(data, n, trace=None):
    """7.12: a base-model page of n u8 values (4n packed 2-bit bases).

    With a list as `trace`, each "as if coded" update of flag bit 0 appends
    (base index, context, symbol)."""
    def malformed(why):
        return GcolError("malformed_page", f"base-model: {why}")

    if len(data) < BM_HEADER_LEN:
        raise malformed(f"page of {len(data)} bytes, shorter than the 5-byte header")
    k, flags, step, max_total = data[0], data[1], data[2], _u16(data, 3)
    if not 1 <= k <= BM_MAX_ORDER:
        raise malformed(f"order k {k} outside 1..={BM_MAX_ORDER}")
    if flags & ~BM_FLAG_REVERSE:
        raise malformed(f"unknown flag bits {flags:#04x}")
    if step == 0:
        raise malformed("step 0 outside 1..=255")
    if not BM_MAX_RANGE[0] <= max_total <= BM_MAX_RANGE[1]:
        raise malformed(f"max {max_total} outside {BM_MAX_RANGE[0]}..={BM_MAX_RANGE[1]}")
    reverse = bool(flags & BM_FLAG_REVERSE)
    decoder = RangeDecoder(bytes(data[BM_HEADER_LEN:]))

    models = {}  # context (0 .. 4^k - 1) -> AdaptiveModel of 4 symbols, created on first use (7.9)

    def model(context):
        found = models.get(context)
        if found is None:
            found = models[context] = AdaptiveModel(4, step, max_total)
        return found

    top = 4 ** k  # 4^k: h is mod 4^k; r's newest base is its digit 4^k
    h = r = c = 0
    out = bytearray()
    byte = 0
    for index in range(4 * n):
        s = decoder.decode(model(h))
        h = (h * 4 + s) % top
        if reverse:
            r = r // 4 + (3 - s) * top
            c += 1
            if c > k:
                model(r // 4).update_symbol(r % 4)
                if trace is not None:
                    trace.append((index, r // 4, r % 4))
        byte = (byte << 2) | s  # each group of four bases is one byte, the first in its two high bits
        if index % 4 == 3:
            out.append(byte)
            byte = 0
    decoder.finish()
    return list(out)


# 7.13 int-model (minor 6)
IM_FLAG_DELTA = 0x01  # 7.13 flags bit 0: the bytes are delta-varint's (7.2), else varint's (7.6)
IM_FLAG_ORDER1 = 0x02  # 7.13 flags bit 1: a varint's first byte in the context of the previous varint's first byte
IM_CONTINUED = 255  # 7.13: byte j >= 1 of a varint uses context 255 + j (256 ..= 264)
IM_MAX_VARINT = 10  # 7.13 (6.3): the 10th byte of a varint MUST have its high bit clear


def int_model_bytes(data, n, trace=None):
    """7.13: an int-model page's flags and the varint bytes its coded stream
    holds, one symbol per byte: (flags, bytes). With a list as `trace`, each
    byte appends (context, byte)."""
    def malformed(why):
        return GcolError("malformed_page", f"int-model: {why}")

    if not data:
        raise malformed("an empty page (no flags byte)")
    flags = data[0]
    if flags & ~(IM_FLAG_DELTA | IM_FLAG_ORDER1):
        raise malformed(f"unknown flag bits {flags:#04x}")
    order1 = bool(flags & IM_FLAG_ORDER1)
    decoder = RangeDecoder(bytes(data[1:]))
    models = {}  # context (0 ..= 264) -> AdaptiveModel of 256 symbols, created on first use (7.9)
    out = bytearray()
    previous_first = 0  # the first byte of the previous varint (0 before the page's first)
    for _ in range(n):
        j = 0
        while True:
            context = (previous_first if order1 else 0) if j == 0 else IM_CONTINUED + j
            model = models.get(context)
            if model is None:
                model = models[context] = AdaptiveModel(256)
            byte = decoder.decode(model)
            if trace is not None:
                trace.append((context, byte))
            out.append(byte)
            if j == 0:
                first = byte
            if byte < 0x80:
                break
            j += 1
            if j == IM_MAX_VARINT:
                raise malformed(f"byte {IM_MAX_VARINT} of a varint has its high bit set")
        previous_first = first
    decoder.finish()
    return flags, bytes(out)


def decode_int_model(physical, n, decoded_len, data):
    """7.13: an int-model page of n integers: the varint bytes of 7.6 (flag
    bit 0 clear) or 7.2 (set) from the range coder of 7.9, then decoded as
    that page, with all its rules (6.2, 6.3: the values' range)."""
    flags, varints = int_model_bytes(data, n)
    return _decode_values("delta-varint" if flags & IM_FLAG_DELTA else "varint", physical, n, decoded_len, varints)


def _int_list(value, length):
    return (isinstance(value, list) and len(value) == length
            and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in value))


def chunk_grid(shape, chunk_shape):
    """6.7: the chunks of a chunked column in page order (row-major over the
    grid) as (i, j, rows, columns)."""
    (rows, cols, _), (r, c) = shape, chunk_shape
    if rows == 0 or cols == 0:
        return []
    grid_rows, grid_cols = -(-rows // r), -(-cols // c)
    return [(i, j, min((i + 1) * r, rows) - i * r, min((j + 1) * c, cols) - j * c)
            for i in range(grid_rows) for j in range(grid_cols)]


def assemble_lists(ends, items):
    """6.6: rows from end offsets (None for a null row) and the child's items:
    row i holds items end[i-1] .. end[i], with end[-1] = 0."""
    out, previous = [], 0
    for end in ends:
        if end is None:
            out.append(None)
            continue
        out.append(items[previous:end])
        previous = end
    return out


# 12.2, 12.3, 12.5, 13: each column's logical type and unit, which a 1.1
# manifest may leave out for these kinds (5.4).
_STREAM = {"bases": ("dna2bit", None), "amb_start": ("position", "bases"), "amb_length": ("length", "bases"),
           "amb_symbol": ("ascii", None), "mask_start": ("position", "bases"), "mask_length": ("length", "bases"),
           "amb_index": ("run_index", None), "mask_index": ("run_index", None)}
KIND_COLUMNS = {
    "sequences": {"name": ("text", None), "definition": ("text", None), "length": ("length", "bases"),
                  "offset": ("offset", "bases"), "line_width": ("line_width", "bases"),
                  "blank_lines": ("count", None), "flags": ("flags", None), "residues": ("ascii", None), **_STREAM},
    "reads": {"name": ("text", None), "description": ("text", None), "length": ("length", "bases"),
              "offset": ("offset", "bases"), "flags": ("flags", None), "quality": ("phred", None),
              "mate": ("mate", None), **_STREAM},
}


def _unique_members(pairs):
    """5.1: a member name appears at most once in an object."""
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("a member name appears twice in one object")
    return dict(pairs)


def _no_floats(text):
    """5.1: the manifest holds integers only (no 5.0, 5e0, NaN)."""
    raise ValueError(f"not an integer: {text}")


class GcolFile:
    """A .gcol file read by the rules of section 8.1."""

    def __init__(self, data):
        self.data = memoryview(data)
        self._open()

    @classmethod
    def open(cls, path):
        with open(path, "rb") as f:
            return cls(f.read())

    def _open(self):
        d, n = self.data, len(self.data)
        # 8.1 step 1: header
        if n < HEADER_LEN:
            raise GcolError("truncated:header", f"{n} bytes, a header needs 64")
        if bytes(d[0:8]) != MAGIC:
            raise GcolError("bad_magic:header", f"found {bytes(d[0:8]).hex()}")
        if crc32c(d[0:60]) != _u32(d, 60):
            raise GcolError("checksum:header", "header CRC32C")
        self.major, self.minor = _u16(d, 8), _u16(d, 10)
        if self.major != 1:
            raise GcolError("unsupported_version", f"major {self.major}")
        if _u32(d, 12) != 0 and self.minor > READER_MINOR:  # 2.2: header flags of a newer minor version
            raise GcolError("unsupported", f"header flags {_u32(d, 12):#x} of version 1.{self.minor}")
        if _u32(d, 12) != 0 or any(d[16:60]):
            raise GcolError("invalid_field:header", "flags or reserved bytes")
        # step 2: tail
        if n < HEADER_LEN + TAIL_LEN:
            raise GcolError("truncated:tail", f"{n} bytes, header and tail need 96")
        t = n - TAIL_LEN
        if bytes(d[t + 24:n]) != MAGIC:
            raise GcolError("bad_magic:tail", "no magic in the last 8 bytes: truncated or unfinished")
        footer_offset, footer_len = _u64(d, t), _u64(d, t + 8)
        footer_crc, tail_major, tail_minor = _u32(d, t + 16), _u16(d, t + 20), _u16(d, t + 22)
        if tail_major != 1:
            raise GcolError("unsupported_version", f"tail major {tail_major}")
        if footer_len > MAX_FOOTER_BYTES:
            raise GcolError("limit:footer", f"footer length {footer_len}")
        if footer_offset < HEADER_LEN or footer_offset + footer_len != t:
            raise GcolError("out_of_bounds:footer", f"footer {footer_offset}+{footer_len} does not end at {t}")
        if footer_offset % ALIGN:
            raise GcolError("misaligned:footer", f"footer at {footer_offset}")
        if (tail_major, tail_minor) != (self.major, self.minor):
            raise GcolError("version_mismatch", "header and tail versions differ")
        # step 3: footer checksum
        footer = d[footer_offset:t]
        if crc32c(footer) != footer_crc:
            raise GcolError("checksum:footer", "footer CRC32C")
        # step 4: footer header (2.5) and manifest (5)
        self.directory_offset = _u64(footer, 0)
        self.num_pages = _u64(footer, 8)
        epb, num_blocks, manifest_len = _u32(footer, 16), _u32(footer, 20), _u64(footer, 24)
        footer_flags, inline_len = _u32(footer, 32), _u64(footer, 40)  # 2.5 (1.1)
        if any(footer[36:40]) or any(footer[48:64]):
            raise GcolError("invalid_field:footer", "reserved bytes")
        if footer_flags & ~1:
            raise GcolError("invalid_field:footer", f"footer flags {footer_flags:#x}")
        if (footer_flags or inline_len) and self.minor < 1:
            raise GcolError("manifest_invalid", "a 1.1 footer in a 1.0 file")
        if epb != ENTRIES_PER_BLOCK:
            raise GcolError("invalid_field:footer", f"entries per block {epb}")
        if num_blocks != (self.num_pages + epb - 1) // epb:
            raise GcolError("invalid_field:footer", "number of blocks")
        if FOOTER_HEADER_LEN + 4 * num_blocks + manifest_len != footer_len:
            raise GcolError("invalid_field:footer", "manifest length")
        if self.directory_offset % ALIGN:
            raise GcolError("misaligned:directory", "directory offset")
        if self.directory_offset < HEADER_LEN or self.directory_offset + ENTRY_LEN * self.num_pages > footer_offset:
            raise GcolError("out_of_bounds:directory", "directory outside the file")
        self.block_crcs = [_u32(footer, FOOTER_HEADER_LEN + 4 * b) for b in range(num_blocks)]
        self.footer_offset = footer_offset
        region = bytes(footer[FOOTER_HEADER_LEN + 4 * num_blocks:])
        if footer_flags & 1:  # 2.5: one zstd frame, content size declared, at most MAX_FOOTER_BYTES
            try:
                size = zstandard.get_frame_parameters(region).content_size
            except zstandard.ZstdError:
                raise GcolError("invalid_field:footer", "manifest region is not a zstd frame") from None
            if size == zstandard.CONTENTSIZE_UNKNOWN:
                raise GcolError("invalid_field:footer", "manifest region frame without content size")
            if size > MAX_FOOTER_BYTES:
                raise GcolError("limit:footer", "manifest region content size")
            obj = zstandard.ZstdDecompressor().decompressobj()
            content = obj.decompress(region)
            if obj.unused_data or len(content) != size:
                raise GcolError("invalid_field:footer", "manifest region is not exactly one frame")
        else:
            content = region
        if inline_len > len(content):
            raise GcolError("invalid_field:footer", "inline length beyond the manifest region")
        self.inline = content[len(content) - inline_len:]
        manifest_bytes = content[:len(content) - inline_len]
        try:
            self.manifest = json.loads(manifest_bytes.decode("utf-8"), object_pairs_hook=_unique_members,
                                       parse_float=_no_floats, parse_constant=_no_floats)
        except (UnicodeDecodeError, ValueError) as e:
            raise GcolError("manifest_json", str(e)) from None
        self._check_manifest()
        self._checked_blocks = set()
        self._primers = {}  # 7.14: column id -> the QualityState its first page left, once decoded

    def _check_manifest(self):
        m = self.manifest
        if m.get("format") != "gcol":
            raise GcolError("manifest_invalid", f"format {m.get('format')!r}")
        if m.get("manifest_version") != 1:  # 5.1
            raise GcolError("unsupported_version", f"manifest_version {m.get('manifest_version')!r}")
        names, next_id, next_page, next_inline = set(), 0, 0, 0
        self.columns = []
        for ds in m["datasets"]:
            for c in ds["columns"]:  # 5.4 (1.1): members that follow from others may be omitted
                if "logical_type" not in c and c.get("name") in KIND_COLUMNS.get(ds.get("kind"), {}):
                    logical, unit = KIND_COLUMNS[ds["kind"]][c["name"]]
                    c["logical_type"] = logical
                    if unit is not None:
                        c["unit"] = unit
                c.setdefault("id", next_id)
                c.setdefault("first_page", next_page)
                for member in ("num_values", "num_pages", "stored_bytes", "decoded_bytes"):
                    c.setdefault(member, 0)
                inline = c.get("inline")
                if inline is not None:
                    c.setdefault("encodings", [inline.get("encoding")])
                    inline.setdefault("offset", next_inline)
                    inline.setdefault("flags", 0)
                    next_inline += c["stored_bytes"]
                c.setdefault("encodings", [])
                next_id += 1
                next_page += c["num_pages"] if isinstance(c["num_pages"], int) else 0
        next_id, next_page, next_inline = 0, 0, 0
        for ds in m["datasets"]:
            if ds["name"] in names:
                raise GcolError("manifest_invalid", f"dataset {ds['name']} twice")
            names.add(ds["name"])
            cnames = set()
            for c in ds["columns"]:
                if c["name"] in cnames or c["id"] != next_id or c["first_page"] != next_page:
                    raise GcolError("manifest_invalid", f"column {c['name']}")
                inline = c.get("inline")
                if c["num_pages"] == 0 and c["num_values"] != 0 and inline is None:
                    raise GcolError("manifest_invalid", "values without pages")
                if inline is not None:  # 5.4, 5.6
                    if (c["num_pages"] != 0 or not 1 <= c["num_values"] < 1 << 32
                            or c["encodings"] != [inline["encoding"]]
                            or c["stored_bytes"] > MAX_PAGE_BYTES or c["decoded_bytes"] > MAX_PAGE_BYTES
                            or (c.get("layout") or {}).get("type") == "chunked"):
                        raise GcolError("manifest_invalid", f"column {c['name']}: inline page rules")
                    if inline["offset"] != next_inline:
                        raise GcolError("manifest_invalid", f"column {c['name']}: inline pages not back to back")
                    next_inline += c["stored_bytes"]
                if any(a >= b for a, b in zip(c["encodings"], c["encodings"][1:])):
                    raise GcolError("manifest_invalid", "encodings not ascending")
                if not isinstance(c.get("nullable", False), bool):  # 5.4
                    raise GcolError("manifest_invalid", f"column {c['name']}: nullable is not a boolean")
                cnames.add(c["name"])
                self.columns.append((ds, c))
                next_id += 1
                next_page += c["num_pages"]
            self._check_layouts(ds)
        if next_page != self.num_pages:
            raise GcolError("manifest_invalid", "page ranges do not cover the directory")
        if next_inline != len(self.inline):
            raise GcolError("manifest_invalid", "inline pages do not fill the inline length")
        # 9: the minor version covers the features used (minor 1: nullable true, layout)
        uses_1_1 = any(c.get("nullable") is True or c.get("layout") is not None or c.get("inline") is not None
                       for _, c in self.columns)
        if uses_1_1 and self.minor < 1:
            raise GcolError("manifest_invalid", "a 1.0 file with nullable or layout columns")
        # 9: minor 2 adds the lengths encoding (7.7), protein residues in
        # clustered order (12.5) and sequences datasets without a name column (12.2)
        datasets = self.manifest["datasets"]
        clustered = any((ds.get("metadata") or {}).get("residue_order") == "clustered" for ds in datasets)
        no_names = any(ds.get("kind") == "sequences" and all(c["name"] != "name" for c in ds["columns"]) for ds in datasets)
        lengths = any(e & 0xFF == 5 for _, c in self.columns
                      for e in list(c.get("encodings") or []) + ([c["inline"]["encoding"]] if c.get("inline") else []))
        if (clustered or no_names or lengths) and self.minor < 2:
            raise GcolError("manifest_invalid", "a minor-2 feature (lengths, clustered residues, no name column) in an older file")
        # 9: minor 3 adds the decimal encoding (7.8)
        decimal = any(e & 0xFF == 6 for _, c in self.columns
                      for e in list(c.get("encodings") or []) + ([c["inline"]["encoding"]] if c.get("inline") else []))
        if decimal and self.minor < 3:
            raise GcolError("manifest_invalid", "a minor-3 feature (decimal) in an older file")
        # 9: minor 5 adds the quality-model (7.9, 7.10), name-tokens (7.9, 7.11) and base-model (7.9, 7.12)
        # encodings; no zstd forms
        minor5 = [(f"{ds['name']}/{c['name']}", e) for ds, c in self.columns
                  for e in list(c.get("encodings") or []) + ([c["inline"]["encoding"]] if c.get("inline") else [])
                  if e in (0x0007, 0x0008, 0x0009)]
        if minor5 and self.minor < 5:
            column, encoding = minor5[0]
            what = {0x0007: "quality-model", 0x0008: "name-tokens", 0x0009: "base-model"}[encoding]
            section = {0x0007: "7.10", 0x0008: "7.11", 0x0009: "7.12"}[encoding]
            raise GcolError("manifest_invalid", f"a minor-5 feature ({what} in column {column!r}, {section}) "
                                                f"in a 1.{self.minor} file")
        # 9: minor 6 adds the int-model encoding (7.9, 7.13); no zstd form
        minor6 = [f"{ds['name']}/{c['name']}" for ds, c in self.columns
                  for e in list(c.get("encodings") or []) + ([c["inline"]["encoding"]] if c.get("inline") else [])
                  if e == 0x000A]
        if minor6 and self.minor < 6:
            raise GcolError("manifest_invalid", f"a minor-6 feature (int-model in column {minor6[0]!r}, 7.13) "
                                                f"in a 1.{self.minor} file")
        # 9: minor 6 also adds alignments datasets with seq_coding consensus or reference and a seq_sub
        # column (15.8, 15.10); without seq_sub (the 1.5 form of 15.8) they are a minor-5 feature
        predicted = [(ds["name"], any(c["name"] == "seq_sub" for c in ds["columns"])) for ds in datasets
                     if ds.get("kind") == "alignments"
                     and (ds.get("metadata") or {}).get("seq_coding") in ("consensus", "reference")]
        for name, codes in predicted:
            needed = 6 if codes else 5
            if self.minor < needed:
                raise GcolError("manifest_invalid", f"a minor-{needed} feature (seq_coding "
                                                    f"{datasets[0].get('metadata', {}).get('seq_coding')!r} in "
                                                    f"alignments dataset {name!r}, 15.8) in a 1.{self.minor} file")
        # 9: minor 4 adds a variants dataset with a ref/len column (REF coded against a reference, 14.7)
        coded_ref = [ds["name"] for ds in datasets
                     if ds.get("kind") == "variants" and any(c["name"] == "ref/len" for c in ds["columns"])]
        if coded_ref and self.minor < 4:
            raise GcolError("manifest_invalid", f"a minor-4 feature (ref/len in variants dataset {coded_ref[0]!r}, "
                                                f"14.7) in a 1.{self.minor} file")
        # 9: minor 7 adds graph datasets (16)
        graphs = [ds["name"] for ds in datasets if ds.get("kind") == "graph"]
        if graphs and self.minor < 7:
            raise GcolError("manifest_invalid", f"a minor-7 feature (graph dataset {graphs[0]!r}, 16) "
                                                f"in a 1.{self.minor} file")
        # 9: minor 7 also adds table datasets with row_group_rows or schema metadata (17)
        tables = [(ds["name"], key) for ds in datasets if ds.get("kind") == "table"
                  for key in TABLE_MINOR_7_METADATA if key in (ds.get("metadata") or {})]
        if tables and self.minor < 7:
            raise GcolError("manifest_invalid", f"a minor-7 feature (table dataset {tables[0][0]!r} with "
                                                f"{tables[0][1]} metadata, 17) in a 1.{self.minor} file")
        # 9: minor 8 adds the quality-primed encoding (7.14); no zstd form
        minor8 = [f"{ds['name']}/{c['name']}" for ds, c in self.columns
                  for e in list(c.get("encodings") or []) + ([c["inline"]["encoding"]] if c.get("inline") else [])
                  if e == QUALITY_PRIMED]
        if minor8 and self.minor < 8:
            raise GcolError("manifest_invalid", f"a minor-8 feature (quality-primed in column {minor8[0]!r}, 7.14) "
                                                f"in a 1.{self.minor} file")

    def _check_layouts(self, ds):
        """5.6: the rules for `layout` (1.1): lists (6.6) and chunked arrays (6.7)."""
        by_name = {c["name"]: c for c in ds["columns"]}
        children = set()
        for c in ds["columns"]:
            layout = c.get("layout")
            if layout is None:
                continue
            where = f"column {ds['name']}/{c['name']}"
            if not isinstance(layout, dict):
                raise GcolError("manifest_invalid", f"{where}: layout is not an object")
            kind = layout.get("type")
            if kind == "list":  # 6.6
                if c["physical_type"] != "u64":
                    raise GcolError("manifest_invalid", f"{where}: a list column's physical type is u64")
                child = layout.get("child")
                if not isinstance(child, str) or child not in by_name:
                    raise GcolError("manifest_invalid", f"{where}: child {child!r} names no column of the dataset")
                if by_name[child]["id"] <= c["id"]:
                    raise GcolError("manifest_invalid", f"{where}: child {child!r} does not come after its list")
                if child in children:
                    raise GcolError("manifest_invalid", f"{where}: child {child!r} is the child of two lists")
                if (by_name[child].get("layout") or {}).get("type") == "chunked":
                    raise GcolError("manifest_invalid", f"{where}: child {child!r} is a chunked column")
                children.add(child)
            elif kind == "chunked":  # 6.7
                if c["physical_type"] == "binary":
                    raise GcolError("manifest_invalid", f"{where}: a chunked column is fixed-width")
                shape, chunk_shape = layout.get("shape"), layout.get("chunk_shape")
                if not (_int_list(shape, 3) and _int_list(chunk_shape, 2)):
                    raise GcolError("manifest_invalid", f"{where}: shape or chunk_shape")
                (rows, cols, k), (r, cc) = shape, chunk_shape
                if k == 0 or r == 0 or cc == 0:
                    raise GcolError("manifest_invalid", f"{where}: shape[2] or a chunk_shape of 0")
                if c["num_values"] != rows * cols * k:
                    raise GcolError("manifest_invalid", f"{where}: num_values is not R x C x K")
                if c["num_pages"] != len(chunk_grid(shape, chunk_shape)):
                    raise GcolError("manifest_invalid", f"{where}: num_pages is not the number of chunks")
                if r * cc * k > U32_MAX:
                    raise GcolError("manifest_invalid", f"{where}: a chunk can hold more than 2^32 - 1 values")
                if layout.get("order") not in ("row-major", "column-major"):
                    raise GcolError("manifest_invalid", f"{where}: order {layout.get('order')!r}")
            elif self.minor <= READER_MINOR:  # 9: unknown in a file no newer than this reader
                raise GcolError("manifest_invalid", f"{where}: layout type {kind!r} unknown in version 1.{self.minor}")
            # else a newer minor version's layout: reading the column reports it as unsupported (9)

    @property
    def datasets(self):
        return self.manifest["datasets"]

    def entry(self, page):
        """2.4: one directory entry, after checking its block."""
        block = page // ENTRIES_PER_BLOCK
        if block not in self._checked_blocks:
            first = block * ENTRIES_PER_BLOCK
            count = min(ENTRIES_PER_BLOCK, self.num_pages - first)
            start = self.directory_offset + ENTRY_LEN * first
            if crc32c(self.data[start:start + ENTRY_LEN * count]) != self.block_crcs[block]:
                raise GcolError("checksum:directory", f"directory block {block}")
            self._checked_blocks.add(block)
        at = self.directory_offset + ENTRY_LEN * page
        offset, first_row, stored, decoded, n, crc, column, encoding, flags, reserved = struct.unpack_from(
            "<QQIIIIIHHQ", self.data, at)
        if reserved:
            raise GcolError("invalid_entry:flags", f"entry {page}: reserved bytes")
        if flags & ~FLAG_VALIDITY:  # 9: an unknown flag bit
            if self.minor > READER_MINOR:
                raise GcolError("unsupported", f"entry {page}: flag bits {flags:#06x} of minor version {self.minor}")
            raise GcolError("invalid_entry:flags", f"entry {page}: unknown flag bits {flags:#06x}")
        if stored > MAX_PAGE_BYTES:
            raise GcolError("invalid_entry:stored_length", f"entry {page}")
        if decoded > MAX_PAGE_BYTES:
            raise GcolError("invalid_entry:decoded_length", f"entry {page}")
        if offset < HEADER_LEN or offset + stored > self.directory_offset or offset % ALIGN:
            raise GcolError("invalid_entry:page_offset", f"entry {page}")
        if column >= len(self.columns):
            raise GcolError("invalid_entry:column_id", f"entry {page}")
        c = self.columns[column][1]
        if not c["first_page"] <= page < c["first_page"] + c["num_pages"]:
            raise GcolError("invalid_entry:column_id", f"entry {page}")
        if flags & FLAG_VALIDITY and c.get("nullable") is not True:  # 2.4
            raise GcolError("invalid_entry:flags", f"entry {page}: validity flag on a column that is not nullable")
        return dict(offset=offset, first_row=first_row, stored_len=stored, decoded_len=decoded,
                    num_values=n, crc32c=crc, column_id=column, encoding=encoding, flags=flags)

    def _stored(self, page, e):
        """A page's stored bytes, checksum checked (2.7)."""
        stored = self.data[e["offset"]:e["offset"] + e["stored_len"]]
        if crc32c(stored) != e["crc32c"]:
            raise GcolError("checksum:page", f"page {page}")
        return stored

    def _check_encoding_minor(self, encoding, where):
        """9: quality-primed (0x000B) is a minor-8 feature; in an older file (whose
        manifest did not tell, else opening failed) it is an id its version lacks."""
        if encoding == QUALITY_PRIMED and self.minor < 8:
            raise GcolError("unknown_encoding", f"{where}: encoding id {encoding:#06x} (quality-primed, "
                                                f"minor 8) in a 1.{self.minor} file")

    def primer(self, c):
        """7.14: the QualityState the first page of column `c` (its first directory
        entry, or its inline page) leaves; decoded once per column and kept."""
        if c["id"] in self._primers:
            return self._primers[c["id"]]
        inline = c.get("inline")
        if inline is not None:  # the inline page is the column's only page: its own first page
            stored = self.inline[inline["offset"]:inline["offset"] + c["stored_bytes"]]
            state = quality_primer(inline["encoding"], c["physical_type"], c["num_values"], c["decoded_bytes"],
                                   stored, inline["flags"])
        else:
            if c["num_pages"] == 0:
                raise GcolError("malformed_page", f"column {c['name']}: no first page to prime from (7.14)")
            page = c["first_page"]
            e = self.entry(page)
            if e["first_row"] != 0:
                raise GcolError("invalid_entry:first_row", f"page {page}")
            state = quality_primer(e["encoding"], c["physical_type"], e["num_values"], e["decoded_len"],
                                   self._stored(page, e), e["flags"])
        self._primers[c["id"]] = state
        return state

    def page_slots(self, page):
        """One page as (entry, slots, valid): see decode_page_slots. A
        quality-primed page (7.14) decodes from its column's first page."""
        e = self.entry(page)
        stored = self._stored(page, e)
        column = self.columns[e["column_id"]][1]
        physical = column["physical_type"]
        keep = (column.get("layout") or {}).get("type") == "list"  # 6.5: list pages of nulls keep values
        self._check_encoding_minor(e["encoding"], f"page {page}")
        slots, valid = decode_page_slots(e["encoding"], physical, e["num_values"], e["decoded_len"], stored,
                                         e["flags"], keep, primer=lambda: self.primer(column))
        return e, slots, valid

    def page_values(self, page):
        e, slots, valid = self.page_slots(page)
        return e, with_nulls(slots, valid, e["num_values"])

    def column(self, dataset, name):
        for ds, c in self.columns:
            if ds["name"] == dataset and c["name"] == name:
                return c
        raise KeyError(f"{dataset}/{name}")

    def _layout(self, c):
        """5.4: None, "list" or "chunked"; an unknown layout type is unsupported (9) when read."""
        layout = c.get("layout")
        if layout is None:
            return None
        if layout.get("type") not in ("list", "chunked"):
            raise GcolError("unsupported", f"column {c['name']}: layout type {layout.get('type')!r}")
        return layout["type"]

    def _pages(self, c):
        """The column's pages in order as (page, entry, slots, valid), first rows checked (2.4).
        Flat values decode whatever the layout (9)."""
        inline = c.get("inline")
        if inline is not None:  # 5.4: the column's one page, among the inline pages (2.5)
            stored = self.inline[inline["offset"]:inline["offset"] + c["stored_bytes"]]
            keep = (c.get("layout") or {}).get("type") == "list"
            self._check_encoding_minor(inline["encoding"], f"column {c['name']}'s inline page")
            slots, valid = decode_page_slots(inline["encoding"], c["physical_type"], c["num_values"],
                                             c["decoded_bytes"], stored, inline["flags"], keep,
                                             primer=lambda: self.primer(c))
            e = dict(first_row=0, num_values=c["num_values"], stored_len=c["stored_bytes"],
                     decoded_len=c["decoded_bytes"], encoding=inline["encoding"], flags=inline["flags"])
            yield None, e, slots, valid
            return
        row = 0
        for page in range(c["first_page"], c["first_page"] + c["num_pages"]):
            e, slots, valid = self.page_slots(page)
            if e["first_row"] != row or e["num_values"] < 1:
                raise GcolError("invalid_entry:first_row", f"page {page}")
            row += e["num_values"]
            yield page, e, slots, valid

    def column_values(self, dataset, name):
        """Every value of a column in row order, None for a null (6.5). For a
        list column these are its end offsets (6.6), for a chunked column the
        values of its chunks in page order (6.7)."""
        c = self.column(dataset, name)
        out = []
        for _, e, slots, valid in self._pages(c):
            out.extend(with_nulls(slots, valid, e["num_values"]))
        return out

    def list_ends(self, dataset, name):
        """6.6: a list column's end offsets, None for a null row, checked as 8.2
        says: they never decrease, do not advance on a null row, and end at
        the child's num_values."""
        c = self.column(dataset, name)
        if self._layout(c) != "list":
            raise ValueError(f"column {dataset}/{name} is not a list column")
        child = self.column(dataset, c["layout"]["child"])
        ends, previous = [], 0  # end[-1] = 0
        for page, e, slots, valid in self._pages(c):
            for i in range(e["num_values"]):
                row = e["first_row"] + i
                if valid is not None and not valid[i]:
                    # a null row: its slot (when the page stores one) is the previous end offset
                    if slots is not None and slots[i] != previous:
                        raise GcolError("inconsistent:list", f"page {page}: null row {row} advances the end offset")
                    ends.append(None)
                    continue
                if slots[i] < previous:
                    raise GcolError("inconsistent:list", f"page {page}: end offset of row {row} decreases")
                previous = slots[i]
                ends.append(previous)
        if previous != child["num_values"]:
            raise GcolError("inconsistent:list",
                            f"column {dataset}/{name}: ends at {previous}, child has {child['num_values']} values")
        return ends

    def _rows(self, dataset, c):
        """A column's rows: lists for a list column (6.6), else its values."""
        if c.get("layout") is not None and self._layout(c) == "list":
            return self.list_values(dataset, c["name"])
        return self.column_values(dataset, c["name"])

    def list_values(self, dataset, name):
        """6.6: each row's list of child items (lists again for a list of lists),
        None for a null row."""
        c = self.column(dataset, name)
        ends = self.list_ends(dataset, name)
        child = self.column(dataset, c["layout"]["child"])
        items = self._rows(dataset, child)
        if len(items) != child["num_values"]:
            raise GcolError("inconsistent", f"column {dataset}/{child['name']}: num_values")
        return assemble_lists(ends, items)

    def chunked_array(self, dataset, name):
        """6.7: a chunked column as nested lists [row][column][k], None for a null."""
        c = self.column(dataset, name)
        if self._layout(c) != "chunked":
            raise ValueError(f"column {dataset}/{name} is not a chunked column")
        layout = c["layout"]
        order = layout.get("order")
        if order not in ("row-major", "column-major"):
            raise GcolError("unsupported", f"column {dataset}/{name}: order {order!r}")
        (rows, cols, k), (r, cc) = layout["shape"], layout["chunk_shape"]
        grid = chunk_grid(layout["shape"], layout["chunk_shape"])
        array = [[[None] * k for _ in range(cols)] for _ in range(rows)]
        for (page, e, slots, valid), (i, j, rr, ccn) in zip(self._pages(c), grid):
            if e["num_values"] != rr * ccn * k:
                raise GcolError("inconsistent:chunk",
                                f"page {page}: chunk ({i}, {j}) holds {e['num_values']} values, not {rr * ccn * k}")
            for rho in range(rr):
                for gamma in range(ccn):
                    cell = array[i * r + rho][j * cc + gamma]
                    for kk in range(k):
                        if order == "row-major":
                            index = (rho * ccn + gamma) * k + kk
                        else:
                            index = (gamma * rr + rho) * k + kk
                        present = valid is None or valid[index]
                        cell[kk] = slots[index] if present else None
        return array

    def verify(self):
        """8.2: everything; raises GcolError on the first problem."""
        extents = []
        for ds, c in self.columns:
            values = self.column_values(ds["name"], c["name"])
            stored = decoded = 0
            encodings = set()
            for page in range(c["first_page"], c["first_page"] + c["num_pages"]):
                e = self.entry(page)
                stored += e["stored_len"]
                decoded += e["decoded_len"]
                encodings.add(e["encoding"])
                extents.append((e["offset"], e["stored_len"]))
            if c.get("inline") is not None:  # 5.4: decoded by column_values above
                stored, decoded = c["stored_bytes"], c["decoded_bytes"]
                encodings.add(c["inline"]["encoding"])
            layout = self._layout(c)
            if layout == "chunked":  # every chunk page holds its chunk's number of values (6.7)
                grid = chunk_grid(c["layout"]["shape"], c["layout"]["chunk_shape"])
                for (i, j, rr, cc), page in zip(grid, range(c["first_page"], c["first_page"] + c["num_pages"])):
                    n = self.entry(page)["num_values"]
                    if n != rr * cc * c["layout"]["shape"][2]:
                        raise GcolError("inconsistent:chunk", f"page {page}: chunk ({i}, {j}) holds {n} values")
            if (len(values), stored, decoded, sorted(encodings)) != (
                    c["num_values"], c["stored_bytes"], c["decoded_bytes"], c["encodings"]):
                raise GcolError("inconsistent", f"column {ds['name']}/{c['name']}")
            if layout == "list":  # end offsets (6.6)
                self.list_ends(ds["name"], c["name"])
        # 2.3 layout and zero padding
        extents.sort()
        position = HEADER_LEN
        for offset, length in extents + [(self.directory_offset, None)]:
            if offset != _align(position) or any(self.data[position:offset]):
                raise GcolError("layout", f"gap or padding at {position}")
            if length is None:
                break
            position = offset + length
        end = self.directory_offset + ENTRY_LEN * self.num_pages
        if self.footer_offset != _align(end) or any(self.data[end:self.footer_offset]):
            raise GcolError("layout", "footer placement")
        for ds in self.datasets:  # 16.6, 17.6: verification checks every invariant of a graph or typed table
            if ds.get("kind") == "graph":
                graph(self, ds["name"])
            elif is_typed_table(ds):
                table(self, ds["name"])
        return True


# 12.3-12.4: sequences and reads
def _stream(reader, dataset):
    return {name: reader.column_values(dataset, name) for name in (
        "offset", "length", "flags")}


def records_text(reader, dataset):
    """Every record of a sequences/reads dataset as text, by the steps of 12.4 (or 12.5)."""
    ds = next(d for d in reader.datasets if d["name"] == dataset)
    cols = {c["name"] for c in ds["columns"]}
    offsets = reader.column_values(dataset, "offset")
    lengths = reader.column_values(dataset, "length")
    flags = reader.column_values(dataset, "flags")
    if "residues" in cols:  # 12.5
        stream = bytes(reader.column_values(dataset, "residues"))
        return [stream[o:o + n].decode("ascii") for o, n in zip(offsets, lengths)]
    packed = bytes(reader.column_values(dataset, "bases"))
    total = sum(lengths)
    # 12.3: four 2-bit codes per byte, the first in the two most significant bits (by a table
    # of the 256 bytes, so that long streams decode fast); codes 0-3 as bytes 0-3
    codes = b"".join(_CODES_OF_BYTE[b] for b in packed)[:total]
    out = []
    for o, n, f in zip(offsets, lengths, flags):
        alphabet = b"ACGU" if f & 2 else b"ACGT"
        out.append(bytearray(codes[o:o + n].translate(bytes.maketrans(b"\x00\x01\x02\x03", alphabet))))
    starts = list(offsets)

    def record_of(start, length):  # the record holding a run, and the run's first position in it
        r = bisect.bisect_right(starts, start) - 1
        if r < 0 or start - offsets[r] + length > lengths[r]:
            raise GcolError("invariant", f"sequences dataset {dataset!r}: the run {start}..{start + length} "
                            "crosses a record boundary (12.3)")
        return r, start - offsets[r]
    amb = zip(reader.column_values(dataset, "amb_start"), reader.column_values(dataset, "amb_length"),
              reader.column_values(dataset, "amb_symbol"))
    for start, length, symbol in amb:
        r, at = record_of(start, length)
        out[r][at:at + length] = bytes([symbol]) * length
    for start, length in zip(reader.column_values(dataset, "mask_start"), reader.column_values(dataset, "mask_length")):
        r, at = record_of(start, length)
        out[r][at:at + length] = out[r][at:at + length].lower()  # only letters change case (12.4)
    return [bytes(text).decode("ascii") for text in out]


_CODES_OF_BYTE = [bytes((v >> shift) & 3 for shift in (6, 4, 2, 0)) for v in range(256)]


def record_names(reader, dataset):
    """12.2: each record's name: the `name` column, or, without it (minor 2),
    the first token of `definition`: skip spaces and tabs, then take bytes up
    to the next space, tab or end."""
    ds = _dataset(reader, dataset)
    if any(c["name"] == "name" for c in ds["columns"]):
        return [bytes(v) for v in reader.column_values(dataset, "name")]
    return [re.match(rb"[ \t]*([^ \t]*)", bytes(d)).group(1) for d in reader.column_values(dataset, "definition")]


def export_fasta(reader, dataset):
    """12.6: the FASTA text of a sequences dataset, as bytes."""
    texts = records_text(reader, dataset)
    definitions = reader.column_values(dataset, "definition")
    widths = reader.column_values(dataset, "line_width")
    blanks = reader.column_values(dataset, "blank_lines")
    flags = reader.column_values(dataset, "flags")
    out = bytearray()
    for text, definition, width, blank, flag in zip(texts, definitions, widths, blanks, flags):
        eol = b"\r\n" if flag & 1 else b"\n"
        lines = [b">" + bytes(definition)]
        if text:
            w = width or len(text)
            lines += [text[i:i + w].encode("ascii") for i in range(0, len(text), w)]
        lines += [b""] * blank
        record = eol.join(lines) + eol
        if flag & 8:  # no line ending after the record's last line
            record = record[:-len(eol)]
        out += record
    return bytes(out)


def export_fastq(reader, dataset):
    """13: the FASTQ text of a reads dataset (both mates interleaved), as bytes."""
    texts = records_text(reader, dataset)
    names = reader.column_values(dataset, "name")
    descriptions = reader.column_values(dataset, "description")
    offsets = reader.column_values(dataset, "offset")
    lengths = reader.column_values(dataset, "length")
    quality = reader.column_values(dataset, "quality")
    out = bytearray()
    for text, name, description, o, n in zip(texts, names, descriptions, offsets, lengths):
        out += b"@" + bytes(name) + (b" " + bytes(description) if description else b"") + b"\n"
        out += text.encode("ascii") + b"\n+\n" + bytes(q + 33 for q in quality[o:o + n]) + b"\n"
    return bytes(out)


# 14: variants datasets
def _dataset(reader, dataset):
    for ds in reader.datasets:
        if ds["name"] == dataset:
            return ds
    raise KeyError(dataset)


def variant_contigs(reader, dataset):
    """14.1: each record's contig name: rows contig_end[i-1] .. contig_end[i]
    are the records of contig[i]."""
    chrom, start = [], 0
    for name, end in zip(reader.column_values(dataset, "contig"), reader.column_values(dataset, "contig_end")):
        chrom += [bytes(name)] * (end - start)
        start = end
    return chrom


def variants_ref(reader, dataset):
    """14.2, 14.7: each record's REF as bytes.

    Either the `ref` column, or (minor 4) REF coded against a reference:
    `ref/differs` where it is not null, else the `ref/len` bases of the
    record named like the contig in the `sequences` dataset that the
    metadata `reference` names, from 0-based offset POS - 1, upper-cased.
    """
    ds = _dataset(reader, dataset)
    columns = {c["name"] for c in ds["columns"]}
    where = f"variants dataset {dataset!r}"
    if "ref/len" not in columns:
        if "ref/differs" in columns:
            raise GcolError("inconsistent:ref", f"{where}: ref/differs without ref/len (14.7)")
        return [bytes(v) for v in reader.column_values(dataset, "ref")]
    if "ref" in columns:
        raise GcolError("inconsistent:ref", f"{where}: both ref and ref/len; a coded REF has no ref column (14.7)")
    if "ref/differs" not in columns:
        raise GcolError("inconsistent:ref", f"{where}: ref/len without ref/differs (14.7)")
    lengths = reader.column_values(dataset, "ref/len")
    differs = reader.column_values(dataset, "ref/differs")
    pos = reader.column_values(dataset, "pos")
    chrom = variant_contigs(reader, dataset)
    if not len(lengths) == len(differs) == len(pos) == len(chrom):
        raise GcolError("inconsistent:ref", f"{where}: ref/len, ref/differs, pos and the contig rows "
                                            f"have {len(lengths)}, {len(differs)}, {len(pos)}, {len(chrom)} values")
    reference = (ds.get("metadata") or {}).get("reference")
    target = next((d for d in reader.datasets if d["name"] == reference), None)
    if target is None or target.get("kind") != "sequences":
        raise GcolError("inconsistent:ref", f"{where}: metadata reference {reference!r} names no sequences dataset")
    contigs = {}  # name -> upper-cased bases, the first record of that name
    if any(d is None for d in differs):
        for name, text in zip(record_names(reader, reference), records_text(reader, reference)):
            if name not in contigs:
                contigs[name] = text.encode("ascii").upper()  # only a-z change (14.7)
    out = []
    for row, (length, stored, p, contig) in enumerate(zip(lengths, differs, pos, chrom)):
        if stored is not None:
            if len(stored) != length:
                raise GcolError("inconsistent:ref", f"{where}: row {row}: ref/differs has {len(stored)} bytes, "
                                                    f"ref/len says {length}")
            out.append(bytes(stored))
            continue
        bases = contigs.get(contig)
        if bases is None:
            raise GcolError("inconsistent:ref", f"{where}: row {row}: null ref/differs, but reference "
                                                f"{reference!r} has no record {contig.decode(errors='replace')!r}")
        if p == 0:
            raise GcolError("inconsistent:ref", f"{where}: row {row}: null ref/differs at POS 0")
        if p - 1 + length > len(bases):
            raise GcolError("inconsistent:ref", f"{where}: row {row}: REF {contig.decode(errors='replace')}:"
                                                f"{p}+{length} passes the record's end ({len(bases)} bases)")
        out.append(bases[p - 1:p - 1 + length])
    return out


def shortest_f32(x):
    """14.5: the shortest decimal text that reads back as the same binary32.

    The digits are the fewest (1..9 significant) that round trip through
    binary32; they are written without an exponent for magnitudes from
    1e-4 up to 1e15 (as VCF writers print QUAL and floats), else as %g does.
    """
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    bits = struct.pack("<f", x)
    for p in range(1, 10):
        text = format(x, f".{p - 1}e")
        if struct.pack("<f", float(text)) == bits:
            break
    mantissa, exponent = text.split("e")
    exponent = int(exponent)
    sign = "-" if mantissa.startswith("-") else ""
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    if digits == "0":
        return sign + "0"
    if not -4 <= exponent < 15:
        return format(float(text), f".{len(digits)}g")
    if exponent >= 0:
        whole = digits[:exponent + 1].ljust(exponent + 1, "0")
        fraction = digits[exponent + 1:]
    else:
        whole, fraction = "0", "0" * (-exponent - 1) + digits
    return sign + whole + ("." + fraction if fraction else "")


def _vcf_number(physical, value):
    """One INFO/FORMAT/QUAL number as VCF text (14.5); None is `.`."""
    if value is None:
        return "."
    if physical == "f32":
        return shortest_f32(value)
    if physical == "f64":
        return repr(value).removesuffix(".0")
    return str(value)


def variants_vcf(reader, dataset):
    """14.5: the VCF text (header and records) of a variants dataset, as bytes,
    from the columns of 14.2-14.4 alone."""
    ds = next(d for d in reader.datasets if d["name"] == dataset)
    columns = {c["name"]: c for c in ds["columns"]}

    def layout(name):
        return (columns[name].get("layout") or {}).get("type")

    header = reader.column_values(dataset, "header")[0]
    samples = reader.column_values(dataset, "sample")
    pos = reader.column_values(dataset, "pos")
    ids = reader.column_values(dataset, "id")
    if "id/rs" in columns:  # 14.2: `rs` and the number when it is not null
        ids = [b"rs%d" % n if n is not None else i
               for i, n in zip(ids, reader.column_values(dataset, "id/rs"))]
    refs = variants_ref(reader, dataset)  # 14.2 `ref`, or coded against a reference (14.7)
    alts = reader.list_values(dataset, "alt")
    quals = reader.column_values(dataset, "qual")
    filters = reader.list_values(dataset, "filter")
    info_keys = reader.column_values(dataset, "info_keys")
    format_keys = reader.column_values(dataset, "format_keys")
    rows = len(pos)

    chrom = variant_contigs(reader, dataset)  # 14.1

    # 14.3: INFO columns, one row per record
    info = {}
    for name, c in columns.items():
        if not name.startswith("info/") or name.count("/") != 1:
            continue
        vcf_type = (c.get("metadata") or {}).get("vcf_type")
        if layout(name) == "list":
            leaf = columns[c["layout"]["child"]]["physical_type"]
            info[name[5:]] = (vcf_type, "list", leaf, reader.list_values(dataset, name))
        else:
            info[name[5:]] = (vcf_type, "value", c["physical_type"], reader.column_values(dataset, name))

    # 14.4: FORMAT arrays [row][column][k]
    fmt = {}
    for name, c in columns.items():
        if name.startswith("format/") and layout(name) == "chunked":
            fmt[name[7:]] = reader.chunked_array(dataset, name)

    # 14.3: derived AC and AN, computed from format/GT over all samples
    derived = [d for d in (ds.get("metadata") or {}).get("derived_info", "").split(",") if d]
    for name in derived:
        counts = []
        for r in range(rows):
            called = [a for cell in fmt["GT"][r] for a in cell if a >= 0]
            if name == "AN":
                counts.append(len(called))
            else:
                counts.append([called.count(k) for k in range(1, len(alts[r] or []) + 1)])
        info[name] = ("Integer", "list" if name == "AC" else "value", "i64", counts)

    def info_text(key):
        column = info.get(key.decode())
        if column is None:
            raise GcolError("inconsistent", f"INFO key {key!r} has no column")
        vcf_type, shape, physical, values = column
        if vcf_type == "Flag":
            return key
        value = values[r]
        if shape == "list":
            text = "." if value is None else ",".join(_vcf_number(physical, v) for v in value)
        elif physical == "binary":
            return key + b"=" + (b"." if value is None else bytes(value))
        else:
            text = _vcf_number(physical, value)
        return key + b"=" + text.encode()

    def gt_text(s):
        ploidy = int(columns["format/GT"]["metadata"]["ploidy"])
        alleles = [fmt["GT"][r][s * ploidy + k][0] for k in range(ploidy)]
        phase = fmt["GT/phase"][r][s][0] if "GT/phase" in fmt else 0
        alleles = alleles[:alleles.index(-2)] if -2 in alleles else alleles
        if not alleles:
            return "."
        text = "|" if phase & 0x80 else "/" if phase & 0x40 else ""
        for k, a in enumerate(alleles):
            if k:
                text += "|" if phase >> (k - 1) & 1 else "/"
            text += "." if a == -1 else str(a)
        return text

    def sample_text(key, s):
        name = key.decode()
        if name == "GT" and "GT" in fmt:
            return gt_text(s).encode()
        array = fmt.get(name)
        if array is None:
            return b"."
        c = columns["format/" + name]
        cell = array[r][s]
        if c["physical_type"] == "u8" and (c.get("metadata") or {}).get("vcf_type") in ("String", "Character", "Flag"):
            text = bytes(cell).split(b"\0", 1)[0]
            return text or b"."
        if name + "/count" in fmt:
            count = fmt[name + "/count"][r][s][0]
        else:
            present = [k for k, v in enumerate(cell) if v is not None]
            count = present[-1] + 1 if present else 1
        if count == 0:
            return b"."
        return ",".join(_vcf_number(c["physical_type"], v) for v in cell[:count]).encode()

    out = bytearray(bytes(header))
    for r in range(rows):
        fields = [
            bytes(chrom[r]),
            str(pos[r]).encode(),
            b"." if ids[r] is None else bytes(ids[r]),
            bytes(refs[r]),
            b",".join(bytes(a) for a in alts[r]) or b".",
            _vcf_number("f32", quals[r]).encode(),
            b"." if filters[r] is None else b";".join(bytes(f) for f in filters[r]),
            b";".join(info_text(k) for k in bytes(info_keys[r]).split(b";")) if info_keys[r] else b".",
        ]
        if format_keys[r] is not None:
            keys = bytes(format_keys[r]).split(b":")
            fields.append(bytes(format_keys[r]))
            for s in range(len(samples)):
                fields.append(b":".join(sample_text(k, s) for k in keys))
        out += b"\t".join(fields) + b"\n"
    return bytes(out)


# 15: alignments datasets
BAM_BASES = b"=ACMGRSVTWYHKDBN"  # 15.2: the 4-bit base codes 0..15
CIGAR_OPS = b"MIDNSHP=X"  # 15.2: CIGAR op codes 0..8
CIGAR_REFERENCE_OPS = {0, 2, 3, 7, 8}  # 15.2: M D N = X cover reference bases
TAG_PHYSICAL = {"A": "u8", "C": "u8", "c": "i8", "s": "i16", "S": "u16", "i": "i32", "I": "u32", "f": "f32",
                "Z": "binary", "H": "binary"}  # 15.3: a BAM type's column physical type
ARRAY_SUBTYPES = "cCsSiIf"  # 15.3: the subtypes of `B`
BAM_CORE = struct.Struct("<iiBBHHHIiii")  # 15.4: the 32 fixed bytes before the name


def reg2bin(beg: int, end: int) -> int:
    """SAM spec 5.3 (15.2): the smallest UCSC bin holding the 0-based
    half-open [beg, end); reg2bin(-1, 0) is 4680."""
    end -= 1
    for shift, first in ((14, 4681), (17, 585), (20, 73), (23, 9), (26, 1)):
        if beg >> shift == end >> shift:
            return first + (beg >> shift)
    return 0


def alignment_end(pos: int, cigar: list[int], flag: int) -> int:
    """15.2: `pos` plus the reference length of the CIGAR (M D N = X), or
    `pos + 1` when that is 0 or FLAG has bit 4 (unmapped) set."""
    span = sum(item >> 4 for item in cigar if item & 0xF in CIGAR_REFERENCE_OPS)
    return pos + (span if span and not flag & 4 else 1)


def alignment_bin(pos: int, cigar: list[int], flag: int) -> int:
    """15.2: BAM's `bin`: reg2bin(pos, end); a record without a position
    (pos -1, end 0) gets 4680. BAM's field is a u16, so larger bins (POS
    beyond 2^29, which 15.9 allows) keep their low 16 bits, as htslib does."""
    return reg2bin(pos, alignment_end(pos, cigar, flag)) & 0xFFFF


def _i32(value: int) -> int:
    """A value modulo 2^32 as a two's-complement i32 (15.2: i32 arithmetic)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >> 31 else value


def mate_fields(ref_id: int, pos: int, end: int, next_ref_id: int, next_pos: int, tlen: int) -> tuple[int, int]:
    """15.2 (Mates): the stored `next_pos` and `tlen` of a record to its
    0-based PNEXT and its TLEN. `end` is the record's end (as for `bin`).

    PNEXT is `next_pos` itself, or `pos + next_pos` (modulo 2^32) when the
    mate is on the record's (placed) reference; TLEN is `tlen + predicted`
    (modulo 2^32). With the mate on the record's reference and pos and PNEXT
    both placed, `predicted` is `PNEXT - pos + (end - pos)` when PNEXT >= pos
    (a leftmost mate as long as the record), else `-(end - PNEXT)`; otherwise
    0. The spec says it is clamped to i32 and always fits; it need not (pos
    0, PNEXT 2^31 - 1), so it is clamped here."""
    same = ref_id >= 0 and next_ref_id == ref_id
    pnext = _i32(pos + next_pos) if same else next_pos
    predicted = 0
    if same and pos >= 0 and pnext >= 0:
        predicted = pnext - pos + (end - pos) if pnext >= pos else -(end - pnext)
        predicted = max(-(1 << 31), min(predicted, (1 << 31) - 1))
    return pnext, _i32(tlen + predicted)


def _tag_key(key: bytes, where: str) -> tuple[bytes, str]:
    """15.3: a key `XX:T` or `XX:Bt` as (tag, type); type is `Bt` for an array."""
    text = key.decode("ascii", "replace")
    kind = text[3:]
    if len(key) < 4 or text[2] != ":" or not (
            kind in TAG_PHYSICAL or (len(kind) == 2 and kind[0] == "B" and kind[1] in ARRAY_SUBTYPES)):
        raise GcolError("inconsistent:tags", f"{where}: tag key {text!r} is not XX:T (15.3)")
    return key[:2], kind


def alignment_records(reader, dataset: str, reference: dict | None = None) -> list[dict]:
    """15.2, 15.3: every record of an alignments dataset as a dict of its BAM
    fields: qname, flag, ref_id, pos, mapq, cigar (u32 items), next_ref_id,
    next_pos and tlen (decoded from their mate coding), seq (4-bit codes; with `seq_coding` = `consensus`
    rebuilt and checked as 15.8 says, with `reference` as 15.10 says: stored bases, seq_diff offsets and
    seq_sub substitution codes), quality (bytes) and tags, a list of
    (tag, type, value) in the record's layout order (type `Bt` for an array,
    whose value is a list).

    `reference` ({contig name: bases}, bytes) is the reference a user gives
    for a dataset coded against a reference outside the file (15.10); it is
    checked against `reference_contigs` before use, and not used when the
    dataset's metadata `reference` names a dataset of the file."""
    ds = _dataset(reader, dataset)
    columns = {c["name"]: c for c in ds["columns"]}
    where = f"alignments dataset {dataset!r}"
    fields = ("qname", "flag", "ref_id", "pos", "mapq", "next_ref_id", "next_pos", "tlen", "seq_length",
              "offset", "tag_layout")
    rows = {name: reader.column_values(dataset, name) for name in fields}
    rows["cigar"] = reader.list_values(dataset, "cigar")
    n = ds.get("num_rows", len(rows["qname"]))
    for name, values in rows.items():
        if len(values) != n:
            raise GcolError("inconsistent", f"{where}: column {name} has {len(values)} rows, not {n}")
    quality = bytes(reader.column_values(dataset, "quality"))
    if len(quality) != sum(rows["seq_length"]):
        raise GcolError("inconsistent", f"{where}: quality ({len(quality)}) is not the sum of seq_length "
                                        f"({sum(rows['seq_length'])})")
    # 15.7, 15.8, 15.10: `seq_coding` = `consensus` or `reference` stores only the
    # bases the consensus or the reference does not predict; absent or `plain`,
    # `seq` holds every base (15.2)
    seq_coding = ds.get("metadata", {}).get("seq_coding")
    if seq_coding == "consensus":
        bases = consensus_bases(reader, dataset, rows)
    elif seq_coding == "reference":
        bases = reference_bases(reader, dataset, rows, reference)
    elif seq_coding in (None, "plain"):
        seq = bytes(reader.column_values(dataset, "seq"))
        if len(seq) != len(quality):
            raise GcolError("inconsistent", f"{where}: seq ({len(seq)}) and quality ({len(quality)}) are not "
                                            f"the sum of seq_length ({sum(rows['seq_length'])})")
        bases = [seq[o:o + length] for o, length in zip(rows["offset"], rows["seq_length"])]
    else:
        raise GcolError("inconsistent", f"{where}: unknown seq_coding {seq_coding!r} (15.7: plain, consensus, "
                                        f"reference)")
    layouts = [[_tag_key(k, where) for k in bytes(v).split(b",")] if v else []
               for v in reader.column_values(dataset, "tag_layouts")]

    # 15.3: one column per key, non-null exactly where the record's layout names the key
    tag_values = {}
    for name, c in columns.items():
        if not name.startswith("tag/") or name.endswith("/item"):
            continue
        tag, kind = _tag_key(name[4:].encode(), where)
        physical = c["physical_type"]
        if kind[0] == "B":
            item = columns.get(name + "/item")
            if c.get("layout") != {"type": "list", "child": name + "/item"} or item is None \
                    or item["physical_type"] != TAG_PHYSICAL[kind[1]]:
                raise GcolError("inconsistent:tags", f"{where}: {name} is not a list of {TAG_PHYSICAL[kind[1]]}")
            tag_values[tag, kind] = reader.list_values(dataset, name)
        elif physical != TAG_PHYSICAL[kind]:
            raise GcolError("inconsistent:tags", f"{where}: {name} is {physical}, type {kind} is "
                                                 f"{TAG_PHYSICAL[kind]} (15.3)")
        else:
            tag_values[tag, kind] = reader.column_values(dataset, name)

    # 15.1: `mates` = `relative` codes next_pos and tlen against the record;
    # without the key they are stored as they are.
    mates = ds.get("metadata", {}).get("mates")
    if mates not in (None, "relative"):
        raise GcolError("inconsistent", f"{where}: unknown mate coding {mates!r}")
    records, offset = [], 0
    for r in range(n):
        length = rows["seq_length"][r]
        if rows["offset"][r] != offset:
            raise GcolError("inconsistent", f"{where}: row {r}: offset {rows['offset'][r]}, the seq_length "
                                            f"of the rows before add up to {offset}")
        index = rows["tag_layout"][r]
        if index >= len(layouts):
            raise GcolError("inconsistent:tags", f"{where}: row {r}: tag_layout {index} of {len(layouts)}")
        keys = layouts[index]
        if len(set(keys)) != len(keys) or len({tag for tag, _ in keys}) != len(keys):
            raise GcolError("inconsistent:tags", f"{where}: row {r}: a tag twice in layout {index}")
        tags = []
        for key in keys:
            if key not in tag_values or tag_values[key][r] is None:
                raise GcolError("inconsistent:tags", f"{where}: row {r}: layout names {key[0].decode()}:{key[1]}, "
                                                     f"its column has no value")
            tags.append((key[0], key[1], tag_values[key][r]))
        for key, values in tag_values.items():
            if values[r] is not None and key not in keys:
                raise GcolError("inconsistent:tags", f"{where}: row {r}: a {key[0].decode()}:{key[1]} value "
                                                     f"its layout does not name")
        ref_id, pos, cigar, flag = rows["ref_id"][r], rows["pos"][r], rows["cigar"][r], rows["flag"][r]
        if mates == "relative":
            next_pos, tlen = mate_fields(ref_id, pos, alignment_end(pos, cigar, flag), rows["next_ref_id"][r],
                                         rows["next_pos"][r], rows["tlen"][r])
        else:
            next_pos, tlen = rows["next_pos"][r], rows["tlen"][r]
        records.append(dict(
            qname=bytes(rows["qname"][r]), flag=flag, ref_id=ref_id, pos=pos, mapq=rows["mapq"][r], cigar=cigar,
            next_ref_id=rows["next_ref_id"][r], next_pos=next_pos, tlen=tlen, seq=bases[r],
            quality=quality[offset:offset + length], tags=tags))
        offset += length
    return records


# 15.5: region index
INDEX_WINDOW = 16384  # 15.5: bases per window
INDEX_COLUMNS = ("index/first_row", "index/end_row", "index/windows")


def _record_ends(reader, dataset: str):
    """ref_id, pos and `end` (as for `bin`, 15.2) of every record."""
    ref_ids = reader.column_values(dataset, "ref_id")
    positions = reader.column_values(dataset, "pos")
    flags = reader.column_values(dataset, "flag")
    cigars = reader.list_values(dataset, "cigar")
    if not len(ref_ids) == len(positions) == len(flags) == len(cigars):
        raise GcolError("inconsistent", f"alignments dataset {dataset!r}: ref_id, pos, flag and cigar hold "
                                        f"{len(ref_ids)}, {len(positions)}, {len(flags)} and {len(cigars)} rows")
    return ref_ids, positions, [alignment_end(p, c, f) for p, c, f in zip(positions, cigars, flags)]


def region_index(reader, dataset: str) -> dict:
    """15.5: the region index the records give: per reference, `first_row`
    and `end_row` (None for a reference without records: 15.5 only says both
    are equal) and `windows`, for each 16,384-base window up to the last one
    a record of the reference covers, the first row of the reference whose
    record ends after the window's start (the end row when none does).
    Raises when the records are not coordinate-sorted (15.1), which the
    index presupposes, or name no reference."""
    where = f"alignments dataset {dataset!r}"
    num_refs = len(reader.column_values(dataset, "ref_name"))
    ref_ids, positions, ends = _record_ends(reader, dataset)
    keys = [(t if t >= 0 else 1 << 32, p) for t, p in zip(ref_ids, positions)]
    for r in range(1, len(keys)):
        if keys[r] < keys[r - 1]:
            raise GcolError("inconsistent", f"{where}: row {r}: not coordinate-sorted, yet a region index (15.5)")
    first, end = [None] * num_refs, [None] * num_refs
    for r, t in enumerate(ref_ids):
        if t < -1 or t >= num_refs:
            raise GcolError("inconsistent", f"{where}: row {r}: reference id {t} of {num_refs} (15.1)")
        if t >= 0:
            first[t] = r if first[t] is None else first[t]
            end[t] = r + 1
    windows = []
    for t in range(num_refs):
        if first[t] is None:
            windows.append([])
            continue
        # the running maximum of the records' ends: the first row ending after x is the first where it exceeds x
        running, top = [], None
        for r in range(first[t], end[t]):
            top = ends[r] if top is None else max(top, ends[r])
            running.append(top)
        count = max(0, (top - 1) // INDEX_WINDOW + 1)  # windows up to the last one a record covers
        windows.append([first[t] + bisect.bisect_right(running, w * INDEX_WINDOW) for w in range(count)])
    return {"first_row": first, "end_row": end, "windows": windows}


def check_region_index(reader, dataset: str):
    """15.5, 15.6: the stored region index against region_index(): the three
    columns together (u64, `index/windows` a list of u64), one row per
    reference, only in a coordinate-sorted dataset, equal to what the
    records give; a reference without records has first_row = end_row (at
    most num_rows) and no windows. Returns the stored index, or None when
    the dataset has none; raises `inconsistent` on a difference."""
    ds = _dataset(reader, dataset)
    columns = {c["name"]: c for c in ds["columns"]}
    where = f"alignments dataset {dataset!r}"
    present = [name for name in INDEX_COLUMNS if name in columns]
    if not present:
        return None
    for name in INDEX_COLUMNS:
        _expect_physical(columns, name, "u64", where, list_of="u64" if name == "index/windows" else None)
    if ds.get("metadata", {}).get("coordinate_sorted") != "true":
        raise GcolError("inconsistent", f"{where}: a region index without coordinate_sorted = true (15.5)")
    stored = {"first_row": reader.column_values(dataset, "index/first_row"),
              "end_row": reader.column_values(dataset, "index/end_row"),
              "windows": reader.list_values(dataset, "index/windows")}
    expected = region_index(reader, dataset)
    num_rows = len(reader.column_values(dataset, "ref_id"))
    for name, values in stored.items():
        if len(values) != len(expected[name]):
            raise GcolError("inconsistent", f"{where}: index/{name} has {len(values)} rows, "
                                            f"one per reference is {len(expected[name])} (15.5)")
    for t, (first, end, windows) in enumerate(zip(stored["first_row"], stored["end_row"], stored["windows"])):
        want = (expected["first_row"][t], expected["end_row"][t], expected["windows"][t])
        if want[0] is None:  # no records: both equal (15.5 says no more)
            if first != end or end > num_rows or windows:
                raise GcolError("inconsistent", f"{where}: reference {t} has no records; its index is "
                                                f"{first} .. {end}, windows {windows} (15.5)")
        elif (first, end, windows) != want:
            raise GcolError("inconsistent", f"{where}: reference {t}: index {first} .. {end}, windows {windows}; "
                                            f"the records give {want[0]} .. {want[1]}, windows {want[2]} (15.5)")
    return stored


def region_query(reader, dataset: str):
    """15.5: a function (ref_id, start, end) -> the rows of the records
    overlapping [start, end) of reference `ref_id` (15.4), read through the
    stored region index (checked first): from row windows[ref_id][start div
    16384] (end_row past the last window) up to the first row whose pos is
    at least `end` (or the reference's end row)."""
    index = check_region_index(reader, dataset)
    if index is None:
        raise GcolError("unsupported", f"alignments dataset {dataset!r} has no region index (15.5)")
    ref_ids, positions, ends = _record_ends(reader, dataset)

    def rows(ref_id: int, start: int, end: int) -> list[int]:
        windows, last = index["windows"][ref_id], index["end_row"][ref_id]
        w = max(start, 0) // INDEX_WINDOW
        out, r = [], windows[w] if w < len(windows) else last
        while r < last and positions[r] < end:
            if ref_ids[r] == ref_id and ends[r] > start:
                out.append(r)
            r += 1
        return out
    return rows


def alignments_region(reader, dataset: str, ref_id: int, start: int, end: int) -> list[int]:
    """15.5: region_query() for one region."""
    return region_query(reader, dataset)(ref_id, start, end)


# 15.8: bases against a consensus
CONSENSUS_CHUNK = 4096  # 15.8: rows per chunk
CONSENSUS_CODES = (1, 2, 4, 8)  # 15.8: consensus bases 0..3 (A C G T) as 4-bit codes
CIGAR_QUERY_OPS = {0, 1, 4, 7, 8}  # 15.2, 15.8: M I S = X hold query bases
CIGAR_MATCH_OPS = {0, 7, 8}  # 15.8: M = X bases may be predicted


def _expect_physical(columns, name, physical, where, list_of=None):
    """The type a column of 15.5 or 15.8 must have (a list column: u64 end
    offsets and a child `<name>/item` of any integer type, or `list_of`)."""
    c = columns.get(name)
    if c is None:
        raise GcolError("inconsistent", f"{where}: no column {name}")
    if c["physical_type"] != physical:
        raise GcolError("inconsistent", f"{where}: {name} is {c['physical_type']}, not {physical}")
    if list_of is not None:
        item = columns.get(name + "/item")
        if c.get("layout") != {"type": "list", "child": name + "/item"} or item is None \
                or item["physical_type"] not in (list_of if isinstance(list_of, set) else {list_of}):
            raise GcolError("inconsistent", f"{where}: {name} is not a list of {list_of}")


def consensus_segments(reader, dataset: str, num_rows: int,
                       num_refs: int | None = None) -> list[list[tuple[int, int, int, bytes]]]:
    """15.8: each chunk's consensus as a list of segments (ref_id, start,
    length, bases as 4-bit codes), checked: one chunk_end per chunk of 4096
    rows, rising, ending at the number of segments; lengths at least 1;
    `consensus/bases` holding the lengths' sum, each 0..3; each chunk's
    segments sorted by (reference id, start) and not overlapping; with
    `num_refs`, every segment on a reference of the list (0 .. num_refs - 1)
    with a start of at least 0."""
    ds = _dataset(reader, dataset)
    columns = {c["name"]: c for c in ds["columns"]}
    where = f"alignments dataset {dataset!r}"
    for name, physical in (("consensus/chunk_end", "u64"), ("consensus/ref_id", "i32"), ("consensus/pos", "i32"),
                           ("consensus/length", "u32"), ("consensus/bases", "u8")):
        _expect_physical(columns, name, physical, where)
    chunk_end = reader.column_values(dataset, "consensus/chunk_end")
    ref_ids = reader.column_values(dataset, "consensus/ref_id")
    starts = reader.column_values(dataset, "consensus/pos")
    lengths = reader.column_values(dataset, "consensus/length")
    bases = bytes(reader.column_values(dataset, "consensus/bases"))
    chunks = -(-num_rows // CONSENSUS_CHUNK)
    if len(chunk_end) != chunks:
        raise GcolError("inconsistent", f"{where}: {len(chunk_end)} consensus chunks for {num_rows} rows, "
                                        f"not {chunks} (15.8: one per 4096 rows)")
    if not len(ref_ids) == len(starts) == len(lengths):
        raise GcolError("inconsistent", f"{where}: consensus/ref_id, pos and length hold {len(ref_ids)}, "
                                        f"{len(starts)} and {len(lengths)} segments")
    if any(length < 1 for length in lengths):
        raise GcolError("inconsistent", f"{where}: a consensus segment of length 0 (15.8: at least 1)")
    if sum(lengths) != len(bases):
        raise GcolError("inconsistent", f"{where}: consensus/bases holds {len(bases)} bases, the segments "
                                        f"{sum(lengths)}")
    if any(b > 3 for b in bases):
        raise GcolError("inconsistent", f"{where}: a consensus base above 3 (15.8: 0 1 2 3 for A C G T)")
    for j, (t, start) in enumerate(zip(ref_ids, starts)):
        if start < 0 or (num_refs is not None and not 0 <= t < num_refs):
            raise GcolError("inconsistent", f"{where}: consensus segment {j} at ({t}, {start}) (15.8: segments "
                                            f"name references of the list with starts >= 0)")
    out, first, at = [], 0, 0
    for k, end in enumerate(chunk_end):
        if end < first or end > len(ref_ids):
            raise GcolError("inconsistent", f"{where}: chunk {k}: consensus/chunk_end {end} after {first}, "
                                            f"of {len(ref_ids)} segments")
        segments = []
        for j in range(first, end):
            segment = (ref_ids[j], starts[j], lengths[j],
                       bytes(CONSENSUS_CODES[b] for b in bases[at:at + lengths[j]]))
            at += lengths[j]
            if segments and (segment[:2] < segments[-1][:2] or (
                    segment[0] == segments[-1][0] and segment[1] < segments[-1][1] + segments[-1][2])):
                raise GcolError("inconsistent", f"{where}: chunk {k}: consensus segment {j} "
                                                f"{segment[:3]} is not after {segments[-1][:3]} (15.8: "
                                                f"sorted, not overlapping)")
            segments.append(segment)
        out.append(segments)
        first = end
    if first != len(ref_ids):
        raise GcolError("inconsistent", f"{where}: the chunks end at segment {first} of {len(ref_ids)}")
    return out


def _covered_pieces(segments, keys, ref_id, start, length):
    """15.8: the reference run start .. start + length of `ref_id` cut where
    the (sorted) segments begin and end: (piece start, piece end, segment or None)."""
    end, at = start + length, start
    j = bisect.bisect_right(keys, (ref_id, start)) - 1
    if j < 0 or segments[j][0] != ref_id or segments[j][1] + segments[j][2] <= start:
        j += 1
    while at < end:
        if j < len(segments) and segments[j][0] == ref_id and segments[j][1] < end:
            segment_start = segments[j][1]
            if segment_start > at:
                yield at, segment_start, None
                at = segment_start
            piece_end = min(segment_start + segments[j][2], end)
            yield at, piece_end, segments[j]
            at, j = piece_end, j + 1
        else:
            yield at, end, None
            at = end


def predicted(ref_id: int, pos: int, flag: int, cigar: list[int], seq_length: int) -> bool:
    """15.8 (and 15.10): a record whose bases are rebuilt against the predictor: placed
    (`ref_id` and `pos` at least 0), FLAG bit 4 (0x4, unmapped) clear, a
    non-empty CIGAR whose query length (M I S = X) is `seq_length` > 0."""
    return (ref_id >= 0 and pos >= 0 and not flag & 4 and bool(cigar) and seq_length > 0
            and sum(item >> 4 for item in cigar if item & 0xF in CIGAR_QUERY_OPS) == seq_length)


# 15.8: substitution codes. A difference from predicted base p (index i in A C G T) to
# A C G T (index j) is (j - i - 1) mod 4 (0, 1 or 2), to another 4-bit code b it is
# 3 + k for b = SUBSTITUTION_OTHERS[k] (`= M R S V W Y H K D B N`, so N is 14).
SUBSTITUTION_OTHERS = (0, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15)
SUBSTITUTION_MAX = 3 + len(SUBSTITUTION_OTHERS) - 1  # 15.8: a code above 14 is malformed


def substitution_code(predicted_code: int, base: int) -> int:
    """15.8: the substitution code of 4-bit `base` where the predictor has
    `predicted_code` (1 2 4 8 for A C G T); `base` differs from it."""
    i = CONSENSUS_CODES.index(predicted_code)
    if base == predicted_code:
        raise ValueError("a base equal to the predicted one is not a difference (15.8)")
    if base in CONSENSUS_CODES:
        return (CONSENSUS_CODES.index(base) - i - 1) % 4
    return 3 + SUBSTITUTION_OTHERS.index(base)


def substituted_base(predicted_code: int, code: int) -> int | None:
    """15.8: the 4-bit base substitution code `code` gives where the predictor
    has `predicted_code` (1 2 4 8 for A C G T); None for a code above 14."""
    if code <= 2:
        return CONSENSUS_CODES[(CONSENSUS_CODES.index(predicted_code) + 1 + code) % 4]
    if code <= SUBSTITUTION_MAX:
        return SUBSTITUTION_OTHERS[code - 3]
    return None


def stored_bases(reader, dataset: str, num_rows: int) -> tuple[list[bytes], list[list[int]], list[list[int]]]:
    """15.8 (also for 15.10): each record's stored bases (4-bit codes), its
    `seq_diff` offsets and their `seq_sub` substitution codes. Record r's
    stored bases start in `seq` at `seq_offset[r]` and end where the next
    record's start (the last's at the end of `seq`); `seq_sub` holds one code
    per `seq_diff/item` value, aligned with it. Raises `inconsistent` when a
    column is missing, has another type or number of rows or values, a
    `seq_diff` row or a `seq_sub` value is null, or `seq_offset` does not
    start at 0, decreases, or passes the end of `seq`.

    The 1.5 form (a file of minor version 5 without `seq_sub`): each
    difference is a stored base, `seq_offset[r]` counts the stored bases
    before record r that are not differences, so record r's stored bases
    start at `seq_offset[r]` plus the differences listed before it; its
    substitution codes are returned as None (predicted_bases() then takes
    the next stored base)."""
    ds = _dataset(reader, dataset)
    columns = {c["name"]: c for c in ds["columns"]}
    where = f"alignments dataset {dataset!r}"
    form_1_5 = "seq_sub" not in columns and reader.minor == 5
    _expect_physical(columns, "seq", "u8", where)
    _expect_physical(columns, "seq_offset", "u64", where)
    _expect_physical(columns, "seq_diff", "u64", where, list_of={"u8", "u16", "u32", "u64"})
    if not form_1_5:
        _expect_physical(columns, "seq_sub", "u8", where)
    seq = bytes(reader.column_values(dataset, "seq"))
    seq_offset = reader.column_values(dataset, "seq_offset")
    seq_diff = reader.list_values(dataset, "seq_diff")
    for name, values in (("seq_offset", seq_offset), ("seq_diff", seq_diff)):
        if len(values) != num_rows:
            raise GcolError("inconsistent", f"{where}: column {name} has {len(values)} rows, not {num_rows}")
    for r, diffs in enumerate(seq_diff):
        if diffs is None:
            raise GcolError("inconsistent", f"{where}: row {r}: seq_diff is null")
    listed = sum(len(diffs) for diffs in seq_diff)
    if form_1_5:
        before, starts = 0, []
        for r, diffs in enumerate(seq_diff):
            starts.append(seq_offset[r] + before)
            before += len(diffs)
        seq_offset = starts
    seq_sub = [None] * listed if form_1_5 else reader.column_values(dataset, "seq_sub")
    if len(seq_sub) != listed or (None in seq_sub and not form_1_5):
        raise GcolError("inconsistent", f"{where}: seq_sub holds {len(seq_sub)} values"
                                        f"{' (some null)' if None in seq_sub else ''}, seq_diff lists {listed} "
                                        f"offsets (15.8: one code per seq_diff/item value, aligned with it)")
    bounds = seq_offset + [len(seq)]  # record r stores seq[bounds[r] .. bounds[r + 1]]
    # with no rows, seq holds nothing (bounds is [len(seq)])
    if bounds[0] != 0 or any(a > b for a, b in zip(bounds, bounds[1:])):
        raise GcolError("inconsistent", f"{where}: seq_offset {seq_offset[:20]}{'...' if num_rows > 20 else ''} "
                                        f"for {len(seq)} stored bases (15.8: seq_offset rises from 0, never "
                                        f"decreasing, within seq)")
    subs, at = [], 0
    for diffs in seq_diff:
        subs.append(seq_sub[at:at + len(diffs)])
        at += len(diffs)
    return [seq[bounds[r]:bounds[r + 1]] for r in range(num_rows)], seq_diff, subs


def predicted_bases(rows: dict, stored: list[bytes], seq_diff: list[list[int]], seq_sub: list[list[int]],
                    pieces, covers: str, where: str) -> list[bytes]:
    """15.8, 15.10: every record's bases (4-bit codes) rebuilt from its stored
    bases, `seq_diff` offsets and `seq_sub` codes against a predictor. `rows`
    holds the per-record columns flag, ref_id, pos, cigar (lists) and
    seq_length; `pieces(r, ref_id, start, length)` cuts the reference run
    start .. start + length of record r into (piece start, piece end,
    predicted 4-bit codes or None where nothing covers it). `covers` ("a
    consensus segment", "the reference") names the predictor in errors.

    A covered M = X base is the predicted one, or where its query offset is
    listed the base its substitution code gives; an uncovered one, and I and
    S bases, are the next stored bases. Raises `inconsistent` where a rule of
    15.8 fails: a record that is not predicted stores all its bases and lists
    no offsets; seq_diff is strictly rising and every offset in it is an
    M = X base the predictor covers; a substitution code is at most 14; a
    record uses exactly its stored bases."""
    out = []
    for r in range(len(stored)):
        own, diffs, subs = stored[r], seq_diff[r], seq_sub[r]
        ref_id, pos, flag, cigar, length = (rows[name][r] for name in ("ref_id", "pos", "flag", "cigar",
                                                                       "seq_length"))
        if any(b <= a for a, b in zip(diffs, diffs[1:])):
            raise GcolError("inconsistent", f"{where}: row {r}: seq_diff {diffs} is not strictly rising (15.8)")
        if not predicted(ref_id, pos, flag, cigar, length):
            if diffs or len(own) != length:
                raise GcolError("inconsistent", f"{where}: row {r}: not predicted, yet {len(own)} stored bases "
                                                f"for seq_length {length} and seq_diff {diffs} (15.8: it stores "
                                                f"all its bases and lists no offsets)")
            out.append(own)
            continue
        bases, used, d = bytearray(), 0, 0  # d: the next offset of seq_diff

        def take(count):
            nonlocal used
            if used + count > len(own):
                raise GcolError("inconsistent", f"{where}: row {r}: needs more than its {len(own)} stored bases "
                                                f"(15.8: a record uses exactly its stored bases)")
            used += count
            return own[used - count:used]

        def not_covered(offset):
            return GcolError("inconsistent", f"{where}: row {r}: query offset {offset} in seq_diff is not an "
                                             f"M = X base {covers} covers (15.8)")

        p = pos
        for item in cigar:
            op, count = item & 0xF, item >> 4
            if op > 8:
                raise GcolError("inconsistent", f"{where}: row {r}: CIGAR op {op} (15.2: 0..8)")
            if op in CIGAR_MATCH_OPS:
                for a, b, codes in pieces(r, ref_id, p, count):
                    q = len(bases)  # query offset of reference position a
                    if codes is None:
                        bases += take(b - a)
                        continue
                    if d < len(diffs) and diffs[d] < q:
                        raise not_covered(diffs[d])
                    bases += codes
                    while d < len(diffs) and diffs[d] < q + b - a:
                        if subs[d] is None:  # the 1.5 form: the next stored base, not the predicted one
                            base = take(1)[0]
                            if base == bases[diffs[d]]:
                                raise GcolError("inconsistent", f"{where}: row {r}: query offset {diffs[d]} in "
                                                                f"seq_diff stores the predicted base (15.8, the "
                                                                f"1.5 form)")
                            bases[diffs[d]] = base
                            d += 1
                            continue
                        base = substituted_base(bases[diffs[d]], subs[d])
                        if base is None:
                            raise GcolError("inconsistent", f"{where}: row {r}: query offset {diffs[d]} in "
                                                            f"seq_diff has substitution code {subs[d]} (15.8: a "
                                                            f"code above {SUBSTITUTION_MAX} is malformed)")
                        bases[diffs[d]] = base
                        d += 1
                p += count
            elif op in (1, 4):  # I S: stored bases
                bases += take(count)
            elif op in (2, 3):  # D N
                p += count
            if d < len(diffs) and diffs[d] < len(bases):
                raise not_covered(diffs[d])
        if d < len(diffs):
            raise not_covered(diffs[d])
        if used != len(own):
            raise GcolError("inconsistent", f"{where}: row {r}: uses {used} of its {len(own)} stored bases "
                                            f"(15.8: exactly its stored bases)")
        out.append(bytes(bases))
    return out


def consensus_bases(reader, dataset: str, rows: dict) -> list[bytes]:
    """15.8: every record's bases (4-bit codes) rebuilt from `seq`,
    `seq_offset`, `seq_diff`, `seq_sub` and the chunk consensus. `rows` holds the
    per-record columns flag, ref_id, pos, cigar (lists) and seq_length.
    Raises `inconsistent` where a rule of 15.8 fails (stored_bases(),
    consensus_segments(), predicted_bases())."""
    n = len(rows["flag"])
    stored, seq_diff, seq_sub = stored_bases(reader, dataset, n)
    chunks = consensus_segments(reader, dataset, n, len(reader.column_values(dataset, "ref_name")))
    keys = [[segment[:2] for segment in segments] for segments in chunks]

    def pieces(r, ref_id, start, length):
        k = r // CONSENSUS_CHUNK
        for a, b, segment in _covered_pieces(chunks[k], keys[k], ref_id, start, length):
            yield a, b, None if segment is None else segment[3][a - segment[1]:b - segment[1]]
    return predicted_bases(rows, stored, seq_diff, seq_sub, pieces, "a consensus segment",
                           f"alignments dataset {dataset!r}")


# 15.10: bases against a reference
REFERENCE_CODES = {ord("A"): 1, ord("C"): 2, ord("G"): 4, ord("T"): 8}  # 15.10: a covered base's 4-bit code


def parse_reference_contigs(text: str, where: str) -> list[tuple[bytes, int, str]]:
    """15.10 (14.7): `reference_contigs` as (name, length, MD5) per line:
    name (at least one byte), TAB, length (decimal digits), TAB, MD5 (32
    lower-case hex digits), LF; every line ends in LF (the empty string is
    no line) and no name appears twice. Raises `inconsistent:ref` on
    anything else."""
    if not isinstance(text, str):
        raise GcolError("inconsistent:ref", f"{where}: reference_contigs is not a string")
    if text and not text.endswith("\n"):
        raise GcolError("inconsistent:ref", f"{where}: reference_contigs does not end its last line with LF")
    out = []
    for line in text.split("\n")[:-1]:
        match = re.fullmatch(r"([^\t]+)\t([0-9]+)\t([0-9a-f]{32})", line, flags=re.ASCII)
        if match is None:
            raise GcolError("inconsistent:ref", f"{where}: reference_contigs line {line!r} is not name, TAB, "
                                                f"length, TAB, MD5 (lower-case hex) (15.10)")
        out.append((match.group(1).encode(), int(match.group(2)), match.group(3)))
    names = [name for name, _, _ in out]
    if len(set(names)) != len(names):
        raise GcolError("inconsistent:ref", f"{where}: reference_contigs lists a contig twice (15.10: no name "
                                            f"appears twice)")
    return out


def reference_link(reader, dataset: str, rows: dict, reference: dict | None = None) -> dict[bytes, bytes]:
    """15.10: the contigs a dataset with `seq_coding` = `reference` predicts
    from: {name: upper-cased bases} for each contig `reference_contigs` lists
    (an absent key lists nothing).

    Corruption (`inconsistent:ref`) however the reference is given: no
    `reference_source`; a `reference_contigs` line not of the form
    parse_reference_contigs() checks, or a name listed twice; a listed
    contig that is not in the reference list, or whose listed length is not
    its `ref_length` (that of every reference of that name).

    With metadata `reference`, contig `name` is the first record of that name
    (12.2) in the `sequences` dataset it names, and a user's `reference` is
    not used; corruption: no such dataset, a listed contig the dataset lacks
    or holds at another length or MD5 (of its upper-cased bases, an RNA
    record's with U). Without it, the user's `reference` ({name: bases});
    each listed contig a predicted record lies on must be there with the
    listed length and MD5 (of its upper-cased bases), else
    `inconsistent:ref`; with none given, `unsupported`, naming
    `reference_source`, when some predicted record lies on a listed contig."""
    ds = _dataset(reader, dataset)
    metadata = ds.get("metadata") or {}
    where = f"alignments dataset {dataset!r}"
    if "reference_source" not in metadata:
        raise GcolError("inconsistent:ref", f"{where}: seq_coding reference without reference_source (15.10)")
    listed = parse_reference_contigs(metadata.get("reference_contigs", ""), where)
    ref_names = [bytes(name) for name in reader.column_values(dataset, "ref_name")]
    ref_lengths = reader.column_values(dataset, "ref_length")
    if len(ref_lengths) != len(ref_names):
        raise GcolError("inconsistent", f"{where}: {len(ref_names)} ref_name and {len(ref_lengths)} ref_length "
                                        f"values (15.1: one reference list)")
    for name, length, _ in listed:
        shown = name.decode(errors="replace")
        if name not in ref_names:
            raise GcolError("inconsistent:ref", f"{where}: reference_contigs lists {shown!r}, which is not in the "
                                                f"reference list (15.10)")
        for t in (t for t, ref_name in enumerate(ref_names) if ref_name == name):
            if ref_lengths[t] != length:
                raise GcolError("inconsistent:ref", f"{where}: reference_contigs lists {shown!r} of {length} bases, "
                                                    f"the reference list gives reference {t} ref_length "
                                                    f"{ref_lengths[t]} (15.10: the listed length is its ref_length)")
    contigs = {}
    if "reference" in metadata:  # 15.10: a reference from the user is then not used
        target_name = metadata["reference"]
        target = next((d for d in reader.datasets if d["name"] == target_name), None)
        if target is None or target.get("kind") != "sequences":
            raise GcolError("inconsistent:ref", f"{where}: metadata reference {target_name!r} names no sequences "
                                                f"dataset of the file (15.10)")
        held = {}  # name -> upper-cased bases of the first record of that name (12.2)
        for name, text in zip(record_names(reader, target_name), records_text(reader, target_name)):
            held.setdefault(name, text.encode("ascii").upper())  # ASCII letters only change
        for name, length, md5 in listed:
            shown = name.decode(errors="replace")
            bases = held.get(name)
            if bases is None:
                raise GcolError("inconsistent:ref", f"{where}: reference_contigs lists {shown!r}, which reference "
                                                    f"{target_name!r} lacks (15.10)")
            if len(bases) != length:
                raise GcolError("inconsistent:ref", f"{where}: reference_contigs lists {shown!r} of {length} bases, "
                                                    f"reference {target_name!r} holds {len(bases)} (15.10)")
            if hashlib.md5(bases).hexdigest() != md5:
                raise GcolError("inconsistent:ref", f"{where}: reference_contigs gives {shown!r} the MD5 {md5}, "
                                                    f"reference {target_name!r} has {hashlib.md5(bases).hexdigest()} "
                                                    f"(15.10)")
            contigs[name] = bases
        return contigs
    used = {ref_names[t] for t, p, f, c, n in zip(*(rows[k] for k in ("ref_id", "pos", "flag", "cigar",
                                                                      "seq_length")))
            if predicted(t, p, f, c, n) and t < len(ref_names)}
    for name, length, md5 in listed:
        if name not in used:
            continue  # 15.10: a reader checks each listed contig it decodes bases against
        shown = name.decode(errors="replace")
        if reference is None:
            raise GcolError("unsupported", f"{where}: its bases are coded against a reference outside the file "
                                           f"({metadata['reference_source']!r}); give it to read them (15.10)")
        bases = reference.get(name)
        if bases is None:
            raise GcolError("inconsistent:ref", f"{where}: the reference given has no contig {shown!r} (15.10)")
        bases = bytes(bases).upper()
        if len(bases) != length or hashlib.md5(bases).hexdigest() != md5:
            raise GcolError("inconsistent:ref", f"{where}: the reference given has {shown!r} of {len(bases)} bases, "
                                                f"MD5 {hashlib.md5(bases).hexdigest()}; reference_contigs lists "
                                                f"{length} bases, MD5 {md5} (15.10)")
        contigs[name] = bases
    return contigs


def reference_bases(reader, dataset: str, rows: dict, reference: dict | None = None) -> list[bytes]:
    """15.10: every record's bases (4-bit codes) rebuilt from `seq`,
    `seq_offset`, `seq_diff` and `seq_sub` (as 15.8) against a reference: a
    base at position p of reference r is covered, and predicted as 1 2 4 8
    for A C G T, when contig `ref_name[r]` is listed in `reference_contigs`,
    p is below its length and its upper-cased base there is A, C, G or T (an
    RNA record's U covers nothing). The dataset has no `consensus/*` columns
    (`inconsistent`); the reference is checked as reference_link() says.
    `rows` as for consensus_bases()."""
    ds = _dataset(reader, dataset)
    where = f"alignments dataset {dataset!r}"
    extra = [c["name"] for c in ds["columns"] if c["name"].startswith("consensus/")]
    if extra:
        raise GcolError("inconsistent", f"{where}: seq_coding reference with column {extra[0]} (15.10: no "
                                        f"consensus/* columns)")
    n = len(rows["flag"])
    contigs = reference_link(reader, dataset, rows, reference)
    stored, seq_diff, seq_sub = stored_bases(reader, dataset, n)
    codes = {}  # ref_id -> each position's predicted code, 0 where not covered
    for t, name in enumerate(bytes(v) for v in reader.column_values(dataset, "ref_name")):
        if name in contigs:
            codes[t] = bytes(REFERENCE_CODES.get(b, 0) for b in contigs[name])

    def pieces(r, ref_id, start, length):
        contig, at, end = codes.get(ref_id, b""), start, start + length
        while at < end:
            covered = at < len(contig) and contig[at] != 0
            b = at + 1
            while b < end and (b < len(contig) and contig[b] != 0) == covered:
                b += 1
            yield at, b, contig[at:b] if covered else None
            at = b
    return predicted_bases(rows, stored, seq_diff, seq_sub, pieces, "the reference", where)


def _bam_tag(tag: bytes, kind: str, value) -> bytes:
    """15.4: one tag in BAM's layout (little-endian; text followed by NUL)."""
    if kind[0] == "B":
        return tag + b"B" + kind[1].encode() + struct.pack(f"<I{len(value)}{STRUCT[TAG_PHYSICAL[kind[1]]]}",
                                                            len(value), *value)
    if kind in ("Z", "H"):
        return tag + kind.encode() + bytes(value) + b"\0"
    return tag + kind.encode() + struct.pack("<" + STRUCT[TAG_PHYSICAL[kind]], value)


def bam_record(record: dict) -> bytes:
    """15.4: one record of alignment_records() in BAM's layout, without the
    4-byte block size that precedes it in a BAM file."""
    qname, cigar, seq = record["qname"], record["cigar"], record["seq"]
    if not 1 <= len(qname) <= 254:
        raise GcolError("inconsistent", f"qname of {len(qname)} bytes (15.2: 1 to 254)")
    if len(cigar) > 0xFFFF:
        raise GcolError("unsupported", f"{len(cigar)} CIGAR operations do not fit BAM's u16 count")
    if any(code > 15 for code in seq):
        raise GcolError("inconsistent", "a base code above 15 (15.2)")
    out = bytearray(BAM_CORE.pack(
        record["ref_id"], record["pos"], len(qname) + 1, record["mapq"],
        alignment_bin(record["pos"], cigar, record["flag"]), len(cigar), record["flag"], len(seq),
        record["next_ref_id"], record["next_pos"], record["tlen"]))
    out += qname + b"\0"
    out += struct.pack(f"<{len(cigar)}I", *cigar)
    padded = seq + b"\0" * (len(seq) % 2)  # a last odd base is followed by 0
    out += bytes(padded[i] << 4 | padded[i + 1] for i in range(0, len(padded), 2))
    out += record["quality"]
    for tag, kind, value in record["tags"]:
        out += _bam_tag(tag, kind, value)
    return bytes(out)


def alignments_bam_records(reader, dataset: str, reference: dict | None = None) -> list[bytes]:
    """15.4: every record of an alignments dataset in BAM's binary layout (as
    BAM output writes it, without the 4-byte block size), `bin` computed (15.2).
    `reference` as for alignment_records()."""
    return [bam_record(record) for record in alignment_records(reader, dataset, reference)]


def percent_g(x: float) -> str:
    """15.4: a float as C's printf("%g") prints it (glibc): 6 significant
    digits, exponent form below 1e-4 or from 1e6 (two exponent digits at
    least), no trailing zeros; `inf`, `-inf`, `nan` and `-nan`."""
    if x != x:
        return "-nan" if math.copysign(1.0, x) < 0 else "nan"
    return "%g" % x


def percent_g_array(x: float) -> str:
    """15.4: an array float as htslib prints it: %g, but a value exactly
    halfway at the sixth significant digit rounds away from zero."""
    if x != x or x in (math.inf, -math.inf) or x == 0:
        return percent_g(x)
    exact = abs(decimal.Decimal(x))
    digits = exact.adjusted()  # exponent of the leading digit
    quantum = decimal.Decimal(1).scaleb(digits - 5)
    if exact - exact.quantize(quantum, rounding=decimal.ROUND_DOWN) != quantum / 2:
        return percent_g(x)  # not a tie: %g as it is
    rounded = float(exact.quantize(quantum, rounding=decimal.ROUND_HALF_UP))
    return percent_g(-rounded if x < 0 else rounded)


def _sam_tag(tag: bytes, kind: str, value) -> bytes:
    """15.4: one tag as `samtools view` prints it: integers as `i`, floats as %g."""
    if kind[0] == "B":
        items = [percent_g_array(v) if kind[1] == "f" else str(v) for v in value]
        return tag + b":B:" + ",".join([kind[1]] + items).encode()
    if kind == "A":
        return tag + b":A:" + bytes([value])
    if kind in ("Z", "H"):
        return tag + b":" + kind.encode() + b":" + bytes(value)
    if kind == "f":
        return tag + b":f:" + percent_g(value).encode()
    return tag + b":i:%d" % value


def sam_header(reader, dataset: str) -> bytes:
    """The header `samtools view -h --no-PG` prints for the dataset's file:
    the `header` text (15.2), a missing last LF added (as htslib does), then,
    when no line of it starts with `@SQ<TAB>`, one `@SQ SN LN` line per
    reference of the reference list (15.1), as htslib writes a BAM header
    whose text has none."""
    text = bytes(reader.column_values(dataset, "header")[0])
    if text and not text.endswith(b"\n"):
        text += b"\n"
    if not re.search(rb"(?:^|\n)@SQ\t", text):
        names = reader.column_values(dataset, "ref_name")
        lengths = reader.column_values(dataset, "ref_length")
        text += b"".join(b"@SQ\tSN:" + bytes(name) + b"\tLN:%d\n" % length for name, length in zip(names, lengths))
    return text


def alignments_sam(reader, dataset: str, reference: dict | None = None) -> bytes:
    """15.4: the SAM text `samtools view -h` prints (without its @PG line):
    sam_header() and one line per record. `reference` as for alignment_records()."""
    names = [bytes(name) for name in reader.column_values(dataset, "ref_name")]
    where = f"alignments dataset {dataset!r}"

    def reference_name(ref_id, r):
        if ref_id < 0:
            return b"*"
        if ref_id >= len(names):
            raise GcolError("inconsistent", f"{where}: row {r}: reference id {ref_id} of {len(names)} (15.1)")
        return names[ref_id]

    out = bytearray(sam_header(reader, dataset))
    for r, rec in enumerate(alignment_records(reader, dataset, reference)):
        cigar = b""
        for item in rec["cigar"]:
            if item & 0xF >= len(CIGAR_OPS):
                raise GcolError("inconsistent", f"{where}: row {r}: CIGAR op {item & 0xF} (15.2: 0..8)")
            cigar += b"%d" % (item >> 4) + CIGAR_OPS[item & 0xF:(item & 0xF) + 1]
        rname = reference_name(rec["ref_id"], r)
        if rec["next_ref_id"] >= 0 and rec["next_ref_id"] == rec["ref_id"]:
            rnext = b"="
        else:
            rnext = reference_name(rec["next_ref_id"], r)
        seq, quality = rec["seq"], rec["quality"]
        if any(code > 15 for code in seq):
            raise GcolError("inconsistent", f"{where}: row {r}: a base code above 15 (15.2)")
        fields = [
            rec["qname"], b"%d" % rec["flag"], rname, b"%d" % (rec["pos"] + 1), b"%d" % rec["mapq"],
            cigar or b"*", rnext, b"%d" % (rec["next_pos"] + 1), b"%d" % rec["tlen"],
            bytes(BAM_BASES[code] for code in seq) or b"*",
            b"*" if not quality or quality[0] == 255 else bytes(q + 33 for q in quality),
        ]
        fields += [_sam_tag(tag, kind, value) for tag, kind, value in rec["tags"]]
        out += b"\t".join(fields) + b"\n"
    return bytes(out)


# 16: graph datasets (minor 7)
# 16.4: the column metadata key naming an attribute's type (the prose of 16.4, the conformance
# file and the reference writer say `value_type`; the table header of 16.4 and 16.6 say `value_type`)
ATTRIBUTE_TYPE_KEY = "value_type"
GRAPH_ATTRIBUTE_PHYSICAL = {"int64": "i64", "float64": "f64", "bool": "u8", "string": "binary",  # 16.4
                            "timestamp": "i64"}
# 16.2, 16.3, 16.5: each column's physical type and, for a list column, its child
GRAPH_COLUMNS = {
    "node/id": ("binary", None), "node/by_id": ("u32", None),
    "out": ("u64", "out/target"), "out/target": ("u32", None), "out/rank": ("u32", None),
    "in": ("u64", "in/source"), "in/source": ("u32", None), "in/edge": ("u32", None),
    "pathway/id": ("binary", None), "pathway/name": ("binary", None),
    "pathway/nodes": ("u64", "pathway/node"), "pathway/node": ("u32", None),
}
GRAPH_REQUIRED = ("node/id", "node/by_id", "out", "out/target", "in", "in/source", "in/edge")
GRAPH_PATHWAY_COLUMNS = ("pathway/id", "pathway/name", "pathway/nodes", "pathway/node")
GRAPH_NULLABLE = {"pathway/name"}  # 16.5; attributes (16.4) are nullable too
DIRECTIONS = ("out", "in", "both")  # 16.3


def _graph_broken(dataset, column, message, row=None):
    """8.3 `invariant`: a graph dataset value breaks 16.6; names dataset, column and row."""
    at = f", row {row}" if row is not None else ""
    return GcolError("invariant", f"graph dataset {dataset!r}, column {column}{at}: {message} (16.6)")


def _graph_values(reader, dataset, name, nullable=False):
    """A column's values; a null in a column that 16 does not make nullable is refused."""
    values = reader.column_values(dataset, name)
    if not nullable:
        for row, value in enumerate(values):
            if value is None:
                raise _graph_broken(dataset, name, "a null in a column that is not nullable", row)
    return values


def _graph_ends(reader, dataset, name, rows):
    """A list column's end offsets (6.6, checked by list_ends), `rows` rows, no null row."""
    ends = reader.list_ends(dataset, name)
    if len(ends) != rows:
        raise _graph_broken(dataset, name, f"{len(ends)} rows, not {rows}")
    for row, end in enumerate(ends):
        if end is None:
            raise _graph_broken(dataset, name, "a null row", row)
    return ends


def _graph_text(dataset, name, value, row):
    return _utf8_text(dataset, name, value, row, _graph_broken)


def _utf8_text(dataset, name, value, row, broken):
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise broken(dataset, name, "not valid UTF-8", row) from None


US_PER_DAY = 86_400_000_000  # 16.4: microseconds per day (no leap seconds)


def civil_from_days(days):
    """The proleptic Gregorian (year, month, day) of a day count since
    1970-01-01 (16.4), for any integer (years before 1 and after 9999 too)."""
    z = days + 719_468  # days since 0000-03-01
    era = z // 146_097  # 400-year cycles
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)  # day of a year that starts on 1 March
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def timestamp_text(micros):
    """16.4: a timestamp as RFC 3339 text in UTC, `YYYY-MM-DDTHH:MM:SSZ`, with
    `.` and six fraction digits before the `Z` when the microseconds are not
    zero. 16.4 gives no form for years outside 0000-9999 (RFC 3339 has none);
    here they are written as the binary writes them, ISO 8601's expanded years
    (`+10000`, `-0001`), for every i64 (the binary writes the decimal
    microseconds instead beyond year 262142)."""
    days, rest = divmod(int(micros), US_PER_DAY)
    seconds, fraction = divmod(rest, 1_000_000)
    year, month, day = civil_from_days(days)
    year_text = f"{year:04d}" if 0 <= year <= 9999 else (f"+{year}" if year > 0 else f"-{-year:04d}")
    text = f"{year_text}-{month:02d}-{day:02d}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return text + (f".{fraction:06d}" if fraction else "") + "Z"


class Timestamp(int):
    """16.4: a `timestamp` value: the microseconds since 1970-01-01T00:00:00Z
    (an int, equal to the stored i64), whose text (str, attribute_text) is
    16.4's RFC 3339 form."""

    def __str__(self):
        return timestamp_text(self)

    def __repr__(self):
        return f"Timestamp({timestamp_text(self)!r})"


def _graph_attribute(reader, dataset, c, columns, count, broken=_graph_broken, what="graph"):
    """16.4: one attribute column as (type, values), values typed (int, float,
    bool, str, Timestamp, or lists of them; None for a null), checked as 16.6 says (and
    17.6 for the table columns of 17.2, with `broken` naming that section)."""
    name = c["name"]
    kind = (c.get("metadata") or {}).get(ATTRIBUTE_TYPE_KEY)
    match = re.fullmatch(r"list<(int64|float64|bool|string|timestamp)>", kind) if isinstance(kind, str) else None
    item_type = match.group(1) if match else kind
    if item_type not in GRAPH_ATTRIBUTE_PHYSICAL:
        if reader.minor > READER_MINOR:  # 9: a newer minor version's type
            raise GcolError("unsupported", f"{what} dataset {dataset!r}, column {name}: value_type {kind!r}")
        raise broken(dataset, name, f"value_type {kind!r} is not one of 16.4")
    physical = GRAPH_ATTRIBUTE_PHYSICAL[item_type]
    layout = (c.get("layout") or {}).get("type")
    if match:
        if c["physical_type"] != "u64" or layout != "list":
            raise broken(dataset, name, f"{kind} is a u64 list column (6.6), not {c['physical_type']}")
        child = columns[c["layout"]["child"]]
        if child["physical_type"] != physical:
            raise broken(dataset, child["name"], f"items of {kind} are {physical}, not {child['physical_type']}")
        if (child.get("layout") or {}).get("type") is not None:
            raise broken(dataset, child["name"], f"items of {kind} are flat values")
        items = reader.column_values(dataset, child["name"])  # not nullable
        for row, v in enumerate(items):
            if v is None:
                raise broken(dataset, child["name"], "a null in a column that is not nullable", row)
        ends = reader.list_ends(dataset, name)
        rows = assemble_lists(ends, items)
    else:
        if c["physical_type"] != physical or layout is not None:
            raise broken(dataset, name, f"{kind} is {physical} flat values, not {c['physical_type']}"
                         + (f" with a {layout} layout" if layout else ""))
        items = rows = reader.column_values(dataset, name)
    if len(rows) != count:
        raise broken(dataset, name, f"{len(rows)} values, not {count}")
    holder = child["name"] if match else name
    if item_type == "bool":
        for i, v in enumerate(items):
            if v is not None and v not in (0, 1):
                raise broken(dataset, holder, f"bool value {v} is not 0 or 1", i)
        typed = [None if v is None else v == 1 for v in items]
    elif item_type == "string":
        typed = [None if v is None else _utf8_text(dataset, holder, v, i, broken) for i, v in enumerate(items)]
    elif item_type == "timestamp":
        typed = [None if v is None else Timestamp(v) for v in items]
    else:
        typed = list(items)
    if match:
        typed = assemble_lists(ends, typed)
    return kind, typed


def graph(reader, dataset):
    """16: a graph dataset decoded into plain Python structures, after checking
    every invariant of 16.6 (GcolError `invariant`, naming the column):

    ids           node identifiers (str) in node order (16.2)
    by_id         node numbers ordered by identifier bytes (16.2)
    directed      bool (16.1; absent means true)
    edges         (source, target) of each edge in CSR order (16.3)
    rank          each CSR edge's position in source order (`out/rank`, or 0 .. E when absent)
    out_ends      end offsets of `out`: node v's out-edges are out_ends[v-1] .. out_ends[v]
    in_edges      per node, its in-edges as (source, CSR edge number), in CSR order
    node_attrs, edge_attrs   {name: (value_type, values)} in column order, values typed
                  (int, float, bool, str, Timestamp, lists of those), None for a null (16.4)
    pathways      [(id, name or None, [node numbers])] (16.5)
    network       the `network` JSON object (dict) or None
    weight        the `weight` attribute's name or None
    source_format the metadata value or None"""
    ds = _dataset(reader, dataset)
    if ds.get("kind") != "graph":
        raise ValueError(f"dataset {dataset!r} is a {ds.get('kind')!r} dataset, not a graph")
    columns = {c["name"]: c for c in ds["columns"]}
    children = {c["layout"]["child"] for c in ds["columns"]
                if (c.get("layout") or {}).get("type") == "list" and isinstance(c["layout"].get("child"), str)}
    for name in GRAPH_REQUIRED:
        if name not in columns:
            raise _graph_broken(dataset, name, "missing (16.2, 16.3)")
    present = [name for name in GRAPH_PATHWAY_COLUMNS if name in columns]
    if present and len(present) != len(GRAPH_PATHWAY_COLUMNS):  # 16.5: together or not at all
        missing = next(name for name in GRAPH_PATHWAY_COLUMNS if name not in columns)
        raise _graph_broken(dataset, missing, "missing while other pathway columns are present (16.5)")
    for name, (physical, child) in GRAPH_COLUMNS.items():
        c = columns.get(name)
        if c is None:
            continue
        if c["physical_type"] != physical:
            raise _graph_broken(dataset, name, f"physical type {c['physical_type']}, not {physical}")
        layout = c.get("layout")
        if child is None and layout is not None:
            raise _graph_broken(dataset, name, f"a {layout.get('type')} layout on a flat column")
        if child is not None and ((layout or {}).get("type") != "list" or layout.get("child") != child):
            raise _graph_broken(dataset, name, f"not a list of {child} (6.6)")

    # 16.2: nodes
    raw_ids = _graph_values(reader, dataset, "node/id")
    n = len(raw_ids)
    if n > U32_MAX:
        raise _graph_broken(dataset, "node/id", f"{n} nodes, above 2^32 - 1")
    by_id = _graph_values(reader, dataset, "node/by_id")
    if len(by_id) != n:
        raise _graph_broken(dataset, "node/by_id", f"{len(by_id)} values, not N = {n}")
    seen = bytearray(n)
    for row, v in enumerate(by_id):
        if v >= n:
            raise _graph_broken(dataset, "node/by_id", f"node {v} of N = {n}", row)
        if seen[v]:
            raise _graph_broken(dataset, "node/by_id", f"node {v} listed twice", row)
        seen[v] = 1
    for row in range(1, n):
        if not bytes(raw_ids[by_id[row - 1]]) < bytes(raw_ids[by_id[row]]):
            raise _graph_broken(dataset, "node/by_id",
                                f"identifier of node {by_id[row]} does not sort after that of node {by_id[row - 1]}",
                                row)
    ids = [_graph_text(dataset, "node/id", v, i) for i, v in enumerate(raw_ids)]

    # 16.3: out-edges in CSR order
    out_ends = _graph_ends(reader, dataset, "out", n)
    targets = _graph_values(reader, dataset, "out/target")
    e_count = len(targets)
    if e_count > U32_MAX:
        raise _graph_broken(dataset, "out/target", f"{e_count} edges, above 2^32 - 1")
    if (out_ends[-1] if n else 0) != e_count:
        raise _graph_broken(dataset, "out", f"last end offset is not E = {e_count}")
    rank = None
    if "out/rank" in columns:
        rank = _graph_values(reader, dataset, "out/rank")
        if len(rank) != e_count:
            raise _graph_broken(dataset, "out/rank", f"{len(rank)} values, not E = {e_count}")
        seen = bytearray(e_count)
        for e, r in enumerate(rank):
            if r >= e_count or seen[r]:
                raise _graph_broken(dataset, "out/rank", f"rank {r} is not one of 0 .. E = {e_count} listed once", e)
            seen[r] = 1
    edges, start = [], 0
    for v in range(n):
        for e in range(start, out_ends[v]):
            t = targets[e]
            if t >= n:
                raise _graph_broken(dataset, "out/target", f"target {t} of N = {n}", e)
            if e > start and t < targets[e - 1]:
                raise _graph_broken(dataset, "out/target", f"targets of node {v} decrease (CSR order)", e)
            # 16.3 (not listed in 16.6): edges with equal source and target stay in source order
            if rank is not None and e > start and t == targets[e - 1] and rank[e] < rank[e - 1]:
                raise _graph_broken(dataset, "out/rank", f"parallel edges {v}->{t} out of source order (16.3)", e)
            edges.append((v, t))
        start = out_ends[v]

    # 16.3: in-edges
    in_ends = _graph_ends(reader, dataset, "in", n)
    sources = _graph_values(reader, dataset, "in/source")
    in_edge = _graph_values(reader, dataset, "in/edge")
    for name, values in (("in/source", sources), ("in/edge", in_edge)):
        if len(values) != e_count:
            raise _graph_broken(dataset, name, f"{len(values)} values, not E = {e_count}")
    if (in_ends[-1] if n else 0) != e_count:
        raise _graph_broken(dataset, "in", f"last end offset is not E = {e_count}")
    seen = bytearray(e_count)
    in_edges, start = [], 0
    for v in range(n):
        row = []
        for i in range(start, in_ends[v]):
            s, e = sources[i], in_edge[i]
            if s >= n:
                raise _graph_broken(dataset, "in/source", f"source {s} of N = {n}", i)
            if e >= e_count:
                raise _graph_broken(dataset, "in/edge", f"edge {e} of E = {e_count}", i)
            if seen[e]:
                raise _graph_broken(dataset, "in/edge", f"edge {e} listed twice", i)
            seen[e] = 1
            if edges[e][1] != v:
                raise _graph_broken(dataset, "in/edge", f"edge {e} has target {edges[e][1]}, not {v}", i)
            if edges[e][0] != s:
                raise _graph_broken(dataset, "in/source", f"edge {e} has source {edges[e][0]}, not {s}", i)
            if i > start and s < sources[i - 1]:
                raise _graph_broken(dataset, "in/source", f"sources of node {v} decrease", i)
            # 16.3 (implied, not listed in 16.6): a row of `in` is in CSR order
            if i > start and e < in_edge[i - 1]:
                raise _graph_broken(dataset, "in/edge", f"in-edges of node {v} not in CSR order (16.3)", i)
            row.append((s, e))
        in_edges.append(row)
        start = in_ends[v]

    # 16.4: attributes
    node_attrs, edge_attrs = {}, {}
    for c in ds["columns"]:
        name = c["name"]
        if name in children:  # 16.4: a list's child is not itself an attribute
            continue
        for prefix, count, into in (("node_attr/", n, node_attrs), ("edge_attr/", e_count, edge_attrs)):
            if name.startswith(prefix):
                if len(name) == len(prefix):
                    raise _graph_broken(dataset, name, "an attribute with an empty name (16.4)")
                into[name[len(prefix):]] = _graph_attribute(reader, dataset, c, columns, count)

    # 16.5: pathways
    pathways = []
    if present:
        pids = _graph_values(reader, dataset, "pathway/id")
        pnames = _graph_values(reader, dataset, "pathway/name", nullable=True)
        pends = reader.list_ends(dataset, "pathway/nodes")
        members = _graph_values(reader, dataset, "pathway/node")
        for name, values in (("pathway/name", pnames), ("pathway/nodes", pends)):
            if len(values) != len(pids):
                raise _graph_broken(dataset, name, f"{len(values)} values, not {len(pids)} as pathway/id")
        start = 0
        for p, (pid, pname, end) in enumerate(zip(pids, pnames, pends)):
            if end is None:
                raise _graph_broken(dataset, "pathway/nodes", "a null row", p)
            nodes = members[start:end]
            for i, v in enumerate(nodes):
                if v >= n:
                    raise _graph_broken(dataset, "pathway/node", f"node {v} of N = {n}", start + i)
                if i and v <= nodes[i - 1]:
                    raise _graph_broken(dataset, "pathway/node",
                                        f"members of pathway {p} not distinct and ascending", start + i)
            pathways.append((_graph_text(dataset, "pathway/id", pid, p),
                             None if pname is None else _graph_text(dataset, "pathway/name", pname, p), nodes))
            start = end

    # 16.1: metadata
    meta = ds.get("metadata") or {}
    directed = meta.get("directed", "true")
    if directed not in ("true", "false"):
        raise _graph_broken(dataset, "(metadata directed)", f"directed is {directed!r}, not true or false")
    network = None
    if "network" in meta:
        try:
            # RFC 8259: no NaN or Infinity; a repeated member name is allowed (SHOULD, not MUST)
            network = json.loads(meta["network"], parse_constant=_no_floats)
        except (ValueError, TypeError):
            network = None
        if not isinstance(network, dict):
            raise _graph_broken(dataset, "(metadata network)", "network is not a JSON object")
    weight = meta.get("weight")
    if weight is not None and (weight not in edge_attrs or edge_attrs[weight][0] not in ("int64", "float64")):
        raise _graph_broken(dataset, "(metadata weight)",
                            f"weight {weight!r} names no int64 or float64 edge attribute")
    return {"ids": ids, "by_id": list(by_id), "directed": directed == "true", "edges": edges,
            "rank": list(rank) if rank is not None else list(range(e_count)), "out_ends": list(out_ends),
            "in_edges": in_edges, "node_attrs": node_attrs, "edge_attrs": edge_attrs, "pathways": pathways,
            "network": network, "weight": weight, "source_format": meta.get("source_format")}


def find_node(g, node_id):
    """16.2: the node number of an identifier by bisection over node/by_id
    (identifiers compared as bytes), or None."""
    key = node_id.encode("utf-8") if isinstance(node_id, str) else bytes(node_id)
    ids, by_id = g["ids"], g["by_id"]
    lo, hi = 0, len(by_id)
    while lo < hi:
        mid = (lo + hi) // 2
        if ids[by_id[mid]].encode("utf-8") < key:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(by_id) and ids[by_id[lo]].encode("utf-8") == key:
        return by_id[lo]
    return None


def out_edges(g, v):
    """16.3: the CSR numbers of node v's out-edges: end[v-1] .. end[v]."""
    return range(g["out_ends"][v - 1] if v else 0, g["out_ends"][v])


def neighbours(g, v, direction=None):
    """16.3: v's neighbours as ascending node numbers, each once: `out` its
    out-targets, `in` its in-sources, `both` the two together. Without a
    direction: out in a directed graph, both in an undirected one (16.3: there
    the neighbours are both together). 16.3 does not say what `out` or `in`
    mean in an undirected graph; here they follow the stored direction (an
    edge is stored as the source gave it, 16.1), as the reference CLI does."""
    direction = direction or ("out" if g["directed"] else "both")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction {direction!r}")
    found = set()
    if direction in ("out", "both"):
        found.update(g["edges"][e][1] for e in out_edges(g, v))
    if direction in ("in", "both"):
        found.update(s for s, _ in g["in_edges"][v])
    return sorted(found)


def shortest_path(g, start, end, direction=None):
    """A path from start to end with the fewest edges (breadth-first, following
    `neighbours` in node order; the first path found wins), as node numbers,
    or None when there is none."""
    parent = {start: None}
    frontier = [start]
    while frontier and end not in parent:
        following = []
        for v in frontier:
            for w in neighbours(g, v, direction):
                if w not in parent:
                    parent[w] = v
                    following.append(w)
        frontier = following
    if end not in parent:
        return None
    path = [end]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    return path[::-1]


def source_order(g):
    """16.3, 16.8: the CSR numbers of the edges in source order (edge e is at position rank[e])."""
    order = [0] * len(g["edges"])
    for e, r in enumerate(g["rank"]):
        order[r] = e
    return order


def float_text(x):
    """16.4: a float as the shortest text that reads back as the same number,
    with `.0` on whole numbers. 16.4 does not say whether that text may use an
    exponent; here it is positional (the digits of the shortest round trip,
    `2.5e-05` as `0.000025`), as the reference CLI writes. NaN and the
    infinities, which 16.4 leaves out, are written `NaN`, `inf`, `-inf` as the
    CLI does."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = format(decimal.Decimal(repr(x)), "f")
    if "." not in text:
        text += ".0"
    return text


def _json_item(value):
    if isinstance(value, Timestamp):  # 16.4: JSON-escaped text
        return json.dumps(timestamp_text(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float_text(value)
    return json.dumps(value, ensure_ascii=False)


def attribute_text(value):
    """16.4: an attribute value as text: integers in decimal, floats as
    float_text, `true` and `false`, timestamps as timestamp_text, lists as
    JSON arrays without spaces; a null is the empty string."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "[" + ",".join(_json_item(item) for item in value) + "]"
    if isinstance(value, str):
        return value
    if isinstance(value, Timestamp):
        return timestamp_text(value)
    return _json_item(value)


def table_field(text, delimiter):
    """CSV quoting: a field holding the delimiter, a double quote, or a line
    break is written in double quotes with inner quotes doubled."""
    if any(ch in text for ch in (delimiter, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def _table(header, rows, delimiter):
    return "".join(delimiter.join(table_field(f, delimiter) for f in fields) + "\n" for fields in [header, *rows])


def edge_table(g, delimiter="\t"):
    """16.8: the edge table (CSV with ",", TSV with a tab): `source`, `target`,
    then the edge attributes in column order; edges in source order."""
    names = list(g["edge_attrs"])
    rows = []
    for e in source_order(g):
        s, t = g["edges"][e]
        rows.append([g["ids"][s], g["ids"][t]] + [attribute_text(g["edge_attrs"][a][1][e]) for a in names])
    return _table(["source", "target"] + names, rows, delimiter)


def node_table(g, delimiter="\t"):
    """`id`, then the node attributes in column order; nodes in node order."""
    names = list(g["node_attrs"])
    rows = [[node_id] + [attribute_text(g["node_attrs"][a][1][v]) for a in names] for v, node_id in enumerate(g["ids"])]
    return _table(["id"] + names, rows, delimiter)


# 17: table datasets (minor 7)
TABLE_MINOR_7_METADATA = ("row_group_rows", "schema")  # 17.1, 9: the metadata that makes a typed table
# 17.5: the attribute index: each column's physical type and, for a list column, its child
TABLE_INDEX_COLUMNS = {"index/key": ("binary", None), "index/value": ("binary", None),
                       "index/rows": ("u64", "index/row"), "index/row": ("u32", None)}
# 17.3: the columns of a feature table and their value types
FEATURE_COLUMNS = {
    "seqid": "string", "source": "string", "type": "string", "start": "int64", "end": "int64",
    "score": "float64", "strand": "string", "phase": "int64", "attributes": "string",
    "attr_keys": "list<string>", "attr_values": "list<string>", "id": "string", "line": "string",
    "parents": "list<int64>", "source_start": "int64", "source_end": "int64",
}
FEATURE_COMMENT_COLUMNS = {"comment/row": "i64", "comment/text": "binary"}  # 17.3: int64, string (no nulls)
FEATURE_FORMATS = ("gff3", "gtf", "genbank", "antismash-json")  # 17.1: the source formats of a feature table
GENBANK_COLUMNS = {"location": "string"}  # 17.4: a GenBank feature table's columns beyond those of 17.3
ANTISMASH_COLUMNS = {"location": "string"}  # 17.9: an antiSMASH feature table's columns beyond those of 17.3
LINE_ENDS = ("\n", "\r\n")  # 17.1
ANTISMASH_LINE_END = ""  # 17.1, 17.9: an antiSMASH table's line_end is the empty string, final_newline false
TABLE_SCHEMAS = ("features", "genomics")  # 17.1: the values of `schema`
# 17.1: the values of `source_format`, and `parquet` (a table imported from a Parquet file: the
# binary writes it, though 17.1's list of values does not name it)
TABLE_SOURCE_FORMATS = ("csv", "tsv", "gff3", "gtf", "genbank", "antismash-json", "parquet")
# 17.8: the genomics schema: table -> ([(column, value_type, required)], primary key columns,
# {foreign key column: (referenced table, referenced column)})
GENOMICS_TABLES = {
    "experiments": ([("experiment_id", "string", True), ("name", "string", False),
                     ("description", "string", False), ("platform", "string", False),
                     ("date", "timestamp", False)], ("experiment_id",), {}),
    "samples": ([("sample_id", "string", True), ("experiment_id", "string", False), ("name", "string", False),
                 ("organism", "string", False), ("tissue", "string", False), ("collected", "timestamp", False)],
                ("sample_id",), {"experiment_id": ("experiments", "experiment_id")}),
    "genes": ([("gene_id", "string", True), ("name", "string", False), ("seqid", "string", False),
               ("start", "int64", False), ("end", "int64", False), ("strand", "string", False),
               ("biotype", "string", False)], ("gene_id",), {}),
    "gene_variants": ([("variant_id", "string", True), ("gene_id", "string", False), ("sample_id", "string", False),
                       ("seqid", "string", False), ("position", "int64", True), ("ref", "string", True),
                       ("alt", "string", True), ("genotype", "string", False), ("effect", "string", False)],
                      ("variant_id",), {"gene_id": ("genes", "gene_id"), "sample_id": ("samples", "sample_id")}),
    "gene_expression": ([("gene_id", "string", True), ("sample_id", "string", True), ("value", "float64", True),
                         ("unit", "string", False)],
                        ("gene_id", "sample_id"),
                        {"gene_id": ("genes", "gene_id"), "sample_id": ("samples", "sample_id")}),
    "sequences": ([("sequence_id", "string", True), ("sample_id", "string", False), ("sequence", "string", False),
                   ("quality", "list<int64>", False), ("dataset", "string", False), ("record", "string", False)],
                  ("sequence_id",), {"sample_id": ("samples", "sample_id")}),
    "alignments": ([("alignment_id", "string", True), ("sequence_id", "string", False), ("seqid", "string", False),
                    ("start", "int64", False), ("end", "int64", False), ("strand", "string", False),
                    ("mapq", "int64", False), ("cigar", "string", False)],
                   ("alignment_id",), {"sequence_id": ("sequences", "sequence_id")}),
    "metadata": ([("key", "string", True), ("value", "string", False), ("timestamp", "timestamp", False)],
                 ("key",), {}),
}
GFF3_ENCODED = re.compile("[%;=,&\x00-\x1f\x7f]")  # 17.3: percent-encoded in canonical GFF3 text


def is_typed_table(ds):
    """17.1: a typed table (format 1.7): a `table` dataset whose metadata has
    `row_group_rows` or `schema`. Tables without them (section 4's older
    tables, the 1.0 conformance `tables.gcol`) are read generically only."""
    return ds.get("kind") == "table" and any(key in (ds.get("metadata") or {}) for key in TABLE_MINOR_7_METADATA)


def _table_broken(dataset, column, message, row=None, section="17.6"):
    """8.3 `invariant`: a table dataset value breaks 17.6 (or another rule of 17,
    named by `section`); names dataset, column and row."""
    at = f", row {row}" if row is not None else ""
    return GcolError("invariant", f"table dataset {dataset!r}, column {column}{at}: {message} ({section})")


def _table_flat(reader, dataset, c, physical, section="17.6"):
    """A flat column of a fixed physical type without nulls (17.3 comments, 17.5 index)."""
    name = c["name"]
    if c["physical_type"] != physical or c.get("layout") is not None:
        raise _table_broken(dataset, name, f"physical type {c['physical_type']}"
                            + (f" with a {c['layout'].get('type')} layout" if c.get("layout") else "")
                            + f", not flat {physical}", section=section)
    values = reader.column_values(dataset, name)
    for row, v in enumerate(values):
        if v is None:
            raise _table_broken(dataset, name, "a null in a column without nulls", row, section)
    return values


def _page_spans(reader, c):
    """The (first row, number of values) of each page of a column, from the
    directory (2.4) or the inline page (5.4), without decoding."""
    if c.get("inline") is not None:
        return [(0, c["num_values"])]
    spans = []
    for page in range(c["first_page"], c["first_page"] + c["num_pages"]):
        e = reader.entry(page)
        spans.append((e["first_row"], e["num_values"]))
    return spans


def _table_metadata(dataset, meta, key, allowed, default):
    value = meta.get(key, default)
    if value not in allowed:
        raise _table_broken(dataset, f"(metadata {key})", f"{key} is {value!r}, not one of {list(allowed)!r}",
                            section="17.1")
    return value


def table(reader, dataset):
    """17: a typed table decoded into plain Python structures, after checking
    every invariant of 17.6 (GcolError `invariant`, naming the column; a rule
    that 17.6 does not list names its own section):

    num_rows      the dataset's `num_rows` (17.1)
    columns       {name: (value_type, values)} of the table columns (17.2) in column
                  order, values typed (int, float, bool, str, Timestamp, lists of those), None for a null
    features      True for a feature table (`schema` = `features`, 17.3)
    source_format the metadata value or None
    line_end, final_newline, trailing_space   a feature table's metadata (17.1; for
                  others "\\n", True, False); absent members take those values
    comments      a feature table's [(comment/row, comment/text)] in file order (17.3)
    sequences     a GenBank or antiSMASH table's `sequences` metadata (17.4, 17.9): the name
                  of the sequences dataset holding its sequences, or None
    sections      a GenBank table's number of sequence sections (17.4, as the export counts
                  them), an antiSMASH table's number of pieces that open a sequence (17.9),
                  else 0
    schema        the `schema` metadata (17.1: `features`, `genomics`) or None; a genomics
                  table (17.8) has its columns, required values and keys checked
    index         [(name bytes, value bytes, [rows])] in entry order (17.5), or None
    metadata      the dataset's metadata"""
    ds = _dataset(reader, dataset)
    if ds.get("kind") != "table":
        raise ValueError(f"dataset {dataset!r} is a {ds.get('kind')!r} dataset, not a table")
    meta = ds.get("metadata") or {}
    columns = {c["name"]: c for c in ds["columns"]}
    # 17.1: `schema`, when present, is `features` or `genomics` (a newer minor version's schema,
    # whose rules this reader does not know, is unsupported); `source_format` one of 17.1's
    schema = meta.get("schema")
    if schema is not None and schema not in TABLE_SCHEMAS:
        if reader.minor > READER_MINOR:
            raise GcolError("unsupported", f"table dataset {dataset!r}: schema {schema!r}")
        _table_metadata(dataset, meta, "schema", TABLE_SCHEMAS, None)
    if "source_format" in meta and reader.minor <= READER_MINOR:
        _table_metadata(dataset, meta, "source_format", TABLE_SOURCE_FORMATS, None)
    features = schema == "features"
    lists = {c["name"]: c["layout"]["child"] for c in ds["columns"]
             if (c.get("layout") or {}).get("type") == "list" and isinstance(c["layout"].get("child"), str)}
    children = set(lists.values())
    table_columns = [c for c in ds["columns"] if c["name"] not in children and not c["name"].startswith("index/")
                     and not (features and c["name"] in FEATURE_COMMENT_COLUMNS)]

    # 17.1: num_rows is the number of rows. 5.2 makes the member optional; a
    # table without it takes the row count of its first column (and 17.6 then
    # checks that every other column has as many).
    num_rows = ds.get("num_rows")
    if num_rows is None:
        num_rows = table_columns[0]["num_values"] if table_columns else 0

    # 17.2, 17.6: each table column has num_rows values and the physical type of its value_type
    typed = {}
    for c in table_columns:
        name = c["name"]
        if name in lists and lists[name] != name + "/item":  # 17.2 (16.4): the child NAME/item
            raise _table_broken(dataset, name, f"its items are {lists[name]!r}, not {name + '/item'!r}",
                                section="17.2")
        typed[name] = _graph_attribute(reader, dataset, c, columns, num_rows, broken=_table_broken, what="table")

    # 17.1: row groups: a page never crosses a multiple of row_group_rows
    if "row_group_rows" in meta:
        text = meta["row_group_rows"]
        if not (isinstance(text, str) and re.fullmatch(r"[1-9][0-9]*", text)):
            raise _table_broken(dataset, "(metadata row_group_rows)", f"row_group_rows {text!r} is not a "
                                "positive decimal number", section="17.1")
        group = int(text)
        for c in table_columns:
            for first, n in _page_spans(reader, c):
                if n and first // group != (first + n - 1) // group:
                    raise _table_broken(dataset, c["name"], f"a page of rows {first}..{first + n} crosses a row "
                                        f"group boundary (row_group_rows {group})", first, "17.1")

    result = {"num_rows": num_rows, "columns": typed, "features": features, "metadata": meta,
              "source_format": meta.get("source_format"), "line_end": "\n", "final_newline": True,
              "trailing_space": False, "comments": [], "index": None, "sequences": None, "sections": 0,
              "schema": schema}

    # 17.8: a table of the genomics schema
    if schema == "genomics":
        _check_genomics(reader, dataset, typed)

    # 17.3: feature tables
    if features:
        for name, kind in FEATURE_COLUMNS.items():
            if name not in typed:
                raise _table_broken(dataset, name, "missing from a feature table", section="17.3")
            if typed[name][0] != kind:
                raise _table_broken(dataset, name, f"value_type {typed[name][0]!r}, not {kind!r}", section="17.3")
        result["source_format"] = _table_metadata(dataset, meta, "source_format", FEATURE_FORMATS, None)
        if result["source_format"] == "antismash-json":
            # 17.9: `line_end` is the empty string and `final_newline` false (17.1 names no
            # default for absent members; absent, they take those values here)
            result["line_end"] = _table_metadata(dataset, meta, "line_end", (ANTISMASH_LINE_END,), ANTISMASH_LINE_END)
            result["final_newline"] = _table_metadata(dataset, meta, "final_newline", ("false",), "false") == "true"
        else:
            result["line_end"] = _table_metadata(dataset, meta, "line_end", LINE_ENDS, "\n")
            result["final_newline"] = _table_metadata(dataset, meta, "final_newline", ("true", "false"),
                                                      "true") == "true"
        result["trailing_space"] = _table_metadata(dataset, meta, "attributes_trailing_space",
                                                   ("true", "false"), "false") == "true"
        # 17.6: parents are rows of the table
        parents = typed["parents"][1]
        position = 0
        for row, items in enumerate(parents):
            for p in items or []:
                if not 0 <= p < num_rows:
                    raise _table_broken(dataset, "parents/item", f"parent {p} is not a row of the "
                                        f"{num_rows} rows (of row {row})", position)
                position += 1
        # 17.6: source_start is at most source_end where both are present
        for row, (first, last) in enumerate(zip(typed["source_start"][1], typed["source_end"][1])):
            if first is not None and last is not None and first > last:
                raise _table_broken(dataset, "source_start", f"{first} is after source_end {last}", row)
        # 17.3: attr_keys and attr_values are parallel lists
        for row, (keys, values) in enumerate(zip(typed["attr_keys"][1], typed["attr_values"][1])):
            if len(keys or []) != len(values or []) or (keys is None) != (values is None):
                raise _table_broken(dataset, "attr_values", "not parallel to attr_keys", row, "17.3")
        # 17.3, 17.6: comment lines
        present = [name for name in FEATURE_COMMENT_COLUMNS if name in columns]
        if present and len(present) != len(FEATURE_COMMENT_COLUMNS):  # one value per comment line each
            missing = next(name for name in FEATURE_COMMENT_COLUMNS if name not in columns)
            raise _table_broken(dataset, missing, "missing while the other comment column is present", section="17.3")
        if present:
            rows = _table_flat(reader, dataset, columns["comment/row"], "i64", "17.3")
            texts = _table_flat(reader, dataset, columns["comment/text"], "binary", "17.3")
            if len(rows) != len(texts):
                raise _table_broken(dataset, "comment/text", f"{len(texts)} values, not {len(rows)} as comment/row",
                                    section="17.3")
            for i, r in enumerate(rows):
                if r < 0 or r > num_rows:
                    raise _table_broken(dataset, "comment/row", f"{r} is not within 0 ..= num_rows = {num_rows}", i)
                if i and r < rows[i - 1]:
                    raise _table_broken(dataset, "comment/row", f"{r} after {rows[i - 1]}: the values decrease", i)
            result["comments"] = [(r, _utf8_text(dataset, "comment/text", t, i, _table_broken))
                                  for i, (r, t) in enumerate(zip(rows, texts))]
        if result["source_format"] == "genbank":
            _check_genbank(reader, dataset, typed, result)
        elif result["source_format"] == "antismash-json":
            _check_antismash(reader, dataset, typed, result)

    # 17.5, 17.6: the attribute index
    present = [name for name in TABLE_INDEX_COLUMNS if name in columns]
    if present and len(present) != len(TABLE_INDEX_COLUMNS):  # the four index columns are present together
        missing = next(name for name in TABLE_INDEX_COLUMNS if name not in columns)
        raise _table_broken(dataset, missing, "missing while other index columns are present")
    if present:
        c = columns["index/rows"]
        if c["physical_type"] != "u64" or (c.get("layout") or {}).get("type") != "list" \
                or c["layout"].get("child") != "index/row":
            raise _table_broken(dataset, "index/rows", "not a u64 list of index/row (6.6)")
        keys = _table_flat(reader, dataset, columns["index/key"], "binary")
        values = _table_flat(reader, dataset, columns["index/value"], "binary")
        ends = reader.list_ends(dataset, "index/rows")
        items = _table_flat(reader, dataset, columns["index/row"], "u32")
        for name, column in (("index/value", values), ("index/rows", ends)):
            if len(column) != len(keys):
                raise _table_broken(dataset, name, f"{len(column)} values, not {len(keys)} as index/key")
        index, start, previous = [], 0, None
        for e, (key, value, end) in enumerate(zip(keys, values, ends)):
            if end is None:
                raise _table_broken(dataset, "index/rows", "a null row", e)
            pair = (bytes(key), bytes(value))
            if previous is not None and pair <= previous:  # sorted by (name, value) bytes, and distinct
                column = "index/key" if pair[0] < previous[0] else "index/value"
                raise _table_broken(dataset, column, f"entry {pair!r} does not sort after {previous!r}", e)
            rows = items[start:end]
            for i, r in enumerate(rows):
                if r >= num_rows:
                    raise _table_broken(dataset, "index/row", f"row {r} of num_rows = {num_rows}", start + i)
                if i and r <= rows[i - 1]:
                    raise _table_broken(dataset, "index/row", f"rows of entry {e} not ascending and distinct",
                                        start + i)
            index.append((pair[0], pair[1], list(rows)))
            previous, start = pair, end
        result["index"] = index
        if features:  # 17.5 (not listed in 17.6): a feature table's pairs are those of attr_keys/attr_values
            expected = {}
            for row, (ks, vs) in enumerate(zip(typed["attr_keys"][1], typed["attr_values"][1])):
                for k, v in zip(ks or [], vs or []):
                    rows = expected.setdefault((k.encode("utf-8"), v.encode("utf-8")), [])
                    if not rows or rows[-1] != row:
                        rows.append(row)
            for e, (key, value, rows) in enumerate(index):
                if expected.get((key, value)) != rows:
                    raise _table_broken(dataset, "index/rows", f"entry ({key!r}, {value!r}) lists rows {rows}, "
                                        f"attr_keys/attr_values give {expected.get((key, value), [])}", e, "17.5")
            if len(expected) != len(index):
                missing = sorted(set(expected) - {(k, v) for k, v, _ in index})[0]
                raise _table_broken(dataset, "index/key", f"no entry for the pair {missing!r} of attr_keys/"
                                    "attr_values", section="17.5")
    return result


def _genomics_broken(dataset, column, message, row=None):
    return _table_broken(dataset, column, message, row, "17.8")


def _referenced_texts(reader, dataset, name, table_name, column_name):
    """17.8: the texts (16.4) of the non-null values of the referenced column of
    a foreign key (`name` of `dataset` references `table_name.column_name`):
    the table of that name in the same file MUST exist (a `table` dataset) and
    have that column. 17.8 does not say the referenced table must itself have
    `schema` `genomics`; it is not required here."""
    target = next((ds for ds in reader.datasets if ds["name"] == table_name), None)
    if target is None or target.get("kind") != "table":
        raise _genomics_broken(dataset, name, f"a foreign key to {table_name}.{column_name}, and the file has no "
                               f"table {table_name!r}")
    columns = {c["name"]: c for c in target["columns"]}
    if column_name not in columns:
        raise _genomics_broken(dataset, name, f"a foreign key to {table_name}.{column_name}, and table "
                               f"{table_name!r} has no column {column_name!r}")
    rows = target.get("num_rows")
    if rows is None:
        rows = columns[column_name]["num_values"]
    _, values = _graph_attribute(reader, table_name, columns[column_name], columns, rows, broken=_table_broken,
                                 what="table")
    return {attribute_text(v) for v in values if v is not None}


def _check_genomics(reader, dataset, typed):
    """17.8: a table whose `schema` is `genomics` is the schema's table named by
    its dataset name and has at least that table's columns with their
    value_type (more may follow; 17.8 does not make the order binding, and it is
    not checked); required columns have no nulls; the primary key's values,
    together as their text (16.4, a tuple of texts for a composite key), are
    distinct; a non-null foreign key value is, as text, a value of the
    referenced column of the table of that name in the file; in `sequences` a
    non-null `dataset` names a `sequences` dataset (12) of the file and a
    non-null `record` (only with a `dataset`) a record of it (12.2's names)."""
    if dataset not in GENOMICS_TABLES:
        raise _genomics_broken(dataset, "(metadata schema)", f"{dataset!r} is not a table of the genomics schema "
                               f"({', '.join(GENOMICS_TABLES)})")
    schema_columns, key, foreign = GENOMICS_TABLES[dataset]
    for name, kind, required in schema_columns:
        if name not in typed:
            raise _genomics_broken(dataset, name, f"missing from the genomics table {dataset!r}")
        if typed[name][0] != kind:
            raise _genomics_broken(dataset, name, f"value_type {typed[name][0]!r}, not {kind!r}")
        if required:
            for row, value in enumerate(typed[name][1]):
                if value is None:
                    raise _genomics_broken(dataset, name, "a null in a required column", row)
    seen = {}
    for row, values in enumerate(zip(*(typed[name][1] for name in key))):
        text = tuple(attribute_text(v) for v in values)
        if text in seen:
            raise _genomics_broken(dataset, key[0], f"primary key ({', '.join(key)}) = {text!r} repeats row "
                                   f"{seen[text]}", row)
        seen[text] = row
    for name, (table_name, column_name) in foreign.items():
        values = typed[name][1]
        if all(v is None for v in values):
            continue  # the referenced table need exist only for a non-null value
        referenced = _referenced_texts(reader, dataset, name, table_name, column_name)
        for row, value in enumerate(values):
            if value is not None and attribute_text(value) not in referenced:
                raise _genomics_broken(dataset, name, f"{attribute_text(value)!r} is not a value of "
                                       f"{table_name}.{column_name}", row)
    if dataset == "sequences":
        names = {}
        for row, (target, record) in enumerate(zip(typed["dataset"][1], typed["record"][1])):
            if target is None:
                if record is not None:
                    raise _genomics_broken(dataset, "record", f"record {record!r} without a dataset", row)
                continue
            ds = next((d for d in reader.datasets if d["name"] == target), None)
            if ds is None or ds.get("kind") != "sequences":
                raise _genomics_broken(dataset, "dataset", f"{target!r} is not a sequences dataset of the file", row)
            if record is not None:
                if target not in names:
                    names[target] = set(record_names(reader, target))
                if record.encode("utf-8") not in names[target]:
                    raise _genomics_broken(dataset, "record", f"{record!r} is not a record of the sequences "
                                           f"dataset {target!r}", row)


def _check_genbank(reader, dataset, typed, result):
    """17.4, 17.6: a GenBank feature table has the column `location` (string), and its
    `sequences` dataset (named by the metadata) has a record for every sequence section
    the export counts. A `sequences` metadata value must name a `sequences` dataset even
    when there is no section (17.1: it is absent when no record has a sequence)."""
    for name, kind in GENBANK_COLUMNS.items():
        if name not in typed:
            raise _table_broken(dataset, name, "missing from a GenBank feature table", section="17.4")
        if typed[name][0] != kind:
            raise _table_broken(dataset, name, f"value_type {typed[name][0]!r}, not {kind!r}", section="17.4")
    _check_sequences_link(reader, dataset, result, len(genbank_sections(result["comments"])),
                          "sequence sections", "17.4")


def _check_sequences_link(reader, dataset, result, sections, what, section):
    """17.1, 17.6: the `sequences` metadata names a `sequences` dataset of the file with at least
    `sections` records (the sequence sections of 17.4, or the pieces that open a sequence of
    17.9); it may be absent only when there are none."""
    name = result["metadata"].get("sequences")
    result["sequences"], result["sections"] = name, sections
    if name is None:
        if sections:
            raise _table_broken(dataset, "(metadata sequences)", f"no sequences dataset for the {sections} "
                                f"{what}", section="17.6")
        return
    target = next((ds for ds in reader.datasets if ds["name"] == name), None)
    if not isinstance(name, str) or target is None or target.get("kind") != "sequences":
        raise _table_broken(dataset, "(metadata sequences)", f"sequences {name!r} is not a sequences dataset of "
                            "the file", section=section)
    records = target.get("num_rows")
    if records is None:  # 5.2 makes num_rows optional: the record columns have one value per record (12.2)
        records = reader.column(name, "length")["num_values"]
    if records < sections:
        raise _table_broken(dataset, "(metadata sequences)", f"the sequences dataset {name!r} has {records} "
                            f"records, fewer than the {sections} {what}", section="17.6")


def _check_antismash(reader, dataset, typed, result):
    """17.9, 17.6: an antiSMASH feature table has the column `location` (string), and its
    `sequences` dataset (named by the metadata) has a record for every piece that opens a
    sequence (ends with `"data"`, `:`, JSON white space, `"`)."""
    for name, kind in ANTISMASH_COLUMNS.items():
        if name not in typed:
            raise _table_broken(dataset, name, "missing from an antiSMASH feature table", section="17.9")
        if typed[name][0] != kind:
            raise _table_broken(dataset, name, f"value_type {typed[name][0]!r}, not {kind!r}", section="17.9")
    _check_sequences_link(reader, dataset, result, len(antismash_sequence_pieces(result["comments"])),
                          "pieces that open a sequence", "17.9")


def percent_encode(text):
    """17.3: `%`, `;`, `=`, `,`, `&`, bytes below 0x20 and 0x7F as %XX
    (upper-case hex). All of them are ASCII, so a UTF-8 text's other
    characters pass unchanged."""
    return GFF3_ENCODED.sub(lambda m: "%%%02X" % ord(m.group()), text)


def canonical_attributes(keys, values, source_format, trailing_space=False):
    """17.3: the canonical attribute text of a row's pairs. GFF3: runs of equal
    names as `name=v1,v2`, joined by `;`, percent-encoded; GTF: `name "value";`
    joined by one space, one more after the last with `trailing_space`. No
    pairs give the empty text (17.3 does not say; a GTF trailing space needs a
    last pair)."""
    keys, values = keys or [], values or []
    if source_format == "gtf":
        text = " ".join(f'{k} "{v}";' for k, v in zip(keys, values))
        return text + " " if trailing_space and keys else text
    runs = []
    for k, v in zip(keys, values):
        if runs and runs[-1][0] == k:
            runs[-1][1].append(v)
        else:
            runs.append((k, [v]))
    return ";".join(percent_encode(k) + "=" + ",".join(percent_encode(v) for v in vs) for k, vs in runs)


def feature_attributes(t, row):
    """17.3: column 9 of a row: `attributes` where stored, else the canonical text of its pairs."""
    stored = t["columns"]["attributes"][1][row]
    if stored is not None:
        return stored
    return canonical_attributes(t["columns"]["attr_keys"][1][row], t["columns"]["attr_values"][1][row],
                                t["source_format"], t["trailing_space"])


def presented(t, name):
    """A table column's values as readers present them: a feature table's
    `attributes` with the canonical text where null (17.3), else as stored."""
    if t["features"] and name == "attributes":
        return [feature_attributes(t, row) for row in range(t["num_rows"])]
    return t["columns"][name][1]


def score_text(x):
    """17.3: a score as the float text of 16.4 without a trailing `.0`."""
    text = float_text(x)
    return text[:-2] if text.endswith(".0") else text


def rebuilt_line(t, row):
    """17.3: the nine columns joined by tabs (a null seqid, source, type,
    start or end, which 17.3 leaves open, is empty text)."""
    col = lambda name: t["columns"][name][1][row]
    text = lambda v: "" if v is None else str(v)
    score, strand, phase = col("score"), col("strand"), col("phase")
    return "\t".join([text(col("seqid")), text(col("source")), text(col("type")), text(col("start")),
                      text(col("end")), "." if score is None else score_text(score),
                      "." if strand is None else strand, "." if phase is None else str(phase),
                      feature_attributes(t, row)])


def feature_line(t, row):
    """17.3: a row's line: `line` where stored, else the rebuilt line (17.4: for
    a GenBank table the canonical entry, lines joined by `\n`)."""
    stored = t["columns"]["line"][1][row]
    if stored is not None:
        return stored
    if t["source_format"] == "antismash-json":
        return canonical_object(t, row)
    return canonical_entry(t, row) if t["source_format"] == "genbank" else rebuilt_line(t, row)


def export_features(t, reader=None):
    """17.3: a feature table as its GFF3 or GTF text: each row's line, comment
    lines at their places (before the row numbered by comment/row), each line
    followed by `line_end`, none after the last when `final_newline` is false.
    17.4: a GenBank table as its flat file: the canonical entry in place of the
    rebuilt line, the canonical blocks of the records of its `sequences` dataset
    (read through `reader`, needed when the table has sequence sections) after
    the ORIGIN lines that open canonical sections, and each `\n` inside a line
    written as `line_end`.
    17.9: an antiSMASH table as its JSON document (export_antismash)."""
    if not t["features"]:
        raise ValueError("not a feature table (17.3)")
    if t["source_format"] == "antismash-json":
        return export_antismash(t, reader)
    genbank = t["source_format"] == "genbank"
    blocks = {}
    if genbank:
        sections = genbank_sections(t["comments"])
        if sections:
            if reader is None:
                raise ValueError("a GenBank table with sequence sections exports with the reader of its file (17.4)")
            residues = records_text(reader, t["sequences"])
            # 17.4: the sequences dataset MUST have as many records (table() checked it, 17.6)
            blocks = {c: canonical_block(residues[k]) for k, (c, canonical) in enumerate(sections) if canonical}
    lines, comments = [], t["comments"]
    c = 0
    for row in range(t["num_rows"] + 1):
        while c < len(comments) and comments[c][0] == row:
            lines.append(comments[c][1])
            lines.extend(blocks.get(c, ()))
            c += 1
        if row < t["num_rows"]:
            line = feature_line(t, row)
            lines.append(line.replace("\n", t["line_end"]) if genbank else line)
    end = t["line_end"]
    text = "".join(line + end for line in lines)
    if lines and not t["final_newline"]:
        text = text[:-len(end)]
    return text.encode("utf-8")


# 17.4: GenBank feature tables
I64_MAX = (1 << 63) - 1
GENBANK_INDENT = 21  # 17.4: qualifier and continuation lines start in column 22
GENBANK_WIDTH = 58  # 17.4: the most characters of location or qualifier text per line
GENBANK_BARE_KEYS = ("rpt_type", "direction", "mod_base", "compare")  # 17.4: qualifiers written without quotes


def first_word(line):
    """The first word of a line (17.4): its first run of characters that are not white space."""
    words = line.split()
    return words[0] if words else ""


def opens_sequence_section(line):
    """17.4: a line that is not indented and whose first word is `ORIGIN`."""
    return not line.startswith(" ") and first_word(line) == "ORIGIN"


def genbank_sections(comments):
    """17.4 Export: the sequence sections the export counts, in order: for each, the
    index in `comments` of the comment line that opens it (first word `ORIGIN`, not
    indented, not itself inside a section kept as comments) and whether it is
    canonical (its residues are not stored as comment lines: the comment line right
    after it starts with `//`). A section kept as comments runs to the comment line
    that starts with `//`."""
    sections, inside = [], False
    for c, (_, text) in enumerate(comments):
        if inside:
            inside = not text.startswith("//")
        elif opens_sequence_section(text):
            canonical = c + 1 < len(comments) and comments[c + 1][1].startswith("//")
            sections.append((c, canonical))
            inside = not canonical
    return sections


def canonical_block(residues):
    """17.4: one line per 60 residues: the 1-based position of the line's first residue
    right-aligned in 9 characters, then the residues in blocks of 10, each block after one
    space, in lower case."""
    residues = residues.lower()
    return [f"{at + 1:>9}" + "".join(" " + residues[b:b + 10] for b in range(at, min(at + 60, len(residues)), 10))
            for at in range(0, len(residues), 60)]


def cut_text(text, separator):
    """17.4: text cut into pieces while more than 58 characters (Unicode scalar values)
    remain: a location (separator `,`) after the last comma within the next 58 characters,
    the comma ending the piece; a qualifier (separator ` `) at the last space within the next
    59 characters, the space dropped; with no such character (one in first position does not
    count), after 58 characters."""
    pieces = []
    while len(text) > GENBANK_WIDTH:
        window = text[:GENBANK_WIDTH] if separator == "," else text[:GENBANK_WIDTH + 1]
        at = window.rfind(separator)
        if at > 0 and separator == ",":
            pieces.append(text[:at + 1])
            text = text[at + 1:]
        elif at > 0:
            pieces.append(text[:at])
            text = text[at + 1:]
        else:
            pieces.append(text[:GENBANK_WIDTH])
            text = text[GENBANK_WIDTH:]
    pieces.append(text)
    return pieces


def qualifier_text(key, value):
    """17.4: `/key` for an empty value; `/key=value` when the value is all ASCII digits,
    starts with `(` or `[`, or the key is one of GENBANK_BARE_KEYS; else `/key="value"` with
    each `"` of the value doubled."""
    if value == "":
        return "/" + key
    if re.fullmatch(r"[0-9]+", value) or value[0] in "([" or key in GENBANK_BARE_KEYS:
        return f"/{key}={value}"
    return f'/{key}="' + value.replace('"', '""') + '"'


def canonical_entry_text(key, location, keys, values):
    """17.4: the canonical entry, lines joined by `\n`: five spaces, the key left-aligned in
    15 characters (longer keys not cut), one space, the location's first piece; then the
    location's later pieces and each qualifier's pieces, each after 21 spaces."""
    pieces = cut_text(location, ",")
    lines = ["     " + key.ljust(15) + " " + pieces[0]]
    lines += [" " * GENBANK_INDENT + p for p in pieces[1:]]
    for k, v in zip(keys, values):
        lines += [" " * GENBANK_INDENT + p for p in cut_text(qualifier_text(k, v), " ")]
    return "\n".join(lines)


def canonical_entry(t, row):
    """17.4: a GenBank table row's canonical entry, from `type`, `location`, `attr_keys` and
    `attr_values` (a null type or location, which 17.4 leaves open, is empty text)."""
    col = lambda name: t["columns"][name][1][row]
    return canonical_entry_text(col("type") or "", col("location") or "", col("attr_keys") or [],
                                col("attr_values") or [])


def location_extent(location, protein=False):
    """17.4 Extent: (start, end, strand) of a location. Parts are separated by `,` and by
    the parentheses of operators; a part containing `:` and a part inside `gap(...)` are
    left out; the digit runs of the others give start (smallest) and end (largest); strand
    `-` when every part with numbers lies inside an odd number of `complement(...)`, `+` when
    every one inside an even number, else null; null for a protein record; all null when no
    part has a number. The text before a `(`, trimmed, is the operator's name, not a part;
    everything inside an operator whose name contains `:` is left out; a digit run above
    the int64 range is not a number."""
    numbers, depths, stack, part = [], set(), [], []

    def take():
        text = "".join(part)
        part.clear()
        if ":" in text or "gap" in stack or any(":" in op for op in stack):
            return
        found = [n for n in map(int, re.findall(r"[0-9]+", text)) if n <= I64_MAX]
        if found:
            numbers.extend(found)
            depths.add(stack.count("complement") % 2)
    for ch in location:
        if ch == "(":
            stack.append("".join(part).strip())
            part.clear()
        elif ch == ")":
            take()
            if stack:
                stack.pop()
        elif ch == ",":
            take()
        else:
            part.append(ch)
    take()
    if not numbers:
        return None, None, None
    strand = None if protein or len(depths) != 1 else ("-" if depths == {1} else "+")
    return min(numbers), max(numbers), strand


# 17.9: antiSMASH results (JSON)
# 17.9 Export: a piece that ends as a cut-out sequence's does: the member name "data", ":", any
# JSON white space and the opening quote. 17.9 puts white space only after the ":"; JSON allows it
# before too, and gcol cuts `"data" : "ACGT"` as well, so this reader takes white space on both
# sides (only a piece before a cut-out sequence can end with a quote, so nothing else matches)
ANTISMASH_OPENS_SEQUENCE = re.compile(r'"data"[ \t\n\r]*:[ \t\n\r]*"\Z')
JSON_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
                      "\r": "\\r"}


def opens_antismash_sequence(piece):
    """17.9: a piece that ends with the member name `"data"`, `:`, JSON white space and `"`
    (and white space between the name and `:`, ANTISMASH_OPENS_SEQUENCE)."""
    return ANTISMASH_OPENS_SEQUENCE.search(piece) is not None


def antismash_sequence_pieces(comments):
    """17.9: the indexes in `comments` of the pieces that open a sequence, in order: the k-th
    takes the residues of the k-th record of the sequences dataset."""
    return [c for c, (_, text) in enumerate(comments) if opens_antismash_sequence(text)]


def json_string(text):
    """17.9: a string as the canonical object writes it: in double quotes, `"` and `\\` escaped
    by `\\`, U+0008, U+0009, U+000A, U+000C and U+000D as `\\b`, `\\t`, `\\n`, `\\f`, `\\r`,
    other characters below U+0020 and every character above U+007E (U+007F included) as
    `\\u` and four lower-case hex digits (a UTF-16 surrogate pair above U+FFFF), as Python's
    json.dumps writes them."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in JSON_SHORT_ESCAPES:
            out.append(JSON_SHORT_ESCAPES[ch])
        elif code < 0x20 or code > 0x7E:
            if code > 0xFFFF:
                code -= 0x10000
                out.append("\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)))
            else:
                out.append("\\u%04x" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def canonical_object_text(keys, values, location, kind):
    """17.9: `{"id": "<unknown id>", "qualifiers": {`, the pairs grouped by runs of equal names,
    each run `NAME: [V1, V2, ...]`, runs joined by `, `, then `}, "location": L, "type": T}`,
    strings as json_string writes them. A null location (17.9 does not say how the canonical
    object writes it) is written `null`."""
    runs = []
    for k, v in zip(keys, values):
        if runs and runs[-1][0] == k:
            runs[-1][1].append(v)
        else:
            runs.append((k, [v]))
    qualifiers = ", ".join(json_string(k) + ": [" + ", ".join(json_string(v) for v in vs) + "]" for k, vs in runs)
    where = "null" if location is None else json_string(location)
    return ('{"id": "<unknown id>", "qualifiers": {' + qualifiers + '}, "location": ' + where + ', "type": '
            + json_string(kind) + "}")


def canonical_object(t, row):
    """17.9: an antiSMASH table row's canonical object, from `attr_keys`, `attr_values`,
    `location` and `type` (a null type, which 17.9 never writes, is the empty string)."""
    col = lambda name: t["columns"][name][1][row]
    return canonical_object_text(col("attr_keys") or [], col("attr_values") or [], col("location"), col("type") or "")


def export_antismash(t, reader=None):
    """17.9 Export: the pieces (comment/text) and the rows' objects (`line` where stored, else the
    canonical object) in order with nothing between (line_end is empty; no `\\n` is replaced),
    and after each piece that opens a sequence the residues of the next record of the table's
    `sequences` dataset (read through `reader`, needed when there is such a piece)."""
    opening = antismash_sequence_pieces(t["comments"])
    residues = {}
    if opening:
        if reader is None:
            raise ValueError("an antiSMASH table with cut-out sequences exports with the reader of its file (17.9)")
        texts = records_text(reader, t["sequences"])  # table() checked there are enough records (17.6)
        residues = {c: texts[k] for k, c in enumerate(opening)}
    out, comments, c = [], t["comments"], 0
    for row in range(t["num_rows"] + 1):
        while c < len(comments) and comments[c][0] == row:
            out.append(comments[c][1])
            out.append(residues.get(c, ""))
            c += 1
        if row < t["num_rows"]:
            out.append(feature_line(t, row))
    return "".join(out).encode("utf-8")


def antismash_json_lines(t, rows):
    """17.9: a selection of the rows (a search) as JSON Lines: each row's object (`line` where
    stored, else the canonical object) with U+000A and U+000D replaced by spaces, then `\\n`."""
    return "".join(feature_line(t, row).replace("\n", " ").replace("\r", " ") + "\n"
                   for row in rows).encode("utf-8")


def antismash_extent(location, protein=False):
    """17.9 Extent: (start, end, strand) of a Biopython location. Each `[S:E]` is a part (S up to
    the first `:` inside the brackets); a part whose text since the previous `,`, `{` or space
    ends with `:` names another sequence and is left out; a part counts when S and E each hold
    a number (a maximal run of ASCII digits). start: the smallest number of any counted S plus
    one; end: the largest of any counted E; strand `+` when every counted part is followed by
    `(+)`, `-` when every one by `(-)`, else null (and null for a protein record); no counted part
    gives all null. 17.9 names no bound on a number: as 17.4, a digit run beyond the int64 range
    is not a number, and (17.9 does not say) a start of int64's largest value plus one, which
    int64 cannot hold, is that largest value (as gcol stores it)."""
    starts, ends, strands = [], [], set()
    at = 0
    while True:
        open_at = location.find("[", at)
        if open_at < 0:
            break
        close_at = location.find("]", open_at + 1)
        if close_at < 0:
            break
        at = close_at + 1
        inside = location[open_at + 1:close_at]
        if ":" not in inside:
            continue
        before = re.split(r"[,{ ]", location[:open_at])[-1]
        if before.endswith(":"):
            continue
        s_text, e_text = inside.split(":", 1)
        s_numbers = [n for n in map(int, re.findall(r"[0-9]+", s_text)) if n <= I64_MAX]
        e_numbers = [n for n in map(int, re.findall(r"[0-9]+", e_text)) if n <= I64_MAX]
        if not s_numbers or not e_numbers:
            continue
        starts.extend(s_numbers)
        ends.extend(e_numbers)
        follow = location[close_at + 1:close_at + 4]
        strands.add(follow if follow in ("(+)", "(-)") else None)
    if not starts:
        return None, None, None
    strand = None
    if not protein and len(strands) == 1 and None not in strands:
        strand = strands.pop()[1]
    start, end = min(min(starts) + 1, I64_MAX), max(ends)
    if start > end:  # 17.9: a start above the end (`[5:5]`, `[10:5]`) gives nulls
        return None, None, None
    return start, end, strand


def export_table(t, delimiter=","):
    """17.2 with 16.4 and 16.8: a typed table as CSV (TSV with a tab): a
    header of the table column names, then one line per row, values as the
    text of 16.4 (a null empty), quoted as table_field quotes; a feature
    table's `attributes` presented as 17.3 says."""
    names = list(t["columns"])
    values = [presented(t, name) for name in names]
    rows = [[attribute_text(column[row]) for column in values] for row in range(t["num_rows"])]
    return _table(names, rows, delimiter)


def index_search(t, name, value, prefix=False):
    """17.5: the rows holding `name=value` (exact: bisect to the entry) or,
    with prefix, `name=value*` (the entries from the first value >= value
    while values start with it), as the ascending union of the entries' rows.
    Names and values compare as bytes."""
    index = t["index"]
    if index is None:
        raise ValueError("the table has no attribute index (17.5)")
    key = name.encode("utf-8") if isinstance(name, str) else bytes(name)
    want = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    at = bisect.bisect_left(index, (key, want), key=lambda entry: (entry[0], entry[1]))
    if not prefix:
        return list(index[at][2]) if at < len(index) and index[at][:2] == (key, want) else []
    rows = set()
    while at < len(index) and index[at][0] == key and index[at][1].startswith(want):
        rows.update(index[at][2])
        at += 1
    return sorted(rows)
