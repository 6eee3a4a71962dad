//! Every error prints its cause once: main prints an error with `{:#}` (each message of
//! the `source()` chain, joined with `: `), so a variant that also writes its source into
//! its own message shows the user the cause twice. These tests walk the chain of one
//! representative of every variant that carries a cause.

use std::error::Error;
use std::io;
use std::path::PathBuf;

use crate::cache::CacheError;
use crate::config::ConfigError;
use crate::config::migrate::MigrateError;
use crate::credentials::CredentialError;
use crate::files::{LoadError, WalkError};
use crate::git::GitError;
use crate::marker::{Form, MissingDigest, OverlappingEdits};
use crate::source::layout::LayoutError;
use crate::workspace::RewriteError;
use crate::writeback::gitrepo::GitRepoError;
use crate::writeback::run::WritebackError;
use crate::writeback::settings::SettingsError;
use crate::writeback::template::TemplateError;

fn enoent() -> io::Error {
    io::Error::from(io::ErrorKind::NotFound)
}

fn path() -> PathBuf {
    PathBuf::from("dir/file.yaml")
}

/// The messages of `error` and of each of its causes, outermost first.
fn chain(error: &(dyn Error + 'static)) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        messages.push(cause.to_string());
        source = cause.source();
    }
    messages
}

/// Every error here has a cause, exposed as `source()`, and no message of the chain
/// repeats the message of the cause below it.
fn assert_cause_once(error: &(dyn Error + 'static)) {
    let messages = chain(error);
    assert!(
        messages.len() >= 2,
        "{error:?}: the cause must be exposed as source(); chain: {messages:?}"
    );
    for pair in messages.windows(2) {
        assert!(
            !pair[0].contains(&pair[1]),
            "{error:?}: message {:?} repeats its cause {:?}",
            pair[0],
            pair[1]
        );
    }
    let shown = messages.join(": ");
    let root = messages.last().unwrap();
    assert_eq!(
        shown.matches(root.as_str()).count(),
        1,
        "the root cause appears once in {shown:?}"
    );
}

#[test]
fn every_error_with_a_cause_prints_it_once() {
    let glob = globset::Glob::new("[").unwrap_err();
    let json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
    let template = TemplateError::Parse {
        line: 1,
        message: "unclosed action".into(),
    };
    let errors: Vec<Box<dyn Error + 'static>> = vec![
        Box::new(CacheError::CreateDir {
            dir: path(),
            source: enoent(),
        }),
        Box::new(CacheError::Read {
            path: path(),
            source: enoent(),
        }),
        Box::new(CacheError::Write {
            path: path(),
            source: enoent(),
        }),
        Box::new(CacheError::Lock {
            path: path(),
            source: enoent(),
        }),
        Box::new(CacheError::List {
            dir: path(),
            source: enoent(),
        }),
        Box::new(CacheError::Remove {
            path: path(),
            source: enoent(),
        }),
        Box::new(ConfigError::Io {
            path: path(),
            source: enoent(),
        }),
        Box::new(CredentialError::Read {
            path: path(),
            source: enoent(),
        }),
        Box::new(CredentialError::HelperIo {
            helper: "pass".into(),
            source: enoent(),
        }),
        Box::new(GitError::Spawn {
            subcommand: "clone".into(),
            source: enoent(),
        }),
        Box::new(GitError::Credentials {
            path: path(),
            source: enoent(),
        }),
        Box::new(LoadError::Read {
            path: path(),
            source: enoent(),
        }),
        Box::new(WalkError::Dir {
            path: path(),
            source: enoent(),
        }),
        Box::new(WalkError::Dangling {
            path: path(),
            source: enoent(),
        }),
        Box::new(WalkError::Exclude {
            glob: "[".into(),
            source: glob,
        }),
        Box::new(WalkError::Copy {
            from: path(),
            to: path(),
            source: enoent(),
        }),
        Box::new(RewriteError::MissingDigest {
            path: path(),
            line: 3,
            source: MissingDigest { form: Form::Digest },
        }),
        Box::new(RewriteError::Overlap {
            path: path(),
            source: OverlappingEdits { line: 3 },
        }),
        Box::new(LayoutError::LayoutsDir {
            dir: path(),
            source: enoent(),
        }),
        Box::new(LayoutError::Read {
            path: path(),
            source: enoent(),
        }),
        Box::new(LayoutError::Json {
            path: path(),
            source: json,
        }),
        Box::new(GitRepoError::Io {
            path: path(),
            source: enoent(),
        }),
        Box::new(MigrateError::Io {
            path: path(),
            source: enoent(),
        }),
        Box::new(WritebackError::Io {
            what: "cannot create a temporary directory",
            source: enoent(),
        }),
        Box::new(SettingsError::Template {
            origin: "--message".into(),
            source: template,
        }),
    ];
    assert_eq!(errors.len(), 25);
    for error in &errors {
        assert_cause_once(error.as_ref());
    }
}
