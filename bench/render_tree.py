#!/usr/bin/env python3
"""Generates the render benchmark tree (issue 3 item 7) under bench/out/render/.

- tree/: 2,000 manifest files, ~40 MB, 1,000 markers over 50 scans (20 markers each),
  spread over nested directories; files mix Deployments, Services and ConfigMaps with
  large data blocks, multi-document files, a few Helm values files (no `kind`) and
  kustomization.yaml files (not rendered);
- tree/imagescan.yaml: the 50 scans (semver), registry host served by `layout: ../oci`;
- oci/: the OCI layouts of the 50 repositories (scripts/oci_layout.py), so the benchmark
  needs no registry and no network.

Deterministic (seeded); rerunning rewrites the same bytes. Usage: render_tree.py [OUT].
"""

import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import oci_layout  # noqa: E402

FILES = 2000
TARGET_BYTES = 40 * 1000 * 1000
SCANS = 50
MARKERS_PER_SCAN = 20
HOST = "registry.example.com"
TAGS = ["1.0.0", "1.1.0", "1.2.0", "1.2.1", "2.0.0-rc.1"]


def deployment(rng, name, image, scan):
    marker = f' # {{"$imagescan": "{scan}"}}' if scan else ""
    env = "".join(
        f"        - name: VAR_{i}\n          value: \"{rng.randrange(10**9)}\"\n" for i in range(rng.randrange(5, 30))
    )
    return (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        f"  name: {name}\n"
        "  labels:\n"
        f"    app.kubernetes.io/name: {name}\n"
        "spec:\n"
        "  replicas: 2\n"
        "  selector:\n"
        "    matchLabels:\n"
        f"      app.kubernetes.io/name: {name}\n"
        "  template:\n"
        "    metadata:\n"
        "      labels:\n"
        f"        app.kubernetes.io/name: {name}\n"
        "    spec:\n"
        "      containers:\n"
        f"      - name: {name}\n"
        f"        image: {image}{marker}\n"
        "        ports:\n"
        "        - containerPort: 8080\n"
        "        env:\n"
        f"{env}"
        "        resources:\n"
        "          limits: {cpu: 500m, memory: 256Mi}\n"
    )


def service(name):
    return (
        "apiVersion: v1\n"
        "kind: Service\n"
        "metadata:\n"
        f"  name: {name}\n"
        "spec:\n"
        f"  selector: {{app.kubernetes.io/name: {name}}}\n"
        "  ports:\n"
        "  - port: 80\n"
        "    targetPort: 8080\n"
    )


def config_map(rng, name, size):
    lines = []
    total = 0
    while total < size:
        line = "    " + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(rng.randrange(40, 110))) + "\n"
        lines.append(line)
        total += len(line)
    return (
        "# generated configuration\n"
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        f"  name: {name}\n"
        "data:\n"
        "  config.txt: |\n" + "".join(lines)
    )


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "out", "render")
    tree = os.path.join(out, "tree")
    oci = os.path.join(out, "oci")
    for path in (tree, oci):
        if os.path.exists(path):
            shutil.rmtree(path)
    os.makedirs(tree)
    rng = random.Random(42)

    scans = [f"app-{i:02d}" for i in range(SCANS)]
    for scan in scans:
        oci_layout.write_repository(os.path.join(oci, HOST), f"bench/{scan}",
                                    [(tag, "single") for tag in TAGS])
    with open(os.path.join(tree, "imagescan.yaml"), "w") as f:
        f.write("imageScans:\n")
        for scan in scans:
            f.write(f"- tagName: {scan}\n  image: {HOST}/bench/{scan}\n  policy:\n    semver: {{range: \">=1.0.0\"}}\n")
        f.write(f"registries:\n- host: {HOST}\n  layout: ../oci/{HOST}\n")

    # Which files carry a marker: 1,000 of the 2,000, 20 per scan.
    marked = rng.sample(range(FILES), SCANS * MARKERS_PER_SCAN)
    marker_scan = {index: scans[n % SCANS] for n, index in enumerate(marked)}
    per_file = TARGET_BYTES // FILES
    total = 0
    for index in range(FILES):
        team = f"team-{index % 20:02d}"
        app = f"svc-{index:04d}"
        directory = os.path.join(tree, team, f"app-{index % 7}")
        os.makedirs(directory, exist_ok=True)
        if index % 100 == 7:
            name, text = "values.yaml", f"image:\n  repository: {HOST}/bench/{scans[index % SCANS]}\n  tag: 1.0.0\n" + config_map(rng, app, per_file - 200).split("data:\n", 1)[1]
        elif index % 100 == 13:
            name, text = "kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deployment.yaml\n"
        else:
            scan = marker_scan.get(index)
            image = f"{HOST}/bench/{scan or scans[index % SCANS]}:1.0.0"
            docs = [deployment(rng, app, image, scan), service(app)]
            used = sum(len(d) for d in docs)
            docs.append(config_map(rng, app + "-config", max(per_file - used - 200, 100)))
            name, text = f"{app}.yaml", "---\n".join(docs)
        if index % 100 == 13 and marker_scan.get(index):
            # Keep 1,000 markers: a kustomization carries its marker on newTag.
            text += f"images:\n- name: {HOST}/bench/{marker_scan[index]}\n  newTag: 1.0.0 # {{\"$imagescan\": \"{marker_scan[index]}:tag\"}}\n"
        if index % 100 == 7 and marker_scan.get(index):
            text = text.replace("  tag: 1.0.0\n", f"  tag: 1.0.0 # {{\"$imagescan\": \"{marker_scan[index]}:tag\"}}\n", 1)
        path = os.path.join(directory, name if name.endswith(f"{app}.yaml") else f"{app}-{name}")
        with open(path, "w") as f:
            f.write(text)
        total += len(text)
    print(f"{FILES} files, {total / 1e6:.1f} MB, {len(marked)} markers over {SCANS} scans in {tree}", file=sys.stderr)


if __name__ == "__main__":
    main()
