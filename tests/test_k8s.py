"""The Kubernetes deployment (deploy/k8s), checked without a cluster: every overlay renders, every
rendered manifest validates against the Kubernetes 1.33 schema (kubernetes-validate, strict, its
schemas ship in the wheel so this runs offline), and the rules a platform team reviews hold:
only the gateway is reachable from outside, each service reaches only its own database and Redis,
probes, security contexts, resources, disruption budgets, autoscalers, secrets by reference."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from .kustomize import Manifest, build

REPO = Path(__file__).resolve().parents[1]
K8S = REPO / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"
OVERLAYS = ("dev", "prod", "keda")
SERVICES = ("intake", "dispatch", "feedback", "gateway")
WORKER_SERVICES = ("intake", "dispatch", "feedback")
REQUIRED_SETTINGS = ("ENV", "DATABASE_URL", "REDIS_URL", "IDENTITY_SECRET", "LOG_JSON", "CLOCK_OFFSET_SECONDS")
# Consumer groups per worker and the streams they read (docs/architecture.md).
CONSUMER_GROUPS = {
    "intake": {("hotline:events:feedback", "intake")},
    "dispatch": {
        ("hotline:events:intake", "dispatch"),
        ("hotline:events:feedback", "dispatch"),
        ("hotline:events:feedback", "dispatch-supervision"),
    },
    "feedback": {("hotline:events:intake", "feedback"), ("hotline:events:dispatch", "feedback")},
}
CRD_KINDS = {"ScaledObject", "TriggerAuthentication"}


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def rendered(overlay: str) -> list[Manifest]:
    return build(K8S / "overlays" / overlay)


def by_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def pod_templates(manifests: list[Manifest]) -> dict[str, dict[str, Any]]:
    """Every workload's pod template (Deployments and Jobs), by workload name."""
    return {m["metadata"]["name"]: m["spec"]["template"] for m in manifests if m["kind"] in ("Deployment", "Job")}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels and In/NotIn/Exists/DoesNotExist)."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        value, op = labels.get(expr["key"]), expr["operator"]
        if op == "In" and value not in expr["values"]:
            return False
        if op == "NotIn" and value in expr["values"]:
            return False
        if op == "Exists" and expr["key"] not in labels:
            return False
        if op == "DoesNotExist" and expr["key"] in labels:
            return False
    return True


def env_names(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


# -- rendering and schema ----------------------------------------------------------------------


def test_every_overlay_renders_and_every_manifest_validates_against_the_kubernetes_schema(
    rendered: list[Manifest], overlay: str
) -> None:
    assert rendered
    names = [(m["kind"], m["metadata"]["name"]) for m in rendered]
    assert len(names) == len(set(names)), "two resources of one kind share a name"
    for m in rendered:
        if m["kind"] in CRD_KINDS:
            continue  # KEDA's own kinds: no Kubernetes schema; checked field by field below
        kubernetes_validate.validate(m, KUBERNETES_VERSION, strict=True)
    assert {m["metadata"].get("namespace") for m in rendered} == {"hotline-dev" if overlay == "dev" else "hotline"}


def test_the_validator_really_rejects_a_broken_manifest() -> None:
    deployment = build(K8S / "overlays" / "prod")
    api = next(m for m in deployment if m["kind"] == "Deployment")
    api["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["prot"] = 8000
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(api, KUBERNETES_VERSION, strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize) is not installed here")
def test_the_renderer_gives_what_kubectl_kustomize_gives(rendered: list[Manifest], overlay: str) -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, check=True
    ).stdout
    theirs = {(m["kind"], m["metadata"]["name"]): m for m in yaml.safe_load_all(out) if m}
    ours = {(m["kind"], m["metadata"]["name"]): m for m in rendered}
    assert ours == theirs


# -- what runs ------------------------------------------------------------------------------------


def test_each_service_has_an_api_a_worker_where_it_has_one_a_service_and_a_migration_job(
    rendered: list[Manifest],
) -> None:
    deployments, jobs, services = (by_kind(rendered, k) for k in ("Deployment", "Job", "Service"))
    assert set(deployments) == {f"{s}-api" for s in SERVICES} | {f"{s}-worker" for s in WORKER_SERVICES}
    assert set(jobs) == {f"{s}-migrate" for s in SERVICES}
    assert set(services) == set(SERVICES)
    for name, deployment in deployments.items():
        assert deployment["spec"]["template"]["spec"]["containers"][0]["args"] == [name.rsplit("-", 1)[1]]
    for svc in SERVICES:
        job = jobs[f"{svc}-migrate"]["spec"]
        assert job["template"]["spec"]["containers"][0]["args"] == ["migrate"]
        assert job["template"]["spec"]["restartPolicy"] == "Never"
        assert job["backoffLimit"] >= 1
        image = {c["image"] for c in jobs[f"{svc}-migrate"]["spec"]["template"]["spec"]["containers"]}
        assert image == {c["image"] for c in deployments[f"{svc}-api"]["spec"]["template"]["spec"]["containers"]}, (
            "the migration must come from the same image as the code it prepares for"
        )


def test_every_process_gets_the_settings_it_needs_and_secrets_only_by_reference(rendered: list[Manifest]) -> None:
    assert not by_kind(rendered, "Secret"), "secrets are created by operations, never shipped in manifests"
    for name, template in pod_templates(rendered).items():
        prefix = name.split("-")[0].upper() + "_"
        container = template["spec"]["containers"][0]
        env = env_names(container)
        for setting in REQUIRED_SETTINGS:
            assert prefix + setting in env, (name, setting)
        for secret in ("DATABASE_URL", "IDENTITY_SECRET"):
            assert "secretKeyRef" in env[prefix + secret].get("valueFrom", {}), (name, secret)
        assert env[prefix + "ENV"]["value"] == "prod"
        assert env[prefix + "CLOCK_OFFSET_SECONDS"]["value"] == "0"
    gateway = pod_templates(rendered)["gateway-api"]["spec"]
    env = env_names(gateway["containers"][0])
    upstreams = {env[f"GATEWAY_{s.upper()}_URL"]["value"] for s in WORKER_SERVICES}
    assert upstreams == {f"http://{s}" for s in WORKER_SERVICES}
    keys = next(v for v in gateway["volumes"] if v["name"] == "api-keys")
    assert keys["secret"]["secretName"] == "hotline-api-keys"


def test_the_apis_are_probed_on_healthz_and_readyz_and_the_workers_do_not_pretend(rendered: list[Manifest]) -> None:
    services = by_kind(rendered, "Service")
    for name, template in pod_templates(rendered).items():
        container = template["spec"]["containers"][0]
        if name.endswith("-api"):
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["port"] == "http"
            assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"http": 8000}
            service = services[name.removesuffix("-api")]["spec"]
            assert selects({"matchLabels": service["selector"]}, template["metadata"]["labels"])
            assert service["ports"][0]["targetPort"] == "http"
        else:
            # Workers and jobs serve no HTTP: a probe on a port nobody listens on would kill them.
            assert not {"livenessProbe", "readinessProbe", "startupProbe", "ports"} & set(container), name


def test_every_container_runs_non_root_on_a_read_only_filesystem_with_limits(rendered: list[Manifest]) -> None:
    for name, template in pod_templates(rendered).items():
        spec = template["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == 10001
        assert spec["automountServiceAccountToken"] is False
        tmp = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for container in spec["containers"]:
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, name
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
            # Python and the libraries need a writable /tmp; it is the only writable path.
            writable = [m for m in container["volumeMounts"] if m["name"] in tmp]
            assert [m["mountPath"] for m in writable] == ["/tmp"], name
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "USER 10001:10001" in dockerfile, "the image's user must be the uid the pods run as"


def test_every_deployment_has_a_disruption_budget_and_every_api_an_autoscaler(rendered: list[Manifest]) -> None:
    deployments = by_kind(rendered, "Deployment")
    budgets = list(by_kind(rendered, "PodDisruptionBudget").values())
    hpas = by_kind(rendered, "HorizontalPodAutoscaler")
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets if selects(b["spec"]["selector"], labels)]
        assert len(covering) == 1, name
        assert covering[0]["spec"].get("maxUnavailable") == 1, "one replica may go at a time, and a 1-replica dev too"
        strategy = deployment["spec"]["strategy"]["rollingUpdate"]
        assert strategy["maxUnavailable"] == 0, "a rollout never drops below the running count"
    assert set(hpas) == {n for n in deployments if n.endswith("-api")}
    for name, hpa in hpas.items():
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
        assert "replicas" not in deployments[name]["spec"], "the HPA owns the API's replica count"


def test_prod_runs_at_least_two_of_everything_and_dev_one(rendered: list[Manifest], overlay: str) -> None:
    hpas = by_kind(rendered, "HorizontalPodAutoscaler")
    workers = {n: d for n, d in by_kind(rendered, "Deployment").items() if n.endswith("-worker")}
    if overlay == "dev":
        assert {h["spec"]["minReplicas"] for h in hpas.values()} == {1}
        assert {w["spec"]["replicas"] for w in workers.values()} == {1}
    else:
        assert {h["spec"]["minReplicas"] for h in hpas.values()} == {3}
        for name, worker in workers.items():
            # prod: 2 fixed; keda: the ScaledObject owns the count (at least 2).
            assert worker["spec"].get("replicas", 2) == 2, name
        ingress = next(iter(by_kind(rendered, "Ingress").values()))
        assert ingress["spec"]["tls"][0]["secretName"] == "hotline-tls"
        for template in pod_templates(rendered).values():
            image = template["spec"]["containers"][0]["image"]
            assert image.rsplit(":", 1)[1] not in ("latest", "dev"), "production pins its image versions"


# -- who may talk to whom ------------------------------------------------------------------------


def _peers(rules: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [{**peer, "ports": rule.get("ports", [])} for rule in rules for peer in rule.get(key, [])]


def allowed(rendered: list[Manifest], labels: dict[str, str], direction: str) -> list[dict[str, Any]]:
    """The peers the NetworkPolicies let a pod with `labels` talk to (Egress) or hear from (Ingress)."""
    policies = [
        p["spec"]
        for p in rendered
        if p["kind"] == "NetworkPolicy"
        and direction in p["spec"]["policyTypes"]
        and selects(p["spec"]["podSelector"], labels)
    ]
    key = "to" if direction == "Egress" else "from"
    return [peer for policy in policies for peer in _peers(policy.get(direction.lower(), []), key)]


def test_everything_is_denied_unless_a_policy_opens_it(rendered: list[Manifest]) -> None:
    policies = by_kind(rendered, "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny
    assert "egress" not in deny


def test_only_the_gateway_is_reachable_from_outside_and_only_through_the_ingress(rendered: list[Manifest]) -> None:
    ingresses = by_kind(rendered, "Ingress")
    assert list(ingresses) == ["gateway"]
    rules = ingresses["gateway"]["spec"]["rules"]
    backends = {p["backend"]["service"]["name"] for r in rules for p in r["http"]["paths"]}
    assert backends == {"gateway"}
    assert {s["spec"]["type"] for s in by_kind(rendered, "Service").values()} == {"ClusterIP"}
    for name, template in pod_templates(rendered).items():
        peers = allowed(rendered, template["metadata"]["labels"], "Ingress")
        outside = [p for p in peers if "namespaceSelector" in p or "ipBlock" in p]
        if name == "gateway-api":
            assert outside
            assert all(p["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "ingress-nginx"}
                       for p in outside)  # fmt: skip
        else:
            assert outside == [], f"{name} must not be reachable from outside the namespace"
        if name.endswith("-api") and name != "gateway-api":
            gateway_labels = pod_templates(rendered)["gateway-api"]["metadata"]["labels"]
            assert peers
            assert all(selects(p["podSelector"], gateway_labels) for p in peers), f"only the gateway calls {name}"
        if not name.endswith("-api"):
            assert peers == [], f"{name} accepts no connections"


def test_each_process_reaches_only_its_own_database_redis_and_dns(rendered: list[Manifest]) -> None:
    databases = {svc: {"hotline.gov.cn/database-of": svc} for svc in SERVICES}
    valkey = {"app.kubernetes.io/name": "valkey"}
    data_ns = {"kubernetes.io/metadata.name": "hotline-data"}
    for name, template in pod_templates(rendered).items():
        own = name.split("-")[0]
        peers = allowed(rendered, template["metadata"]["labels"], "Egress")
        for svc, db_labels in databases.items():
            reachable = any(
                selects(p.get("podSelector", {}), db_labels) and selects(p.get("namespaceSelector", {}), data_ns)
                for p in peers
                if "podSelector" in p
            )
            assert reachable == (svc == own), f"{name} {'must' if svc == own else 'must not'} reach {svc}'s database"
        assert any(selects(p.get("podSelector", {}), valkey) for p in peers), f"{name} must reach Redis"
        assert not any("ipBlock" in p for p in peers), f"{name} has an open ipBlock egress"
        api_peers = [p for p in peers if "namespaceSelector" not in p]
        calls_apis = any(selects(p["podSelector"], {"app.kubernetes.io/component": "api", "app.kubernetes.io/name": s})
                         for p in api_peers for s in WORKER_SERVICES)  # fmt: skip
        assert calls_apis == (name == "gateway-api"), f"only the gateway calls the services' APIs, not {name}"


# -- the optional KEDA overlay -----------------------------------------------------------------------


def test_keda_scales_every_worker_on_the_lag_of_every_consumer_group_it_runs() -> None:
    rendered = build(K8S / "overlays" / "keda")
    scaled = by_kind(rendered, "ScaledObject")
    assert set(scaled) == {f"{s}-worker" for s in WORKER_SERVICES}
    auth = by_kind(rendered, "TriggerAuthentication")
    deployments = by_kind(rendered, "Deployment")
    for svc, groups in CONSUMER_GROUPS.items():
        spec = scaled[f"{svc}-worker"]["spec"]
        assert spec["scaleTargetRef"]["name"] in deployments
        assert spec["minReplicaCount"] >= 2
        assert spec["maxReplicaCount"] > spec["minReplicaCount"]
        triggers = spec["triggers"]
        assert {t["type"] for t in triggers} == {"redis-streams"}
        assert {(t["metadata"]["stream"], t["metadata"]["consumerGroup"]) for t in triggers} == groups
        for t in triggers:
            assert int(t["metadata"]["lagCount"]) > 0
            assert t["authenticationRef"]["name"] in auth
        assert "replicas" not in deployments[f"{svc}-worker"]["spec"]
