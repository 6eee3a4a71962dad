//! Applying new values to found markers: a copy of the text in which only the marked
//! scalars changed, and the list of changes (for commit messages and `resolve --check`).
//!
//! The quoting of a scalar is kept: quoted stays quoted with the same quotes, plain stays
//! plain unless the new value would not read back as a string (then it is double-quoted).
//! An edit whose value equals the current one is no change and leaves the bytes alone.

use std::borrow::Cow;

use super::error::OverlappingEdits;
use super::find::Marker;
use super::form::Form;
use super::line::ScalarStyle;
use super::quoting::{double_quote, needs_quotes, single_quote};

/// A new value for one marker's scalar (unquoted; [`apply`] quotes it as needed).
#[derive(Debug, Clone, Copy)]
pub struct Edit<'a> {
    /// The marker whose scalar changes.
    pub marker: &'a Marker,
    /// The value to write, e.g. from [`Form::value`].
    pub new_value: &'a str,
}

impl Edit<'_> {
    /// Whether this edit changes the value (a value equal to the current one is no change).
    pub fn is_change(&self) -> bool {
        self.marker.value != self.new_value
    }
}

/// One value that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// 1-based line of the scalar.
    pub line: usize,
    /// The scan whose marker controls it.
    pub scan: String,
    /// The marker's form.
    pub form: Form,
    /// The value before, without quotes (`""` for an empty value).
    pub old_value: String,
    /// The value after, without quotes.
    pub new_value: String,
}

/// How `value` is written in place of a scalar of `style`: the scalar's bytes, quotes
/// included (with a separating space first for an empty value).
pub fn encode(style: ScalarStyle, value: &str) -> Cow<'_, str> {
    match style {
        ScalarStyle::DoubleQuoted => Cow::Owned(double_quote(value)),
        ScalarStyle::SingleQuoted => {
            Cow::Owned(single_quote(value).unwrap_or_else(|| double_quote(value)))
        }
        ScalarStyle::Plain if needs_quotes(value) => Cow::Owned(double_quote(value)),
        ScalarStyle::Plain => Cow::Borrowed(value),
        ScalarStyle::Empty if needs_quotes(value) => {
            Cow::Owned(format!(" {}", double_quote(value)))
        }
        ScalarStyle::Empty => Cow::Owned(format!(" {value}")),
    }
}

/// Appends to `out` a copy of `text` with the edits applied, and returns the changes in
/// text order. Edits that change nothing are skipped; when none changes anything, `out`
/// receives `text` unchanged. Edits of one scalar twice are refused before anything is
/// written.
pub fn apply(
    text: &[u8],
    edits: &[Edit<'_>],
    out: &mut Vec<u8>,
) -> Result<Vec<Change>, OverlappingEdits> {
    let mut changing: Vec<&Edit<'_>> = edits.iter().filter(|e| e.is_change()).collect();
    changing.sort_by_key(|e| e.marker.span.start);
    for pair in changing.windows(2) {
        let (a, b) = (&pair[0].marker.span, &pair[1].marker.span);
        if b.start < a.end || b.start == a.start {
            return Err(OverlappingEdits {
                line: pair[1].marker.line,
            });
        }
    }
    out.reserve(
        text.len()
            + changing
                .iter()
                .map(|e| e.new_value.len() + 3)
                .sum::<usize>(),
    );
    let mut copied = 0;
    let mut changes = Vec::with_capacity(changing.len());
    for edit in changing {
        let marker = edit.marker;
        out.extend_from_slice(&text[copied..marker.span.start]);
        out.extend_from_slice(encode(marker.style, edit.new_value).as_bytes());
        copied = marker.span.end;
        changes.push(Change {
            line: marker.line,
            scan: marker.scan.clone(),
            form: marker.form,
            old_value: marker.value.clone(),
            new_value: edit.new_value.to_owned(),
        });
    }
    out.extend_from_slice(&text[copied..]);
    Ok(changes)
}
