//! Marker problems found in one file's text, each with its 1-based line.
//!
//! The finder reports every problem of a file at once, so that one `check` run shows all of
//! them. The file's path is the caller's: [`MarkerError::to_diagnostic`] attaches it.
//! Undefined scans are found by the caller too (it holds the configuration), with
//! [`MarkerError::undefined_scan`].

use std::path::PathBuf;

use super::find::Marker;
use crate::diagnostic::{Code, Diagnostic};

/// One marker problem at one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct MarkerError {
    /// 1-based line of the marker comment.
    pub line: usize,
    /// What is wrong.
    pub kind: MarkerErrorKind,
}

/// What is wrong with a marker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkerErrorKind {
    /// A comment contains `$imagescan` but is not `{"$imagescan": "NAME[:FORM]"}`.
    #[error("malformed marker {comment_q}: {detail}; expected {{\"$imagescan\": \"NAME[:FORM]\"}}", comment_q = crate::text::quoted(.comment))]
    Malformed {
        /// The comment text after `#`, trimmed (cut to a readable length).
        comment: String,
        /// Why it was rejected.
        detail: String,
    },
    /// The `:FORM` suffix names no form.
    #[error(
        "marker {{\"$imagescan\": {marker_q}}} has unknown form {suffix_q} \
         (expected one of: name, tag, digest, tag-digest, digest-only)", marker_q = crate::text::quoted(.marker), suffix_q = crate::text::quoted(.suffix))]
    UnknownForm {
        /// The marker's whole name, e.g. `app:bogus`.
        marker: String,
        /// The unknown suffix, e.g. `bogus`.
        suffix: String,
    },
    /// The marker does not control a single-line scalar value.
    #[error("marker {{\"$imagescan\": {marker_q}}} is not on a scalar value: {reason}", marker_q = crate::text::quoted(.marker))]
    NoScalar {
        /// The marker's whole name.
        marker: String,
        /// Why the line holds no scalar the marker could control.
        reason: NoScalar,
    },
    /// The marker names a scan that no configuration for the file defines. The finder never
    /// reports it (it does not know the scans); callers build it with
    /// [`MarkerError::undefined_scan`] so that every marker problem has one shape.
    #[error(
        "marker names scan {scan_q}, which no imagescan.yaml or fleet.yaml for this file defines", scan_q = crate::text::quoted(.scan))]
    UndefinedScan {
        /// The scan name as written.
        scan: String,
    },
    /// Two markers control the same scalar (a head comment and a line comment).
    #[error("a second marker controls the value of line {target}; keep only one")]
    Duplicate {
        /// The line of the scalar both markers control.
        target: usize,
    },
}

/// Why a marker's line holds no scalar it could control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoScalar {
    /// `key: # m` with a nested mapping or sequence (or a value) indented below.
    #[error("the key's value is on the lines below it (a nested mapping or sequence)")]
    NestedBelow,
    /// `key: | # m`: the value is a block scalar.
    #[error("the value is a block scalar (| or >)")]
    BlockScalar,
    /// `key: [a, b] # m` or `key: {a: b} # m`.
    #[error("the value is a flow collection ([...] or {{...}})")]
    FlowCollection,
    /// `key: *ref # m`.
    #[error("the value is an alias (*name)")]
    Alias,
    /// A quoted scalar that does not end on its line.
    #[error("the quoted value does not end on this line")]
    MultiLineQuoted,
    /// Text after a quoted value that is neither a comment nor the end of the line.
    #[error("unexpected text after the quoted value")]
    TrailingText,
    /// The line is neither `key: value` nor `- value`.
    #[error("the line is neither `key: value` nor `- value`")]
    NotKeyOrEntry,
    /// A plain value that is not a valid plain scalar (`key: a: b`, `key: - x`).
    #[error("the value is not a valid plain scalar")]
    InvalidPlain,
    /// A head comment whose next line holds no `key: value`.
    #[error("a marker alone on its line must stand directly above a `key: value` line")]
    NoTargetBelow,
    /// `? key` complex keys and `---` lines.
    #[error("the line holds no single scalar value")]
    Unsupported,
}

impl MarkerError {
    /// The stable kebab-case code of this problem (docs/markers.md lists them).
    pub fn code(&self) -> Code {
        match self.kind {
            MarkerErrorKind::Malformed { .. } => Code::MalformedMarker,
            MarkerErrorKind::UnknownForm { .. } => Code::UnknownForm,
            MarkerErrorKind::NoScalar { .. } => Code::MarkerWithoutScalar,
            MarkerErrorKind::Duplicate { .. } => Code::DuplicateMarker,
            MarkerErrorKind::UndefinedScan { .. } => Code::UndefinedScan,
        }
    }

    /// The error for a marker whose scan is not defined, at the marker comment's line.
    pub fn undefined_scan(marker: &Marker) -> Self {
        Self {
            line: marker.comment_line,
            kind: MarkerErrorKind::UndefinedScan {
                scan: marker.scan.clone(),
            },
        }
    }

    /// The diagnostic for this problem in the file at `path`.
    pub fn to_diagnostic(&self, path: impl Into<PathBuf>) -> Diagnostic {
        Diagnostic::new(path, self.line, self.code(), self.kind.to_string())
    }
}

/// Edits given to [`super::apply`] that overlap (two edits of one marker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("two edits of the value on line {line} overlap")]
pub struct OverlappingEdits {
    /// The line of the value edited twice.
    pub line: usize,
}
