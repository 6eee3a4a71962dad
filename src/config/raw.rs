//! The YAML walk: one configuration file's text → raw types that keep the line of every
//! value, plus a diagnostic for every structural problem (wrong type, unknown key,
//! missing required field, YAML syntax). It does not interpret values (durations,
//! references, regexes): validation does that, with the lines kept here.
//!
//! Parsing uses saphyr's `MarkedYaml`, which carries spans and bounds alias expansion
//! (no "billion laughs"); duplicate keys are a YAML error there.

use std::path::Path;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::diagnostic::{Code, Diagnostic};

/// Which kind of file is being read: it decides how strict the walk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// `imagescan.yaml` or a `--config` file: unknown keys are errors.
    ImageScan,
    /// `fleet.yaml`: only `imageScans` is read, unknown keys are Fleet's business.
    Fleet,
    /// A KRM function's `functionConfig` (`kind: ImageScan`): the imagescan.yaml schema
    /// under `spec`, plus image rules; unknown keys are errors.
    Function,
}

/// A value and the 1-based line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spanned<T> {
    pub value: T,
    pub line: usize,
}

/// Everything one file holds.
#[derive(Debug, Default)]
pub(crate) struct RawFile {
    pub scans: Vec<RawScan>,
    pub registries: Vec<RawRegistry>,
    pub commit: Option<RawCommit>,
    /// `spec.images` of a functionConfig.
    pub images: Vec<RawImageRule>,
}

/// One `spec.images[]` item of a functionConfig.
#[derive(Debug, Default)]
pub(crate) struct RawImageRule {
    pub field: String,
    pub line: usize,
    pub name: Option<Spanned<String>>,
    pub scan: Option<Spanned<String>>,
}

/// One `imageScans[]` item.
#[derive(Debug, Default)]
pub(crate) struct RawScan {
    /// `imageScans[i]`, the prefix of every field name.
    pub field: String,
    pub line: usize,
    pub tag_name: Option<Spanned<String>>,
    pub image: Option<Spanned<String>>,
    /// Every policy given, in file order (validation decides what more than one means).
    pub policies: Vec<RawPolicy>,
    pub filter_tags: Option<RawFilter>,
    pub exclude: Vec<Spanned<String>>,
    pub secret_ref: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
    pub platform: Option<Spanned<String>>,
    pub suspend: Option<Spanned<bool>>,
}

/// The ordering policies of `policy:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyKind {
    Semver,
    Alphabetical,
    Numerical,
}

impl PolicyKind {
    pub fn key(self) -> &'static str {
        match self {
            PolicyKind::Semver => "semver",
            PolicyKind::Alphabetical => "alphabetical",
            PolicyKind::Numerical => "numerical",
        }
    }
}

/// One entry of `policy:`: `semver: {range}` or `alphabetical|numerical: {order}`.
#[derive(Debug)]
pub(crate) struct RawPolicy {
    pub kind: PolicyKind,
    pub line: usize,
    /// `range` for semver, `order` for the others.
    pub value: Option<Spanned<String>>,
}

/// `filterTags:`.
#[derive(Debug)]
pub(crate) struct RawFilter {
    pub line: usize,
    pub pattern: Option<Spanned<String>>,
    pub extract: Option<Spanned<String>>,
}

/// One `registries[]` item.
#[derive(Debug, Default)]
pub(crate) struct RawRegistry {
    pub field: String,
    pub line: usize,
    pub host: Option<Spanned<String>>,
    pub endpoint: Option<Spanned<String>>,
    pub insecure: Option<Spanned<bool>>,
    pub ca_file: Option<Spanned<String>>,
    pub layout: Option<Spanned<String>>,
    pub rate_limit: Option<Spanned<f64>>,
}

/// `commit:`.
#[derive(Debug, Default)]
pub(crate) struct RawCommit {
    pub author_name: Option<Spanned<String>>,
    pub author_email: Option<Spanned<String>>,
    pub message_template: Option<Spanned<String>>,
}

/// Parses one file's text. `path` is how diagnostics name the file. Every problem found
/// is pushed to `diags`; what could be read is returned regardless.
pub(crate) fn parse(
    source: &str,
    kind: FileKind,
    path: &Path,
    diags: &mut Vec<Diagnostic>,
) -> RawFile {
    let mut walker = Walker { path, kind, diags };
    if let Err(deep) = crate::yaml_depth::check(source) {
        walker.push(deep.line, Code::YamlSyntax, None, deep.to_string());
        return RawFile::default();
    }
    let docs = match MarkedYaml::load_from_str(source) {
        Ok(docs) => docs,
        Err(err) => {
            walker.push(
                err.marker().line(),
                Code::YamlSyntax,
                None,
                format!("not valid YAML: {}", err.info()),
            );
            return RawFile::default();
        }
    };
    let mut docs = docs.iter().filter(|d| !is_null(d));
    let Some(doc) = docs.next() else {
        return RawFile::default();
    };
    if let Some(extra) = docs.next() {
        walker.push(
            line_of(extra),
            Code::MultipleDocuments,
            None,
            "a configuration file holds one YAML document; remove the `---` and what follows"
                .to_owned(),
        );
    }
    match kind {
        FileKind::Function => walker.function(doc),
        FileKind::ImageScan | FileKind::Fleet => walker.file(doc),
    }
}

pub(super) fn is_null(node: &MarkedYaml<'_>) -> bool {
    matches!(node.data, YamlData::Value(Scalar::Null))
}

pub(super) fn line_of(node: &MarkedYaml<'_>) -> usize {
    node.span.start.line()
}

/// Strips a YAML tag (`!!str`, a custom tag): the value underneath is what counts.
pub(super) fn untag<'a, 'i>(node: &'a MarkedYaml<'i>) -> &'a MarkedYaml<'i> {
    match &node.data {
        YamlData::Tagged(_, inner) => untag(inner),
        _ => node,
    }
}

fn type_name(node: &MarkedYaml<'_>) -> &'static str {
    match &untag(node).data {
        YamlData::Mapping(_) => "a mapping",
        YamlData::Sequence(_) => "a list",
        YamlData::Value(Scalar::Boolean(_)) => "a boolean",
        YamlData::Value(Scalar::Integer(_) | Scalar::FloatingPoint(_)) => "a number",
        YamlData::Value(Scalar::Null) => "null",
        YamlData::Value(Scalar::String(_)) => "a string",
        _ => "an unsupported value",
    }
}

/// One key of a mapping, with where it is.
pub(super) struct Entry<'a, 'i> {
    pub key: String,
    pub line: usize,
    pub value: &'a MarkedYaml<'i>,
}

pub(super) struct Walker<'p, 'd> {
    pub path: &'p Path,
    pub kind: FileKind,
    pub diags: &'d mut Vec<Diagnostic>,
}

impl Walker<'_, '_> {
    pub(super) fn push(&mut self, line: usize, code: Code, field: Option<&str>, message: String) {
        let mut d = Diagnostic::new(self.path, line, code, message);
        if let Some(field) = field {
            d = d.with_field(field);
        }
        self.diags.push(d);
    }

    pub(super) fn wrong_type(
        &mut self,
        node: &MarkedYaml<'_>,
        line: usize,
        field: &str,
        expected: &str,
    ) {
        let found = type_name(node);
        self.push(
            line,
            Code::WrongType,
            Some(field),
            format!("expected {expected}, found {found}"),
        );
    }

    /// The entries of a mapping; `None` (with a diagnostic) when the node is not one.
    pub(super) fn mapping<'a, 'i>(
        &mut self,
        node: &'a MarkedYaml<'i>,
        line: usize,
        field: &str,
    ) -> Option<Vec<Entry<'a, 'i>>> {
        let YamlData::Mapping(map) = &untag(node).data else {
            self.wrong_type(node, line, field, "a mapping");
            return None;
        };
        let mut entries = Vec::with_capacity(map.len());
        for (key, value) in map {
            let key_line = line_of(key);
            match &untag(key).data {
                YamlData::Value(Scalar::String(s)) => entries.push(Entry {
                    key: s.to_string(),
                    line: key_line,
                    value,
                }),
                _ if self.kind == FileKind::Fleet => {}
                _ => {
                    let found = type_name(key);
                    self.push(
                        key_line,
                        Code::WrongType,
                        Some(field),
                        format!("keys must be strings, found {found}"),
                    );
                }
            }
        }
        Some(entries)
    }

    /// Reports a key this schema does not know (imagescan.yaml only).
    pub(super) fn unknown(&mut self, entry: &Entry<'_, '_>, field: &str, known: &[&str]) {
        if self.kind == FileKind::Fleet {
            return;
        }
        let name = join(field, &entry.key);
        self.push(
            entry.line,
            Code::UnknownField,
            Some(&name),
            format!(
                "unknown key `{}`; expected one of: {}",
                entry.key,
                known.join(", ")
            ),
        );
    }

    pub(super) fn string(&mut self, entry: &Entry<'_, '_>, field: &str) -> Option<Spanned<String>> {
        let name = join(field, &entry.key);
        match &untag(entry.value).data {
            YamlData::Value(Scalar::String(s)) => Some(Spanned {
                value: s.to_string(),
                line: line_of(entry.value),
            }),
            YamlData::Value(Scalar::Null) => None,
            // `range: 1.2` is a number to YAML (and to Fleet's decoder): say how to fix it.
            YamlData::Value(Scalar::Integer(_) | Scalar::FloatingPoint(_) | Scalar::Boolean(_)) => {
                let found = type_name(entry.value);
                self.push(
                    entry.line,
                    Code::WrongType,
                    Some(&name),
                    format!("expected a string, found {found}; put the value in quotes"),
                );
                None
            }
            _ => {
                self.wrong_type(entry.value, entry.line, &name, "a string");
                None
            }
        }
    }

    fn number(&mut self, entry: &Entry<'_, '_>, field: &str) -> Option<Spanned<f64>> {
        let value = match &untag(entry.value).data {
            #[allow(clippy::cast_precision_loss)]
            YamlData::Value(Scalar::Integer(i)) => *i as f64,
            YamlData::Value(Scalar::FloatingPoint(f)) => f.into_inner(),
            YamlData::Value(Scalar::Null) => return None,
            _ => {
                let name = join(field, &entry.key);
                self.wrong_type(entry.value, entry.line, &name, "a number");
                return None;
            }
        };
        Some(Spanned {
            value,
            line: line_of(entry.value),
        })
    }

    fn boolean(&mut self, entry: &Entry<'_, '_>, field: &str) -> Option<Spanned<bool>> {
        match &untag(entry.value).data {
            YamlData::Value(Scalar::Boolean(b)) => Some(Spanned {
                value: *b,
                line: line_of(entry.value),
            }),
            YamlData::Value(Scalar::Null) => None,
            _ => {
                let name = join(field, &entry.key);
                self.wrong_type(entry.value, entry.line, &name, "true or false");
                None
            }
        }
    }

    /// The items of a list (null is an empty list).
    pub(super) fn sequence<'a, 'i>(
        &mut self,
        node: &'a MarkedYaml<'i>,
        line: usize,
        field: &str,
    ) -> Vec<&'a MarkedYaml<'i>> {
        match &untag(node).data {
            YamlData::Sequence(items) => items.iter().collect(),
            YamlData::Value(Scalar::Null) => Vec::new(),
            _ => {
                self.wrong_type(node, line, field, "a list");
                Vec::new()
            }
        }
    }

    /// A sub-mapping holding a single string key, e.g. `secretRef: {name: x}`.
    fn single_string(
        &mut self,
        entry: &Entry<'_, '_>,
        field: &str,
        key: &str,
    ) -> Option<Spanned<String>> {
        if is_null(untag(entry.value)) {
            return None;
        }
        let name = join(field, &entry.key);
        let entries = self.mapping(entry.value, entry.line, &name)?;
        let mut found = None;
        for e in &entries {
            if e.key == key {
                found = self.string(e, &name);
            } else {
                self.unknown(e, &name, &[key]);
            }
        }
        found
    }

    fn file(&mut self, doc: &MarkedYaml<'_>) -> RawFile {
        let mut raw = RawFile::default();
        let Some(entries) = self.mapping(doc, line_of(doc), "(top level)") else {
            return raw;
        };
        for entry in &entries {
            match (entry.key.as_str(), self.kind) {
                ("imageScans" | "registries", _) => self.section(entry, "", &mut raw),
                (_, FileKind::Fleet) => {}
                ("commit", _) => raw.commit = self.commit(entry),
                _ => self.unknown(entry, "", &["imageScans", "registries", "commit"]),
            }
        }
        raw
    }

    /// Reads an `imageScans` or `registries` entry into `raw`; `prefix` is prepended to
    /// the field names (`spec.` in a functionConfig).
    pub(super) fn section(&mut self, entry: &Entry<'_, '_>, prefix: &str, raw: &mut RawFile) {
        let name = format!("{prefix}{}", entry.key);
        let items = self.sequence(entry.value, entry.line, &name);
        for (i, item) in items.into_iter().enumerate() {
            let field = format!("{name}[{i}]");
            if entry.key == "imageScans" {
                raw.scans.push(self.scan(item, field));
            } else {
                raw.registries.push(self.registry(item, field));
            }
        }
    }

    fn scan(&mut self, node: &MarkedYaml<'_>, field: String) -> RawScan {
        const KNOWN: &[&str] = &[
            "tagName",
            "image",
            "policy",
            "filterTags",
            "exclude",
            "secretRef",
            "interval",
            "platform",
            "suspend",
        ];
        let line = line_of(node);
        let mut scan = RawScan {
            line,
            ..RawScan::default()
        };
        if let Some(entries) = self.mapping(node, line, &field) {
            for e in &entries {
                match e.key.as_str() {
                    "tagName" => scan.tag_name = self.string(e, &field),
                    "image" => scan.image = self.string(e, &field),
                    "policy" => scan.policies = self.policy(e, &field),
                    "filterTags" => scan.filter_tags = self.filter(e, &field),
                    "exclude" => {
                        let name = join(&field, "exclude");
                        for (i, item) in self
                            .sequence(e.value, e.line, &name)
                            .into_iter()
                            .enumerate()
                        {
                            let item_entry = Entry {
                                key: format!("[{i}]"),
                                line: line_of(item),
                                value: item,
                            };
                            if let Some(s) = self.string(&item_entry, &name) {
                                scan.exclude.push(s);
                            }
                        }
                    }
                    "secretRef" => scan.secret_ref = self.single_string(e, &field, "name"),
                    "interval" => scan.interval = self.string(e, &field),
                    "platform" => scan.platform = self.string(e, &field),
                    "suspend" => scan.suspend = self.boolean(e, &field),
                    _ => self.unknown(e, &field, KNOWN),
                }
            }
        }
        scan.field = field;
        scan
    }

    fn policy(&mut self, entry: &Entry<'_, '_>, field: &str) -> Vec<RawPolicy> {
        let mut policies = Vec::new();
        if is_null(untag(entry.value)) {
            return policies;
        }
        let name = join(field, "policy");
        let Some(entries) = self.mapping(entry.value, entry.line, &name) else {
            return policies;
        };
        for e in &entries {
            let (kind, key) = match e.key.as_str() {
                "semver" => (PolicyKind::Semver, "range"),
                "alphabetical" => (PolicyKind::Alphabetical, "order"),
                "numerical" => (PolicyKind::Numerical, "order"),
                _ => {
                    self.unknown(e, &name, &["semver", "alphabetical", "numerical"]);
                    continue;
                }
            };
            // `semver:` with nothing under it is still a choice of semver (Fleet's decoder
            // would produce an empty struct), so it is recorded with no value.
            let value = self.single_string(e, &name, key);
            policies.push(RawPolicy {
                kind,
                line: e.line,
                value,
            });
        }
        policies
    }

    fn filter(&mut self, entry: &Entry<'_, '_>, field: &str) -> Option<RawFilter> {
        if is_null(untag(entry.value)) {
            return None;
        }
        let name = join(field, "filterTags");
        let entries = self.mapping(entry.value, entry.line, &name)?;
        let mut filter = RawFilter {
            line: entry.line,
            pattern: None,
            extract: None,
        };
        for e in &entries {
            match e.key.as_str() {
                "pattern" => filter.pattern = self.string(e, &name),
                "extract" => filter.extract = self.string(e, &name),
                _ => self.unknown(e, &name, &["pattern", "extract"]),
            }
        }
        Some(filter)
    }

    fn registry(&mut self, node: &MarkedYaml<'_>, field: String) -> RawRegistry {
        const KNOWN: &[&str] = &[
            "host",
            "endpoint",
            "insecure",
            "caFile",
            "layout",
            "rateLimit",
        ];
        let line = line_of(node);
        let mut reg = RawRegistry {
            line,
            ..RawRegistry::default()
        };
        if let Some(entries) = self.mapping(node, line, &field) {
            for e in &entries {
                match e.key.as_str() {
                    "host" => reg.host = self.string(e, &field),
                    "endpoint" => reg.endpoint = self.string(e, &field),
                    "insecure" => reg.insecure = self.boolean(e, &field),
                    "caFile" => reg.ca_file = self.string(e, &field),
                    "layout" => reg.layout = self.string(e, &field),
                    "rateLimit" => reg.rate_limit = self.number(e, &field),
                    _ => self.unknown(e, &field, KNOWN),
                }
            }
        }
        reg.field = field;
        reg
    }

    fn commit(&mut self, entry: &Entry<'_, '_>) -> Option<RawCommit> {
        const KNOWN: &[&str] = &["authorName", "authorEmail", "messageTemplate"];
        if is_null(untag(entry.value)) {
            return None;
        }
        let entries = self.mapping(entry.value, entry.line, "commit")?;
        let mut commit = RawCommit::default();
        for e in &entries {
            match e.key.as_str() {
                "authorName" => commit.author_name = self.string(e, "commit"),
                "authorEmail" => commit.author_email = self.string(e, "commit"),
                "messageTemplate" => commit.message_template = self.string(e, "commit"),
                _ => self.unknown(e, "commit", KNOWN),
            }
        }
        Some(commit)
    }
}

/// `imageScans[0]` + `policy` → `imageScans[0].policy`; list indices attach directly.
pub(super) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else if key.starts_with('[') {
        format!("{parent}{key}")
    } else {
        format!("{parent}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, code, field) of every diagnostic for a file.
    fn problems(source: &str, kind: FileKind) -> Vec<(usize, Code, String)> {
        let mut diags = Vec::new();
        parse(source, kind, Path::new("f.yaml"), &mut diags);
        diags
            .into_iter()
            .map(|d| (d.line, d.code, d.field.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn reads_every_field_with_its_line() {
        let source = "\
imageScans:
- tagName: app
  image: ghcr.io/a/b
  policy:
    semver:
      range: '>=1'
  filterTags: {pattern: '^v(.*)$', extract: '$1'}
  exclude:
  - a
  - b
  secretRef: {name: cred}
  interval: 5m
  platform: linux/arm64
  suspend: true
registries:
- host: ghcr.io
  insecure: false
  caFile: ca.pem
commit:
  authorName: bot
";
        let mut diags = Vec::new();
        let raw = parse(source, FileKind::ImageScan, Path::new("f"), &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let scan = &raw.scans[0];
        assert_eq!(scan.field, "imageScans[0]");
        assert_eq!(scan.line, 2);
        assert_eq!(
            scan.tag_name.as_ref().unwrap(),
            &Spanned {
                value: "app".into(),
                line: 2
            }
        );
        assert_eq!(scan.policies[0].kind, PolicyKind::Semver);
        assert_eq!(scan.policies[0].line, 5);
        assert_eq!(
            scan.policies[0].value.as_ref().unwrap(),
            &Spanned {
                value: ">=1".into(),
                line: 6
            }
        );
        assert_eq!(
            scan.filter_tags
                .as_ref()
                .unwrap()
                .extract
                .as_ref()
                .unwrap()
                .value,
            "$1"
        );
        let exclude: Vec<_> = scan
            .exclude
            .iter()
            .map(|e| (e.value.as_str(), e.line))
            .collect();
        assert_eq!(exclude, [("a", 9), ("b", 10)]);
        assert_eq!(scan.secret_ref.as_ref().unwrap().value, "cred");
        assert_eq!(scan.interval.as_ref().unwrap().value, "5m");
        assert_eq!(
            scan.suspend.as_ref().unwrap(),
            &Spanned {
                value: true,
                line: 14
            }
        );
        let reg = &raw.registries[0];
        assert_eq!(
            (reg.line, reg.host.as_ref().unwrap().value.as_str()),
            (16, "ghcr.io")
        );
        assert!(!reg.insecure.as_ref().unwrap().value);
        assert_eq!(raw.commit.unwrap().author_name.unwrap().value, "bot");
    }

    /// YAML text, how it is read, and the (line, code, field) expected.
    type Case<'a> = (&'a str, FileKind, &'a [(usize, Code, &'a str)]);

    #[test]
    fn structural_problems_are_all_reported() {
        let cases: &[Case<'_>] = &[
            (
                "imageScans:\n- tagName: a\n  foo: 1\n",
                FileKind::ImageScan,
                &[(3, Code::UnknownField, "imageScans[0].foo")],
            ),
            (
                "imageScans:\n- tagName: a\n  foo: 1\n",
                FileKind::Fleet,
                &[],
            ),
            ("helm: {}\nimageScans: []\n", FileKind::Fleet, &[]),
            (
                "helm: {}\n",
                FileKind::ImageScan,
                &[(1, Code::UnknownField, "helm")],
            ),
            (
                "imageScans: {}\n",
                FileKind::ImageScan,
                &[(1, Code::WrongType, "imageScans")],
            ),
            (
                "imageScans:\n- 3\n",
                FileKind::ImageScan,
                &[(2, Code::WrongType, "imageScans[0]")],
            ),
            (
                "imageScans:\n- tagName: [a]\n",
                FileKind::ImageScan,
                &[(2, Code::WrongType, "imageScans[0].tagName")],
            ),
            (
                "imageScans:\n- tagName: 1.10\n",
                FileKind::ImageScan,
                &[(2, Code::WrongType, "imageScans[0].tagName")],
            ),
            (
                "imageScans:\n- suspend: yes\n",
                FileKind::ImageScan,
                &[(2, Code::WrongType, "imageScans[0].suspend")],
            ),
            (
                "imageScans:\n- policy: {semver: {range: x, foo: y}, bar: {}}\n",
                FileKind::ImageScan,
                &[
                    (2, Code::UnknownField, "imageScans[0].policy.semver.foo"),
                    (2, Code::UnknownField, "imageScans[0].policy.bar"),
                ],
            ),
            (
                "imageScans:\n- secretRef: {nam: x}\n  exclude: [a, {b: c}]\n",
                FileKind::ImageScan,
                &[
                    (2, Code::UnknownField, "imageScans[0].secretRef.nam"),
                    (3, Code::WrongType, "imageScans[0].exclude[1]"),
                ],
            ),
            (
                "registries:\n- hots: a\ncommit:\n  author: x\n",
                FileKind::ImageScan,
                &[
                    (2, Code::UnknownField, "registries[0].hots"),
                    (4, Code::UnknownField, "commit.author"),
                ],
            ),
            (
                "- a\n",
                FileKind::ImageScan,
                &[(1, Code::WrongType, "(top level)")],
            ),
            ("a: [\n", FileKind::ImageScan, &[(2, Code::YamlSyntax, "")]),
            (
                "a: 1\na: 2\n",
                FileKind::Fleet,
                &[(2, Code::YamlSyntax, "")],
            ),
            (
                "imageScans: []\n---\nimageScans: []\n",
                FileKind::ImageScan,
                &[(3, Code::MultipleDocuments, "")],
            ),
            ("", FileKind::ImageScan, &[]),
            ("# only a comment\n", FileKind::Fleet, &[]),
            ("imageScans:\n", FileKind::ImageScan, &[]),
        ];
        for (source, kind, want) in cases {
            let got = problems(source, *kind);
            let want: Vec<_> = want.iter().map(|&(l, c, f)| (l, c, f.to_owned())).collect();
            assert_eq!(got, want, "{source:?} as {kind:?}");
        }
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut source = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = format!("*a{}", i - 1);
            source.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let got = problems(&source, FileKind::Fleet);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, Code::YamlSyntax);
    }
}
