//! A `BufRead` wrapper that bounds how much quick-xml may buffer for one event, and keeps
//! the byte and line count the error messages need.
//!
//! quick-xml collects a whole text node, tag or comment into one buffer before it returns
//! the event; on a file of endless text without `<` that buffer would grow until the
//! machine runs out of memory. The guard refuses to hand out more bytes once one event has
//! consumed more than the limit, so quick-xml fails with an I/O error the reader turns into
//! [`crate::ReadError::TooLarge`].

use std::io::{self, BufRead, Read};

pub(crate) struct Guard<R> {
    inner: R,
    /// Bytes consumed from the start of the input.
    consumed: u64,
    /// Line of the next byte to be consumed (from 1).
    line: u64,
    /// Bytes consumed since [`Guard::mark`]: the size of the event being read.
    since_mark: usize,
    limit: usize,
    tripped: bool,
}

impl<R: BufRead> Guard<R> {
    pub(crate) fn new(inner: R, limit: usize) -> Self {
        Guard {
            inner,
            consumed: 0,
            line: 1,
            since_mark: 0,
            limit,
            tripped: false,
        }
    }

    /// Starts counting a new event.
    pub(crate) fn mark(&mut self) {
        self.since_mark = 0;
    }

    /// Changes the largest event allowed from now on.
    pub(crate) fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }

    /// Whether the last failure came from the size limit rather than from the input.
    pub(crate) fn tripped(&self) -> bool {
        self.tripped
    }

    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    pub(crate) fn line(&self) -> u64 {
        self.line
    }
}

impl<R: BufRead> Read for Guard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Guard<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.since_mark > self.limit {
            self.tripped = true;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "one piece of the export is larger than the limit",
            ));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        // The bytes about to be consumed are still in the inner buffer: asking for it again
        // does no I/O (BufRead promises the same data until it is consumed).
        if let Ok(available) = self.inner.fill_buf() {
            let end = amount.min(available.len());
            let newlines = available[..end].iter().filter(|&&b| b == b'\n').count();
            self.line += newlines as u64;
        }
        self.inner.consume(amount);
        self.consumed += amount as u64;
        self.since_mark = self.since_mark.saturating_add(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_bytes() {
        let mut guard = Guard::new(&b"a\nb\nc"[..], 100);
        let mut text = String::new();
        guard.read_to_string(&mut text).unwrap();
        assert_eq!(guard.consumed(), 5);
        assert_eq!(guard.line(), 3);
    }

    #[test]
    fn refuses_past_the_limit_until_marked() {
        let data = vec![b'x'; 10_000];
        let mut guard = Guard::new(io::BufReader::with_capacity(100, &data[..]), 1000);
        let mut sink = Vec::new();
        let err = guard.read_to_end(&mut sink).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(guard.tripped());
        assert!(sink.len() <= 1100, "read {} bytes", sink.len());
    }
}
