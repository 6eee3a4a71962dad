//! Fleet `GitRepo` manifests (`--gitrepo FILE`): the fields writeback takes from them —
//! `spec.repo`, `branch`, `paths`, `clientSecretName`, `imageScanCommit` (`authorName`,
//! `authorEmail`, `messageTemplate`) and `imageScanInterval`. Other fields belong to Fleet
//! and are ignored. Pure: parses text, does no I/O.

use std::path::{Path, PathBuf};

use saphyr::{LoadableYamlNode as _, MarkedYaml, Scalar, YamlData};

/// The writeback-relevant part of a Fleet GitRepo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitRepo {
    /// `spec.repo`.
    pub repo: Option<String>,
    /// `spec.branch`.
    pub branch: Option<String>,
    /// `spec.paths`.
    pub paths: Vec<PathBuf>,
    /// `spec.clientSecretName`.
    pub client_secret_name: Option<String>,
    /// `spec.imageScanCommit.authorName`.
    pub author_name: Option<String>,
    /// `spec.imageScanCommit.authorEmail`.
    pub author_email: Option<String>,
    /// `spec.imageScanCommit.messageTemplate`, with its line (for template errors).
    pub message_template: Option<(String, usize)>,
    /// `spec.imageScanInterval`, as written (a Go duration), with its line.
    pub image_scan_interval: Option<(String, usize)>,
}

/// A GitRepo manifest that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum GitRepoError {
    /// The file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The manifest.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not YAML.
    #[error("{path}: {message}")]
    Syntax {
        /// The manifest.
        path: PathBuf,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A field has the wrong shape.
    #[error("{path}:{line}: {field}: {message}")]
    Field {
        /// The manifest.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Dotted field path, e.g. `spec.paths[1]`.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl GitRepo {
    /// Reads and parses the manifest at `path` (`--gitrepo FILE`).
    pub fn read(path: &Path) -> Result<Self, GitRepoError> {
        let text = std::fs::read_to_string(path).map_err(|source| GitRepoError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses the manifest text read from `path` (used in messages only).
    pub fn parse(text: &str, path: &Path) -> Result<Self, GitRepoError> {
        crate::yaml_depth::check(text).map_err(|deep| GitRepoError::Syntax {
            path: path.to_path_buf(),
            message: format!("{deep} (line {})", deep.line),
        })?;
        let docs = MarkedYaml::load_from_str(text).map_err(|e| GitRepoError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let field_err = |node: &MarkedYaml<'_>, field: &str, message: &str| GitRepoError::Field {
            path: path.to_path_buf(),
            line: node.span.start.line(),
            field: field.to_owned(),
            message: message.to_owned(),
        };
        let Some(doc) = docs.first() else {
            return Err(GitRepoError::Syntax {
                path: path.to_path_buf(),
                message: "empty document".into(),
            });
        };
        if !doc.data.is_mapping() {
            return Err(field_err(doc, "(root)", "expected a mapping"));
        }
        if let Some(kind) = get(doc, "kind") {
            match string(kind) {
                Some("GitRepo") => {}
                _ => return Err(field_err(kind, "kind", "expected `GitRepo`")),
            }
        }
        let Some(spec) = get(doc, "spec") else {
            return Err(field_err(doc, "spec", "missing"));
        };
        if !spec.data.is_mapping() {
            return Err(field_err(spec, "spec", "expected a mapping"));
        }
        let text_field = |node: Option<&MarkedYaml<'_>>, field: &str| match node {
            None => Ok(None),
            Some(n) if n.data.is_null() => Ok(None),
            Some(n) => string(n)
                .map(|s| Some((s.to_owned(), n.span.start.line())))
                .ok_or_else(|| field_err(n, field, "expected a string")),
        };
        let mut out = GitRepo {
            repo: text_field(get(spec, "repo"), "spec.repo")?.map(|v| v.0),
            branch: text_field(get(spec, "branch"), "spec.branch")?.map(|v| v.0),
            client_secret_name: text_field(get(spec, "clientSecretName"), "spec.clientSecretName")?
                .map(|v| v.0),
            image_scan_interval: text_field(
                get(spec, "imageScanInterval"),
                "spec.imageScanInterval",
            )?,
            ..GitRepo::default()
        };
        if let Some(paths) = get(spec, "paths").filter(|n| !n.data.is_null()) {
            let YamlData::Sequence(items) = &paths.data else {
                return Err(field_err(paths, "spec.paths", "expected a list of strings"));
            };
            for (i, item) in items.iter().enumerate() {
                let field = format!("spec.paths[{i}]");
                let p = string(item).ok_or_else(|| field_err(item, &field, "expected a string"))?;
                out.paths.push(PathBuf::from(p));
            }
        }
        if let Some(commit) = get(spec, "imageScanCommit").filter(|n| !n.data.is_null()) {
            if !commit.data.is_mapping() {
                return Err(field_err(
                    commit,
                    "spec.imageScanCommit",
                    "expected a mapping",
                ));
            }
            out.author_name =
                text_field(get(commit, "authorName"), "spec.imageScanCommit.authorName")?
                    .map(|v| v.0);
            out.author_email = text_field(
                get(commit, "authorEmail"),
                "spec.imageScanCommit.authorEmail",
            )?
            .map(|v| v.0);
            out.message_template = text_field(
                get(commit, "messageTemplate"),
                "spec.imageScanCommit.messageTemplate",
            )?;
        }
        Ok(out)
    }
}

fn get<'a, 'i>(node: &'a MarkedYaml<'i>, key: &str) -> Option<&'a MarkedYaml<'i>> {
    node.data.as_mapping_get(key)
}

fn string<'a>(node: &'a MarkedYaml<'_>) -> Option<&'a str> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = "\
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: apps
spec:
  repo: https://git.example.com/org/apps.git
  branch: main
  clientSecretName: git-auth
  paths:
  - apps/web
  - apps/api
  imageScanInterval: 5m
  imageScanCommit:
    authorName: bot
    authorEmail: bot@example.com
    messageTemplate: |
      update {{ len .Changes }} images
  helm:
    releaseName: ignored
";

    #[test]
    fn parses_every_field() {
        let repo = GitRepo::parse(FULL, Path::new("gitrepo.yaml")).unwrap();
        assert_eq!(
            repo.repo.as_deref(),
            Some("https://git.example.com/org/apps.git")
        );
        assert_eq!(repo.branch.as_deref(), Some("main"));
        assert_eq!(repo.client_secret_name.as_deref(), Some("git-auth"));
        assert_eq!(
            repo.paths,
            vec![PathBuf::from("apps/web"), PathBuf::from("apps/api")]
        );
        assert_eq!(repo.image_scan_interval, Some(("5m".into(), 12)));
        assert_eq!(repo.author_name.as_deref(), Some("bot"));
        assert_eq!(repo.author_email.as_deref(), Some("bot@example.com"));
        assert_eq!(
            repo.message_template,
            Some(("update {{ len .Changes }} images\n".into(), 17))
        );
    }

    #[test]
    fn errors_name_line_and_field() {
        let cases = [
            ("kind: Bundle\nspec: {}\n", 1, "kind"),
            ("kind: GitRepo\nspec:\n  paths: x\n", 3, "spec.paths"),
            ("spec:\n  paths:\n  - a\n  - [b]\n", 4, "spec.paths[1]"),
            ("spec:\n  branch: [x]\n", 2, "spec.branch"),
            ("spec:\n  imageScanCommit: x\n", 2, "spec.imageScanCommit"),
        ];
        for (text, want_line, want_field) in cases {
            match GitRepo::parse(text, Path::new("g.yaml")) {
                Err(GitRepoError::Field { line, field, .. }) => {
                    assert_eq!((line, field.as_str()), (want_line, want_field), "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(
            GitRepo::parse("spec: [", Path::new("g.yaml")),
            Err(GitRepoError::Syntax { .. })
        ));
    }
}
