//! samtools-style region strings: `chr1`, `chr1:1000`, `chr1:1,000-2,000`,
//! `chr1:-500`, `{name:with:colons}:10-20`. Positions in the string are
//! 1-based and inclusive, as in samtools; the parsed result is 0-based
//! half-open ([`super::Interval`]). Used at the edges only: the CLI's
//! arguments and region files, and Python's string regions.

use super::Interval;

/// A parsed region: a record name and 1-based inclusive bounds as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionSpec {
    /// Record name.
    pub name: String,
    /// First position (1-based); `None` = from the start.
    pub begin: Option<u64>,
    /// Last position (1-based, inclusive); `None` = to the end.
    pub end: Option<u64>,
}

/// What a region resolves to against a record of known length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// The 0-based half-open interval within the record; `truncated` when
    /// the region ran past the record's end (samtools warns and clips).
    Within {
        /// The positions selected.
        interval: Interval,
        /// The region was clipped at the record's end.
        truncated: bool,
    },
    /// The region selects nothing (samtools prints an empty record).
    Empty,
    /// End before begin: samtools reports the region as not found.
    Invalid,
}

fn number(s: &str) -> Option<u64> {
    let digits: String = s.chars().filter(|&c| c != ',').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn range(spec: &str) -> Option<(Option<u64>, Option<u64>)> {
    match spec.split_once('-') {
        None => Some((Some(number(spec)?), None)),
        Some(("", end)) => Some((None, Some(number(end)?))),
        Some((begin, "")) => Some((Some(number(begin)?), None)),
        Some((begin, end)) => Some((Some(number(begin)?), Some(number(end)?))),
    }
}

impl RegionSpec {
    /// Parse `text`; `is_name` says whether a whole string is a record name
    /// (checked first, as samtools does, so names containing `:` work).
    pub fn parse(text: &str, is_name: impl Fn(&str) -> bool) -> RegionSpec {
        let whole = RegionSpec {
            name: text.to_string(),
            begin: None,
            end: None,
        };
        if is_name(text) {
            return whole;
        }
        if let Some(rest) = text.strip_prefix('{') {
            if let Some((name, after)) = rest.split_once('}') {
                let (begin, end) = match after.strip_prefix(':') {
                    Some(spec) => match range(spec) {
                        Some(r) => r,
                        None => return whole,
                    },
                    None if after.is_empty() => (None, None),
                    None => return whole,
                };
                return RegionSpec {
                    name: name.to_string(),
                    begin,
                    end,
                };
            }
        }
        match text.rsplit_once(':') {
            Some((name, spec)) => match range(spec) {
                Some((begin, end)) => RegionSpec {
                    name: name.to_string(),
                    begin,
                    end,
                },
                None => whole,
            },
            None => whole,
        }
    }

    /// Resolve against a record of `length` residues, with samtools' rules.
    pub fn resolve(&self, length: u64) -> Resolved {
        let begin = self.begin.unwrap_or(1);
        let end = self.end.unwrap_or(length);
        if let (Some(b), Some(e)) = (self.begin, self.end) {
            if e < b {
                return Resolved::Invalid;
            }
        }
        if begin == 0 {
            // htslib reads position 0 as "before the start": nothing.
            return Resolved::Empty;
        }
        let start = begin - 1;
        let clipped = end.min(length);
        if start >= clipped {
            return Resolved::Empty;
        }
        Resolved::Within {
            interval: Interval::new(start, clipped).expect("start < clipped"),
            truncated: end > length,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> RegionSpec {
        RegionSpec::parse(s, |n| n == "chr:odd")
    }

    #[test]
    fn samtools_syntax() {
        assert_eq!(
            parse("chr1"),
            RegionSpec {
                name: "chr1".into(),
                begin: None,
                end: None
            }
        );
        assert_eq!(
            parse("chr1:1,000-2,000"),
            RegionSpec {
                name: "chr1".into(),
                begin: Some(1000),
                end: Some(2000)
            }
        );
        assert_eq!(
            parse("chr1:5"),
            RegionSpec {
                name: "chr1".into(),
                begin: Some(5),
                end: None
            }
        );
        assert_eq!(
            parse("chr1:-5"),
            RegionSpec {
                name: "chr1".into(),
                begin: None,
                end: Some(5)
            }
        );
        assert_eq!(
            parse("chr:odd"),
            RegionSpec {
                name: "chr:odd".into(),
                begin: None,
                end: None
            }
        );
        assert_eq!(
            parse("{a:b}:2-4"),
            RegionSpec {
                name: "a:b".into(),
                begin: Some(2),
                end: Some(4)
            }
        );
        assert_eq!(
            parse("x:abc"),
            RegionSpec {
                name: "x:abc".into(),
                begin: None,
                end: None
            }
        );
    }

    #[test]
    fn resolution() {
        let r = |b, e| RegionSpec {
            name: "x".into(),
            begin: b,
            end: e,
        };
        assert_eq!(
            r(Some(3), Some(14)).resolve(33),
            Resolved::Within {
                interval: Interval::new(2, 14).unwrap(),
                truncated: false
            }
        );
        assert_eq!(
            r(Some(30), Some(40)).resolve(33),
            Resolved::Within {
                interval: Interval::new(29, 33).unwrap(),
                truncated: true
            }
        );
        assert_eq!(r(Some(40), Some(50)).resolve(33), Resolved::Empty);
        assert_eq!(r(Some(0), Some(5)).resolve(33), Resolved::Empty);
        assert_eq!(r(Some(5), Some(3)).resolve(33), Resolved::Invalid);
        assert_eq!(r(None, None).resolve(0), Resolved::Empty);
        assert_eq!(
            r(Some(33), Some(33)).resolve(33),
            Resolved::Within {
                interval: Interval::new(32, 33).unwrap(),
                truncated: false
            }
        );
    }
}
