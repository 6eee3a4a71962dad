//! Showing untrusted text in diagnostics: a value is quoted up to a bounded prefix (a
//! 3 MB `image:` value must not become 3 MB of stderr), and control characters in
//! values and file names are escaped so that a newline in a name cannot split or forge
//! a diagnostic line.

use std::fmt::{self, Display, Write as _};
use std::path::Path;

/// The most characters of a value quoted in a message.
pub const MAX_QUOTED_CHARS: usize = 120;

/// A value as a message quotes it: `"…"`, control characters escaped, cut after
/// [`MAX_QUOTED_CHARS`] characters with the full length said.
pub fn quoted(value: &str) -> Quoted<'_> {
    Quoted(value)
}

/// See [`quoted`].
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(&'a str);

impl Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        let mut chars = self.0.chars();
        for c in chars.by_ref().take(MAX_QUOTED_CHARS) {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                c => escape_control(f, c)?,
            }
        }
        f.write_char('"')?;
        if chars.next().is_some() {
            write!(f, "… ({} bytes in all)", self.0.len())?;
        }
        Ok(())
    }
}

/// A bounded copy of registry- or user-supplied text to keep in an error: at most
/// [`MAX_QUOTED_CHARS`] characters, then `…`.
pub fn bounded(value: &str) -> String {
    match value.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

/// A file name as a diagnostic prints it, control characters escaped.
pub trait ShowPath {
    /// The path, printable on one line.
    fn shown(&self) -> ShownPath<'_>;
}

impl<P: AsRef<Path> + ?Sized> ShowPath for P {
    fn shown(&self) -> ShownPath<'_> {
        ShownPath(self.as_ref())
    }
}

/// See [`ShowPath`].
#[derive(Debug, Clone, Copy)]
pub struct ShownPath<'a>(&'a Path);

impl Display for ShownPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string_lossy();
        if !text.chars().any(char::is_control) {
            return f.write_str(&text);
        }
        for c in text.chars() {
            escape_control(f, c)?;
        }
        Ok(())
    }
}

fn escape_control(f: &mut fmt::Formatter<'_>, c: char) -> fmt::Result {
    match c {
        '\n' => f.write_str("\\n"),
        '\r' => f.write_str("\\r"),
        '\t' => f.write_str("\\t"),
        c if c.is_control() => write!(f, "\\u{{{:x}}}", u32::from(c)),
        c => f.write_char(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn quotes_a_bounded_escaped_prefix() {
        assert_eq!(quoted("nginx:1.2").to_string(), "\"nginx:1.2\"");
        assert_eq!(
            quoted("a\"b\\\n\u{1b}").to_string(),
            "\"a\\\"b\\\\\\n\\u{1b}\""
        );
        let long = "x".repeat(3 << 20);
        let shown = quoted(&long).to_string();
        assert!(shown.len() < 200, "{}", shown.len());
        assert!(
            shown.ends_with(&format!("\"… ({} bytes in all)", 3 << 20)),
            "{shown}"
        );
        assert_eq!(bounded("short"), "short");
        let cut = bounded(&"é".repeat(500));
        assert_eq!(cut.chars().count(), MAX_QUOTED_CHARS + 1);
    }

    #[test]
    fn paths_print_on_one_line() {
        let path = PathBuf::from("dir/evil\nimagescan: error: forged.yaml");
        assert_eq!(
            path.shown().to_string(),
            "dir/evil\\nimagescan: error: forged.yaml"
        );
        assert_eq!(
            Path::new("plain/a.yaml").shown().to_string(),
            "plain/a.yaml"
        );
        assert_eq!(Path::new("t\tb\r").shown().to_string(), "t\\tb\\r");
    }
}
