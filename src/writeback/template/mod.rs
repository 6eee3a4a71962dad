//! Commit message templates: the subset of Go's `text/template` that commit messages use
//! (Fleet's `imageScanCommit.messageTemplate` is a Go template).
//!
//! Supported: text and `{{ pipeline }}` actions with `{{-` / `-}}` trim markers and
//! `{{/* comments */}}`; `.Field.Chains`, `.`, `$`, `$var.Field`; string (`"…"`, `` `…` ``),
//! integer and boolean literals; pipelines `a | f`; parentheses; `if` / `else if` /
//! `else`, `range` (with `$i, $v :=` declarations and `else`), `with`, `end`; variable
//! declarations `{{ $x := … }}`; functions `len`, `index`, `eq`, `ne`, `lt`, `le`, `gt`,
//! `ge`, `not`, `and`, `or`, `print`, `println`, `printf` (`%s`, `%d`, `%v`, `%q`, `%%`),
//! `join` (Sprig's argument order: `join SEP LIST`). Anything else is a parse error,
//! reported before any git work starts.
//!
//! This module is pure: it must not do I/O.

mod exec;
mod parse;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use parse::Node;

/// A template could not be parsed or executed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The source is not a valid template.
    #[error("commit message template: line {line}: {message}")]
    Parse {
        /// 1-based line in the template source.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Executing it failed (unknown field, wrong argument type…).
    #[error("commit message template: {message}")]
    Exec {
        /// What went wrong.
        message: String,
    },
}

/// Template data: what Go's `reflect` would see, made explicit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `nil`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// A slice.
    List(Vec<Value>),
    /// A struct or map: fields by name.
    Map(BTreeMap<String, Value>),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
        }
    }

    fn write_to(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("<no value>"),
            Value::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Str(s) => out.push_str(s),
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    v.write_to(out);
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push_str("map[");
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(k);
                    out.push(':');
                    v.write_to(out);
                }
                out.push(']');
            }
        }
    }

    fn display(&self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        s
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

/// A parsed template, ready to execute many times.
#[derive(Debug, Clone)]
pub struct Template {
    nodes: Vec<Node>,
}

impl Template {
    /// Parses `source`.
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        Ok(Self {
            nodes: parse::parse(source)?,
        })
    }

    /// Fleet's default message.
    pub fn default_message() -> Self {
        Self::parse(DEFAULT_MESSAGE).expect("the default template parses")
    }

    /// Executes the template over `data` (the value of `.` and `$`).
    pub fn execute(&self, data: &Value) -> Result<String, TemplateError> {
        let mut out = String::new();
        let mut vars = vec![("$".to_owned(), data.clone())];
        exec::exec_nodes(&self.nodes, data, &mut vars, &mut out)?;
        Ok(out)
    }
}

/// Fleet's default commit message.
pub const DEFAULT_MESSAGE: &str = "Update from image update automation";
#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Value {
        let change = |file: &str, old: &str, new: &str| {
            Value::Map(BTreeMap::from([
                ("File".to_owned(), Value::from(file)),
                ("Line".to_owned(), Value::Int(3)),
                ("Scan".to_owned(), Value::from("app")),
                ("Image".to_owned(), Value::from("nginx")),
                ("OldValue".to_owned(), Value::from(old)),
                ("NewValue".to_owned(), Value::from(new)),
            ]))
        };
        Value::Map(BTreeMap::from([
            (
                "Changes".to_owned(),
                Value::List(vec![
                    change("a/deploy.yaml", "nginx:1.25", "nginx:1.26"),
                    change("b.yaml", "1.25", "1.26"),
                ]),
            ),
            ("Scans".to_owned(), Value::List(vec![])),
        ]))
    }

    #[test]
    fn execute_table() {
        let cases = [
            ("plain text", "plain text"),
            ("{{ len .Changes }} changes", "2 changes"),
            (
                "{{ range .Changes }}{{ .File }}:{{ .Line }} {{ .OldValue }} -> {{ .NewValue }}\n{{ end }}",
                "a/deploy.yaml:3 nginx:1.25 -> nginx:1.26\nb.yaml:3 1.25 -> 1.26\n",
            ),
            ("a  {{- \" b \" -}}  c", "a b c"),
            (
                "x\n{{- range .Changes }}\n  - {{ .NewValue }}\n{{- end }}\n",
                "x\n  - nginx:1.26\n  - 1.26\n",
            ),
            (
                "{{ if .Scans }}scans{{ else if .Changes }}changes{{ else }}none{{ end }}",
                "changes",
            ),
            ("{{ if not .Scans }}empty{{ end }}", "empty"),
            (
                "{{ range $i, $c := .Changes }}{{ $i }}={{ $c.Scan }}{{ len $.Changes }};{{ end }}",
                "0=app2;1=app2;",
            ),
            ("{{ range .Scans }}x{{ else }}no scans{{ end }}", "no scans"),
            ("{{ with index .Changes 1 }}{{ .File }}{{ end }}", "b.yaml"),
            (
                "{{ $n := len .Changes }}{{ if eq $n 2 }}two{{ end }}",
                "two",
            ),
            ("{{ printf \"%s has %d\" \"x\" (len .Changes) }}", "x has 2"),
            ("{{ .Changes | len }}", "2"),
            ("{{/* comment */}}a{{- /* c */ -}} b", "ab"),
            ("{{ (index .Changes 0).Image }}", "nginx"),
            ("{{ `raw {{ }}` }}", "raw {{ }}"),
            (
                "{{ if and .Changes (gt (len .Changes) 1) }}many{{ end }}",
                "many",
            ),
        ];
        for (source, want) in cases {
            let t = Template::parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
            let got = t
                .execute(&data())
                .unwrap_or_else(|e| panic!("{source}: {e}"));
            assert_eq!(got, want, "{source}");
        }
    }

    #[test]
    fn missing_field_is_an_execution_error() {
        let t = Template::parse("{{ .Missing }}").unwrap();
        assert!(matches!(
            t.execute(&data()),
            Err(TemplateError::Exec { .. })
        ));
    }

    #[test]
    fn parse_errors() {
        let cases = [
            ("{{ .Changes ", 1),
            ("{{ range .Changes }}x", 1),
            ("a\n{{ end }}", 2),
            ("{{ if .X }}a{{ else }}b{{ else }}c{{ end }}", 1),
            ("{{ nosuch .X }}", 1),
            ("{{ \"unterminated }}", 1),
            ("{{ .A .B }}", 1),
            ("{{ template \"x\" }}", 1),
            ("{{/* open", 1),
            ("x\n\n{{ ( .A }}", 3),
            ("{{ }}", 1),
        ];
        for (source, line) in cases {
            match Template::parse(source) {
                Err(TemplateError::Parse { line: got, .. }) => assert_eq!(got, line, "{source}"),
                other => panic!("{source}: expected a parse error, got {other:?}"),
            }
        }
    }

    #[test]
    fn default_message() {
        assert_eq!(
            Template::default_message().execute(&data()).unwrap(),
            "Update from image update automation"
        );
    }
}
