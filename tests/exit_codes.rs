//! One cause, one exit code, in every command (SPEC §7): the code is decided by the
//! error's type in the library, not by the command that met it.

mod support;

use std::process::Command;

use support::cli::{Imagescan, stderr};
use support::tree::write;

fn git(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}");
}

/// A checkout whose scan names a secret that is not mounted, and a marker using it.
fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "imagescan.yaml",
        "imageScans:\n- tagName: web\n  image: 127.0.0.1:1/team/web\n  secretRef: {name: missing}\n",
    );
    write(
        dir.path(),
        "app.yaml",
        "apiVersion: v1\nkind: Pod\nimage: x # {\"$imagescan\": \"web\"}\n",
    );
    git(dir.path(), &["init", "--quiet", "--initial-branch=main"]);
    git(dir.path(), &["add", "--all"]);
    git(dir.path(), &["commit", "--quiet", "-m", "initial"]);
    dir
}

#[test]
fn a_missing_secret_is_the_same_exit_code_in_every_command() {
    let repo = checkout();
    let commands: [&[&str]; 5] = [
        &["render", "."],
        &["render", ".", "--", "cat", "app.yaml"],
        &["resolve", ".", "--write"],
        &["scan", "."],
        &["writeback", ".", "--dry-run"],
    ];
    let mut codes = Vec::new();
    for args in commands {
        let out = Imagescan::new(repo.path(), args).output();
        // `scan` lists the scans that succeeded (none here) before failing.
        if !["scan", "writeback"].contains(&args[0]) {
            assert!(out.stdout.is_empty(), "{args:?}");
        }
        assert!(
            stderr(&out).contains("secret \"missing\" not found"),
            "{args:?}: {}",
            stderr(&out)
        );
        codes.push((args, out.status.code()));
    }
    assert!(
        codes.iter().all(|(_, code)| *code == codes[0].1),
        "one exit code: {codes:?}"
    );
    // Operational: the configuration is valid (it names a secret); the Secret is not
    // mounted, which the same run survives once it is.
    assert_eq!(codes[0].1, Some(1), "{codes:?}");
}
