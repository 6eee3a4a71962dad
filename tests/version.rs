//! `--version` names the commit the binary was built from (build.rs), when built from a
//! git checkout.

mod support;

use std::process::Command;

use support::cli::Imagescan;

#[test]
fn version_names_the_commit() {
    let out = Imagescan::at_root(&["--version"]).output();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout, format!("imagescan {}\n", env!("IMAGESCAN_VERSION")));
    assert!(
        stdout.starts_with(&format!("imagescan {}", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Ok(head) = head
        && head.status.success()
    {
        let commit = String::from_utf8(head.stdout).unwrap();
        assert!(
            stdout.contains(&format!("({})", commit.trim())),
            "{stdout:?} should name HEAD {commit:?}"
        );
    }
}
