//! What a writeback changed ([`Change`]), the hook that produces changes ([`Resolver`]),
//! and the data the commit message template sees ([`template_data`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::CommitSettings;
use crate::writeback::template::Value;

/// One marked value rewritten in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The file, relative to the repository root (`.File` in templates).
    pub file: PathBuf,
    /// 1-based line of the value.
    pub line: usize,
    /// The scan (`tagName`) the marker names.
    pub scan: String,
    /// The image as the scan spells it, without tag or digest.
    pub image: String,
    /// The value before, as scalar text without YAML quotes.
    pub old_value: String,
    /// The value written, as scalar text without YAML quotes.
    pub new_value: String,
}

/// Resolves the markers of a checkout: rewrites the files itself (atomically, see
/// [`crate::writeback::write_atomic`]) and reports what changed. Called once per attempt,
/// on a fresh work tree each time a push was rejected.
///
/// Any `FnMut(&Path, &[PathBuf]) -> Result<Vec<Change>, E>` is a resolver with no
/// `commit:` settings of its own.
pub trait Resolver {
    /// Why resolving failed.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Rewrites the marked values under `paths` (relative to `root`; `root` itself when
    /// empty) in the work tree `root`, returning every value changed, in file order.
    fn resolve(&mut self, root: &Path, paths: &[PathBuf]) -> Result<Vec<Change>, Self::Error>;

    /// The `commit:` section of the checkout's configuration (imagescan.yaml), the
    /// lowest-priority source of commit settings. Called after checkout.
    fn commit_settings(
        &mut self,
        root: &Path,
        paths: &[PathBuf],
    ) -> Result<Option<CommitSettings>, Self::Error> {
        let _ = (root, paths);
        Ok(None)
    }
}

impl<F, E> Resolver for F
where
    F: FnMut(&Path, &[PathBuf]) -> Result<Vec<Change>, E>,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn resolve(&mut self, root: &Path, paths: &[PathBuf]) -> Result<Vec<Change>, E> {
        self(root, paths)
    }
}

/// The commit message template's data: `.Changes` (each with `File`, `Line`, `Scan`,
/// `Image`, `OldValue`, `NewValue`) and `.Scans` (each scan with a change, by name:
/// `Name`, `Image`, `NewValues` — the distinct values written, in order of appearance).
pub fn template_data(changes: &[Change]) -> Value {
    let mut scans: BTreeMap<&str, (&str, Vec<&str>)> = BTreeMap::new();
    for c in changes {
        let entry = scans.entry(&c.scan).or_insert((&c.image, Vec::new()));
        if !entry.1.contains(&c.new_value.as_str()) {
            entry.1.push(&c.new_value);
        }
    }
    let change_values = changes
        .iter()
        .map(|c| {
            Value::Map(BTreeMap::from([
                (
                    "File".to_owned(),
                    Value::Str(c.file.to_string_lossy().into_owned()),
                ),
                ("Line".to_owned(), Value::Int(c.line as i64)),
                ("Scan".to_owned(), Value::from(c.scan.as_str())),
                ("Image".to_owned(), Value::from(c.image.as_str())),
                ("OldValue".to_owned(), Value::from(c.old_value.as_str())),
                ("NewValue".to_owned(), Value::from(c.new_value.as_str())),
            ]))
        })
        .collect();
    let scan_values = scans
        .into_iter()
        .map(|(name, (image, values))| {
            Value::Map(BTreeMap::from([
                ("Name".to_owned(), Value::from(name)),
                ("Image".to_owned(), Value::from(image)),
                (
                    "NewValues".to_owned(),
                    Value::List(values.into_iter().map(Value::from).collect()),
                ),
            ]))
        })
        .collect();
    Value::Map(BTreeMap::from([
        ("Changes".to_owned(), Value::List(change_values)),
        ("Scans".to_owned(), Value::List(scan_values)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writeback::template::Template;

    #[test]
    fn scans_are_grouped_by_name() {
        let change = |file: &str, scan: &str, new: &str| Change {
            file: file.into(),
            line: 1,
            scan: scan.into(),
            image: format!("reg/{scan}"),
            old_value: "old".into(),
            new_value: new.into(),
        };
        let data = template_data(&[
            change("a.yaml", "web", "1.2"),
            change("b.yaml", "api", "2.0"),
            change("c.yaml", "web", "1.2"),
        ]);
        let t = Template::parse(
            "{{ range .Scans }}{{ .Name }}={{ .Image }}:{{ join \",\" .NewValues }} {{ end }}{{ len .Changes }}",
        )
        .unwrap();
        assert_eq!(
            t.execute(&data).unwrap(),
            "api=reg/api:2.0 web=reg/web:1.2 3"
        );
    }
}
