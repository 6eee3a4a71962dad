//! The Argo CD installation of plugin/argocd: the kustomize Component rendered by the
//! real `kubectl kustomize` over a stand-in argocd-repo-server Deployment (shaped like
//! Argo CD's install manifest: copyutil init container, var-files and plugins volumes),
//! and the argo-cd Helm chart values, which must install the same sidecar, init container
//! and plugin spec.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use support::kube_tools;
use support::yaml::{load_all, load_one};

fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin/argocd")
}

const REPO_SERVER: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: argocd-repo-server}
  template:
    metadata:
      labels: {app.kubernetes.io/name: argocd-repo-server}
    spec:
      initContainers:
        - name: copyutil
          image: quay.io/argoproj/argocd:v3.4.4
          command: [/bin/cp, -n, /usr/local/bin/argocd, /var/run/argocd/argocd-cmp-server]
          volumeMounts:
            - {name: var-files, mountPath: /var/run/argocd}
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:v3.4.4
          volumeMounts:
            - {name: var-files, mountPath: /var/run/argocd}
            - {name: plugins, mountPath: /home/argocd/cmp-server/plugins}
            - {name: tmp, mountPath: /tmp}
      volumes:
        - {name: var-files, emptyDir: {}}
        - {name: plugins, emptyDir: {}}
        - {name: tmp, emptyDir: {}}
";

/// `kubectl kustomize` of an Argo CD installation using the Component (copied next to
/// it: kustomize refuses absolute component paths), with `images:` setting our image.
fn render_component() -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let install = dir.path().join("imagescan-install");
    fs::create_dir(&install).unwrap();
    for entry in fs::read_dir(plugin_dir().join("install")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), install.join(entry.file_name())).unwrap();
    }
    let argocd = dir.path().join("argocd");
    fs::create_dir(&argocd).unwrap();
    fs::write(argocd.join("repo-server.yaml"), REPO_SERVER).unwrap();
    fs::write(
        argocd.join("kustomization.yaml"),
        "namespace: argocd\nresources: [repo-server.yaml]\ncomponents: [../imagescan-install]\n\
         images:\n  - name: imagescan\n    newName: registry.example.com/tools/imagescan\n    newTag: v9.9.9\n",
    )
    .unwrap();
    let out = Command::new(kube_tools::kubectl())
        .arg("kustomize")
        .arg(&argocd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl kustomize: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    load_all(std::str::from_utf8(&out.stdout).unwrap()).unwrap()
}

fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .find(|item| item["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

fn mount_of<'a>(container: &'a Value, volume: &str) -> &'a Value {
    named(&container["volumeMounts"], volume)
}

fn env_of(container: &Value, name: &str) -> String {
    named(&container["env"], name)["value"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn component_adds_the_sidecar_to_the_repo_server() {
    let objects = render_component();
    assert_eq!(objects.len(), 2, "{objects:#?}");
    let deployment = objects
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("the Deployment");
    let config_map = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap")
        .expect("the plugin ConfigMap");
    let pod = &deployment["spec"]["template"]["spec"];

    // The repo-server's own container and init container are untouched.
    let repo_server = named(&pod["containers"], "argocd-repo-server");
    assert_eq!(repo_server["volumeMounts"].as_array().unwrap().len(), 3);
    named(&pod["initContainers"], "copyutil");

    // The sidecar: the stock Argo CD image running the plugin server as uid 999.
    let sidecar = named(&pod["containers"], "imagescan");
    assert_eq!(sidecar["image"], repo_server["image"]);
    assert_eq!(
        sidecar["command"],
        json!(["/var/run/argocd/argocd-cmp-server"])
    );
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(sidecar["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        mount_of(sidecar, "var-files")["mountPath"],
        "/var/run/argocd"
    );
    assert_eq!(
        mount_of(sidecar, "plugins")["mountPath"],
        "/home/argocd/cmp-server/plugins"
    );

    // plugin.yaml from the generated ConfigMap (its hashed name is the volume's).
    let cm_name = config_map["metadata"]["name"].as_str().unwrap();
    assert!(cm_name.starts_with("imagescan-plugin-"), "{cm_name}");
    assert_eq!(config_map["metadata"]["namespace"], "argocd");
    let plugin_mount = mount_of(sidecar, "imagescan-plugin");
    assert_eq!(
        plugin_mount["mountPath"],
        "/home/argocd/cmp-server/config/plugin.yaml"
    );
    assert_eq!(plugin_mount["subPath"], "plugin.yaml");
    assert_eq!(
        named(&pod["volumes"], "imagescan-plugin")["configMap"]["name"],
        cm_name
    );
    let plugin_yaml = fs::read_to_string(plugin_dir().join("install/plugin.yaml")).unwrap();
    assert_eq!(config_map["data"]["plugin.yaml"], plugin_yaml);

    // Its own /tmp, not the repo-server's.
    let tmp = mount_of(sidecar, "imagescan-tmp");
    assert_eq!(tmp["mountPath"], "/tmp");
    assert_eq!(
        named(&pod["volumes"], "imagescan-tmp")["emptyDir"],
        json!({})
    );
    assert!(
        sidecar["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["name"] != "tmp"),
        "the repo-server's tmp volume is not shared"
    );

    // The cache: an emptyDir where IMAGESCAN_CACHE_DIR points.
    let cache = mount_of(sidecar, "imagescan-cache");
    assert_eq!(cache["mountPath"], env_of(sidecar, "IMAGESCAN_CACHE_DIR"));
    assert_eq!(
        named(&pod["volumes"], "imagescan-cache")["emptyDir"],
        json!({})
    );

    // Registry secrets below IMAGESCAN_SECRETS_DIR, one directory per secretRef name.
    let secrets_dir = env_of(sidecar, "IMAGESCAN_SECRETS_DIR");
    let secret_mount = mount_of(sidecar, "imagescan-registry");
    assert_eq!(
        secret_mount["mountPath"],
        format!("{secrets_dir}/imagescan-registry")
    );
    assert_eq!(secret_mount["readOnly"], true);
    let secret = &named(&pod["volumes"], "imagescan-registry")["secret"];
    assert_eq!(secret["secretName"], "imagescan-registry");
    assert_eq!(secret["optional"], true);

    // The init container copies our binary into a volume the sidecar finds in its PATH.
    let init = named(&pod["initContainers"], "imagescan-install");
    assert_eq!(init["image"], "registry.example.com/tools/imagescan:v9.9.9");
    let command: Vec<&str> = init["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(command[..2], ["/imagescan", "install-to"]);
    let bin_dir = command[2];
    assert_eq!(mount_of(init, "imagescan-bin")["mountPath"], bin_dir);
    assert_eq!(mount_of(sidecar, "imagescan-bin")["mountPath"], bin_dir);
    assert_eq!(mount_of(sidecar, "imagescan-bin")["readOnly"], true);
    assert_eq!(
        named(&pod["volumes"], "imagescan-bin")["emptyDir"],
        json!({})
    );
    let path = env_of(sidecar, "PATH");
    assert_eq!(path.split(':').next(), Some(bin_dir), "{path}");
    // The stock image's helm and kustomize (/usr/local/bin) stay reachable.
    assert!(path.split(':').any(|d| d == "/usr/local/bin"), "{path}");
    assert_eq!(init["securityContext"]["runAsUser"], 999);
}

/// The Helm values install what the Component installs: the same spec (as the chart's
/// argocd-cmp-cm entry), the same init container and sidecar (plugin.yaml mounted from
/// argocd-cmp-cm instead of the Component's ConfigMap), the same volumes.
#[test]
fn helm_values_install_the_same_plugin() {
    let values = load_one(&fs::read_to_string(plugin_dir().join("helm-values.yaml")).unwrap());
    let plugin = load_one(&fs::read_to_string(plugin_dir().join("install/plugin.yaml")).unwrap());
    assert_eq!(values["configs"]["cmp"]["create"], true);
    assert_eq!(
        values["configs"]["cmp"]["plugins"]["imagescan"],
        plugin["spec"]
    );
    assert_eq!(plugin["metadata"]["name"], "imagescan");

    let patch =
        load_one(&fs::read_to_string(plugin_dir().join("install/repo-server-patch.yaml")).unwrap());
    let pod = &patch["spec"]["template"]["spec"];
    let repo_server = &values["repoServer"];
    assert_eq!(repo_server["initContainers"], pod["initContainers"]);

    let mut sidecar = pod["containers"][0].clone();
    for mount in sidecar["volumeMounts"].as_array_mut().unwrap() {
        if mount["name"] == "imagescan-plugin" {
            mount["name"] = json!("argocd-cmp-cm");
            mount["subPath"] = json!("imagescan.yaml");
        }
    }
    assert_eq!(repo_server["extraContainers"], json!([sidecar]));

    let mut volumes: Vec<Value> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["name"] != "imagescan-plugin")
        .cloned()
        .collect();
    volumes.insert(
        0,
        json!({"name": "argocd-cmp-cm", "configMap": {"name": "argocd-cmp-cm"}}),
    );
    assert_eq!(repo_server["volumes"], json!(volumes));
}
