//! Memory that holds the manifest files between render's two passes, so that the second
//! pass writes them from memory instead of reading them again.
//!
//! Files are read straight into large anonymous mappings ("chunks", 32 MiB each or one
//! per larger file) advised for transparent huge pages: filling 40 MB of fresh 4 KiB
//! pages costs ten thousand page faults, and as many page zeroings, where 2 MiB pages cost
//! twenty (docs/render.md has the figures). Where the kernel gives no huge pages the
//! advice is a no-op and the arena still works. Nothing is ever freed but the whole arena.
//!
//! The first chunk is small (256 KiB) and not advised: a huge page is zeroed whole on its
//! first touch — and with `defrag=madvise`, the default, the kernel may first compact
//! memory to find one — which for an app of a few small files (the Argo CD plugin's
//! usual render) cost more than all the rest of the resolution. A few 4 KiB faults per
//! small file are cheaper; huge pages start once the files held outgrow the first chunk.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;

use memmap2::{Advice, MmapMut};

/// Size of a chunk: virtual address space only, backed as it fills.
const CHUNK_BYTES: usize = 32 << 20;

/// Size of the first chunk, not advised for huge pages.
const FIRST_CHUNK_BYTES: usize = 256 << 10;

/// A set of chunks filled by one reader.
#[derive(Debug, Default)]
pub struct Arena {
    chunks: Vec<Chunk>,
}

#[derive(Debug)]
struct Chunk {
    map: MmapMut,
    used: usize,
}

/// Where a file's bytes are in an [`Arena`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    chunk: usize,
    range: Range<usize>,
}

impl Slot {
    /// How many bytes it holds.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
}

impl Arena {
    /// An empty arena; it maps memory as files come.
    pub fn new() -> Self {
        Arena::default()
    }

    /// Reads `file` from its current offset to its end, `size` bytes by `fstat`, into
    /// the arena. A regular file answers a short read only at its end, so room for one
    /// byte more than `size` makes most files one `read` call. A file that grew past
    /// `limit` bytes since its size was taken is an error of kind `FileTooLarge`.
    pub fn read(&mut self, mut file: &File, size: usize, limit: usize) -> io::Result<Slot> {
        let chunk = self.room_for(size + 1)?;
        let start = self.chunks[chunk].used;
        let map = &mut self.chunks[chunk].map;
        let want = start + size + 1;
        let mut filled = start;
        while filled < want {
            match file.read(&mut map[filled..want]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
            if filled == start + size {
                // Short of the spare byte asked for: the end of the file.
                break;
            }
        }
        if filled < want {
            self.chunks[chunk].used = filled;
            return Ok(Slot {
                chunk,
                range: start..filled,
            });
        }
        // The file grew since `fstat`: read the rest aside, then move it all to a chunk
        // of its own (rare: someone writes the tree while it renders).
        let mut bytes = map[start..filled].to_vec();
        file.take((limit.saturating_add(1) - bytes.len().min(limit)) as u64)
            .read_to_end(&mut bytes)?;
        if bytes.len() > limit {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!("the file grew past {limit} bytes while it was read"),
            ));
        }
        let chunk = self.room_for(bytes.len())?;
        let start = self.chunks[chunk].used;
        let end = start + bytes.len();
        self.chunks[chunk].map[start..end].copy_from_slice(&bytes);
        self.chunks[chunk].used = end;
        Ok(Slot {
            chunk,
            range: start..end,
        })
    }

    /// The bytes of a slot this arena filled.
    pub fn bytes(&self, slot: &Slot) -> &[u8] {
        &self.chunks[slot.chunk].map[slot.range.clone()]
    }

    /// The index of a chunk with `len` bytes free, mapping a new one when the last is
    /// too full: a small one of 4 KiB pages first, then huge-page chunks.
    fn room_for(&mut self, len: usize) -> io::Result<usize> {
        if let Some(last) = self.chunks.last()
            && last.map.len() - last.used >= len
        {
            return Ok(self.chunks.len() - 1);
        }
        if self.chunks.is_empty() && len <= FIRST_CHUNK_BYTES {
            let map = MmapMut::map_anon(FIRST_CHUNK_BYTES)?;
            self.chunks.push(Chunk { map, used: 0 });
            return Ok(0);
        }
        let map = MmapMut::map_anon(len.max(CHUNK_BYTES))?;
        // Advice only: a kernel without transparent huge pages keeps 4 KiB pages.
        let _ = map.advise(Advice::HugePage);
        self.chunks.push(Chunk { map, used: 0 });
        Ok(self.chunks.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn holds_files_of_every_size_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let sizes = [
            0usize,
            1,
            4095,
            4096,
            100_000,
            CHUNK_BYTES - 10,
            3,
            CHUNK_BYTES + 5,
        ];
        let mut arena = Arena::new();
        let mut slots = Vec::new();
        for (i, size) in sizes.iter().enumerate() {
            let path = dir.path().join(i.to_string());
            let content: Vec<u8> = (0..*size).map(|n| (n % 251) as u8).collect();
            std::fs::write(&path, &content).unwrap();
            let file = File::open(&path).unwrap();
            slots.push((arena.read(&file, *size, usize::MAX / 2).unwrap(), content));
        }
        for (slot, content) in &slots {
            assert_eq!(slot.len(), content.len());
            assert!(arena.bytes(slot) == content.as_slice());
        }
        assert!(arena.chunks.len() >= 2, "{}", arena.chunks.len());
    }

    #[test]
    fn small_files_go_to_a_small_first_chunk_then_huge_page_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let mut arena = Arena::new();
        let mut read = |size: usize| {
            let path = dir.path().join(size.to_string());
            std::fs::write(&path, vec![b'x'; size]).unwrap();
            let slot = arena
                .read(&File::open(&path).unwrap(), size, usize::MAX / 2)
                .unwrap();
            assert_eq!(arena.bytes(&slot), vec![b'x'; size].as_slice());
            arena.chunks.iter().map(|c| c.map.len()).collect::<Vec<_>>()
        };
        assert_eq!(read(355), [FIRST_CHUNK_BYTES]);
        assert_eq!(read(900), [FIRST_CHUNK_BYTES]);
        // Past the first chunk's room: a huge-page chunk.
        assert_eq!(read(FIRST_CHUNK_BYTES), [FIRST_CHUNK_BYTES, CHUNK_BYTES]);
        // A first file larger than the first chunk starts with a huge-page chunk.
        let mut arena = Arena::new();
        let path = dir.path().join(FIRST_CHUNK_BYTES.to_string());
        let file = File::open(&path).unwrap();
        arena
            .read(&file, FIRST_CHUNK_BYTES, usize::MAX / 2)
            .unwrap();
        assert_eq!(arena.chunks[0].map.len(), CHUNK_BYTES);
    }

    #[test]
    fn a_file_that_grew_since_fstat_is_read_whole_or_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut file = File::create(&path).unwrap();
        file.write_all(&[b'a'; 5000]).unwrap();
        let mut arena = Arena::new();
        // As if fstat had said 100 bytes.
        let slot = arena
            .read(&File::open(&path).unwrap(), 100, 10_000)
            .unwrap();
        assert_eq!(arena.bytes(&slot), &[b'a'; 5000][..]);
        let err = arena
            .read(&File::open(&path).unwrap(), 100, 1000)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
    }
}
