//! CRC32C (Castagnoli) as used for every checksum in the file (spec 2.7).
//!
//! Polynomial 0x1EDC6F41 (reflected 0x82F63B78), initial value 0xFFFFFFFF,
//! reflected input and output, final XOR 0xFFFFFFFF: the iSCSI / SSE4.2 CRC.
//! `crc32c(b"123456789") == 0xE3069283`.

/// CRC32C of `bytes`.
pub fn crc32c(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
}

/// Continue a CRC32C over more bytes.
pub fn crc32c_append(crc: u32, bytes: &[u8]) -> u32 {
    crc32c::crc32c_append(crc, bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_value() {
        // The standard check value of CRC-32C (RFC 3720, appendix B.4).
        assert_eq!(super::crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(super::crc32c(b""), 0);
    }
}
