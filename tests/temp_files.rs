//! Issue 13 item 5 end to end on the real binary: the temporary files of atomic writes
//! (`.imagescan-tmp-PID-XXXXXX-NAME`) that a killed run leaves are never read as
//! manifests or marker files (`check`, `render`, `resolve` ignore them, even holding a
//! broken marker), and the next run that writes the tree (`resolve --write`,
//! `render --in-place`) removes them when their writer is dead — and nothing else: a
//! user's look-alikes (`.x.tmp`, the old `.NAME.XXXXXX.tmp` shape, `.imagescan-tmp-notes`)
//! stay. The kill itself is simulated by files named with the pid of a process that has
//! exited; tests/writeback_kill.rs kills the real binary mid-write.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::cli::{assert_exit, run, stderr, stdout};
use support::tree::{DemoCopy, write};

/// The id of a process that has exited (and been reaped).
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// What a run killed while writing `deployment.yaml` leaves: part of the file, here with
/// a marker naming a scan that does not exist (reading it would fail every command).
const TORN: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: torn\nspec:\n  containers:\n  - image: x:1 # {\"$imagescan\": \"nope\"}\n  - ima";

/// Users' files that look like temporaries but are not ours.
const LOOK_ALIKES: [&str; 4] = [
    ".x.tmp",
    ".deployment.yaml.a1B2c3.tmp",
    ".imagescan-tmp-notes",
    ".imagescan-tmp-12-short-x",
];

fn leave_dead_temp(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!(".imagescan-tmp-{}-Ab3dE9-{name}", dead_pid()));
    write(dir, path.file_name().unwrap().to_str().unwrap(), TORN);
    path
}

#[test]
fn leftovers_are_not_read_and_the_next_write_sweeps_only_dead_ones() {
    let repo = DemoCopy::new();
    let demo = repo.demo();
    let top = leave_dead_temp(&demo, "deployment.yaml");
    fs::create_dir(demo.join("sub")).unwrap();
    let nested = leave_dead_temp(&demo.join("sub"), "values.yaml");
    // A free lock but a live process (this one) and a fresh file: maybe being created.
    let live = demo.join(format!(
        ".imagescan-tmp-{}-Ab3dE9-cronjob.yaml",
        std::process::id()
    ));
    fs::write(&live, TORN).unwrap();
    for name in LOOK_ALIKES {
        write(&demo, name, "a user's notes\n");
    }

    // Read-only commands neither read nor remove them.
    let check = run(repo.root(), &["check", "demo"]);
    assert_exit(&check, 0);
    assert!(!stderr(&check).contains("nope"), "{}", stderr(&check));
    let diff = run(repo.root(), &["resolve", "demo", "--diff"]);
    assert_exit(&diff, 0);
    assert!(
        !stdout(&diff).contains("imagescan-tmp"),
        "{}",
        stdout(&diff)
    );
    let render = run(repo.root(), &["render", "demo"]);
    assert_exit(&render, 0);
    assert!(!stdout(&render).contains("torn"));
    assert!(top.exists() && nested.exists() && live.exists());

    let out = run(repo.root(), &["resolve", "demo", "--write"]);
    assert_exit(&out, 0);
    assert!(
        !top.exists() && !nested.exists(),
        "dead writers' files swept"
    );
    assert!(live.exists(), "a live writer's file is kept");
    for name in LOOK_ALIKES {
        assert_eq!(
            fs::read_to_string(demo.join(name)).unwrap(),
            "a user's notes\n",
            "{name}"
        );
    }
    // Nothing of ours is left beside the rewritten files.
    let ours: Vec<_> = fs::read_dir(&demo)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".imagescan-tmp-") && !LOOK_ALIKES.contains(&n.as_str()))
        .collect();
    assert_eq!(ours, [live.file_name().unwrap().to_str().unwrap()]);
}

#[test]
fn render_in_place_sweeps_too_and_a_copying_render_does_not_touch_the_tree() {
    let repo = DemoCopy::new();
    let demo = repo.demo();
    let stale = leave_dead_temp(&demo, "values.yaml");
    let copying = run(
        repo.root(),
        &["render", "demo", "--", "cat", "deployment.yaml"],
    );
    assert_exit(&copying, 0);
    assert!(
        stale.exists(),
        "a render of a copy leaves the user's tree alone"
    );
    let in_place = run(
        repo.root(),
        &[
            "render",
            "demo",
            "--in-place",
            "--",
            "cat",
            "deployment.yaml",
        ],
    );
    assert_exit(&in_place, 0);
    assert!(!stale.exists());
}
