//! Render's first pass: read every manifest file once, on every core, keep its bytes in
//! memory while a budget allows (in [`Arena`]s, so the second pass writes them from
//! there), and hand them to the caller's analysis (finding markers, documents). Files
//! past the budget are analysed from a reused buffer and appended to a private spill
//! file of the reader thread (in a [`RunDir`], swept if the run is killed): the second
//! pass reads them back from there ([`Held::read_spilled`]), so what it writes is what
//! the first pass saw, whatever happens to the files meanwhile.

use crate::text::ShowPath as _;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::arena::{Arena, Slot};
use super::walk::ManifestFile;
use crate::parallel::run_bounded_with;
use crate::rundir::RunDir;

/// How the first pass reads.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Largest file read; a larger one is an error naming it.
    pub max_file_bytes: u64,
    /// How many bytes of files may be held in memory for the second pass.
    pub memory_limit: u64,
    /// Reader threads.
    pub workers: usize,
}

/// What a first pass gives: for each file, in the order given, what the analysis said
/// of it and, while the budget lasted, its bytes.
#[derive(Debug)]
pub struct Loaded<A> {
    /// What the analysis returned for each file.
    pub analyses: Vec<A>,
    /// The bytes held.
    pub held: Held,
}

/// The bytes of the files read: in memory, or spilled past the budget.
#[derive(Debug)]
pub struct Held {
    /// For each file, where its bytes are.
    places: Vec<Place>,
    arenas: Vec<Arena>,
    /// Each reader's spill file, if it spilled.
    spills: Vec<Option<File>>,
    /// The directory of the spill files, removed with them.
    _spill_dir: Option<RunDir>,
}

/// Where a file's bytes are kept.
#[derive(Debug)]
enum Place {
    /// In this reader's arena.
    Arena(usize, Slot),
    /// In this reader's spill file, at this offset.
    Spilled {
        reader: usize,
        offset: u64,
        len: usize,
    },
}

impl Held {
    /// The bytes of the `index`th file, unless it was past the memory budget.
    pub fn bytes(&self, index: usize) -> Option<&[u8]> {
        match self.places.get(index)? {
            Place::Arena(arena, slot) => Some(self.arenas[*arena].bytes(slot)),
            Place::Spilled { .. } => None,
        }
    }

    /// The bytes of the `index`th file, read back into `buffer` from where the first
    /// pass spilled them (or its bytes in memory).
    pub fn read_spilled<'b>(
        &'b self,
        index: usize,
        buffer: &'b mut Vec<u8>,
    ) -> io::Result<&'b [u8]> {
        match &self.places[index] {
            Place::Arena(arena, slot) => Ok(self.arenas[*arena].bytes(slot)),
            &Place::Spilled {
                reader,
                offset,
                len,
            } => {
                let file = self.spills[reader]
                    .as_ref()
                    .expect("a reader that spilled has a spill file");
                buffer.resize(len, 0);
                file.read_exact_at(&mut buffer[..len], offset)?;
                Ok(&buffer[..len])
            }
        }
    }
}

/// A file the first pass could not read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Opening or reading failed.
    #[error("cannot read {}", path.shown())]
    Read {
        /// The file, as shown (DIR joined with its relative path).
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A file past the memory limit could not be kept in the spill file.
    #[error("cannot keep {} in a temporary file past the memory limit", path.display())]
    Spill {
        /// The file, as shown.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The file is larger than the limit.
    #[error("{} is larger than {limit} bytes; refusing to read it", path.shown())]
    TooLarge {
        /// The file, as shown.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
}

impl LoadError {
    fn of(dir: &Path, file: &ManifestFile, limit: u64, error: io::Error) -> Self {
        let path = dir.join(&file.relative);
        if error.kind() == io::ErrorKind::FileTooLarge {
            LoadError::TooLarge { path, limit }
        } else {
            LoadError::Read {
                path,
                source: error,
            }
        }
    }
}

/// Reads `files` (listed under `dir`, which names them in errors) and analyses each.
/// Every file is read even when one fails; the error returned is the first in order.
pub fn load<A, F>(
    dir: &Path,
    files: &[ManifestFile],
    options: &LoadOptions,
    analyse: F,
) -> Result<Loaded<A>, LoadError>
where
    A: Send,
    F: Fn(&ManifestFile, &[u8]) -> A + Sync,
{
    let budget = AtomicU64::new(options.memory_limit);
    let ids = AtomicUsize::new(0);
    let limit = options.max_file_bytes;
    let spill_dir = Mutex::new(None);
    let (results, mut workers) = run_bounded_with(
        files.iter().collect(),
        options.workers,
        || Worker {
            id: ids.fetch_add(1, Ordering::Relaxed),
            arena: Arena::new(),
            buffer: Vec::new(),
            len: 0,
            spill: None,
        },
        |worker, file| {
            let (bytes, place) = worker
                .read(file, &budget, limit)
                .map_err(|error| LoadError::of(dir, file, limit, error))?;
            let analysis = analyse(file, bytes);
            let place = match place {
                Some(place) => place,
                None => worker
                    .spill(&spill_dir)
                    .map_err(|source| LoadError::Spill {
                        path: dir.join(&file.relative),
                        source,
                    })?,
            };
            Ok((analysis, place))
        },
    );
    let (analyses, places) = results
        .into_iter()
        .collect::<Result<(Vec<_>, Vec<_>), _>>()?;
    workers.sort_by_key(|worker| worker.id);
    let (arenas, spills) = workers
        .into_iter()
        .map(|worker| (worker.arena, worker.spill.map(|(file, _)| file)))
        .unzip();
    Ok(Loaded {
        analyses,
        held: Held {
            places,
            arenas,
            spills,
            _spill_dir: spill_dir.into_inner().unwrap_or_else(|e| e.into_inner()),
        },
    })
}

/// One reader thread's memory.
struct Worker {
    /// Its index among the workers (that of its arena in [`Loaded`]).
    id: usize,
    arena: Arena,
    /// For the files past the budget.
    buffer: Vec<u8>,
    /// How much of the buffer the last file read filled.
    len: usize,
    /// Its spill file and how much it holds, once a file went past the budget.
    spill: Option<(File, u64)>,
}

impl Worker {
    /// Appends the file just read into the buffer (`len` bytes) to this reader's spill
    /// file, created in the run's spill directory on first use.
    fn spill(&mut self, dir: &Mutex<Option<RunDir>>) -> io::Result<Place> {
        let len = self.len;
        if self.spill.is_none() {
            let mut dir = dir.lock().unwrap_or_else(|e| e.into_inner());
            if dir.is_none() {
                // Spill files of renders that were killed go first.
                crate::rundir::sweep();
                *dir = Some(RunDir::new("spill")?);
            }
            let path = dir
                .as_ref()
                .expect("created above")
                .path()
                .join(format!("reader-{}", self.id));
            let file = File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(path)?;
            self.spill = Some((file, 0));
        }
        let (file, end) = self.spill.as_mut().expect("opened above");
        let offset = *end;
        file.write_all(&self.buffer[..len])?;
        *end += len as u64;
        Ok(Place::Spilled {
            reader: self.id,
            offset,
            len,
        })
    }

    /// Reads `file` into the arena when the budget allows, else into the buffer (its
    /// place is then decided by [`Worker::spill`]).
    fn read(
        &mut self,
        file: &ManifestFile,
        budget: &AtomicU64,
        limit: u64,
    ) -> io::Result<(&[u8], Option<Place>)> {
        let opened = file.open()?;
        let size = size_within(&opened, limit)?;
        let held = budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(size)
            })
            .is_ok();
        if held {
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            let slot = self.arena.read(&opened, size as usize, limit)?;
            let bytes = self.arena.bytes(&slot);
            Ok((bytes, Some(Place::Arena(self.id, slot))))
        } else {
            self.len = read_to_buffer(&opened, size, limit, &mut self.buffer)?;
            Ok((&self.buffer[..self.len], None))
        }
    }
}

/// Reads the file at `path` into the front of `buffer` (kept at its largest size, so that
/// nothing is zeroed or allocated again for files that fit) and returns its length. A
/// file larger than `limit` bytes is an error of kind `FileTooLarge`.
pub fn read_file(path: &Path, limit: u64, buffer: &mut Vec<u8>) -> io::Result<usize> {
    let file = File::open(path)?;
    let size = size_within(&file, limit)?;
    read_to_buffer(&file, size, limit, buffer)
}

/// The size of `file` by `fstat`, when within `limit`.
fn size_within(file: &File, limit: u64) -> io::Result<u64> {
    let size = file.metadata()?.len();
    if size > limit {
        return Err(too_large(limit));
    }
    Ok(size)
}

fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("larger than {limit} bytes"),
    )
}

/// Reads `file`, `size` bytes by `fstat`, into the front of `buffer`. One spare byte
/// tells the end of the file from a file that grew since `fstat`.
fn read_to_buffer(
    mut file: &File,
    size: u64,
    limit: u64,
    buffer: &mut Vec<u8>,
) -> io::Result<usize> {
    let mut want = size as usize + 1;
    let mut filled = 0;
    loop {
        if buffer.len() < want {
            buffer.resize(want, 0);
        }
        match file.read(&mut buffer[filled..want]) {
            Ok(0) => return Ok(filled),
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
        if filled == size as usize && filled < want {
            return Ok(filled);
        }
        if filled == want {
            if filled as u64 > limit {
                return Err(too_large(limit));
            }
            want = (want * 2).min(
                usize::try_from(limit)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(sizes: &[usize]) -> (tempfile::TempDir, Vec<ManifestFile>, Vec<Vec<u8>>) {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        let mut contents = Vec::new();
        for (i, size) in sizes.iter().enumerate() {
            let relative = PathBuf::from(format!("{i:03}.yaml"));
            let content: Vec<u8> = (0..*size).map(|n| (n % 251) as u8).collect();
            std::fs::write(dir.path().join(&relative), &content).unwrap();
            files.push(ManifestFile::at(
                dir.path().join(&relative),
                relative,
                false,
            ));
            contents.push(content);
        }
        (dir, files, contents)
    }

    #[test]
    fn holds_files_until_the_budget_is_spent_and_analyses_all() {
        let sizes = [10, 0, 5000, 300, 70_000, 1, 4096];
        let (dir, files, contents) = tree(&sizes);
        for (memory_limit, workers) in [(0, 1), (5310, 1), (u64::MAX, 1), (u64::MAX, 3), (6000, 2)]
        {
            let options = LoadOptions {
                max_file_bytes: 1 << 20,
                memory_limit,
                workers,
            };
            let loaded = load(dir.path(), &files, &options, |_, bytes| bytes.to_vec()).unwrap();
            let mut held = 0;
            for (i, (analysis, content)) in loaded.analyses.iter().zip(&contents).enumerate() {
                assert_eq!(analysis, content);
                if let Some(bytes) = loaded.held.bytes(i) {
                    assert_eq!(bytes, content.as_slice());
                    held += bytes.len() as u64;
                }
            }
            assert!(held <= memory_limit, "{held} > {memory_limit}");
            // Past the budget, the bytes read come back from the spill file.
            let mut buffer = Vec::new();
            for (i, content) in contents.iter().enumerate() {
                let bytes = loaded.held.read_spilled(i, &mut buffer).unwrap();
                assert_eq!(bytes, content.as_slice(), "file {i}");
            }
            if workers == 1 && memory_limit == 5310 {
                // In order: 10, 0, 5000, 300 fit exactly; the rest do not.
                assert_eq!(held, 5310);
                assert!(loaded.held.bytes(4).is_none());
            }
            if memory_limit == u64::MAX {
                assert_eq!(held, sizes.iter().sum::<usize>() as u64);
            }
        }
    }

    /// What the second pass gets of a file past the budget is what the first pass read,
    /// whatever happened to the file since; the spill files go with the bytes.
    #[test]
    fn spilled_files_are_the_files_read_and_are_removed() {
        let (dir, files, contents) = tree(&[100, 200, 300]);
        let options = LoadOptions {
            max_file_bytes: 1 << 20,
            memory_limit: 100,
            workers: 1,
        };
        let loaded = load(dir.path(), &files, &options, |_, _| ()).unwrap();
        assert!(loaded.held.bytes(0).is_some() && loaded.held.bytes(2).is_none());
        std::fs::write(&files[2].path, b"changed since").unwrap();
        std::fs::remove_file(&files[1].path).unwrap();
        let mut buffer = Vec::new();
        for i in [2, 1] {
            assert_eq!(
                loaded.held.read_spilled(i, &mut buffer).unwrap(),
                contents[i].as_slice()
            );
        }
        let spill_dir = loaded
            .held
            ._spill_dir
            .as_ref()
            .map(|dir| dir.path().to_owned())
            .unwrap();
        assert!(spill_dir.join("reader-0").is_file());
        drop(loaded);
        assert!(!spill_dir.exists());
    }

    #[test]
    fn the_first_failing_file_in_order_is_reported() {
        let (dir, mut files, _) = tree(&[10, 20_000, 30, 20_000]);
        files[2].path = dir.path().join("missing.yaml");
        let options = LoadOptions {
            max_file_bytes: 10_000,
            memory_limit: u64::MAX,
            workers: 2,
        };
        match load(dir.path(), &files, &options, |_, _| ()) {
            Err(LoadError::TooLarge { path, limit }) => {
                assert_eq!(path, dir.path().join("001.yaml"));
                assert_eq!(limit, 10_000);
            }
            other => panic!("{other:?}"),
        }
        files[1].path = dir.path().join("gone.yaml");
        match load(dir.path(), &files, &options, |_, _| ()) {
            Err(LoadError::Read { path, source }) => {
                assert_eq!(path, dir.path().join("001.yaml"));
                assert_eq!(source.kind(), io::ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn read_file_reuses_the_buffer_and_bounds_size() {
        let (dir, files, contents) = tree(&[10_000, 3, 0, 5000]);
        let mut buffer = Vec::new();
        for (file, content) in files.iter().zip(&contents) {
            let len = read_file(&file.path, 10_000, &mut buffer).unwrap();
            assert_eq!(&buffer[..len], content.as_slice());
        }
        let path = dir.path().join("over");
        std::fs::write(&path, vec![b'x'; 10_001]).unwrap();
        let err = read_file(&path, 10_000, &mut buffer).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
    }
}
