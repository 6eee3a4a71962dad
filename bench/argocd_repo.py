#!/usr/bin/env python3
"""Generates the Argo CD plugin benchmark's repository (issue 10 item 7).

Usage: argocd_repo.py OUT HOST [APPS]

OUT/repo/ is a GitOps repository:
- imagescan.yaml: 3 semver scans of images on HOST (an insecure local registry);
- base/: a Deployment (3 marked containers), a Service, a ConfigMap, a kustomization;
- apps/app-NNN/ (APPS of them, default 200): each a kustomize overlay over ../../base
  with its own namePrefix, namespace, labels, a replica patch and an `images:` entry
  whose newTag is marked (`web:tag`).
OUT/apps.txt lists the app paths. Deterministic: rerunning writes the same bytes.
"""

import os
import shutil
import sys

SCANS = [("web", "team/web", ">=1.0.0"), ("api", "team/api", "^1.0.0"),
         ("worker", "team/worker", None)]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    out, host = sys.argv[1], sys.argv[2]
    apps = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    repo = os.path.join(out, "repo")
    if os.path.exists(repo):
        shutil.rmtree(repo)
    scans = "imageScans:\n"
    for name, image, rng in SCANS:
        scans += f"- tagName: {name}\n  image: {host}/{image}\n"
        if rng:
            scans += f"  policy:\n    semver: {{range: '{rng}'}}\n"
        else:
            scans += ("  filterTags:\n    pattern: '^main-(?P<ts>[0-9]+)$'\n    extract: '$ts'\n"
                      "  policy:\n    numerical: {order: asc}\n")
    scans += f"registries:\n- host: {host}\n  insecure: true\n"
    write(os.path.join(repo, "imagescan.yaml"), scans)

    write(os.path.join(repo, "base", "kustomization.yaml"),
          "resources:\n- deployment.yaml\n- service.yaml\n- configmap.yaml\n")
    write(os.path.join(repo, "base", "deployment.yaml"), f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  labels:
    app.kubernetes.io/name: app
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: app
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app
    spec:
      initContainers:
      - name: migrate
        image: {host}/team/worker:main-1700000000 # {{"$imagescan": "worker"}}
      containers:
      - name: web
        image: {host}/team/web:1.0.0 # {{"$imagescan": "web"}}
        ports:
        - containerPort: 8080
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
      - name: api
        image: "{host}/team/api:v0.9.0" # {{"$imagescan": "api:digest"}}
        env:
        - name: MODE
          value: production
""")
    write(os.path.join(repo, "base", "service.yaml"), """apiVersion: v1
kind: Service
metadata:
  name: app
spec:
  selector:
    app.kubernetes.io/name: app
  ports:
  - port: 80
    targetPort: 8080
""")
    write(os.path.join(repo, "base", "configmap.yaml"), "apiVersion: v1\nkind: ConfigMap\n"
          "metadata:\n  name: app-settings\ndata:\n" +
          "".join(f"  key{i}: value-{i}\n" for i in range(40)))
    paths = []
    for i in range(apps):
        name = f"app-{i:03d}"
        path = os.path.join("apps", name)
        paths.append(path)
        write(os.path.join(repo, path, "kustomization.yaml"), f"""resources:
- ../../base
namePrefix: {name}-
namespace: {name}
labels:
- pairs:
    team: team-{i % 10}
  includeSelectors: false
patches:
- path: replicas.yaml
images:
- name: {host}/team/web
  newTag: 1.0.0 # {{"$imagescan": "web:tag"}}
""")
        write(os.path.join(repo, path, "replicas.yaml"), f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: {1 + i % 5}
""")
    with open(os.path.join(out, "apps.txt"), "w") as f:
        f.write("\n".join(paths) + "\n")


if __name__ == "__main__":
    main()
