"""An independent reader of .gcol v1 files, written from spec/gcol-v1.md alone.

Standard library plus `zstandard`; no code shared with the Rust crates.
Section numbers in comments refer to spec/gcol-v1.md.

    reader = GcolFile.open("x.gcol")      # checks magic, header, tail, footer
    reader.datasets                        # manifest datasets (5.2)
    reader.column_values("table", "col")   # every value of a column, decoded
    reader.verify()                        # every checksum and rule of 8.2
"""

import json
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
BASES = {0: "plain", 1: "delta-varint", 2: "for-bitpack", 3: "dictionary", 4: "varint"}  # 7
COMPRESSIONS = {0: None, 1: "zstd"}  # 7


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
    as_int = int.from_bytes(packed, "little")
    mask = (1 << width) - 1
    values = [(as_int >> (i * width)) & mask for i in range(n)]
    if as_int >> (n * width):
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


def decode_page(encoding_id, physical, n, decoded_len, stored):
    """Section 7: stored page bytes to a list of Python values."""
    base = BASES.get(encoding_id & 0xFF)
    compression = encoding_id >> 8
    if base is None or compression not in COMPRESSIONS:
        raise GcolError("unknown_encoding", f"encoding id {encoding_id:#06x}")
    if base in ("delta-varint", "for-bitpack", "varint") and physical not in INTEGER:
        raise GcolError("encoding_not_applicable", f"{base} on {physical}")
    if base == "dictionary" and physical != "binary":
        raise GcolError("encoding_not_applicable", f"{base} on {physical}")
    if decoded_len > MAX_PAGE_BYTES:
        raise GcolError("limit", "decoded length above the limit")
    if physical != "binary" and decoded_len != n * WIDTH[physical]:
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
        if any(footer[32:64]):
            raise GcolError("invalid_field:footer", "reserved bytes")
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
        manifest_bytes = bytes(footer[FOOTER_HEADER_LEN + 4 * num_blocks:])
        try:
            self.manifest = json.loads(manifest_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise GcolError("manifest_json", str(e)) from None
        self._check_manifest()
        self._checked_blocks = set()

    def _check_manifest(self):
        m = self.manifest
        if m.get("format") != "gcol":
            raise GcolError("manifest_invalid", f"format {m.get('format')!r}")
        names, next_id, next_page = set(), 0, 0
        self.columns = []
        for ds in m["datasets"]:
            if ds["name"] in names:
                raise GcolError("manifest_invalid", f"dataset {ds['name']} twice")
            names.add(ds["name"])
            cnames = set()
            for c in ds["columns"]:
                if c["name"] in cnames or c["id"] != next_id or c["first_page"] != next_page:
                    raise GcolError("manifest_invalid", f"column {c['name']}")
                if c["num_pages"] == 0 and c["num_values"] != 0:
                    raise GcolError("manifest_invalid", "values without pages")
                if any(a >= b for a, b in zip(c["encodings"], c["encodings"][1:])):
                    raise GcolError("manifest_invalid", "encodings not ascending")
                cnames.add(c["name"])
                self.columns.append((ds, c))
                next_id += 1
                next_page += c["num_pages"]
        if next_page != self.num_pages:
            raise GcolError("manifest_invalid", "page ranges do not cover the directory")

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
        if flags or reserved:
            raise GcolError("invalid_entry:flags", f"entry {page}")
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
        return dict(offset=offset, first_row=first_row, stored_len=stored, decoded_len=decoded,
                    num_values=n, crc32c=crc, column_id=column, encoding=encoding)

    def page_values(self, page):
        e = self.entry(page)
        stored = self.data[e["offset"]:e["offset"] + e["stored_len"]]
        if crc32c(stored) != e["crc32c"]:
            raise GcolError("checksum:page", f"page {page}")
        physical = self.columns[e["column_id"]][1]["physical_type"]
        return e, decode_page(e["encoding"], physical, e["num_values"], e["decoded_len"], stored)

    def column(self, dataset, name):
        for ds, c in self.columns:
            if ds["name"] == dataset and c["name"] == name:
                return c
        raise KeyError(f"{dataset}/{name}")

    def column_values(self, dataset, name):
        c = self.column(dataset, name)
        out = []
        for page in range(c["first_page"], c["first_page"] + c["num_pages"]):
            e, values = self.page_values(page)
            if e["first_row"] != len(out) or e["num_values"] < 1:
                raise GcolError("invalid_entry:first_row", f"page {page}")
            out.extend(values)
        return out

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
            if (len(values), stored, decoded, sorted(encodings)) != (
                    c["num_values"], c["stored_bytes"], c["decoded_bytes"], c["encodings"]):
                raise GcolError("inconsistent", f"column {ds['name']}/{c['name']}")
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
    chars = bytearray(total)
    for i in range(total):
        chars[i] = (packed[i // 4] >> (6 - 2 * (i % 4))) & 3
    amb = zip(reader.column_values(dataset, "amb_start"), reader.column_values(dataset, "amb_length"),
              reader.column_values(dataset, "amb_symbol"))
    symbols = [None] * total
    for start, length, symbol in amb:
        for p in range(start, start + length):
            symbols[p] = symbol
    lower = bytearray(total)
    for start, length in zip(reader.column_values(dataset, "mask_start"), reader.column_values(dataset, "mask_length")):
        for p in range(start, start + length):
            lower[p] = 1
    out = []
    for o, n, f in zip(offsets, lengths, flags):
        alphabet = b"ACGU" if f & 2 else b"ACGT"
        text = bytearray()
        for p in range(o, o + n):
            b = symbols[p] if symbols[p] is not None else alphabet[chars[p]]
            text.append(b + 32 if lower[p] and 65 <= b <= 90 else b)
        out.append(text.decode("ascii"))
    return out
