//! [`Files`]: the inputs of one pipeline run, in memory and named — a directory tree
//! listed and read on every core ([`crate::files`]), or documents given by the caller
//! (a stream on stdin, the items of a ResourceList) — with what scopes them: the
//! absolute directory a file's scans are looked up from.

use std::path::{Path, PathBuf};

use crate::files::{
    DEFAULT_MAX_FILE_BYTES, Excludes, Held, LoadOptions, ManifestFile, load, marker_files,
    marker_files_where,
};

use super::Error;

/// The files a pipeline run resolves, every one held in memory.
#[derive(Debug)]
pub struct Files {
    /// The directory as the user named it: files are shown as `shown.join(relative)`.
    shown: PathBuf,
    /// The absolute directory, symlinks resolved, that a file's scopes are compared
    /// against (for a copy of a tree: the original's).
    scope_root: PathBuf,
    inputs: Inputs,
}

#[derive(Debug)]
enum Inputs {
    /// Files of a tree, listed and read by [`crate::files`].
    Tree {
        /// The directory read (where the files are, which `shown` need not be).
        dir: PathBuf,
        list: Vec<ManifestFile>,
        held: Held,
    },
    /// Documents held by the caller: their names (relative) and bytes.
    Memory(Vec<(PathBuf, Vec<u8>)>),
}

impl Files {
    /// Lists every file under `dir` that may hold markers and reads it into memory, on
    /// every core. Files are named `shown.join(relative)`; their scopes are looked up as
    /// if they were under `scope_root` (absolute, symlinks resolved).
    pub fn read_tree(
        dir: &Path,
        shown: &Path,
        scope_root: &Path,
        excludes: &Excludes,
    ) -> Result<Self, Error> {
        Self::read_listed(dir, shown, scope_root, marker_files(dir, excludes)?)
    }

    /// [`Files::read_tree`] of the files of `dir` that `wanted` takes (given each path
    /// relative to `dir`; a directory refused is not descended): what an app reads.
    pub fn read_tree_where(
        dir: &Path,
        shown: &Path,
        scope_root: &Path,
        excludes: &Excludes,
        wanted: impl Fn(&Path) -> bool,
    ) -> Result<Self, Error> {
        let list = marker_files_where(dir, excludes, wanted)?;
        Self::read_listed(dir, shown, scope_root, list)
    }

    fn read_listed(
        dir: &Path,
        shown: &Path,
        scope_root: &Path,
        list: Vec<ManifestFile>,
    ) -> Result<Self, Error> {
        let options = LoadOptions {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            memory_limit: u64::MAX,
            workers: readers_for(list.len()),
        };
        let held = load(shown, &list, &options, |_, _| ())?.held;
        Ok(Files {
            shown: shown.to_owned(),
            scope_root: scope_root.to_owned(),
            inputs: Inputs::Tree {
                dir: dir.to_owned(),
                list,
                held,
            },
        })
    }

    /// Documents given in memory, each with a name relative to `scope_root` (which
    /// scopes their scans; it need not exist) and shown as is.
    pub fn in_memory(scope_root: &Path, documents: Vec<(PathBuf, Vec<u8>)>) -> Self {
        Files {
            shown: PathBuf::new(),
            scope_root: scope_root.to_owned(),
            inputs: Inputs::Memory(documents),
        }
    }

    /// How many files.
    pub fn len(&self) -> usize {
        match &self.inputs {
            Inputs::Tree { list, .. } => list.len(),
            Inputs::Memory(documents) => documents.len(),
        }
    }

    /// Whether there is no file at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The path of file `index` relative to the directory (or the document's name).
    pub fn relative(&self, index: usize) -> &Path {
        match &self.inputs {
            Inputs::Tree { list, .. } => &list[index].relative,
            Inputs::Memory(documents) => &documents[index].0,
        }
    }

    /// File `index` as messages name it.
    pub fn shown(&self, index: usize) -> PathBuf {
        self.shown.join(self.relative(index))
    }

    /// The absolute path its scans are looked up from.
    pub fn scope_path(&self, index: usize) -> PathBuf {
        self.scope_root.join(self.relative(index))
    }

    /// The file on disk that holds file `index`'s bytes (a symlink's target), absolute;
    /// `None` for a document held in memory.
    pub fn target(&self, index: usize) -> Option<&Path> {
        match &self.inputs {
            Inputs::Tree { list, .. } => Some(&list[index].path),
            Inputs::Memory(_) => None,
        }
    }

    /// The bytes of file `index`.
    pub fn bytes(&self, index: usize) -> &[u8] {
        match &self.inputs {
            Inputs::Tree { held, .. } => held
                .bytes(index)
                .expect("every file is held: no memory limit"),
            Inputs::Memory(documents) => &documents[index].1,
        }
    }

    /// The directory as the user named it.
    pub fn dir(&self) -> &Path {
        &self.shown
    }

    /// The directory the files were read from, unless they are held in memory.
    pub fn tree_dir(&self) -> Option<&Path> {
        match &self.inputs {
            Inputs::Tree { dir, .. } => Some(dir),
            Inputs::Memory(_) => None,
        }
    }
}

/// How many threads read files: one per CPU, at most 8 (reading from the page cache
/// scales with cores, little beyond).
pub fn readers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// How many files a reader thread is worth: below this, starting and joining a thread
/// (milliseconds on a loaded machine) costs more than reading the files.
const FILES_PER_READER: usize = 32;

/// [`readers`] for `files` files: one for a few (an app's overlay and base), more as
/// they add up.
pub fn readers_for(files: usize) -> usize {
    if files <= FILES_PER_READER {
        // Without asking the system (it reads the cgroup's CPU quota files).
        return 1;
    }
    readers().min(files.div_ceil(FILES_PER_READER))
}
