//! Issue 13 item 5 end to end on the real binary: the temporary files of atomic writes
//! (`.imagescan-tmp-PID-XXXXXX-NAME`) that a killed run leaves are never read as
//! manifests or marker files (`check`, `render`, `resolve` ignore them, even holding a
//! broken marker), and the next run that writes the tree (`resolve --write`,
//! `render --in-place`) removes them when their writer is dead — and nothing else: a
//! user's look-alikes (`.x.tmp`, the old `.NAME.XXXXXX.tmp` shape, `.imagescan-tmp-notes`)
//! stay. Kills are simulated by files named with the pid of a process that has exited,
//! and real: `kill -9` of `resolve --write` on a 60 MB tree (tests/writeback_kill.rs
//! does the same for writeback). `migrate` sweeps the one directory it writes.

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

#[test]
fn migrate_sweeps_a_killed_migrates_leftovers_beside_fleet_yaml_only() {
    let dir = tempfile::tempdir().unwrap();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/migrate/new-file/in");
    fs::copy(case.join("fleet.yaml"), dir.path().join("fleet.yaml")).unwrap();
    let beside = leave_dead_temp(dir.path(), "imagescan.yaml");
    fs::create_dir(dir.path().join("sub")).unwrap();
    let below = leave_dead_temp(&dir.path().join("sub"), "fleet.yaml");
    for name in LOOK_ALIKES {
        write(dir.path(), name, "a user's notes\n");
    }

    let out = run(dir.path(), &["migrate", "."]);
    assert_exit(&out, 0);
    assert!(dir.path().join("imagescan.yaml").exists());
    assert!(!beside.exists(), "the leftover beside fleet.yaml is swept");
    assert!(
        below.exists(),
        "migrate writes only DIR: below it is not its to sweep"
    );
    for name in LOOK_ALIKES {
        assert!(dir.path().join(name).exists(), "{name}");
    }
}

/// Our temporary files under `dir`.
fn ours_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else if name.starts_with(".imagescan-tmp-") && !LOOK_ALIKES.contains(&name.as_str()) {
                found.push(entry.path());
            }
        }
    }
    found
}

#[test]
fn sigkill_during_resolve_write_leaves_nothing_after_the_next_run() {
    let repo = DemoCopy::new();
    let demo = repo.demo();
    // A large tree, so that writing it (every temporary file, then every rename) takes
    // long enough for kills to land in the middle.
    let deployment = fs::read_to_string(demo.join("deployment.yaml")).unwrap();
    let big = format!("{deployment}{}", "# padding\n".repeat(20_000));
    for i in 0..300 {
        write(&demo, &format!("many/d{i:03}.yaml"), &big);
    }
    let before = repo.temp.path().join("before");
    support::tree::copy_dir(&demo, &before);
    let started = std::time::Instant::now();
    let reference = run(repo.root(), &["resolve", "demo", "--write"]);
    assert_exit(&reference, 0);
    let whole = started.elapsed();
    let mut left_after_kill = 0;
    for round in 0..6u32 {
        fs::remove_dir_all(&demo).unwrap();
        support::tree::copy_dir(&before, &demo);
        let home = repo.temp.path().join(format!("home{round}"));
        let mut command = support::cli::command(&["resolve", "demo", "--write"]);
        command
            .current_dir(repo.root())
            .env("HOME", &home)
            .env("IMAGESCAN_CACHE_DIR", home.join("cache"))
            .env("DOCKER_CONFIG", home.join("docker"))
            .env("IMAGESCAN_SECRETS_DIR", home.join("secrets"));
        let mut child = command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        if round == 0 {
            // One kill certain to land while writing, whatever the machine's load: as
            // soon as the first temporary file shows.
            while child.try_wait().unwrap().is_none() && ours_under(&demo).is_empty() {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        } else {
            std::thread::sleep(whole * (round + 1) / 7);
        }
        let _ = child.kill();
        child.wait().unwrap();
        left_after_kill += ours_under(&demo).len();
        let next = run(repo.root(), &["resolve", "demo", "--write"]);
        assert_exit(&next, 0);
        assert_eq!(ours_under(&demo), Vec::<PathBuf>::new(), "round {round}");
    }
    // The first kill lands in the write phase, where every temporary file exists before
    // the renames; the others are spread over the run (487 files over the six rounds in
    // one run here).
    assert!(left_after_kill > 0, "no kill landed while writing");
}
