//! A reproduction of Argo CD's config-management plugin server (`argocd-cmp-server`) and
//! of the repo-server's side of the contract, for testing
//! plugin/argocd/install/plugin.yaml and `imagescan argocd` without Argo CD (no Argo CD binary can be installed here).
//!
//! Reproduced from the source of argoproj/argo-cd at commit 37ee0097cf85 (2026-08-22,
//! VERSION 3.6.0 development line, after v3.4/v3.5): cmpserver/plugin/config.go (the
//! schema), cmpserver/plugin/plugin.go (discovery, init/generate, timeout, output
//! parsing), util/cmp/stream.go and util/io/files/tar.go (how the repository is sent and
//! unpacked), reposerver/repository/repository.go (`newEnv`, `getPluginEnvs`,
//! `getPluginParamEnvs`) and pkg/apis/application/v1alpha1/types.go (`Environ` of the
//! parameters).
//!
//! What it does, as Argo CD does:
//! - reads plugin.yaml (YAML turned into JSON, then decoded) and validates it like
//!   `ValidatePluginConfig` (metadata.name, kind, spec.generate.command);
//! - per request, unpacks the repository into a fresh `<tmp>/_cmp_server/<uuid>/`: regular
//!   files 0644 and directories 0755 unless `preserveFileMode`, symlinks kept (relative,
//!   refused when they lead outside), everything owned by the plugin's user; `.git` is
//!   sent or not, as the repo-server's tar exclusions decide;
//! - discovery: `fileName` (Go `filepath.Glob` below the app path), else `find.glob` (with
//!   `**`, like zglob), else `find.command` (match = non-empty stdout after trimming one
//!   trailing newline);
//! - runs `init` then `generate` with `command + args`, cwd = the app path, the sidecar's
//!   environment followed by the request's (`ARGOCD_APP_*`, `KUBE_VERSION`,
//!   `KUBE_API_VERSIONS`, `ARGOCD_ENV_*` with `$VAR` expansion, `ARGOCD_APP_PARAMETERS`,
//!   `PARAM_*`), in its own process group, killed (TERM, then KILL 5 s later) at the
//!   timeout (`ARGOCD_EXEC_TIMEOUT`, 90 s by default);
//! - a non-zero exit fails the request with "`CMD` failed exit status N: STDERR"; stdout
//!   is split as a YAML-or-JSON stream, empty and `null` documents dropped, every other
//!   document must be an object with a `kind` (what the repo-server's `unstructured`
//!   decoding requires);
//! - the work directory is removed after the request.
//!
//! Where it is deliberately stricter than Argo CD: plugin.yaml keys must be spelled
//! exactly and unknown keys are refused (Argo CD's `encoding/json` matches keys without
//! regard to case and ignores unknown ones, so a typo silently disables a setting), and a
//! parameter's `collectionType` must be one Argo CD knows.
//!
//! The plugin runs as uid/gid 999 (Argo CD's user) when the tests run as root, else as the
//! tests' own user; its `HOME` is a directory it cannot write.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

/// Argo CD's user in its image and in the plugin sidecar.
pub const ARGOCD_UID: u32 = 999;

/// `ARGOCD_EXEC_TIMEOUT`'s default in the sidecar.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(90);

// ---- plugin.yaml: cmpserver/plugin/config.go -------------------------------------------

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginConfig {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: PluginConfigSpec,
}

/// The parts of metav1.ObjectMeta a plugin file uses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginConfigSpec {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub init: PluginCommand,
    #[serde(default)]
    pub generate: PluginCommand,
    #[serde(default)]
    pub discover: Discover,
    #[serde(default)]
    pub parameters: Parameters,
    #[serde(default, rename = "preserveFileMode")]
    pub preserve_file_mode: bool,
    #[serde(default, rename = "provideGitCreds")]
    pub provide_git_creds: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginCommand {
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discover {
    #[serde(default)]
    pub find: Find,
    #[serde(default, rename = "fileName")]
    pub file_name: String,
}

/// `Find` embeds `Command` (command, args) and adds `glob`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Find {
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub glob: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameters {
    #[serde(default, rename = "static")]
    pub static_: Vec<ParameterAnnouncement>,
    #[serde(default)]
    pub dynamic: PluginCommand,
}

/// reposerver/apiclient ParameterAnnouncement (JSON names of repository.pb.go).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterAnnouncement {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub tooltip: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default, rename = "itemType")]
    pub item_type: String,
    #[serde(default, rename = "collectionType")]
    pub collection_type: String,
    #[serde(default)]
    pub string: String,
    #[serde(default)]
    pub array: Vec<String>,
    #[serde(default)]
    pub map: BTreeMap<String, String>,
}

impl PluginConfig {
    /// Reads and validates a plugin.yaml.
    pub fn read(path: &Path) -> Result<PluginConfig, String> {
        let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut docs = super::yaml::load_all(&text)?;
        if docs.len() != 1 {
            return Err(format!("{}: one document expected", path.display()));
        }
        let config: PluginConfig = serde_json::from_value(docs.remove(0))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        config.validate()?;
        Ok(config)
    }

    /// `ValidatePluginConfig`, plus the harness's stricter checks.
    fn validate(&self) -> Result<(), String> {
        if self.metadata.name.is_empty() {
            return Err(
                "invalid plugin configuration file. metadata.name should be non-empty".into(),
            );
        }
        if self.kind != "ConfigManagementPlugin" {
            return Err(format!(
                "invalid plugin configuration file. kind should be ConfigManagementPlugin, found {}",
                self.kind
            ));
        }
        if self.spec.generate.command.is_empty() {
            return Err(
                "invalid plugin configuration file. spec.generate command should be non-empty"
                    .into(),
            );
        }
        if self.api_version != "argoproj.io/v1alpha1" {
            return Err(format!(
                "apiVersion {} is not argoproj.io/v1alpha1",
                self.api_version
            ));
        }
        for p in &self.spec.parameters.static_ {
            if p.name.is_empty() {
                return Err("a static parameter has no name".into());
            }
            if !["", "string", "array", "map"].contains(&p.collection_type.as_str()) {
                return Err(format!(
                    "parameter {}: collectionType {:?} is not string, array or map",
                    p.name, p.collection_type
                ));
            }
        }
        Ok(())
    }

    /// The name Applications use in `source.plugin.name`: `name` or `name-version`.
    pub fn plugin_name(&self) -> String {
        if self.spec.version.is_empty() {
            self.metadata.name.clone()
        } else {
            format!("{}-{}", self.metadata.name, self.spec.version)
        }
    }
}

// ---- the request: what the repo-server sends -------------------------------------------

/// An Application source parameter (`spec.source.plugin.parameters[]`).
#[derive(Debug, Clone)]
pub enum ParamValue {
    String(String),
    Array(Vec<String>),
    Map(BTreeMap<String, String>),
}

/// `spec.source.plugin` of the Application.
#[derive(Debug, Clone, Default)]
pub struct PluginSource {
    /// `env[]`: sent as `ARGOCD_ENV_<name>`, with `$VAR` of the build environment expanded.
    pub env: Vec<(String, String)>,
    /// `parameters`: `None` when the Application sets none (sent as `null`).
    pub parameters: Option<Vec<(String, ParamValue)>>,
}

/// One manifest-generation request for an app of a repository.
#[derive(Debug, Clone)]
pub struct Request {
    /// The repository's working tree as the repo-server checked it out.
    pub repo: PathBuf,
    /// The app path relative to the repository root (`spec.source.path`).
    pub app_path: String,
    /// Whether `.git` is sent (it is unless the repo-server's tar exclusions drop it).
    pub send_git: bool,
    pub app_name: String,
    pub namespace: String,
    pub project: String,
    pub revision: String,
    pub repo_url: String,
    pub target_revision: String,
    /// The cluster's version as Argo CD reports it (`v1.35.2` → `KUBE_VERSION=1.35.2`).
    pub kube_version: String,
    pub api_versions: Vec<String>,
    /// `None`: the Application has no `source.plugin` (found by discovery).
    pub plugin: Option<PluginSource>,
}

impl Request {
    /// A request with typical values: app `web` in namespace `web-prod`, project `default`.
    pub fn new(repo: &Path, app_path: &str) -> Request {
        Request {
            repo: repo.to_path_buf(),
            app_path: app_path.to_owned(),
            send_git: true,
            app_name: "web".into(),
            namespace: "web-prod".into(),
            project: "default".into(),
            revision: "0123456789abcdef0123456789abcdef01234567".into(),
            repo_url: "https://git.example.com/team/deploy.git".into(),
            target_revision: "HEAD".into(),
            kube_version: "v1.35.2".into(),
            api_versions: vec![
                "v1".into(),
                "apps/v1".into(),
                "batch/v1".into(),
                "networking.k8s.io/v1".into(),
            ],
            plugin: Some(PluginSource::default()),
        }
    }

    pub fn parameter(mut self, name: &str, value: ParamValue) -> Request {
        let plugin = self.plugin.get_or_insert_with(PluginSource::default);
        plugin
            .parameters
            .get_or_insert_with(Vec::new)
            .push((name.to_owned(), value));
        self
    }

    pub fn plugin_env(mut self, name: &str, value: &str) -> Request {
        let plugin = self.plugin.get_or_insert_with(PluginSource::default);
        plugin.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `newEnv` + `getPluginEnvs` + `getPluginParamEnvs`, in Argo CD's order.
    pub fn environ(&self) -> Vec<(String, String)> {
        let short = |n: usize| self.revision.chars().take(n).collect::<String>();
        let mut env: Vec<(String, String)> = vec![
            ("ARGOCD_APP_NAME".into(), self.app_name.clone()),
            ("ARGOCD_APP_NAMESPACE".into(), self.namespace.clone()),
            ("ARGOCD_APP_PROJECT_NAME".into(), self.project.clone()),
            ("ARGOCD_APP_REVISION".into(), self.revision.clone()),
            ("ARGOCD_APP_REVISION_SHORT".into(), short(7)),
            ("ARGOCD_APP_REVISION_SHORT_8".into(), short(8)),
            ("ARGOCD_APP_SOURCE_REPO_URL".into(), self.repo_url.clone()),
            ("ARGOCD_APP_SOURCE_PATH".into(), self.app_path.clone()),
            (
                "ARGOCD_APP_SOURCE_TARGET_REVISION".into(),
                self.target_revision.clone(),
            ),
        ];
        // k8sversion.ParseGeneric(...).String(): no leading "v".
        let kube_version = self.kube_version.trim_start_matches('v').to_owned();
        env.push(("KUBE_VERSION".into(), kube_version));
        env.push(("KUBE_API_VERSIONS".into(), self.api_versions.join(",")));
        if let Some(plugin) = &self.plugin {
            let build_env = env.clone();
            for (name, value) in &plugin.env {
                env.push((format!("ARGOCD_ENV_{name}"), envsubst(value, &build_env)));
            }
            env.extend(parameters_environ(plugin.parameters.as_deref()));
        }
        env
    }
}

/// `Env.Envsubst`: `$VAR` and `${VAR}` from the build environment, unknown ones empty.
fn envsubst(value: &str, env: &[(String, String)]) -> String {
    let lookup = |name: &str| {
        env.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some((name, tail)) = after.strip_prefix('{').and_then(|b| b.split_once('}')) {
            out.push_str(&lookup(name));
            rest = tail;
            continue;
        }
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if len == 0 {
            out.push('$');
        } else {
            out.push_str(&lookup(&after[..len]));
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// `ApplicationSourcePluginParameters.Environ`: the JSON (keys sorted, as Go's
/// json.Marshal of a map) and one variable per value.
fn parameters_environ(params: Option<&[(String, ParamValue)]>) -> Vec<(String, String)> {
    let json = match params {
        None => Value::Null,
        Some(params) => Value::Array(
            params
                .iter()
                .map(|(name, value)| {
                    let mut object = serde_json::Map::new();
                    object.insert("name".into(), Value::String(name.clone()));
                    match value {
                        ParamValue::String(s) => {
                            object.insert("string".into(), Value::String(s.clone()));
                        }
                        ParamValue::Array(items) => {
                            object.insert("array".into(), serde_json::json!(items));
                        }
                        ParamValue::Map(map) => {
                            object.insert("map".into(), serde_json::json!(map));
                        }
                    }
                    Value::Object(object)
                })
                .collect(),
        ),
    };
    let mut env = vec![("ARGOCD_APP_PARAMETERS".to_owned(), sorted_json(&json))];
    for (name, value) in params.unwrap_or_default() {
        let base = format!("PARAM_{}", escaped(name));
        match value {
            ParamValue::String(s) => env.push((base, s.clone())),
            ParamValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    env.push((format!("{base}_{i}"), item.clone()));
                }
            }
            ParamValue::Map(map) => {
                for (key, item) in map {
                    env.push((format!("{base}_{}", escaped(key)), item.clone()));
                }
            }
        }
    }
    env
}

/// JSON with object keys sorted at every level (Go's encoding of maps).
fn sorted_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, String> =
                map.iter().map(|(k, v)| (k, sorted_json(v))).collect();
            let fields: Vec<String> = sorted
                .into_iter()
                .map(|(k, v)| format!("{}:{v}", Value::String(k.clone())))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(sorted_json).collect::<Vec<_>>().join(",")
            )
        }
        other => other.to_string(),
    }
}

/// Upper case, every character but `A-Z0-9_` replaced by `_`.
fn escaped(name: &str) -> String {
    name.to_uppercase()
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

// ---- the plugin server -----------------------------------------------------------------

/// The outcome of a command run by the plugin server.
#[derive(Debug)]
pub struct CommandRun {
    /// The exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub elapsed: Duration,
}

/// The outcome of GenerateManifest.
#[derive(Debug)]
pub struct Generated {
    /// The parsed objects, or the error Argo CD reports (shown in its UI).
    pub objects: Result<Vec<Value>, String>,
    /// The generate command's run (stdout kept even on failure, for the tests).
    pub generate: Option<CommandRun>,
    /// The init command's run, when there is one.
    pub init: Option<CommandRun>,
    /// The files of the app's repository after the run, relative to the unpacked root,
    /// with their contents (read before the work directory is removed).
    pub files_after: BTreeMap<String, Vec<u8>>,
}

impl Generated {
    /// The objects; panics with Argo CD's error otherwise.
    pub fn ok(&self) -> &[Value] {
        match &self.objects {
            Ok(objects) => objects,
            Err(e) => panic!("generate failed: {e}"),
        }
    }

    /// The generate command's stderr.
    pub fn stderr(&self) -> &str {
        self.generate.as_ref().map_or("", |r| r.stderr.as_str())
    }
}

/// One plugin sidecar: its plugin.yaml, its `/tmp`, its environment.
#[derive(Debug)]
pub struct PluginServer {
    pub config: PluginConfig,
    /// The sidecar's `/tmp` (mode 1777): `_cmp_server/<uuid>` work directories go here.
    tmp: tempfile::TempDir,
    /// A HOME the plugin cannot write.
    home: PathBuf,
    /// The sidecar's own environment (`os.Environ()` of argocd-cmp-server).
    sidecar_env: Vec<(String, String)>,
    pub timeout: Duration,
}

impl PluginServer {
    /// A server for `plugin_yaml`, with `PATH` = `path`.
    pub fn new(plugin_yaml: &Path, path: &std::ffi::OsStr) -> PluginServer {
        let config = PluginConfig::read(plugin_yaml).unwrap_or_else(|e| panic!("{e}"));
        let tmp = tempfile::tempdir().unwrap();
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o1777)).unwrap();
        let home = tmp.path().join("home-argocd");
        fs::create_dir(&home).unwrap();
        fs::set_permissions(&home, fs::Permissions::from_mode(0o555)).unwrap();
        let path = path.to_str().expect("UTF-8 PATH").to_owned();
        PluginServer {
            config,
            sidecar_env: vec![
                ("PATH".into(), path),
                ("HOME".into(), home.to_str().unwrap().to_owned()),
                ("USER".into(), "argocd".into()),
            ],
            tmp,
            home,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Adds a variable to the sidecar's environment (as the container's `env:` does).
    pub fn sidecar_env(mut self, key: &str, value: impl Into<String>) -> PluginServer {
        self.sidecar_env.push((key.to_owned(), value.into()));
        self
    }

    /// The sidecar's `/tmp`.
    pub fn tmp_dir(&self) -> &Path {
        self.tmp.path()
    }

    /// A directory the plugin user owns (an emptyDir volume of the sidecar), e.g. the
    /// cache.
    pub fn volume(&self, name: &str) -> PathBuf {
        let dir = self.tmp.path().join(format!("volume-{name}"));
        fs::create_dir_all(&dir).unwrap();
        chown_tree(&dir);
        dir
    }

    /// MatchRepository: does discovery select this app?
    pub fn matches(&self, request: &Request) -> Result<bool, String> {
        let work = self.unpack(request);
        let app = work.app_dir(&request.app_path)?;
        let discover = &self.config.spec.discover;
        let result = if !discover.file_name.is_empty() {
            Ok(glob_matches(&app, &discover.file_name, false))
        } else if !discover.find.glob.is_empty() {
            Ok(glob_matches(&app, &discover.find.glob, true))
        } else if !discover.find.command.is_empty() {
            let command = PluginCommand {
                command: discover.find.command.clone(),
                args: discover.find.args.clone(),
            };
            let run = self.run(&command, &app, &request.environ());
            match run.code {
                Some(0) if !run.timed_out => Ok(!run.stdout.trim_end_matches('\n').is_empty()),
                _ => Err(format!(
                    "error running find command: {}",
                    cmd_error(&command, &run)
                )),
            }
        } else {
            Ok(false)
        };
        drop(work);
        result
    }

    /// GenerateManifest: unpack, init, generate, parse.
    pub fn generate(&self, request: &Request) -> Generated {
        let work = self.unpack(request);
        let mut generated = Generated {
            objects: Err(String::new()),
            generate: None,
            init: None,
            files_after: BTreeMap::new(),
        };
        let app = match work.app_dir(&request.app_path) {
            Ok(app) => app,
            Err(e) => {
                generated.objects = Err(e);
                return generated;
            }
        };
        let env = request.environ();
        if !self.config.spec.init.command.is_empty() {
            let run = self.run(&self.config.spec.init, &app, &env);
            let failed = run.code != Some(0) || run.timed_out;
            if failed {
                generated.objects = Err(cmd_error(&self.config.spec.init, &run));
            }
            generated.init = Some(run);
            if failed {
                generated.files_after = read_tree(&work.root);
                return generated;
            }
        }
        let run = self.run(&self.config.spec.generate, &app, &env);
        generated.objects = if run.code == Some(0) && !run.timed_out {
            split_objects(run.stdout.strip_suffix('\n').unwrap_or(&run.stdout))
        } else {
            Err(cmd_error(&self.config.spec.generate, &run))
        };
        generated.generate = Some(run);
        generated.files_after = read_tree(&work.root);
        generated
    }

    /// A fresh `<tmp>/_cmp_server/<uuid>` holding the repository.
    fn unpack(&self, request: &Request) -> WorkDir {
        let base = self.tmp.path().join("_cmp_server");
        fs::create_dir_all(&base).unwrap();
        chown_path(&base);
        let root = base.join(uuid_v4());
        fs::create_dir(&root).unwrap();
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
        copy_repo(
            &request.repo,
            &request.repo,
            &root,
            request.send_git,
            self.config.spec.preserve_file_mode,
        );
        chown_tree(&root);
        WorkDir { root }
    }

    /// `runCommand`: command + args, cwd, env, own process group, timeout.
    fn run(
        &self,
        command: &PluginCommand,
        cwd: &Path,
        request_env: &[(String, String)],
    ) -> CommandRun {
        let mut argv = command.command.clone();
        argv.extend(command.args.iter().cloned());
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .current_dir(cwd)
            .env_clear()
            .envs(self.sidecar_env.iter().cloned())
            .envs(request_env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        if running_as_root() {
            cmd.uid(ARGOCD_UID).gid(ARGOCD_UID);
        }
        let start = Instant::now();
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                return CommandRun {
                    code: None,
                    stdout: String::new(),
                    stderr: format!("exec: {}: {e}", argv[0]),
                    timed_out: false,
                    elapsed: start.elapsed(),
                };
            }
        };
        let mut out_pipe = child.stdout.take().unwrap();
        let mut err_pipe = child.stderr.take().unwrap();
        let out_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            out_pipe.read_to_end(&mut buf).ok();
            buf
        });
        let err_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            err_pipe.read_to_end(&mut buf).ok();
            buf
        });
        let pgid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
        let mut timed_out = false;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if !timed_out && start.elapsed() >= self.timeout {
                timed_out = true;
                let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::TERM);
                let deadline = Instant::now() + Duration::from_secs(5);
                loop {
                    if child.try_wait().unwrap().is_some() {
                        break;
                    }
                    if Instant::now() >= deadline {
                        let _ = rustix::process::kill_process_group(
                            pgid,
                            rustix::process::Signal::KILL,
                        );
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        // Children left in the group die with the request, as in the sidecar.
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
        let stdout = String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned();
        let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
        CommandRun {
            code: status.code(),
            stdout,
            stderr,
            timed_out: timed_out || status.signal().is_some(),
            elapsed: start.elapsed(),
        }
    }
}

/// `CmdError`: "`ARGS` failed CAUSE: STDERR".
fn cmd_error(command: &PluginCommand, run: &CommandRun) -> String {
    let mut argv = command.command.clone();
    argv.extend(command.args.iter().cloned());
    let cause = match (run.timed_out, run.code) {
        (true, _) => "signal: killed".to_owned(),
        (false, Some(code)) => format!("exit status {code}"),
        (false, None) => "signal: killed".to_owned(),
    };
    let mut message = format!("`{}` failed {cause}", argv.join(" "));
    let stderr = run.stderr.trim();
    if !stderr.is_empty() {
        message.push_str(": ");
        message.push_str(stderr);
    }
    message
}

/// `kube.SplitYAMLToString` then the repo-server's `unstructured` decoding.
pub fn split_objects(stdout: &str) -> Result<Vec<Value>, String> {
    let docs =
        super::yaml::load_all(stdout).map_err(|e| format!("failed to unmarshal manifest: {e}"))?;
    for doc in &docs {
        let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
        if !doc.is_object() || kind.is_empty() {
            return Err(format!(
                "failed to convert CMP manifests to unstructured objects: Object 'Kind' is missing in '{doc}'"
            ));
        }
    }
    Ok(docs)
}

struct WorkDir {
    root: PathBuf,
}

impl WorkDir {
    /// `filepath.Clean(filepath.Join(workDir, appRelPath))`, refused outside workDir.
    fn app_dir(&self, app_path: &str) -> Result<PathBuf, String> {
        let mut path = self.root.clone();
        for component in Path::new(app_path).components() {
            match component {
                Component::Normal(c) => path.push(c),
                // (the guard's pop is the step up; a refused step returns)
                Component::ParentDir if !path.pop() || !path.starts_with(&self.root) => {
                    return Err("illegal appPath: out of workDir bound".into());
                }
                _ => {}
            }
        }
        if !path.starts_with(&self.root) {
            return Err("illegal appPath: out of workDir bound".into());
        }
        Ok(path)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn chown_path(path: &Path) {
    if running_as_root() {
        std::os::unix::fs::lchown(path, Some(ARGOCD_UID), Some(ARGOCD_UID)).unwrap();
    }
}

fn chown_tree(path: &Path) {
    chown_path(path);
    if fs::symlink_metadata(path).unwrap().is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path());
        }
    }
}

/// util/io/files Tgz + untar: regular files, directories and symlinks.
fn copy_repo(repo: &Path, src: &Path, dst: &Path, send_git: bool, preserve_mode: bool) {
    let mut entries: Vec<_> = fs::read_dir(src).unwrap().map(|e| e.unwrap()).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if !send_git && src == repo && name == ".git" {
            continue;
        }
        let from = entry.path();
        let to = dst.join(&name);
        let meta = fs::symlink_metadata(&from).unwrap();
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&from).unwrap();
            let resolved = normalize(&from.parent().unwrap().join(&target));
            assert!(
                resolved.starts_with(repo),
                "illegal filepath in symlink: {}",
                from.display()
            );
            symlink(&target, &to).unwrap();
        } else if meta.is_dir() {
            fs::create_dir(&to).unwrap();
            let mode = if preserve_mode {
                meta.permissions().mode() & 0o7777
            } else {
                0o755
            };
            copy_repo(repo, &from, &to, send_git, preserve_mode);
            fs::set_permissions(&to, fs::Permissions::from_mode(mode)).unwrap();
        } else if meta.is_file() {
            fs::copy(&from, &to).unwrap();
            let mode = if preserve_mode {
                meta.permissions().mode() & 0o7777
            } else {
                0o644
            };
            fs::set_permissions(&to, fs::Permissions::from_mode(mode)).unwrap();
        }
    }
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every regular file below `root` (not `.git`), relative path → contents.
fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() && entry.file_name() != ".git" {
                walk(root, &path, out);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    walk(root, root, &mut out);
    out
}

/// `filepath.Glob(Join(app, pattern))` (no `**`; `*` stays within a path segment) or,
/// with `double_star`, zglob's `**` across directories.
fn glob_matches(app: &Path, pattern: &str, double_star: bool) -> bool {
    let cleaned = normalize(Path::new(pattern));
    if !double_star && pattern.contains("**") {
        // Go's filepath.Glob treats ** as *.
        let single = cleaned.to_str().unwrap().replace("**", "*");
        return glob_matches(app, &single, false);
    }
    let glob = globset::GlobBuilder::new(cleaned.to_str().unwrap())
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .unwrap_or_else(|e| panic!("bad glob {pattern:?}: {e}"));
    let matcher = glob.compile_matcher();
    let mut found = false;
    fn walk(app: &Path, dir: &Path, matcher: &globset::GlobMatcher, found: &mut bool) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if matcher.is_match(path.strip_prefix(app).unwrap()) {
                *found = true;
                return;
            }
            if fs::symlink_metadata(&path)
                .map(|m| m.is_dir())
                .unwrap_or(false)
            {
                walk(app, &path, matcher, found);
            }
            if *found {
                return;
            }
        }
    }
    walk(app, app, &matcher, &mut found);
    found
}

/// A random (version 4) UUID, as `uuid.NewRandom().String()`.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    fs::File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut b)
        .unwrap();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
