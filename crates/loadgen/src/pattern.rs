//! The deterministic byte stream that every connection sends and expects back.
//!
//! Verifying an echo must cost no more than a `memcmp`, so the content is generated once
//! and every chunk, sent or expected, is a borrowed window into it. The stream is
//! periodic; its period is deliberately not a multiple of any power-of-two chunk size,
//! so consecutive chunks differ from one another and an echo that repeats, drops or
//! reorders a chunk fails the comparison instead of matching by coincidence. Each
//! connection starts at its own offset in the period, so bytes that leak from one
//! connection into another fail too.

/// A periodic pseudo-random byte stream, stored so that any window of up to
/// `max_window` bytes is one contiguous slice.
pub struct Pattern {
    /// `period + max_window` bytes: the period, followed by its own first `max_window`
    /// bytes again, so a window that wraps around the period needs no copy.
    bytes: Box<[u8]>,
    period: usize,
    max_window: usize,
}

/// Odd and prime, so it shares no factor with a power-of-two chunk size.
const PERIOD_SKEW: usize = 4093;

impl Pattern {
    /// Builds the stream for windows (chunks, reads) of at most `max_window` bytes.
    pub fn new(max_window: usize) -> Pattern {
        assert!(max_window > 0, "a window must hold at least one byte");
        let period = 2 * max_window + PERIOD_SKEW;
        let mut bytes = vec![0u8; period + max_window].into_boxed_slice();
        // xorshift64*: fast, fixed seed, and good enough that a shifted or stale chunk
        // never compares equal to the expected one.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for word in bytes[..period].chunks_mut(8) {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let value = state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
            word.copy_from_slice(&value[..word.len()]);
        }
        let (head, tail) = bytes.split_at_mut(period);
        tail.copy_from_slice(&head[..max_window]);
        Pattern {
            bytes,
            period,
            max_window,
        }
    }

    /// The length of one period: stream offsets that differ by it carry the same bytes.
    pub fn period(&self) -> u64 {
        self.period as u64
    }

    /// The `len` bytes found at `offset` in the infinite stream.
    pub fn window(&self, offset: u64, len: usize) -> &[u8] {
        assert!(
            len <= self.max_window,
            "window larger than the pattern was built for"
        );
        let start = (offset % self.period as u64) as usize;
        &self.bytes[start..start + len]
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn windows_are_periodic_and_contiguous_across_the_wrap() {
        let pattern = Pattern::new(16);
        let period = pattern.period();
        for offset in [0, 5, period - 3, period - 1, period, 3 * period + 7] {
            let window = pattern.window(offset, 16);
            for (i, byte) in window.iter().enumerate() {
                let one = pattern.window(offset + i as u64, 1)[0];
                assert_eq!(*byte, one, "offset {offset} + {i}");
            }
        }
    }

    #[test]
    fn consecutive_chunks_differ() {
        let pattern = Pattern::new(64);
        assert_ne!(pattern.window(0, 64), pattern.window(64, 64));
        assert_ne!(pattern.window(64, 64), pattern.window(128, 64));
    }
}
