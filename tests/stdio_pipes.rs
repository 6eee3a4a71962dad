//! `fn` and `post-render` widen the pipes they are given to 1 MiB (Helm, kpt and
//! kustomize hand over 20 MB manifests through them: 64 KiB at a time is 16 times as many
//! turns of writer and reader), and give the same bytes through them as through files.

mod support;

use std::io::{Read, Write};
use std::process::Stdio;
use std::thread;

use support::cli::command;

/// 1 MiB: what the commands ask for (`/proc/sys/fs/pipe-max-size` by default).
const WIDENED: usize = 1 << 20;

/// Input larger than a default pipe (64 KiB), so that writing it all proves the command
/// has begun to read.
fn large_input(head: &str, item: impl Fn(usize) -> String) -> Vec<u8> {
    let mut text = head.to_owned();
    let mut n = 0;
    while text.len() < 300_000 {
        text.push_str(&item(n));
        n += 1;
    }
    text.into_bytes()
}

/// Runs `imagescan ARGS` with `input` through a pipe and its output through another:
/// the sizes of both pipes once it is done, and what it wrote.
fn through_pipes(args: &[&str], input: &[u8]) -> (usize, usize, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(args)
        .current_dir(dir.path())
        .env("IMAGESCAN_CACHE_DIR", dir.path().join("cache"))
        .env("HOME", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).unwrap();
        (out, stdout)
    });
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    // All of it was taken in: the command read from the pipe, so it had widened it.
    let stdin_size = rustix::pipe::fcntl_getpipe_size(&stdin).unwrap();
    drop(stdin);
    let (out, stdout) = reader.join().unwrap();
    let stdout_size = rustix::pipe::fcntl_getpipe_size(&stdout).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{args:?}: {status}: {err}");
    (stdin_size, stdout_size, out)
}

#[test]
fn post_render_widens_both_pipes_and_gives_the_manifests_back() {
    let input = large_input("", |n| {
        format!(
            "---\n# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{n}\n"
        )
    });
    let (stdin_size, stdout_size, out) = through_pipes(&["post-render"], &input);
    assert_eq!(stdin_size, WIDENED);
    assert_eq!(stdout_size, WIDENED);
    assert!(
        out == input,
        "post-render changed manifests without markers"
    );
}

#[test]
fn fn_widens_both_pipes_and_gives_the_list_back() {
    let input = large_input(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n",
        |n| format!("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-{n}\n"),
    );
    let (stdin_size, stdout_size, out) = through_pipes(&["fn"], &input);
    assert_eq!(stdin_size, WIDENED);
    assert_eq!(stdout_size, WIDENED);
    assert!(out == input, "fn changed a list without markers or rules");
}
