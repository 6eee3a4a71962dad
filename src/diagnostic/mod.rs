//! Problems found in the user's input (configuration files, markers), each pointing at a
//! file and line. Checks collect every diagnostic rather than stopping at the first, so
//! that one `imagescan check` run shows the user everything to fix.

use crate::text::ShowPath as _;
use std::fmt;
use std::path::PathBuf;

mod code;

pub use code::{Area, Code};

/// One problem in one file, at one line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The file the problem is in, as the user named it (relative to the directory given).
    pub path: PathBuf,
    /// 1-based line number; 0 when the problem concerns the whole file.
    pub line: usize,
    /// The kind of problem, shown as a stable kebab-case code, e.g. `unknown-field`.
    pub code: Code,
    /// The configuration field or marker the problem is about, e.g. `imageScans[2].interval`.
    pub field: Option<String>,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic without a field.
    pub fn new(
        path: impl Into<PathBuf>,
        line: usize,
        code: Code,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            line,
            code,
            field: None,
            message: message.into(),
        }
    }

    /// Names the field the diagnostic is about.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.shown())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{} [{}]", self.message, self.code)
    }
}

/// Several diagnostics, reported together as one error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_field_and_code() {
        let d = Diagnostic::new(
            "apps/imagescan.yaml",
            7,
            Code::InvalidDuration,
            "`1d` is not a Go duration",
        )
        .with_field("imageScans[0].interval");
        assert_eq!(
            d.to_string(),
            "apps/imagescan.yaml:7: imageScans[0].interval: `1d` is not a Go duration [invalid-duration]"
        );
    }

    #[test]
    fn whole_file_problem_has_no_line() {
        let d = Diagnostic::new("fleet.yaml", 0, Code::YamlSyntax, "not valid YAML");
        assert_eq!(d.to_string(), "fleet.yaml: not valid YAML [yaml-syntax]");
    }
}
