"""deploy/k8s: each kustomization builds (kubectl's own kustomize), every core object validates against the
Kubernetes OpenAPI schemas (kubernetes-validate, offline, strict), the KEDA objects against the schema
vendored in ``schemas/``, and the objects fit together: what scales, what a budget or a policy selects,
which Secrets and settings the pods read, which commands they run."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from marketplace.cli import build_parser
from router.cli import build_parser as router_parser
from subgraphs.orders.settings import OrdersSettings
from tests.stages import ROOT

pytestmark = pytest.mark.delivery
K8S = ROOT / "deploy" / "k8s"
BUILDS = ("base", "overlays/dev", "overlays/prod")
KEDA_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "keda-v1alpha1.json").read_text())
SUBGRAPHS = {"users", "products", "orders"}
Doc = dict[str, Any]


def build(name: str) -> list[Doc]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (the machine's package; its kustomize builds the overlays) is not installed"
    output = subprocess.run(
        [kubectl, "kustomize", str(K8S / name)], capture_output=True, text=True, check=False, timeout=60
    )
    assert output.returncode == 0, output.stderr
    return [doc for doc in yaml.safe_load_all(output.stdout) if doc]


@pytest.fixture(scope="module")
def builds() -> dict[str, list[Doc]]:
    return {name: build(name) for name in BUILDS}


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def containers(doc: Doc) -> list[Doc]:
    return list(doc["spec"]["template"]["spec"]["containers"])


@pytest.mark.parametrize("name", BUILDS)
def test_every_object_validates_against_its_schema(builds: dict[str, list[Doc]], name: str) -> None:
    version = kubernetes_validate.latest_version()
    kinds = set()
    for doc in builds[name]:
        kinds.add(doc["kind"])
        if doc["apiVersion"].startswith("keda.sh/"):
            schema = {**KEDA_SCHEMA, "$ref": f"#/$defs/{doc['kind']}"}
            jsonschema.validate(doc, schema)
        else:
            kubernetes_validate.validate(doc, version, strict=True)
    expected = {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Job"}
    assert expected | {"ScaledObject", "TriggerAuthentication", "ConfigMap"} <= kinds


def test_the_validators_reject_a_broken_object(builds: dict[str, list[Doc]]) -> None:
    """The checks above can fail: a typo in a core kind and in a KEDA kind is caught."""
    deployment = of_kind(builds["base"], "Deployment")["router"]
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)
    scaled = json.loads(json.dumps(of_kind(builds["base"], "ScaledObject")["order-worker"]))
    scaled["spec"]["maxReplicas"] = 3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(scaled, {**KEDA_SCHEMA, "$ref": "#/$defs/ScaledObject"})


@pytest.mark.parametrize("name", BUILDS)
def test_routers_and_products_scale_on_cpu_and_workers_on_the_queue(builds: dict[str, list[Doc]], name: str) -> None:
    docs = builds[name]
    deployments = of_kind(docs, "Deployment")
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert set(hpas) >= {"router", "products"}
    for hpa in hpas.values():
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        cpu = [m for m in hpa["spec"]["metrics"] if m["type"] == "Resource" and m["resource"]["name"] == "cpu"]
        assert cpu, hpa["metadata"]["name"]
        target = deployments[hpa["spec"]["scaleTargetRef"]["name"]]
        assert all("cpu" in c["resources"]["requests"] for c in containers(target))  # utilization needs requests
    scaled = of_kind(docs, "ScaledObject")["order-worker"]
    assert scaled["spec"]["scaleTargetRef"]["name"] in deployments
    auths = of_kind(docs, "TriggerAuthentication")
    for trigger in scaled["spec"]["triggers"]:
        assert trigger["authenticationRef"]["name"] in auths


def test_prod_also_scales_on_requests_per_second(builds: dict[str, list[Doc]]) -> None:
    hpas = of_kind(builds["overlays/prod"], "HorizontalPodAutoscaler")
    rules = (ROOT / "deploy" / "prometheus" / "adapter-rules.yaml").read_text()
    for name in ("router", "products"):
        pods = [m["pods"]["metric"]["name"] for m in hpas[name]["spec"]["metrics"] if m["type"] == "Pods"]
        assert pods, name
        for metric in pods:  # served by prometheus-adapter under that name
            assert metric in rules, metric


def test_workers_scale_on_both_brokers_queue(builds: dict[str, list[Doc]]) -> None:
    settings = OrdersSettings()
    rabbit = of_kind(builds["overlays/prod"], "ScaledObject")["order-worker"]["spec"]["triggers"]
    assert [t["type"] for t in rabbit] == ["rabbitmq"]
    assert rabbit[0]["metadata"]["queueName"] == settings.queue_name
    assert rabbit[0]["metadata"]["mode"] in {"QueueLength", "MessageRate"}
    assert int(rabbit[0]["metadata"]["value"]) > 0
    redis = of_kind(builds["overlays/dev"], "ScaledObject")["order-worker"]["spec"]["triggers"]
    assert [t["type"] for t in redis] == ["redis"]
    # Dramatiq's Redis broker keeps a queue's ready messages in the list "<namespace>:<queue>"
    assert redis[0]["metadata"]["listName"] == f"{settings.broker_namespace}:{settings.queue_name}"
    assert int(redis[0]["metadata"]["listLength"]) > 0


@pytest.mark.parametrize("name", BUILDS)
def test_every_deployment_has_probes_resources_and_a_disruption_budget(builds: dict[str, list[Doc]], name: str) -> None:
    docs = builds[name]
    budgets = of_kind(docs, "PodDisruptionBudget").values()
    for deployment in of_kind(docs, "Deployment").values():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(covering) == 1, deployment["metadata"]["name"]
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            assert container["resources"]["requests"]["cpu"]
            assert container["resources"]["limits"]["memory"]
            assert "livenessProbe" in container
            if container.get("ports"):
                assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
                assert container["livenessProbe"]["httpGet"]["path"] == "/health"


@pytest.mark.parametrize("name", BUILDS)
def test_subgraphs_accept_traffic_only_from_routers_and_workers(builds: dict[str, list[Doc]], name: str) -> None:
    docs = builds[name]
    policies = list(of_kind(docs, "NetworkPolicy").values())
    assert any(p["spec"]["podSelector"] == {} and not p["spec"].get("ingress") for p in policies)  # default deny
    for deployment in of_kind(docs, "Deployment").values():
        app = deployment["metadata"]["name"]
        if app not in SUBGRAPHS:
            continue
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selecting = [p for p in policies if p["spec"]["podSelector"].get("matchLabels", {}).items() <= labels.items()]
        sources = [peer for p in selecting for rule in p["spec"].get("ingress", []) for peer in rule["from"]]
        pod_sources = {peer["podSelector"]["matchLabels"]["app"] for peer in sources if "podSelector" in peer}
        assert pod_sources == {"router", "order-worker"}, app
        namespaces = [peer["namespaceSelector"]["matchLabels"] for peer in sources if "namespaceSelector" in peer]
        assert namespaces == [{"kubernetes.io/metadata.name": "monitoring"}], app  # only the metrics scraper


def test_secrets_are_read_from_the_documented_secrets_and_dev_generates_them(builds: dict[str, list[Doc]]) -> None:
    sync = (K8S / "sync-secrets.sh").read_text()
    dev_secrets = {
        doc["metadata"]["name"]: set(doc["data"]) for doc in builds["overlays/dev"] if doc["kind"] == "Secret"
    }
    assert not [doc for doc in builds["overlays/prod"] if doc["kind"] == "Secret"]  # never in git for prod
    refs = set()
    for name in ("overlays/dev", "overlays/prod"):
        for doc in builds[name]:
            if doc["kind"] not in {"Deployment", "Job"}:
                continue
            for container in containers(doc):
                for env in container.get("env", []):
                    ref = env.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        refs.add((ref["name"], ref["key"]))
                        assert f"{ref['name']} {ref['key']}" in sync or ref["name"] in sync, ref
                        if name == "overlays/dev" and not ref.get("optional"):
                            assert ref["key"] in dev_secrets.get(ref["name"], set()), ref
    signing = [d for d in builds["overlays/prod"] if d["kind"] == "Deployment" and "signing" in json.dumps(d)]
    assert [d["metadata"]["name"] for d in signing] == ["users"]  # only users holds the signing keys
    assert ("marketplace-internal", "secret") in refs


def test_products_reads_from_the_read_replica_service(builds: dict[str, list[Doc]]) -> None:
    docs = builds["overlays/prod"]
    services = of_kind(docs, "Service")
    assert services["products-db-replica"]["spec"]["type"] == "ExternalName"
    products = containers(of_kind(docs, "Deployment")["products"])[0]
    names = {env["name"] for env in products["env"]}
    assert "MARKETPLACE_PRODUCTS_READ_DATABASE_URL" in names


def test_every_setting_the_pods_get_is_one_the_code_reads(builds: dict[str, list[Doc]]) -> None:
    code = "\n".join(
        path.read_text()
        for folder in ("servicekit", "subgraphs", "router", "marketplace", "db")
        for path in (ROOT / folder).rglob("*.py")
    )
    names = set()
    for doc in builds["overlays/prod"] + builds["overlays/dev"]:
        if doc["kind"] == "ConfigMap":
            names |= set(doc["data"])
        if doc["kind"] in {"Deployment", "Job"}:
            names |= {env["name"] for c in containers(doc) for env in c.get("env", [])}
    assert names
    unknown = sorted(name for name in names if f'"{name.removeprefix("MARKETPLACE_")}"' not in code)
    assert unknown == []


def test_pods_run_real_commands_of_images_the_pipeline_builds(builds: dict[str, list[Doc]]) -> None:
    kustomization = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    listed = {image["name"] for image in kustomization["images"]}
    assert listed == {f"marketplace-{service}" for service in ("users", "products", "orders", "router")}
    for doc in builds["overlays/prod"]:
        if doc["kind"] not in {"Deployment", "Job"}:
            continue
        for container in containers(doc):
            assert container["image"].split(":")[0] in listed
            command = container["command"]
            assert command[:2] == ["python", "-m"]
            if command[2] == "marketplace":
                build_parser().parse_args(command[3:])  # exits (SystemExit) on an unknown command
            else:
                assert command[2:4] == ["router", "serve"]
                router_parser().parse_args(command[3:])
                assert (ROOT / command[command.index("--config") + 1]).is_file()


def cores(quantity: str) -> float:
    return int(quantity.removesuffix("m")) / 1000 if quantity.endswith("m") else float(quantity)


@pytest.mark.parametrize("name", BUILDS)
def test_router_pods_run_as_many_workers_as_the_cpu_they_request(builds: dict[str, list[Doc]], name: str) -> None:
    """In production mode the router starts one worker per CPU of its affinity, which in a pod is the
    node's (a CPU request or limit does not narrow it): the pod must say how many, at most what it
    requests rounded up, or a large node starts dozens of workers past the memory limit."""
    router = containers(of_kind(builds[name], "Deployment")["router"])[0]
    arguments = router_parser().parse_args(router["command"][3:])
    assert arguments.workers is not None, "router serve without --workers: one worker per CPU of the node"
    assert 1 <= arguments.workers <= max(1, math.ceil(cores(router["resources"]["requests"]["cpu"])))


def test_the_migration_job_carries_the_label_the_deploy_job_selects(builds: dict[str, list[Doc]]) -> None:
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    job = of_kind(builds["overlays/prod"], "Job")["marketplace-migrate"]
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"
    assert "-l app.kubernetes.io/component=migrate" in workflow
    assert containers(job)[0]["command"][3] == "migrate"


def test_the_autoscaling_targets_are_the_ones_the_capacity_model_derives(builds: dict[str, list[Doc]]) -> None:
    """docs/scaling.md names the per-pod requests-per-second targets and the maxReplicas that cover its
    10k req/s row; the prod overlay and the base carry exactly those."""
    text = " ".join((ROOT / "docs" / "scaling.md").read_text().split())
    targets = re.search(r"target is (\d+) per pod .*?products' (\d+) subgraph requests per pod", text)
    assert targets, "docs/scaling.md names no per-pod targets"
    hpas = of_kind(builds["overlays/prod"], "HorizontalPodAutoscaler")
    for name, stated in zip(("router", "products"), targets.groups(), strict=True):
        pods = [m["pods"]["target"]["averageValue"] for m in hpas[name]["spec"]["metrics"] if m["type"] == "Pods"]
        assert pods == [stated], name
    limits = re.search(r"`maxReplicas` \(router (\d+), products (\d+), workers (\d+)\) cover the 10k row", text)
    assert limits, "docs/scaling.md names no maxReplicas"
    base = of_kind(builds["base"], "HorizontalPodAutoscaler")
    worker = of_kind(builds["base"], "ScaledObject")["order-worker"]["spec"]["maxReplicaCount"]
    actual = (base["router"]["spec"]["maxReplicas"], base["products"]["spec"]["maxReplicas"], worker)
    assert actual == tuple(int(value) for value in limits.groups())
    lines = (ROOT / "docs" / "scaling.md").read_text().splitlines()
    row = next(line for line in lines if line.startswith("| 10,000 |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    router, products, _users, _orders, workers = (int(cell.split()[0]) for cell in cells[1:6])
    assert actual[0] >= router
    assert actual[1] >= products
    assert actual[2] >= workers
