//! Render (SPEC §7): the manifests of a directory, as one `---`-separated stream.
//!
//! This module owns the parts of `render [DIR]` that do not know markers: listing the
//! manifest files in order ([`walk`]); the first pass, which reads every file once on
//! every core into memory ([`load`], [`arena`]) and hands its bytes to the caller's
//! analysis (the CLI finds markers there); splitting bytes into documents and keeping
//! the Kubernetes objects ([`documents`], [`runs`]); and the second pass's output, the
//! kept documents with the caller's patches as slices written with `writev`
//! ([`gather`]). It also copies DIR for `render -- CMD` ([`copy`]). It does not parse
//! YAML, resolve markers, run commands or print: speed comes from touching each byte a
//! few times at most (one read, one `memchr` pass, one write).

pub mod arena;
pub mod copy;
pub mod documents;
pub mod gather;
pub mod load;
pub mod runs;
pub mod walk;

pub use copy::{CopySummary, copy_tree};
pub use documents::{Document, Documents, Format, documents};
pub use gather::Gather;
pub use load::{Held, LoadError, LoadOptions, Loaded, load, read_file};
pub use runs::{Run, runs};
pub use walk::{Excludes, ManifestFile, WalkError, manifest_files, marker_files};

/// Largest manifest file read by default (a file larger than this is an error).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;
