//! The input files of every command: listing a directory tree in order, with its
//! exclusions and symlink rules ([`walk`]); reading the files once, on every core, into
//! memory ([`load`](mod@load), [`arena`]); reading stdin whole ([`stream`]); and copying a tree for `render -- CMD` ([`copy`]).
//!
//! Nothing here knows markers, configuration or documents: it gives bytes and names.
//! Every command (render, resolve, check, writeback) lists and reads through it.

pub mod arena;
pub mod copy;
pub mod load;
pub mod stream;
pub mod walk;

pub use copy::{CopySummary, copy_tree};
pub use load::{Held, LoadError, LoadOptions, Loaded, load, read_file};
pub use stream::{StreamBytes, read_stream, read_stream_with};
pub use walk::{
    Excludes, Format, ManifestFile, WalkError, manifest_files, marker_files, marker_files_where,
};

/// Largest manifest file read by default (a file larger than this is an error).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;
