//! Render (SPEC §7): the manifests of a directory, as one `---`-separated stream.
//!
//! This module owns the parts of `render [DIR]` that do not know markers: splitting bytes
//! into documents and keeping the Kubernetes objects ([`documents`](mod@documents), [`runs`](mod@runs)), and the
//! second pass's output, the kept documents with the caller's patches as slices written
//! with `writev` ([`gather`]). Listing and reading the files is [`crate::files`]; the
//! pipeline that joins them with markers is [`crate::workspace`]. It does not parse
//! YAML, resolve markers, run commands or print: speed comes from touching each byte a
//! few times at most (one read, one `memchr` pass, one write).

pub mod documents;
pub mod gather;
pub mod runs;

pub use documents::{Document, Documents, Format, documents};
pub use gather::Gather;
pub use runs::{Run, runs};
