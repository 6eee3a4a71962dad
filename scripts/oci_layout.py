#!/usr/bin/env python3
"""Builds small, real OCI image layouts (image-spec v1.1) with correct sha256 digests.

Run without arguments to regenerate testdata/oci/ (the layouts the tests and the demo use;
the output is committed, so neither needs this script nor a network). Importable: the
render benchmark (bench/render_tree.py) uses `write_repository` for its own layouts, and
scripts/build-image uses `write_binary_image` for imagescan's own image.

Every blob is tiny: a config, a manifest without layers, and for multi-arch tags an image
index. Output is deterministic (no clocks, sorted keys), so regenerating gives the same
bytes and the same digests.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"

# Platforms of a multi-arch tag: (os, architecture, variant).
MULTI_ARCH = [("linux", "amd64", None), ("linux", "arm64", "v8"), ("linux", "arm", "v7")]


def _dumps(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


class _Layout:
    def __init__(self, path):
        self.path = path
        self.blobs = os.path.join(path, "blobs", "sha256")
        os.makedirs(self.blobs, exist_ok=True)

    def blob(self, data, media_type, **extra):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.blobs, digest), "wb") as f:
            f.write(data)
        descriptor = {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}
        descriptor.update(extra)
        return descriptor

    def image(self, repository, tag, platform):
        os_name, arch, variant = platform
        config = {"architecture": arch, "os": os_name, "rootfs": {"type": "layers", "diff_ids": []},
                  "config": {"Labels": {"org.opencontainers.image.version": tag}}}
        if variant:
            config["variant"] = variant
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": self.blob(_dumps(config), OCI_CONFIG),
            "layers": [],
            # Distinct bytes per repository and tag, hence distinct digests.
            "annotations": {"org.opencontainers.image.version": tag,
                            "org.opencontainers.image.title": repository},
        }
        return self.blob(_dumps(manifest), OCI_MANIFEST)

    def multi_arch(self, repository, tag, platforms):
        manifests = []
        for platform in platforms:
            descriptor = self.image(repository, tag, platform)
            os_name, arch, variant = platform
            descriptor["platform"] = {"os": os_name, "architecture": arch}
            if variant:
                descriptor["platform"]["variant"] = variant
            manifests.append(descriptor)
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}
        return self.blob(_dumps(index), OCI_INDEX)


def write_repository(root, repository, tags):
    """Writes the layout of `repository` under `root`.

    `tags` is a list of (tag, kind) in index.json order; kind is "single" (one
    linux/amd64 manifest), "multi" (an index over MULTI_ARCH), or a list of platforms
    (an index over those). Tags with the same kind and the same `same_as` share blobs:
    give kind as ("alias", other_tag) to point a tag at another tag's descriptor.
    Returns {tag: descriptor}.
    """
    path = os.path.join(root, repository)
    if os.path.exists(path):
        shutil.rmtree(path)
    layout = _Layout(path)
    with open(os.path.join(path, "oci-layout"), "wb") as f:
        f.write(_dumps({"imageLayoutVersion": "1.0.0"}))
    descriptors = {}
    entries = []
    for tag, kind in tags:
        if isinstance(kind, tuple) and kind[0] == "alias":
            descriptor = dict(descriptors[kind[1]])
        elif kind == "single":
            descriptor = layout.image(repository, tag, ("linux", "amd64", None))
        elif kind == "multi":
            descriptor = layout.multi_arch(repository, tag, MULTI_ARCH)
        else:
            descriptor = layout.multi_arch(repository, tag, kind)
        descriptors[tag] = descriptor
        entry = dict(descriptor)
        entry["annotations"] = {REF_NAME: tag}
        entries.append(entry)
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    with open(os.path.join(path, "index.json"), "wb") as f:
        f.write(json.dumps(index, sort_keys=True, indent=2).encode() + b"\n")
    return descriptors


def write_binary_image(path, binary, name, entrypoint, cmd, tag, user, labels):
    """Writes an OCI image layout at `path` (replaced if present) holding one linux/amd64
    image with no base: one layer with `binary` at `/name` (mode 0755, owner 0:0, mtime
    0), the given entrypoint, cmd and user, tagged `tag`. Deterministic: the same binary
    gives the same digests. Returns the manifest descriptor.
    """
    if os.path.exists(path):
        shutil.rmtree(path)
    layout = _Layout(path)
    with open(os.path.join(path, "oci-layout"), "wb") as f:
        f.write(_dumps({"imageLayoutVersion": "1.0.0"}))
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = os.path.getsize(binary)
        info.mode = 0o755
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        with open(binary, "rb") as f:
            tar.addfile(info, f)
    tar_data = tar_bytes.getvalue()
    diff_id = "sha256:" + hashlib.sha256(tar_data).hexdigest()
    layer = layout.blob(gzip.compress(tar_data, compresslevel=6, mtime=0), OCI_LAYER_GZIP)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Entrypoint": entrypoint, "Cmd": cmd, "User": user, "Labels": labels,
                   "Env": ["PATH=/"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": layout.blob(_dumps(config), OCI_CONFIG),
        "layers": [layer],
        "annotations": labels,
    }
    descriptor = layout.blob(_dumps(manifest), OCI_MANIFEST)
    descriptor["platform"] = {"os": "linux", "architecture": "amd64"}
    entry = dict(descriptor)
    entry["annotations"] = {REF_NAME: tag}
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry]}
    with open(os.path.join(path, "index.json"), "wb") as f:
        f.write(json.dumps(index, sort_keys=True, indent=2).encode() + b"\n")
    return descriptor


# The imaginary host of the tests and the demo: testdata/oci/registry.example.com/.
TESTDATA = {
    "team/web": [
        ("1.0.0", "single"),
        ("1.4.2", [("linux", "amd64", None), ("linux", "arm64", None)]),
        ("1.5.0", "multi"),
        ("2.0.0-rc.1", "multi"),
        ("latest", ("alias", "1.5.0")),
        ("main-1700000000", "single"),
        ("main-1700086400", "single"),
    ],
    "team/api": [
        ("v0.9.0", "single"),
        ("v1.0.0", "single"),
        ("v1.1.0", "single"),
        ("v1.2.0", "multi"),
        ("v1.3.0-beta.1", "single"),
        ("latest", ("alias", "v1.2.0")),
    ],
    "team/worker": [
        ("main-1699990000", "single"),
        ("main-1700000000", "single"),
        ("main-1700086400", "multi"),
        ("release-2023", "single"),
    ],
    "team/migrate": [
        ("99", "single"),
        ("100", "single"),
        ("101", "single"),
        ("latest", ("alias", "101")),
    ],
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.join(here, "..", "testdata", "oci", "registry.example.com")
    for repository, tags in sorted(TESTDATA.items()):
        descriptors = write_repository(root, repository, tags)
        for tag, descriptor in descriptors.items():
            print(f"{repository}:{tag} {descriptor['digest']}", file=sys.stderr)


if __name__ == "__main__":
    main()
