//! A whole stream (stdin of `fn` and `post-render`) read into memory advised for
//! transparent huge pages, as [`super::arena`] holds files: 20 MB of fresh 4 KiB pages
//! cost five thousand page faults and zeroings, 2 MiB pages ten. The mapping doubles
//! (copying what was read) when the stream outgrows it; `limit` bounds it. Reads take at
//! most 256 KiB, so that a caller can look at what arrived while it is in the cache.

use std::io::{self, Read};
use std::ops::Deref;

use memmap2::{Advice, MmapMut};

/// The first mapping's size: virtual address space, backed as it fills.
const FIRST_BYTES: usize = 64 << 20;

/// The bytes of a stream read to its end.
#[derive(Debug)]
pub struct StreamBytes {
    map: Option<MmapMut>,
    len: usize,
}

impl Deref for StreamBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.map {
            Some(map) => &map[..self.len],
            None => &[],
        }
    }
}

fn mapping(len: usize) -> io::Result<MmapMut> {
    let map = MmapMut::map_anon(len)?;
    let _ = map.advise(Advice::HugePage);
    Ok(map)
}

/// Reads `reader` to its end; more than `limit` bytes is an error of kind
/// `FileTooLarge`.
pub fn read_stream(reader: impl Read, limit: usize) -> io::Result<StreamBytes> {
    read_stream_with(reader, limit, |_| {})
}

/// At most this many bytes are read at a time by [`read_stream_with`], so that what
/// was just read is still in the processor's cache when `arrived` looks at it.
const READ_BYTES: usize = 256 << 10;

/// [`read_stream`], calling `arrived` with everything read so far after each read.
pub fn read_stream_with(
    mut reader: impl Read,
    limit: usize,
    mut arrived: impl FnMut(&[u8]),
) -> io::Result<StreamBytes> {
    let mut map = mapping(FIRST_BYTES.min(limit.saturating_add(1)).max(1))?;
    let mut len = 0;
    loop {
        if len == map.len() {
            if len > limit {
                return Err(io::Error::new(
                    io::ErrorKind::FileTooLarge,
                    format!("more than {limit} bytes on stdin"),
                ));
            }
            let mut bigger = mapping(len.saturating_mul(2).min(limit.saturating_add(1)))?;
            bigger[..len].copy_from_slice(&map[..len]);
            map = bigger;
        }
        let end = map.len().min(len + READ_BYTES);
        match reader.read(&mut map[len..end]) {
            Ok(0) => break,
            Ok(n) => {
                len += n;
                arrived(&map[..len]);
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    if len > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("more than {limit} bytes on stdin"),
        ));
    }
    Ok(StreamBytes {
        map: Some(map),
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gives its bytes a few at a time, as a pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(7);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn streams_are_read_whole_and_bounded() {
        let bytes: Vec<u8> = (0..100_000u32).map(|n| (n % 251) as u8).collect();
        assert_eq!(&*read_stream(Trickle(&bytes), 100_000).unwrap(), &bytes[..]);
        // Past the first mapping's size (a small limit makes it small).
        assert_eq!(&*read_stream(&bytes[..], 1 << 20).unwrap(), &bytes[..]);
        let err = read_stream(&bytes[..], 99_999).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert!(read_stream(&b""[..], 10).unwrap().is_empty());
        // Told of every read, with everything read so far.
        let mut seen = Vec::new();
        let read = read_stream_with(Trickle(&bytes), 100_000, |so_far| seen.push(so_far.len()));
        assert_eq!(&*read.unwrap(), &bytes[..]);
        assert_eq!(seen.len(), bytes.len().div_ceil(7));
        assert!(
            seen.windows(2)
                .all(|w| w[1] == w[0] + 7 || w[1] == bytes.len())
        );
    }
}
