//! Markers (SPEC §3): find `$imagescan` comments, compute edits, apply them byte-exactly.
//!
//! Pure code over bytes: the caller reads files, knows the scans, and decides what to do
//! with the result. [`find_markers`] locates markers (or reports every problem with them)
//! — in a whole text, or a window at a time as it is read ([`DocumentWindows`]) —,
//! [`Form::value`] builds the value a marker's form asks for, and [`apply`] writes a copy
//! of the text in which only the marked scalars changed.
//!
//! ```
//! use imagescan::marker::{Edit, apply, find_markers};
//!
//! let text = b"image: nginx:1.26 # {\"$imagescan\": \"web\"}\n";
//! let markers = find_markers(text).unwrap();
//! let value = markers[0].form.value("nginx", "1.27.1", None).unwrap();
//! let mut out = Vec::new();
//! let changes = apply(text, &[Edit { marker: &markers[0], new_value: &value }], &mut out).unwrap();
//! assert_eq!(out, b"image: nginx:1.27.1 # {\"$imagescan\": \"web\"}\n");
//! assert_eq!((changes[0].old_value.as_str(), changes[0].new_value.as_str()), ("nginx:1.26", "nginx:1.27.1"));
//! ```

mod edit;
mod error;
mod find;
mod form;
mod line;
mod quoting;
mod windows;

pub use edit::{Change, Edit, apply, encode};
pub use error::{MarkerError, MarkerErrorKind, NoScalar, OverlappingEdits};
pub use find::{Marker, NEEDLE, find_markers, last_document_start};
pub use form::{FORM_SUFFIXES, Form, MissingDigest, UnknownForm, split_marker_name};
pub use line::ScalarStyle;
pub use quoting::needs_quotes;
pub use windows::DocumentWindows;
pub(crate) use windows::line_breaks;

#[cfg(test)]
mod tests;
