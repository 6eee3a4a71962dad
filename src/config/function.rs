//! The KRM functionConfig of `imagescan fn` (`apiVersion: imagescan.dev/v1alpha1`,
//! `kind: ImageScan`): its `spec` holds the imagescan.yaml schema (`imageScans`,
//! `registries`) and image rules (`images`) for inputs that carry no comments. The walk
//! reuses the imagescan.yaml walker, so both give the same errors, with `spec.` before
//! every field name.

use super::Location;
use super::raw::{Entry, RawFile, RawImageRule, Walker, join, line_of, untag};
use crate::diagnostic::{Code, Diagnostic};
use crate::marker::{Form, split_marker_name};

/// The functionConfig's `apiVersion`.
pub const FUNCTION_API_VERSION: &str = "imagescan.dev/v1alpha1";
/// The functionConfig's `kind`.
pub const FUNCTION_KIND: &str = "ImageScan";

/// One validated image rule: every container image whose name (without tag or digest)
/// is `image` gets the value of `scan` in `form`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRule {
    /// The image name to match, as written in manifests, tag and digest removed.
    pub image: String,
    /// The scan giving the value.
    pub scan: String,
    /// Which part of the resolved reference is written (`Full` writes `image:tag`).
    pub form: Form,
    /// The rule's field, e.g. `spec.images[0]`.
    pub field: String,
    /// Where the rule is.
    pub defined_at: Location,
}

/// `nginx:1.2@sha256:…` → `nginx`: the image name alone, as kustomize's `images:`
/// transformer compares it (a `:` after the last `/` starts the tag; a port does not).
pub fn image_name(image: &str) -> &str {
    let image = image.split_once('@').map_or(image, |(name, _)| name);
    match image.rfind(':') {
        Some(colon) if !image[colon..].contains('/') => &image[..colon],
        _ => image,
    }
}

impl Walker<'_, '_> {
    /// Walks a functionConfig document.
    pub(super) fn function(&mut self, doc: &saphyr::MarkedYaml<'_>) -> RawFile {
        let mut raw = RawFile::default();
        let Some(entries) = self.mapping(doc, line_of(doc), "(top level)") else {
            return raw;
        };
        let mut seen = (false, false);
        for entry in &entries {
            match entry.key.as_str() {
                "apiVersion" => {
                    seen.0 = true;
                    self.expect_value(entry, FUNCTION_API_VERSION);
                }
                "kind" => {
                    seen.1 = true;
                    self.expect_value(entry, FUNCTION_KIND);
                }
                "metadata" => {}
                "spec" => self.spec(entry, &mut raw),
                _ => self.unknown(entry, "", &["apiVersion", "kind", "metadata", "spec"]),
            }
        }
        for (present, key, want) in [
            (seen.0, "apiVersion", FUNCTION_API_VERSION),
            (seen.1, "kind", FUNCTION_KIND),
        ] {
            if !present {
                self.push(
                    line_of(doc),
                    Code::MissingField,
                    Some(key),
                    format!("required: `{key}: {want}`"),
                );
            }
        }
        raw
    }

    fn expect_value(&mut self, entry: &Entry<'_, '_>, want: &str) {
        let got = self.string(entry, "").map(|s| s.value);
        if got.as_deref() != Some(want) {
            self.push(
                entry.line,
                Code::WrongKind,
                Some(&entry.key),
                format!(
                    "expected `{want}`, found {}; the functionConfig of `imagescan fn` is \
                     `apiVersion: {FUNCTION_API_VERSION}`, `kind: {FUNCTION_KIND}`",
                    got.map_or_else(|| "no string".to_owned(), |g| format!("`{g}`"))
                ),
            );
        }
    }

    fn spec(&mut self, entry: &Entry<'_, '_>, raw: &mut RawFile) {
        if super::raw::is_null(untag(entry.value)) {
            return;
        }
        let Some(entries) = self.mapping(entry.value, entry.line, "spec") else {
            return;
        };
        for e in &entries {
            match e.key.as_str() {
                "imageScans" | "registries" => self.section(e, "spec.", raw),
                "images" => {
                    let items = self.sequence(e.value, e.line, "spec.images");
                    for (i, item) in items.into_iter().enumerate() {
                        raw.images
                            .push(self.image_rule(item, format!("spec.images[{i}]")));
                    }
                }
                _ => self.unknown(e, "spec", &["imageScans", "registries", "images"]),
            }
        }
    }

    fn image_rule(&mut self, node: &saphyr::MarkedYaml<'_>, field: String) -> RawImageRule {
        let line = line_of(node);
        let mut rule = RawImageRule {
            line,
            ..RawImageRule::default()
        };
        if let Some(entries) = self.mapping(node, line, &field) {
            for e in &entries {
                match e.key.as_str() {
                    "name" => rule.name = self.string(e, &field),
                    "scan" => rule.scan = self.string(e, &field),
                    _ => self.unknown(e, &field, &["name", "scan"]),
                }
            }
        }
        rule.field = field;
        rule
    }
}

/// Validates the image rules of a functionConfig named `display`.
pub(super) fn image_rules(
    raw: Vec<RawImageRule>,
    display: &std::path::Path,
    errors: &mut Vec<Diagnostic>,
) -> Vec<ImageRule> {
    let mut rules = Vec::with_capacity(raw.len());
    for rule in raw {
        let mut error = |line: usize, code: Code, key: &str, message: String| {
            errors.push(
                Diagnostic::new(display, line, code, message).with_field(join(&rule.field, key)),
            );
        };
        let name = match &rule.name {
            None => {
                error(
                    rule.line,
                    Code::MissingField,
                    "name",
                    "required: the image as written in the manifests, e.g. registry.example.com/team/app".into(),
                );
                None
            }
            Some(n) if n.value.is_empty() || n.value.chars().any(char::is_whitespace) => {
                error(
                    n.line,
                    Code::InvalidImage,
                    "name",
                    format!("{:?} is not an image name", n.value),
                );
                None
            }
            Some(n) => Some(image_name(&n.value).to_owned()),
        };
        let scan = match &rule.scan {
            None => {
                error(
                    rule.line,
                    Code::MissingField,
                    "scan",
                    "required: a marker value, NAME or NAME:FORM (e.g. `app` or `app:digest`)"
                        .into(),
                );
                None
            }
            Some(s) => match split_marker_name(&s.value) {
                Ok((scan, form)) if !scan.is_empty() => Some((scan.to_owned(), form)),
                Ok(_) => {
                    error(
                        s.line,
                        Code::InvalidTagName,
                        "scan",
                        "the scan name is empty".into(),
                    );
                    None
                }
                Err(e) => {
                    error(s.line, Code::UnknownForm, "scan", e.to_string());
                    None
                }
            },
        };
        if let (Some(image), Some((scan, form))) = (name, scan) {
            rules.push(ImageRule {
                image,
                scan,
                form,
                field: rule.field,
                defined_at: Location {
                    path: display.to_path_buf(),
                    line: rule.line,
                },
            });
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::image_name;
    use crate::config::{ConfigError, ConfigSet, Schema};
    use crate::marker::Form;

    fn load(text: &str) -> Result<ConfigSet, Vec<(usize, &'static str, String)>> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("oci")).unwrap();
        match ConfigSet::from_document(text, Schema::Function, Path::new("fn.yaml"), dir.path()) {
            Ok(set) => Ok(set),
            Err(ConfigError::Invalid(d)) => Err(d
                .0
                .into_iter()
                .map(|d| (d.line, d.code.as_str(), d.field.unwrap_or_default()))
                .collect()),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn reads_scans_registries_and_rules_under_spec() {
        let set = load(
            "apiVersion: imagescan.dev/v1alpha1\nkind: ImageScan\nmetadata: {name: x}\nspec:\n  imageScans:\n  - tagName: app\n    image: registry.example.com/team/app\n  registries:\n  - host: registry.example.com\n    layout: oci\n  images:\n  - name: registry.example.com/team/app:1.0\n    scan: app:digest\n",
        )
        .unwrap();
        assert_eq!(set.scans[0].name, "app");
        assert!(set.registries[0].layout.as_ref().unwrap().ends_with("oci"));
        let rule = &set.images[0];
        assert_eq!(
            (
                rule.image.as_str(),
                rule.scan.as_str(),
                rule.form,
                rule.defined_at.line
            ),
            ("registry.example.com/team/app", "app", Form::Digest, 12)
        );
        assert_eq!(set.scans[0].scope, Path::new("/"));
    }

    /// A spec body and the (line, code, field) of each problem it has.
    type Case<'a> = (&'a str, &'a [(usize, &'a str, &'a str)]);

    #[test]
    fn problems_name_line_and_field_under_spec() {
        let header = "apiVersion: imagescan.dev/v1alpha1\nkind: ImageScan\n";
        let cases: &[Case<'_>] = &[
            (
                "spec:\n  imageScans:\n  - tagName: app\n    image: x\n    interval: 1d\n",
                &[(7, "invalid-duration", "spec.imageScans[0].interval")],
            ),
            (
                "spec:\n  imageScans:\n  - tagName: app\n",
                &[(5, "missing-field", "spec.imageScans[0].image")],
            ),
            (
                "spec:\n  commit: {}\n",
                &[(4, "unknown-field", "spec.commit")],
            ),
            ("data: {}\n", &[(3, "unknown-field", "data")]),
            (
                "spec:\n  images:\n  - name: nginx\n    scan: app:bogus\n  - scan: a\n",
                &[
                    (6, "unknown-form", "spec.images[0].scan"),
                    (7, "missing-field", "spec.images[1].name"),
                ],
            ),
            (
                "spec:\n  registries:\n  - host: a.io\n    layout: missing\n",
                &[(6, "missing-path", "spec.registries[0].layout")],
            ),
        ];
        for (body, want) in cases {
            let got = load(&format!("{header}{body}")).expect_err(body);
            let want: Vec<_> = want.iter().map(|&(l, c, f)| (l, c, f.to_owned())).collect();
            assert_eq!(got, want, "{body}");
        }
        let got = load("apiVersion: v1\nkind: ConfigMap\n").unwrap_err();
        assert_eq!(
            got,
            [
                (1, "wrong-kind", "apiVersion".to_owned()),
                (2, "wrong-kind", "kind".to_owned())
            ]
        );
        assert_eq!(load("spec: {}\n").unwrap_err().len(), 2);
    }

    #[test]
    fn image_names_without_tag_or_digest() {
        let cases = [
            ("nginx", "nginx"),
            ("nginx:1.27", "nginx"),
            ("nginx@sha256:abc", "nginx"),
            ("nginx:1.27@sha256:abc", "nginx"),
            (
                "registry.example.com:5000/team/app",
                "registry.example.com:5000/team/app",
            ),
            (
                "registry.example.com:5000/team/app:1.0",
                "registry.example.com:5000/team/app",
            ),
            ("localhost:5000/app", "localhost:5000/app"),
        ];
        for (input, want) in cases {
            assert_eq!(image_name(input), want, "{input}");
        }
    }
}
