//! KRM function results (`results[]` of the ResourceList: message, severity,
//! resourceRef, field, file) and where they go in the output bytes: appended to an
//! existing `results` list or added as a new key, each result written as one JSON object
//! (which is YAML too), so no byte of the input is rewritten to add them.

use serde::Serialize;

use super::item::ItemInfo;
use super::resource_list::{Format, ResourceList};
use crate::workspace::Replacement;

/// How serious a result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The function failed; the items were not changed.
    Error,
    /// Something the user should look at; the items were changed.
    Warning,
    /// For information.
    Info,
}

/// The item a result is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// The field a result is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// Its path, e.g. `spec.template.spec.containers[0].image`.
    pub path: String,
    /// Its value now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_value: Option<String>,
}

/// The file a result is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct File {
    /// Its path.
    pub path: String,
    /// The document's position in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KrmResult {
    /// What happened, with where (file and line) when known.
    pub message: String,
    /// How serious it is.
    pub severity: Severity,
    /// The item it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_ref: Option<ResourceRef>,
    /// The field it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    /// The file it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<File>,
}

impl KrmResult {
    /// A result with only a message.
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        KrmResult {
            message: message.into(),
            severity,
            resource_ref: None,
            field: None,
            file: None,
        }
    }

    /// Names the item (and its file, when kpt gave one).
    #[must_use]
    pub fn about(mut self, item: &ItemInfo) -> Self {
        self.resource_ref = Some(ResourceRef {
            api_version: item.api_version.clone(),
            kind: item.kind.clone(),
            name: item.name.clone(),
            namespace: item.namespace.clone(),
        });
        if let Some(path) = &item.path {
            self.file = Some(File {
                path: path.clone(),
                index: item.index,
            });
        }
        self
    }

    /// Names a file with no item (the functionConfig's).
    #[must_use]
    pub fn in_file(mut self, path: impl Into<String>) -> Self {
        self.file = Some(File {
            path: path.into(),
            index: None,
        });
        self
    }

    /// Names the field.
    #[must_use]
    pub fn at_field(mut self, path: impl Into<String>, current: Option<String>) -> Self {
        self.field = Some(Field {
            path: path.into(),
            current_value: current,
        });
        self
    }

    fn json(&self) -> String {
        serde_json::to_string(self).expect("a result serializes")
    }
}

/// The replacement that adds `results` to the list read from `input` (none when there
/// are no results).
pub fn insertion(list: &ResourceList, input: &[u8], results: &[KrmResult]) -> Option<Replacement> {
    if results.is_empty() {
        return None;
    }
    let objects: Vec<String> = results.iter().map(KrmResult::json).collect();
    let at = |pos: usize, text: String| Replacement {
        range: pos..pos,
        bytes: text.into_bytes().into(),
    };
    Some(match (list.format, &list.results) {
        (Format::Flow, None) => at(list.end, format!(", \"results\": [{}]", objects.join(", "))),
        (_, Some(section)) if section.inline => {
            // `results: []`, `results: null` or a flow list on one line or more.
            let start = section.range.start;
            let value = &input[section.range.clone()];
            if value.first() == Some(&b'[') {
                let close = super::text::flow_end(input, start) - 1;
                let empty = input[start + 1..close].trim_ascii().is_empty();
                let sep = if empty { "" } else { ", " };
                at(close, format!("{sep}{}", objects.join(", ")))
            } else {
                let line_end =
                    memchr::memchr(b'\n', value).map_or(section.range.end, |i| start + i);
                Replacement {
                    range: start..line_end,
                    bytes: block_entries(&objects, "", true).into_bytes().into(),
                }
            }
        }
        (_, Some(section)) => {
            let body = &input[section.range.clone()];
            let indent = body
                .split(|&b| b == b'\n')
                .find(|l| l.trim_ascii_start().starts_with(b"-"))
                .map_or(0, |l| l.iter().take_while(|&&b| b == b' ').count());
            let newline = !body.is_empty() && !body.ends_with(b"\n");
            let mut text = block_entries(&objects, &" ".repeat(indent), newline);
            text.push('\n');
            at(section.range.end, text)
        }
        (Format::Block, None) => {
            let newline = list.end > 0 && input[list.end - 1] != b'\n';
            let mut text = String::from(if newline { "\nresults:" } else { "results:" });
            text.push_str(&block_entries(&objects, "", true));
            text.push('\n');
            at(list.end, text)
        }
    })
}

/// `- {…}` lines, each after a line break when `leading_newline` (else between them).
fn block_entries(objects: &[String], indent: &str, leading_newline: bool) -> String {
    let mut text = String::new();
    for (i, object) in objects.iter().enumerate() {
        if i > 0 || leading_newline {
            text.push('\n');
        }
        text.push_str(indent);
        text.push_str("- ");
        text.push_str(object);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::text::apply_replacements;
    use saphyr::LoadableYamlNode;

    fn with_results(input: &str) -> String {
        let list = ResourceList::read(input.as_bytes()).unwrap();
        let results = [
            KrmResult::new(Severity::Error, "bad: \"x\"").at_field("spec.a", None),
            KrmResult::new(Severity::Warning, "w").in_file("f.yaml"),
        ];
        let insertion = insertion(&list, input.as_bytes(), &results).unwrap();
        let mut out = Vec::new();
        apply_replacements(input.as_bytes(), &[insertion], &mut out);
        String::from_utf8(out).unwrap()
    }

    const E: &str = r#"{"message":"bad: \"x\"","severity":"error","field":{"path":"spec.a"}}"#;
    const W: &str = r#"{"message":"w","severity":"warning","file":{"path":"f.yaml"}}"#;

    #[test]
    fn results_are_added_where_the_list_has_room() {
        let head = "kind: ResourceList\nitems: []\n";
        let cases = [
            (head.to_owned(), format!("{head}results:\n- {E}\n- {W}\n")),
            (
                "kind: ResourceList\nitems: []".to_owned(),
                format!("{head}results:\n- {E}\n- {W}\n"),
            ),
            (
                format!("{head}results: []\nfunctionConfig: {{}}\n"),
                format!("{head}results: [{E}, {W}]\nfunctionConfig: {{}}\n"),
            ),
            (
                format!("{head}results: null\n"),
                format!("{head}results: \n- {E}\n- {W}\n"),
            ),
            (
                format!("{head}results:\n  - message: old\n"),
                format!("{head}results:\n  - message: old\n  - {E}\n  - {W}\n"),
            ),
            (
                r#"{"kind": "ResourceList", "items": []}"#.to_owned(),
                format!(r#"{{"kind": "ResourceList", "items": [], "results": [{E}, {W}]}}"#),
            ),
            (
                r#"{"kind": "ResourceList", "results": [{"message": "old"}]}"#.to_owned(),
                format!(
                    r#"{{"kind": "ResourceList", "results": [{{"message": "old"}}, {E}, {W}]}}"#
                ),
            ),
        ];
        for (input, want) in cases {
            let got = with_results(&input);
            assert_eq!(got, want, "{input}");
            // What was written reads back as YAML holding both results.
            let docs = saphyr::MarkedYaml::load_from_str(&got);
            assert!(docs.is_ok(), "{got}");
        }
    }
}
