//! Coordinates shared by every dataset kind's API.
//!
//! Inside gcol every position is **0-based** and every range **half-open**
//! ([`Interval`]: the first ten bases are `0..10`), as in BED, Python and
//! Rust slices. 1-based inclusive positions (samtools regions, VCF, SAM and
//! GFF text) are converted at the edges only: [`Interval::from_one_based`]
//! and the samtools region parser in [`region`], which the CLI and the
//! Python package use for the strings users type.

pub mod region;

use std::fmt;
use std::ops::Range;

/// A 0-based, half-open interval `start..end` of positions (bases,
/// residues, rows), `start <= end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Interval {
    start: u64,
    end: u64,
}

impl Interval {
    /// `start..end`, or `None` when `start > end`.
    pub fn new(start: u64, end: u64) -> Option<Interval> {
        (start <= end).then_some(Interval { start, end })
    }

    /// The interval of 1-based inclusive positions `begin ..= end` (as
    /// samtools, VCF and GFF write them): `1..=10` is `0..10`. `None` when
    /// `begin` is 0 or `end < begin - 1` (`end = begin - 1` is empty).
    pub fn from_one_based(begin: u64, end: u64) -> Option<Interval> {
        if begin == 0 {
            return None;
        }
        Interval::new(begin - 1, end)
    }

    /// First position (0-based).
    pub fn start(&self) -> u64 {
        self.start
    }

    /// One past the last position (0-based, exclusive).
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Number of positions.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether it holds no position.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Whether position `pos` (0-based) lies inside.
    pub fn contains(&self, pos: u64) -> bool {
        (self.start..self.end).contains(&pos)
    }

    /// The positions both intervals hold, if any.
    pub fn intersect(&self, other: &Interval) -> Option<Interval> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (start < end).then_some(Interval { start, end })
    }

    /// As a Rust range.
    pub fn as_range(&self) -> Range<u64> {
        self.start..self.end
    }

    /// The same interval written 1-based inclusive (`begin`, `end`), as
    /// samtools prints it.
    pub fn to_one_based(&self) -> (u64, u64) {
        (self.start + 1, self.end)
    }
}

impl TryFrom<Range<u64>> for Interval {
    type Error = Range<u64>;

    /// A range with `start <= end`; the range itself as the error otherwise.
    fn try_from(range: Range<u64>) -> Result<Interval, Range<u64>> {
        Interval::new(range.start, range.end).ok_or(range)
    }
}

impl From<Interval> for Range<u64> {
    fn from(interval: Interval) -> Range<u64> {
        interval.as_range()
    }
}

impl fmt::Display for Interval {
    /// `start..end` (0-based, half-open).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_based_half_open_inside_one_based_at_the_edges() {
        let first_ten = Interval::from_one_based(1, 10).unwrap();
        assert_eq!(first_ten.as_range(), 0..10);
        assert_eq!(first_ten.len(), 10);
        assert_eq!(first_ten.to_one_based(), (1, 10));
        assert!(Interval::from_one_based(5, 4).unwrap().is_empty());
        assert!(Interval::from_one_based(5, 3).is_none());
        assert!(Interval::from_one_based(0, 3).is_none());
        assert!(first_ten.contains(0) && !first_ten.contains(10));
        let b = Interval::new(5, 20).unwrap();
        assert_eq!(first_ten.intersect(&b), Interval::new(5, 10));
        assert_eq!(Interval::new(10, 12).unwrap().intersect(&first_ten), None);
        let (start, end) = (3u64, 2u64);
        assert_eq!(Interval::try_from(start..end), Err(start..end));
        assert_eq!(first_ten.to_string(), "0..10");
    }
}
