//! The Helm post-renderer (`imagescan post-render`): Helm's rendered manifests in,
//! the same bytes out with `$imagescan` markers resolved (template comments survive
//! `helm template`). Everything but the marked scalars is copied byte for byte — Helm
//! 3's `# Source:` comments, Helm 4's `postrenderer.helm.sh/postrender-filename`
//! annotations, hooks — and empty input gives empty output.
//!
//! Markers are found in the stream as it is read, a run of documents at a time (the
//! command reads it, [`crate::marker::DocumentWindows`]). Only when something is wrong are
//! the documents told apart, so that a message names the template (from `# Source:` or
//! the Helm 4 annotation) and the line within its rendered document.

use std::path::Path;

use crate::config::ConfigSet;
use crate::diagnostic::Diagnostics;
use crate::marker::Marker;
use crate::scan::Scanner;
use crate::workspace::Error;
use crate::workspace::text::{ResolvedText, resolve_text};

/// Helm 4's annotation naming the template a document came from.
pub const FILENAME_ANNOTATION: &str = "postrenderer.helm.sh/postrender-filename";

/// Resolves the markers of Helm's output `input` (`found`: its markers, when they were
/// found while it was read). Marker problems name the template and the line in its
/// rendered document.
pub fn post_render(
    config: &ConfigSet,
    input: &[u8],
    found: Option<Vec<Marker>>,
    scanner: &Scanner,
) -> Result<ResolvedText, Error> {
    resolve_text(config, Path::new("stdin"), input, found, scanner).map_err(|error| match error {
        Error::Problems(diagnostics) => Error::Problems(Diagnostics(
            diagnostics
                .0
                .into_iter()
                .map(|mut d| {
                    let at = locate(input, d.line);
                    d.path = at.name().into();
                    d.line = at.line;
                    // The marker engine's wording is about files found in a tree.
                    d.message = d.message.replace(
                        "which no imagescan.yaml or fleet.yaml for this file defines",
                        "which no --config file (or IMAGESCAN_CONFIG) defines",
                    );
                    d
                })
                .collect(),
        )),
        other => other,
    })
}

/// Where a line of Helm's output is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamLocation {
    /// 1-based number of the document in the stream.
    pub document: usize,
    /// The template it was rendered from, when Helm said.
    pub template: Option<String>,
    /// 1-based line within the document (after its `---` and Helm 3's `# Source:`
    /// line: the template's line when rendering kept the line count).
    pub line: usize,
}

impl StreamLocation {
    /// How messages name the document: `chart/templates/x.yaml (rendered document 2)`.
    pub fn name(&self) -> String {
        match &self.template {
            Some(t) => format!("{t} (rendered document {})", self.document),
            None => format!("stdin document {}", self.document),
        }
    }
}

/// The document and template holding line `line` (1-based) of `input`.
pub fn locate(input: &[u8], line: usize) -> StreamLocation {
    let lines: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    let target = line.clamp(1, lines.len().max(1)) - 1;
    let is_separator =
        |l: &[u8]| l.starts_with(b"---") && l.get(3).is_none_or(|b| b.is_ascii_whitespace());
    // Documents are counted from the first line with content: a leading `---` opens the
    // first document rather than closing an empty one.
    let mut document = 1;
    let mut start = 0;
    let mut seen_content = false;
    for (i, l) in lines.iter().enumerate().take(target + 1) {
        if is_separator(l) {
            if seen_content {
                document += 1;
            }
            seen_content = false;
            start = i + 1;
        } else if !l.trim_ascii().is_empty() {
            seen_content = true;
        }
    }
    let template = lines[start..]
        .iter()
        .take_while(|l| !is_separator(l))
        .find_map(|l| template_of(&String::from_utf8_lossy(l)));
    // Helm 3's `# Source:` line is not in the template: lines count from the one after.
    if target > start && lines[start].starts_with(b"# Source:") {
        start += 1;
    }
    StreamLocation {
        document,
        template,
        line: target + 1 - start,
    }
}

/// The template named by a `# Source:` comment or the Helm 4 annotation on this line.
fn template_of(line: &str) -> Option<String> {
    let trimmed = line.trim();
    if let Some(source) = trimmed.strip_prefix("# Source:") {
        return Some(source.trim().to_owned());
    }
    let rest = trimmed
        .trim_start_matches(['"', '\''])
        .strip_prefix(FILENAME_ANNOTATION)?;
    let value = rest
        .trim_start_matches(['"', '\''])
        .strip_prefix(':')?
        .trim();
    Some(value.trim_matches(['"', '\'']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_located_in_their_rendered_document() {
        let helm3 = "---\n# Source: web/templates/a.yaml\nkind: A\n---\n# Source: web/templates/b.yaml\nkind: B\nimage: x # m\n";
        assert_eq!(
            locate(helm3.as_bytes(), 7),
            StreamLocation {
                document: 2,
                template: Some("web/templates/b.yaml".into()),
                line: 2
            }
        );
        assert_eq!(
            locate(helm3.as_bytes(), 3).name(),
            "web/templates/a.yaml (rendered document 1)"
        );
        let helm4 = "kind: A\nmetadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: 'web/templates/a.yaml'\nimage: x\n---\nkind: B\nimage: y\n";
        let at = locate(helm4.as_bytes(), 5);
        assert_eq!(
            (at.document, at.template.as_deref(), at.line),
            (1, Some("web/templates/a.yaml"), 5)
        );
        assert_eq!(locate(helm4.as_bytes(), 8).name(), "stdin document 2");
    }
}
