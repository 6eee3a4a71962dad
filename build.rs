//! Build script: the version `--version` prints, with the commit it was built from.
//!
//! `IMAGESCAN_VERSION` is `0.1.0 (abc1234)` when the commit is known and plain `0.1.0`
//! otherwise (a source tarball, no `git`): the commit comes from `$IMAGESCAN_COMMIT` if
//! the packager sets it, else from `git rev-parse --short HEAD` in the source tree. No
//! crate is needed for that (vergen, built, git2 would each add dependencies or libgit2
//! to every build for one string); running `git` when it is there is enough, and its
//! absence is not an error.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-env-changed=IMAGESCAN_COMMIT");
    let commit = std::env::var("IMAGESCAN_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().to_owned())
        .or_else(|| git_commit(&dir));
    let full = match commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo:rustc-env=IMAGESCAN_VERSION={full}");
}

/// The short commit of HEAD, and re-run when HEAD or the branch it names moves.
fn git_commit(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        let text = text.trim();
        (out.status.success() && !text.is_empty()).then(|| text.to_owned())
    };
    // Only the source tree's own repository: not one that happens to enclose a
    // tarball unpacked inside another checkout.
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]) {
            let path = dir.join(path);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    git(&["rev-parse", "--short", "HEAD"])
}
