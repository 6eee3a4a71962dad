//! `fn` and `post-render` widen the pipes they are given to 1 MiB once a stream is
//! larger than a default pipe (Helm, kpt and kustomize hand over 20 MB manifests
//! through them: 64 KiB at a time is 16 times as many turns of writer and reader), leave
//! a small stream's pipes alone, and give the same bytes through pipes as through files.

mod support;

use std::io::{Read, Write};
use std::process::Stdio;
use std::thread;

use support::cli::command;

/// 1 MiB: what the commands ask for (`/proc/sys/fs/pipe-max-size` by default).
const WIDENED: usize = 1 << 20;

/// What a pipe holds by default.
const DEFAULT: usize = 64 << 10;

/// Runs `imagescan ARGS` with `input` through a pipe and its output through another:
/// the sizes of both pipes once it is done, and what it wrote.
fn through_pipes(args: &[&str], input: &[u8]) -> (usize, usize, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let (stdin_read, stdin_write) =
        rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).unwrap();
    // Kept to ask the pipe's size once the command is done with it.
    let stdin_kept = stdin_read.try_clone().unwrap();
    let mut child = command(args)
        .current_dir(dir.path())
        .env("IMAGESCAN_CACHE_DIR", dir.path().join("cache"))
        .env("HOME", dir.path())
        .stdin(Stdio::from(stdin_read))
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
    let mut stdin = std::fs::File::from(stdin_write);
    stdin.write_all(input).unwrap();
    drop(stdin);
    let (out, stdout) = reader.join().unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{args:?}: {status}: {err}");
    (
        rustix::pipe::fcntl_getpipe_size(&stdin_kept).unwrap(),
        rustix::pipe::fcntl_getpipe_size(&stdout).unwrap(),
        out,
    )
}

/// Helm output of `n` ConfigMaps.
fn helm_output(n: usize) -> Vec<u8> {
    (0..n)
        .map(|n| {
            format!("---\n# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{n}\n")
        })
        .collect::<String>()
        .into_bytes()
}

/// A ResourceList of `n` ConfigMaps.
fn resource_list(n: usize) -> Vec<u8> {
    let items: String = (0..n)
        .map(|n| format!("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-{n}\n"))
        .collect();
    format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}").into_bytes()
}

/// `imagescan ARGS` widens both pipes for `large` and leaves them alone for `small`,
/// giving either back unchanged (neither has markers).
fn widens_large_streams_only(args: &[&str], large: &[u8], small: &[u8]) {
    assert!(large.len() > 4 * DEFAULT && small.len() < DEFAULT);
    for (input, size) in [(large, WIDENED), (small, DEFAULT)] {
        let (stdin_size, stdout_size, out) = through_pipes(args, input);
        assert_eq!((stdin_size, stdout_size), (size, size), "{args:?}");
        assert!(
            out == input,
            "{args:?} changed {} bytes without markers",
            input.len()
        );
    }
}

#[test]
fn post_render_widens_the_pipes_of_a_large_stream_only() {
    widens_large_streams_only(&["post-render"], &helm_output(4_000), &helm_output(10));
}

#[test]
fn fn_widens_the_pipes_of_a_large_stream_only() {
    widens_large_streams_only(&["fn"], &resource_list(8_000), &resource_list(10));
}
