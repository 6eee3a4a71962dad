//! Unit tests of the Argo CD contract types: environment, parameters, root, app kind and
//! the Helm command line.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn env_reads_argo_cds_variables_and_parameters() {
    let env = ArgoEnv::from_vars(vars(&[
        ("ARGOCD_APP_NAME", "team_web"),
        ("ARGOCD_APP_NAMESPACE", "web-prod"),
        ("ARGOCD_APP_SOURCE_PATH", "apps/web"),
        ("KUBE_VERSION", "1.35.2"),
        ("KUBE_API_VERSIONS", "v1,apps/v1"),
        ("ARGOCD_ENV_TEAM", "web"),
        (
            "ARGOCD_APP_PARAMETERS",
            r#"[{"array":["a.yaml","b.yaml"],"name":"values-files"},{"name":"release-name","string":"w"},{"map":{"image.tag":"v1"},"name":"helm-parameters"}]"#,
        ),
        ("PARAM_RELEASE_NAME", "ignored: the JSON is authoritative"),
        ("PATH", "/bin"),
    ]))
    .unwrap();
    assert_eq!(env.instance_name(), "web");
    assert_eq!(env.api_versions, ["v1", "apps/v1"]);
    assert_eq!(
        env.plugin_env,
        BTreeMap::from([("TEAM".into(), "web".into())])
    );
    let params = AppParameters::from_parameters(&env.parameters).unwrap();
    assert_eq!(params.values_files, ["a.yaml", "b.yaml"]);
    assert_eq!(params.release_name.as_deref(), Some("w"));
    assert_eq!(params.helm_parameters, [("image.tag".into(), "v1".into())]);
}

#[test]
fn env_parameters_null_absent_and_from_param_variables() {
    let env = ArgoEnv::from_vars(vars(&[("ARGOCD_APP_PARAMETERS", "null")])).unwrap();
    assert!(env.parameters.is_empty());
    assert_eq!(env.instance_name(), "");
    let env = ArgoEnv::from_vars(vars(&[
        ("PARAM_VALUES_FILES_0", "a.yaml"),
        ("PARAM_VALUES_FILES_1", "b.yaml"),
        ("PARAM_VALUES_FILES_3", "not contiguous"),
        ("PARAM_RELEASE_NAME", "r"),
    ]))
    .unwrap();
    let params = AppParameters::from_parameters(&env.parameters).unwrap();
    assert_eq!(params.values_files, ["a.yaml", "b.yaml"]);
    assert_eq!(params.release_name.as_deref(), Some("r"));
}

#[test]
fn bad_parameters_are_refused_by_name() {
    let err = ArgoEnv::from_vars(vars(&[("ARGOCD_APP_PARAMETERS", "{")])).unwrap_err();
    assert!(matches!(err, ArgoError::ParametersJson(_)), "{err}");
    let err = ArgoEnv::from_vars(vars(&[(
        "ARGOCD_APP_PARAMETERS",
        r#"[{"name":"x","string":"a","array":["b"]}]"#,
    )]))
    .unwrap_err();
    assert!(err.to_string().contains("exactly one"), "{err}");
    let parse = |json: &str| {
        let env = ArgoEnv::from_vars(vars(&[("ARGOCD_APP_PARAMETERS", json)])).unwrap();
        AppParameters::from_parameters(&env.parameters)
    };
    let err = parse(r#"[{"name":"value-files","array":["a"]}]"#).unwrap_err();
    assert!(err.to_string().contains("\"value-files\""), "{err}");
    let err = parse(r#"[{"name":"values-files","string":"a.yaml"}]"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "parameter \"values-files\" must be an array"
    );
    let err = parse(r#"[{"name":"helm-parameters","array":["a=b"]}]"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "parameter \"helm-parameters\" must be a map"
    );
}

#[test]
fn root_is_the_unpacked_directory() {
    let app = Path::new("/tmp/_cmp_server/0f4c/apps/web");
    assert_eq!(
        repository_root(app, "apps/web"),
        Some(PathBuf::from("/tmp/_cmp_server/0f4c"))
    );
    // With manifest-generate-paths only part of the repository is sent: the unpacked
    // directory still is the root, whatever the source path says.
    assert_eq!(
        repository_root(app, "deploy/apps/web"),
        Some(PathBuf::from("/tmp/_cmp_server/0f4c"))
    );
    // Outside the plugin server: the source path taken off the app path.
    let app = Path::new("/work/checkout/apps/web");
    assert_eq!(
        repository_root(app, "./apps/web/"),
        Some(PathBuf::from("/work/checkout"))
    );
    assert_eq!(repository_root(app, "."), Some(app.to_path_buf()));
    assert_eq!(repository_root(app, "apps/api"), None);
    assert_eq!(repository_root(app, "../web"), None);
}

#[test]
fn locate_gives_the_root_and_how_to_show_it() {
    let dir = dir_with(&["repo/apps/web/deploy.yaml", "elsewhere/x.yaml"]);
    let repo = dir.path().join("repo").canonicalize().unwrap();
    let app = repo.join("apps/web");
    // (app as named, --root, source path) → (app in root, shown root)
    let cases: [(PathBuf, Option<PathBuf>, &str, &str, &str); 4] = [
        (
            app.clone(),
            None,
            "apps/web",
            "apps/web",
            &format!("{}", repo.display()),
        ),
        (
            app.join("."),
            Some(repo.clone()),
            "",
            "apps/web",
            &format!("{}", repo.display()),
        ),
        (
            app.clone(),
            Some(app.clone()),
            "",
            "",
            &format!("{}", app.display()),
        ),
        // Names are dropped as written: `apps/web/../web` up one is `apps/web/..`.
        (
            app.join("../web"),
            Some(repo.join("apps")),
            "",
            "web",
            &format!("{}", app.join("..").display()),
        ),
    ];
    for (named, root, source, in_root, shown) in cases {
        let location = locate(&named, root.as_deref(), source).unwrap();
        assert_eq!(location.app, app, "{named:?}");
        assert_eq!(location.app_in_root, Path::new(in_root), "{named:?}");
        assert_eq!(location.shown_root, Path::new(shown), "{named:?}");
    }
    let err = locate(&app, Some(&dir.path().join("elsewhere")), "").unwrap_err();
    assert!(matches!(err, ArgoError::NotInRoot { .. }), "{err}");
    let err = locate(&app, Some(&dir.path().join("missing")), "").unwrap_err();
    assert!(matches!(err, ArgoError::Root { .. }), "{err}");
    let err = locate(&repo.join("missing"), None, "").unwrap_err();
    assert!(matches!(err, ArgoError::AppDir { .. }), "{err}");
}

fn dir_with(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let path = dir.path().join(f);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "x: 1\n").unwrap();
    }
    dir
}

#[test]
fn app_kind_as_argo_cd_tells_it() {
    let kind = |files: &[&str]| kind_of(dir_with(files).path()).unwrap();
    assert_eq!(kind(&["kustomization.yaml"]), AppKind::Kustomize);
    assert_eq!(kind(&["kustomization.yml"]), AppKind::Kustomize);
    assert_eq!(kind(&["Kustomization"]), AppKind::Kustomize);
    assert_eq!(kind(&["Chart.yaml", "values.yaml"]), AppKind::Helm);
    assert_eq!(
        kind(&["Chart.yaml", "kustomization.yaml"]),
        AppKind::Kustomize
    );
    assert_eq!(
        kind(&["deploy.yaml", "base/kustomization.yaml"]),
        AppKind::Directory
    );
    assert_eq!(kind(&["charts/sub/Chart.yaml"]), AppKind::Directory);
    assert!(matches!(
        kind_of(Path::new("/nonexistent/app")),
        Err(ArgoError::AppDir { .. })
    ));
}

fn strings(args: &[OsString]) -> Vec<String> {
    args.iter()
        .map(|a| a.to_str().unwrap().to_owned())
        .collect()
}

#[test]
fn helm_command_line_as_argo_cd_builds_it() {
    let repo = dir_with(&[
        "apps/web/Chart.yaml",
        "apps/web/values-prod.yaml",
        "shared/common.yaml",
    ]);
    let app = repo.path().join("apps/web");
    let env = ArgoEnv {
        app_name: "argocd_web".into(),
        app_namespace: "web-prod".into(),
        kube_version: "1.35.2".into(),
        api_versions: vec!["v1".into(), "apps/v1".into()],
        ..ArgoEnv::default()
    };
    let params = AppParameters {
        values_files: vec!["values-prod.yaml".into(), "../../shared/common.yaml".into()],
        values: Some("replicas: 3\n".into()),
        helm_parameters: vec![
            ("a.b".into(), "x,y".into()),
            ("list".into(), "{1,2}".into()),
        ],
        release_name: None,
    };
    let helm = plan(&app, repo.path(), &env, &params).unwrap();
    assert_eq!(helm.kind, AppKind::Helm);
    let (program, args) = helm.tool.as_ref().unwrap();
    assert_eq!(program, "helm");
    let values = helm
        .values_file
        .as_ref()
        .unwrap()
        .path()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(fs::read_to_string(&values).unwrap(), "replicas: 3\n");
    assert_eq!(
        strings(args),
        [
            "template",
            ".",
            "--name-template",
            "web",
            "--namespace",
            "web-prod",
            "--kube-version",
            "1.35.2",
            "--set",
            "a.b=x\\,y",
            "--set",
            "list={1,2}",
            "--values",
            "values-prod.yaml",
            "--values",
            "../../shared/common.yaml",
            "--values",
            &values,
            "--api-versions",
            "v1",
            "--api-versions",
            "apps/v1",
            "--include-crds",
        ]
    );

    // The release name parameter wins; empty namespace and version are left out.
    let env = ArgoEnv {
        app_name: "web".into(),
        ..ArgoEnv::default()
    };
    let params = AppParameters {
        release_name: Some("other".into()),
        ..AppParameters::default()
    };
    let other = plan(&app, repo.path(), &env, &params).unwrap();
    assert_eq!(
        strings(&other.tool.unwrap().1),
        [
            "template",
            ".",
            "--name-template",
            "other",
            "--include-crds"
        ]
    );
    let err = plan_err(
        &app,
        repo.path(),
        &ArgoEnv::default(),
        &AppParameters::default(),
    );
    assert!(matches!(err, ArgoError::NoReleaseName), "{err}");
}

fn plan_err(app: &Path, root: &Path, env: &ArgoEnv, params: &AppParameters) -> ArgoError {
    plan(app, root, env, params).unwrap_err()
}

#[test]
fn values_files_stay_in_the_repository() {
    let outer = dir_with(&[
        "secret.yaml",
        "repo/apps/web/Chart.yaml",
        "repo/apps/web/v.yaml",
    ]);
    let root = outer.path().join("repo");
    let app = root.join("apps/web");
    let env = ArgoEnv {
        app_name: "web".into(),
        ..ArgoEnv::default()
    };
    let with = |file: &str| AppParameters {
        values_files: vec![file.into()],
        ..AppParameters::default()
    };
    assert!(plan(&app, &root, &env, &with("v.yaml")).is_ok());
    for (file, reason) in [
        ("../../../secret.yaml", "outside the repository"),
        ("missing.yaml", "no such file"),
        ("/etc/hostname", "absolute"),
        (".", "not a file"),
    ] {
        let err = plan_err(&app, &root, &env, &with(file));
        assert!(
            matches!(&err, ArgoError::ValuesFile { .. }) && err.to_string().contains(reason),
            "{file}: {err}"
        );
        assert!(err.to_string().contains(file), "{err}");
    }
    std::os::unix::fs::symlink(outer.path().join("secret.yaml"), app.join("link.yaml")).unwrap();
    let err = plan_err(&app, &root, &env, &with("link.yaml"));
    assert!(err.to_string().contains("outside the repository"), "{err}");
}

#[test]
fn kustomize_and_directory_plans() {
    let repo = dir_with(&["k/kustomization.yaml", "d/cm.yaml"]);
    let env = ArgoEnv::default();
    let params = AppParameters::default();
    let plan_k = plan(&repo.path().join("k"), repo.path(), &env, &params).unwrap();
    let (program, args) = plan_k.tool.unwrap();
    assert_eq!(program, "kustomize");
    assert_eq!(strings(&args), ["build", "."]);
    let plan_d = plan(&repo.path().join("d"), repo.path(), &env, &params).unwrap();
    assert_eq!(plan_d.kind, AppKind::Directory);
    assert!(plan_d.tool.is_none());
}
