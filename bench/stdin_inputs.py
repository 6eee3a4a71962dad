#!/usr/bin/env python3
"""Generates the inputs of the stdin benchmarks (issue 11 item 5) under bench/out/:

- fn/resource-list.yaml: a KRM ResourceList as kpt writes it, 10,000 items (~20 MB:
  Deployments with env blocks, Services, ConfigMaps with data blocks), 5,000 comment
  markers over 50 scans, kpt's path/index annotations on every item, and a
  functionConfig (kind ImageScan) whose scans read OCI layouts (no network);
- post_render/helm.yaml: ~20 MB of `helm template` output (`---` and `# Source:` before
  every document), 5,000 markers over the same 50 scans; post_render/imagescan.yaml
  configures them;
- oci/: the layouts (scripts/oci_layout.py).

Deterministic (seeded). Usage: stdin_inputs.py [OUT]  (default bench/out).
"""

import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
sys.path.insert(0, HERE)
import oci_layout  # noqa: E402
from render_tree import HOST, TAGS, config_map, deployment, service  # noqa: E402

SCANS = 50
ITEMS = 10_000
MARKERS = 5_000
TARGET_BYTES = 25_400_000


def documents(rng, scans):
    """(template name, document text) × ITEMS: every other one a Deployment with a
    marker until MARKERS are placed, then Services and ConfigMaps filling the bytes."""
    per_item = TARGET_BYTES // ITEMS
    docs = []
    markers = 0
    for index in range(ITEMS):
        app = f"svc-{index:05d}"
        if index % 2 == 0:
            scan = scans[markers % SCANS] if markers < MARKERS else None
            markers += scan is not None
            image = f"{HOST}/bench/{scans[index % SCANS]}:1.0.0"
            docs.append((f"{app}-deployment.yaml", deployment(rng, app, image, scan)))
        elif index % 4 == 1:
            docs.append((f"{app}-service.yaml", service(app)))
        else:
            docs.append((f"{app}-config.yaml", config_map(rng, app, per_item * 2 - 600)))
    return docs


def config(scans, layout):
    text = "imageScans:\n"
    for scan in scans:
        text += f"- tagName: {scan}\n  image: {HOST}/bench/{scan}\n  policy:\n    semver: {{range: \">=1.0.0\"}}\n"
    return text + f"registries:\n- host: {HOST}\n  layout: {layout}\n"


def indent(text, prefix):
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(True))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "out")
    oci = os.path.abspath(os.path.join(out, "oci"))
    rng = random.Random(11)
    scans = [f"app-{i:02d}" for i in range(SCANS)]
    if os.path.exists(oci):
        shutil.rmtree(oci)
    for scan in scans:
        oci_layout.write_repository(os.path.join(oci, HOST), f"bench/{scan}",
                                    [(tag, "single") for tag in TAGS])
    docs = documents(rng, scans)

    os.makedirs(os.path.join(out, "fn"), exist_ok=True)
    with open(os.path.join(out, "fn", "resource-list.yaml"), "w") as f:
        f.write("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
        for index, (name, doc) in enumerate(docs):
            annotations = (
                "  annotations:\n"
                "    config.kubernetes.io/index: '0'\n"
                f"    internal.config.kubernetes.io/path: 'apps/{name}'\n"
                "    internal.config.kubernetes.io/index: '0'\n"
            )
            doc = doc.replace("\nmetadata:\n", "\nmetadata:\n" + annotations, 1)
            body = indent(doc, "  ")
            f.write("- " + body[2:])
        f.write("functionConfig:\n  apiVersion: imagescan.dev/v1alpha1\n  kind: ImageScan\n"
                "  metadata:\n    name: images\n  spec:\n")
        f.write(indent(config(scans, f"{oci}/{HOST}"), "    "))

    os.makedirs(os.path.join(out, "post_render"), exist_ok=True)
    with open(os.path.join(out, "post_render", "helm.yaml"), "w") as f:
        for name, doc in docs:
            f.write(f"---\n# Source: bench/templates/{name}\n{doc}")
    with open(os.path.join(out, "post_render", "imagescan.yaml"), "w") as f:
        f.write(config(scans, f"{oci}/{HOST}"))
    for path in ("fn/resource-list.yaml", "post_render/helm.yaml"):
        full = os.path.join(out, path)
        print(f"{full}: {os.path.getsize(full) / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
