"""Render deploy/k8s overlays in CI, where no kustomize binary can be installed.

No maintained kustomize installs from PyPI, Debian or npm for this project's Python (the PyPI
bindings need Python 3.14; Debian and npm carry none), so this renders the small subset of
kustomize that deploy/k8s uses, and refuses anything else, so a manifest change that needs more
fails loudly here instead of rendering wrong: `resources` (files and kustomization folders),
`namespace`, `labels` (metadata only), `images`, `replicas`, and `patches` holding RFC 6902 JSON
patches with a `target` (kind, name as a regex). Where kubectl is installed, tests/test_k8s.py
checks the output equals `kubectl kustomize`.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]

SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "replicas", "patches"}
# Kinds that live outside any namespace (the namespace transformer leaves them alone).
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass"}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}


class KustomizeError(ValueError):
    """The kustomization uses something this renderer does not implement, or a patch cannot apply."""


def build(folder: Path) -> list[Manifest]:
    """The manifests `kustomize build folder` would print, in the same order."""
    spec = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    unknown = set(spec) - SUPPORTED
    if unknown:
        raise KustomizeError(f"{folder}: unsupported kustomization fields {sorted(unknown)}")
    manifests: list[Manifest] = []
    for entry in spec.get("resources", []):
        path = (folder / entry).resolve()
        if path.is_dir():
            manifests.extend(build(path))
        else:
            manifests.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    for patch in spec.get("patches", []):
        _patch(manifests, patch, folder)
    if "namespace" in spec:
        for m in manifests:
            if m["kind"] not in CLUSTER_SCOPED:
                m.setdefault("metadata", {})["namespace"] = spec["namespace"]
    for group in spec.get("labels", []):
        if group.get("includeSelectors") or group.get("includeTemplates"):
            raise KustomizeError(f"{folder}: labels into selectors or templates are not implemented")
        for m in manifests:
            m.setdefault("metadata", {}).setdefault("labels", {}).update(group["pairs"])
    for image in spec.get("images", []):
        for m in manifests:
            _set_image(m, image)
    for replica in spec.get("replicas", []):
        for m in manifests:
            if m["kind"] == "Deployment" and m["metadata"]["name"] == replica["name"]:
                m["spec"]["replicas"] = replica["count"]
    return manifests


def _targets(manifests: list[Manifest], target: dict[str, str]) -> list[Manifest]:
    unknown = set(target) - {"kind", "name"}
    if unknown:
        raise KustomizeError(f"patch target fields {sorted(unknown)} are not implemented")
    return [
        m
        for m in manifests
        if ("kind" not in target or m["kind"] == target["kind"])
        and ("name" not in target or re.fullmatch(target["name"], m["metadata"]["name"]))
    ]


def _patch(manifests: list[Manifest], patch: dict[str, Any], folder: Path) -> None:
    if set(patch) != {"target", "patch"}:
        raise KustomizeError(f"{folder}: only inline JSON patches with a target are implemented: {patch}")
    operations = yaml.safe_load(patch["patch"])
    if not isinstance(operations, list):
        raise KustomizeError(f"{folder}: strategic-merge patches are not implemented; write a JSON patch")
    for m in _targets(manifests, patch["target"]):
        for op in operations:
            _apply(m, op)


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise KustomizeError(f"JSON patch path {path!r} must start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _apply(document: Manifest, op: dict[str, Any]) -> None:
    *parents, last = _pointer(op["path"])
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    kind = op["op"]
    if kind not in ("add", "replace", "remove"):
        raise KustomizeError(f"JSON patch op {kind!r} is not implemented")
    if isinstance(node, list):
        if kind == "add":
            node.insert(len(node) if last == "-" else int(last), copy.deepcopy(op["value"]))
        elif kind == "replace":
            node[int(last)] = copy.deepcopy(op["value"])
        else:
            del node[int(last)]
        return
    if kind in ("replace", "remove") and last not in node:
        raise KustomizeError(f"JSON patch {kind} of missing {op['path']} in {document['metadata']['name']}")
    if kind == "remove":
        del node[last]
    else:
        node[last] = copy.deepcopy(op["value"])


def _set_image(manifest: Manifest, image: dict[str, str]) -> None:
    if manifest["kind"] not in POD_TEMPLATE_KINDS:
        return
    pod = manifest["spec"]["template"]["spec"]
    for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
        name, _, tag = container["image"].partition(":")
        if name != image["name"]:
            continue
        container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}".rstrip(":")
