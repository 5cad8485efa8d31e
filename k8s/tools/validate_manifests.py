#!/usr/bin/env python3
"""Offline checks of rendered manifests (`kubectl kustomize` output), run by k8s/validate.sh.

Usage: validate_manifests.py --repo DIR --k8s-version V [--k8s-version V ...] RENDERED.yaml...

Each RENDERED file is one overlay's output, named <overlay>.yaml; base.yaml (the base alone)
skips what only overlays provide (image tags, Secrets). Checks, all strict (any finding
fails):
  schema      built-in kinds against the Kubernetes OpenAPI schemas shipped by
              kubernetes-validate (strict: unknown fields are errors), for every --k8s-version;
              custom resources against the JSON schemas in k8s/schemas/ (CloudNativePG,
              Prometheus operator); a kind with neither is an error.
  probes      every gRPC probe is on port 50051 and names a real health service: one whose
              package and service are declared in proto/ (or the contract's list, with a
              warning, for a service whose proto has not landed yet), or "" (overall).
              A frontdesk service has a startup, a readiness (its own service name) and a
              liveness ("") probe.
  pods        runAsNonRoot, seccomp RuntimeDefault, read-only root filesystem, no privilege
              escalation, capabilities drop ALL, CPU/memory requests and a memory limit,
              images with a tag; for frontdesk services: maxUnavailable 0, a grace period
              longer than preStop + FRONTDESK_SHUTDOWN_GRACE, an autoscaling/v2 HPA, a
              policy/v1 PDB and a headless Service.
  references  every ConfigMap/Secret a pod uses is rendered, or written by CloudNativePG
              (<cluster>-app), or listed in k8s/overlays/<overlay>/external-secrets.txt.
  network     each service's NetworkPolicy admits on 50051 exactly the frontdesk services
              that name it in FRONTDESK_SUBSCRIBERS or FRONTDESK_PEERS (plus the gateway
              namespace) and Prometheus on 9464; those addresses point at rendered Services.
  monitoring  alert and dashboard expressions use only metrics frontdesk exports; every
              alert has a runbook section in k8s/README.md.
  dockerfile  multi-stage, final stage distroless or scratch, numeric non-root USER, builds
              `-p frontdesk --bin frontdesk` with --locked.
"""
import argparse
import glob
import json
import os
import re
import sys

import jsonschema
import kubernetes_validate
import yaml

SERVICES = ["intake", "routing", "messaging", "knowledge", "analytics"]
# The runtime contract's health names; proto/ is the authority once a service's proto exists.
CONTRACT_HEALTH = {s: f"frontdesk.{s}.v1.{s.capitalize()}Service" for s in SERVICES}
GRPC_PORT = 50051
METRICS_PORT = 9464
# Metrics the frontdesk binary exports (the runtime contract), plus Prometheus's own.
KNOWN_METRICS = {
    "frontdesk_grpc_requests_total",
    "frontdesk_grpc_request_duration_seconds",
    "frontdesk_grpc_request_duration_seconds_bucket",
    "frontdesk_grpc_request_duration_seconds_sum",
    "frontdesk_grpc_request_duration_seconds_count",
    "frontdesk_outbox_lag_events",
    "frontdesk_inbox_parked_events",
    "frontdesk_sla_deadlines_fired_total",
    "frontdesk_relay_delivery_errors_total",
    "up",
}
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "by", "without", "rate", "irate", "increase", "deriv",
    "histogram_quantile", "topk", "bottomk", "and", "or", "unless", "on", "ignoring",
    "group_left", "group_right", "label_values", "abs", "clamp_min", "clamp_max", "delta",
    "humanize", "humanizePercentage", "humanizeDuration", "bool", "offset", "absent",
}

errors = []
warnings = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def warn(where, msg):
    warnings.append(f"{where}: {msg}" if where else msg)


def name_of(doc):
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


# --- schema -------------------------------------------------------------------------------

def load_crd_schemas(repo):
    schemas = {}
    for path in glob.glob(os.path.join(repo, "k8s", "schemas", "*", "*.json")):
        with open(path) as f:
            schema = json.load(f)
        api = schema["properties"]["apiVersion"]["const"]
        kind = schema["properties"]["kind"]["const"]
        jsonschema.Draft202012Validator.check_schema(schema)
        schemas[(api, kind)] = jsonschema.Draft202012Validator(schema)
    return schemas


def check_schema(where, doc, versions, crds):
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key in crds:
        for e in sorted(crds[key].iter_errors(doc), key=lambda e: list(e.path)):
            path = ".".join(str(p) for p in e.path)
            err(where, f"{name_of(doc)}: {path}: {e.message[:300]}")
        return
    for v in versions:
        try:
            kubernetes_validate.validate(doc, v, strict=True)
        except kubernetes_validate.ValidationError as e:
            path = ".".join(str(p) for p in e.path)
            err(where, f"{name_of(doc)} (Kubernetes {v}): {path}: {e.message[:300]}")
        except kubernetes_validate.SchemaNotFoundError:
            err(where, f"{name_of(doc)}: no schema for {key[0]} {key[1]} in Kubernetes {v} "
                       "nor in k8s/schemas/")
            return


# --- health names from proto/ -------------------------------------------------------------

def proto_health_names(repo):
    names = set()
    for path in glob.glob(os.path.join(repo, "proto", "**", "*.proto"), recursive=True):
        text = open(path).read()
        pkg = re.search(r"^\s*package\s+([\w.]+)\s*;", text, re.M)
        if not pkg:
            continue
        for svc in re.findall(r"^\s*service\s+(\w+)\s*\{", text, re.M):
            names.add(f"{pkg.group(1)}.{svc}")
    return names


# --- pods ---------------------------------------------------------------------------------

def pod_template(doc):
    kind = doc.get("kind")
    spec = doc.get("spec", {})
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return spec.get("template", {})
    if kind == "CronJob":
        return spec.get("jobTemplate", {}).get("spec", {}).get("template", {})
    if kind == "Pod":
        return doc
    return None


def served_service(container):
    args = list(container.get("command", [])) + list(container.get("args", []))
    for i, a in enumerate(args[:-1]):
        if a == "serve" and args[i + 1] in SERVICES:
            return args[i + 1]
    return None


def check_pod(where, doc, health_ok, partial=False):
    tpl = pod_template(doc)
    if tpl is None:
        return
    pod = tpl.get("spec", {})
    psc = pod.get("securityContext", {})
    who = name_of(doc)
    if not psc.get("runAsNonRoot"):
        err(where, f"{who}: pod securityContext.runAsNonRoot is not true")
    pod_seccomp = psc.get("seccompProfile", {}).get("type")
    containers = [("container", c) for c in pod.get("containers", [])]
    containers += [("initContainer", c) for c in pod.get("initContainers", [])]
    for what, c in containers:
        cw = f"{who} {what} {c.get('name')}"
        sc = c.get("securityContext", {})
        if (sc.get("seccompProfile", {}).get("type") or pod_seccomp) != "RuntimeDefault":
            err(where, f"{cw}: seccompProfile is not RuntimeDefault")
        if sc.get("readOnlyRootFilesystem") is not True:
            err(where, f"{cw}: readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            err(where, f"{cw}: allowPrivilegeEscalation is not false")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            err(where, f"{cw}: capabilities do not drop ALL")
        if sc.get("capabilities", {}).get("add"):
            err(where, f"{cw}: adds capabilities")
        if sc.get("runAsUser") == 0 or sc.get("runAsNonRoot") is False:
            err(where, f"{cw}: runs as root")
        res = c.get("resources", {})
        for k in ("cpu", "memory"):
            if k not in res.get("requests", {}):
                err(where, f"{cw}: no {k} request")
        if "memory" not in res.get("limits", {}):
            err(where, f"{cw}: no memory limit")
        image = c.get("image", "")
        last = image.rsplit("/", 1)[-1]
        if not partial and "@" not in image and (":" not in last or last.endswith(":latest")):
            err(where, f"{cw}: image {image!r} has no tag or digest (or is :latest)")
        for probe_kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            grpc = c.get(probe_kind, {}).get("grpc")
            if grpc is None:
                continue
            if grpc.get("port") != GRPC_PORT:
                err(where, f"{cw}: {probe_kind} gRPC port {grpc.get('port')} is not {GRPC_PORT}")
            health_ok(where, cw, probe_kind, grpc.get("service", ""))
        svc = served_service(c) if what == "container" else None
        if svc:
            rp = c.get("readinessProbe", {}).get("grpc", {})
            want = CONTRACT_HEALTH[svc]
            if rp.get("service") != want:
                err(where, f"{cw}: readiness must check {want!r}, checks {rp.get('service')!r}")
            for pk in ("livenessProbe", "startupProbe"):
                p = c.get(pk, {}).get("grpc")
                if p is None:
                    err(where, f"{cw}: no gRPC {pk}")
                elif p.get("service", "") != "":
                    err(where, f"{cw}: {pk} should check overall health \"\", checks {p.get('service')!r}")


def env_value(container, key, configmaps):
    for e in container.get("env", []):
        if e.get("name") == key and "value" in e:
            return e["value"]
    # env wins over envFrom; among envFrom, the last source wins.
    found = None
    for ef in container.get("envFrom", []):
        ref = ef.get("configMapRef", {}).get("name")
        if ref in configmaps and key in configmaps[ref].get("data", {}):
            found = configmaps[ref]["data"][key]
    return found


def parse_addrs(value):
    out = {}
    for part in filter(None, (value or "").split(",")):
        name, _, url = part.partition("=")
        out[name.strip()] = url.strip()
    return out


def selects(selector, labels):
    for k, v in selector.get("matchLabels", {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions", []):
        val = labels.get(expr["key"])
        op = expr["operator"]
        if op == "In" and val not in expr.get("values", []):
            return False
        if op == "NotIn" and val in expr.get("values", []):
            return False
        if op == "Exists" and val is None:
            return False
        if op == "DoesNotExist" and val is not None:
            return False
    return True


def check_overlay(where, docs, repo, overlay_dir, partial=False):
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    configmaps = {d["metadata"]["name"]: d for d in by_kind.get("ConfigMap", [])}
    secrets = {d["metadata"]["name"] for d in by_kind.get("Secret", [])}
    secrets |= {f"{d['metadata']['name']}-app" for d in by_kind.get("Cluster", [])
                if d["apiVersion"].startswith("postgresql.cnpg.io/")}
    ext = os.path.join(overlay_dir, "external-secrets.txt") if overlay_dir else None
    if ext and os.path.exists(ext):
        secrets |= {l.strip() for l in open(ext) if l.strip() and not l.startswith("#")}
    services = {d["metadata"]["name"]: d for d in by_kind.get("Service", [])}
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}

    # references
    for d in docs:
        tpl = pod_template(d)
        if tpl is None:
            continue
        pod = tpl.get("spec", {})
        for v in pod.get("volumes", []):
            if "configMap" in v and v["configMap"]["name"] not in configmaps:
                err(where, f"{name_of(d)}: volume {v['name']}: ConfigMap {v['configMap']['name']} not rendered")
            if "secret" in v and not partial and v["secret"]["secretName"] not in secrets:
                err(where, f"{name_of(d)}: volume {v['name']}: Secret {v['secret']['secretName']} neither rendered, "
                           "made by CloudNativePG, nor listed in external-secrets.txt")
        for c in pod.get("containers", []) + pod.get("initContainers", []):
            for ef in c.get("envFrom", []):
                ref = ef.get("configMapRef", {}).get("name")
                if ref and ref not in configmaps:
                    err(where, f"{name_of(d)}: envFrom ConfigMap {ref} not rendered")
                ref = ef.get("secretRef", {}).get("name")
                if ref and not partial and ref not in secrets:
                    err(where, f"{name_of(d)}: envFrom Secret {ref} not known")
            for e in c.get("env", []):
                if "value" in e and e["name"].startswith("FRONTDESK_") and \
                        re.search(r"(SECRET|PASSWORD|DATABASE_URL)$", e["name"]):
                    err(where, f"{name_of(d)}: {e['name']} set in plain env; use the *_FILE variant")

    # frontdesk services: rollout, HPA, PDB, headless Service, NetworkPolicy vs callers
    callers = {s: set() for s in SERVICES}
    present = [s for s in SERVICES if s in deployments]
    for s in present:
        d = deployments[s]
        spec = d["spec"]
        pod = spec["template"]["spec"]
        main = pod["containers"][0]
        if served_service(main) != s:
            err(where, f"Deployment/{s}: first container does not run `serve {s}`")
        ru = spec.get("strategy", {}).get("rollingUpdate", {})
        if spec.get("strategy", {}).get("type", "RollingUpdate") != "RollingUpdate" or ru.get("maxUnavailable") != 0:
            err(where, f"Deployment/{s}: rolling update with maxUnavailable 0 required")
        grace = int(env_value(main, "FRONTDESK_SHUTDOWN_GRACE", configmaps) or 10)
        pre = main.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        tgp = pod.get("terminationGracePeriodSeconds", 30)
        if tgp <= grace + pre:
            err(where, f"Deployment/{s}: terminationGracePeriodSeconds {tgp} must exceed preStop {pre} + shutdown grace {grace}")
        metrics = env_value(main, "FRONTDESK_METRICS_ADDR", configmaps) or ""
        if not metrics.endswith(f":{METRICS_PORT}") or metrics.startswith("127."):
            err(where, f"Deployment/{s}: FRONTDESK_METRICS_ADDR {metrics!r} not reachable on :{METRICS_PORT}")
        labels = spec["template"]["metadata"].get("labels", {})
        hpas = [h for h in by_kind.get("HorizontalPodAutoscaler", [])
                if h["spec"]["scaleTargetRef"].get("kind") == "Deployment" and h["spec"]["scaleTargetRef"]["name"] == s]
        if len(hpas) != 1 or hpas[0]["apiVersion"] != "autoscaling/v2":
            err(where, f"Deployment/{s}: needs exactly one autoscaling/v2 HorizontalPodAutoscaler")
        elif spec.get("replicas") is not None:
            err(where, f"Deployment/{s}: sets replicas although an HPA owns the count")
        pdbs = [p for p in by_kind.get("PodDisruptionBudget", []) if selects(p["spec"]["selector"], labels)]
        if len(pdbs) != 1 or pdbs[0]["apiVersion"] != "policy/v1":
            err(where, f"Deployment/{s}: needs exactly one policy/v1 PodDisruptionBudget")
        svc = services.get(s)
        if not svc or svc["spec"].get("clusterIP") != "None" or not selects({"matchLabels": svc["spec"].get("selector", {})}, labels):
            err(where, f"Deployment/{s}: needs a headless Service named {s} selecting its pods")
        elif not any(p["port"] == GRPC_PORT for p in svc["spec"]["ports"]):
            err(where, f"Service/{s}: no port {GRPC_PORT}")
        for key in ("FRONTDESK_SUBSCRIBERS", "FRONTDESK_PEERS"):
            for target, url in parse_addrs(env_value(main, key, configmaps)).items():
                callers.setdefault(target, set()).add(s)
                m = re.fullmatch(r"http://([a-z0-9-]+)(?:\.[a-z0-9.-]+)?:(\d+)", url)
                if not m or m.group(1) != target or int(m.group(2)) != GRPC_PORT:
                    err(where, f"Deployment/{s}: {key} {target}={url}: expected http://{target}:{GRPC_PORT}")
                elif target not in services:
                    err(where, f"Deployment/{s}: {key} names {target}, which has no Service")
    for s in present:
        labels = deployments[s]["spec"]["template"]["metadata"].get("labels", {})
        pols = [p for p in by_kind.get("NetworkPolicy", []) if selects(p["spec"]["podSelector"], labels)]
        if not pols:
            err(where, f"Deployment/{s}: no NetworkPolicy selects its pods")
            continue
        admitted, gateway, scrape = set(), False, False
        for pol in pols:
            if "Ingress" not in pol["spec"].get("policyTypes", ["Ingress"]):
                continue
            for rule in pol["spec"].get("ingress", []):
                ports = {p.get("port") for p in rule.get("ports", [])}
                if not rule.get("from") or not ports:
                    err(where, f"{name_of(pol)}: an ingress rule without from or ports admits too much")
                    continue
                for peer in rule["from"]:
                    if "ipBlock" in peer:
                        err(where, f"{name_of(pol)}: ipBlock peers are not expected")
                    if "namespaceSelector" in peer:
                        ns_labels = peer["namespaceSelector"].get("matchLabels", {})
                        if GRPC_PORT in ports and ns_labels.get("frontdesk.io/gateway") == "true":
                            gateway = True
                        elif METRICS_PORT in ports and ports == {METRICS_PORT} and ns_labels.get("frontdesk.io/metrics-scraper") == "true":
                            scrape = True
                        else:
                            err(where, f"{name_of(pol)}: unexpected namespace peer {ns_labels} on {sorted(ports)}")
                    elif "podSelector" in peer:
                        if ports != {GRPC_PORT}:
                            err(where, f"{name_of(pol)}: pod peers only on {GRPC_PORT}")
                        hit = [c for c in SERVICES if selects(peer["podSelector"],
                                                              {"app.kubernetes.io/name": c, "app.kubernetes.io/part-of": "frontdesk"})]
                        if not hit:
                            err(where, f"{name_of(pol)}: pod peer {peer['podSelector']} is no frontdesk service")
                        admitted |= set(hit)
        want = callers.get(s, set())
        if admitted != want:
            err(where, f"NetworkPolicy for {s}: admits {sorted(admitted)}, callers are {sorted(want)}")
        if not gateway:
            err(where, f"NetworkPolicy for {s}: no gateway-namespace rule on {GRPC_PORT}")
        if not scrape:
            err(where, f"NetworkPolicy for {s}: no Prometheus rule on {METRICS_PORT}")
    missing = [s for s in SERVICES if s not in deployments]
    if missing:
        err(where, f"no Deployment for {missing}")

    # monitoring
    readme = open(os.path.join(repo, "k8s", "README.md")).read()
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
               for h in re.findall(r"^#+\s+(.*)$", readme, re.M)}
    recorded = set()
    for rule_doc in by_kind.get("PrometheusRule", []):
        for g in rule_doc["spec"]["groups"]:
            for r in g["rules"]:
                if "record" in r:
                    recorded.add(r["record"])
        for g in rule_doc["spec"]["groups"]:
            for r in g["rules"]:
                check_promql(where, f"{name_of(rule_doc)} {r.get('alert') or r.get('record')}", r["expr"], recorded)
                if "alert" in r:
                    if r.get("labels", {}).get("severity") not in ("warning", "critical"):
                        err(where, f"alert {r['alert']}: severity must be warning or critical")
                    url = r.get("annotations", {}).get("runbook_url", "")
                    anchor = url.partition("#")[2]
                    if not anchor or anchor not in anchors:
                        err(where, f"alert {r['alert']}: runbook_url {url!r} has no section in k8s/README.md")
    for cm in configmaps.values():
        for key, text in cm.get("data", {}).items():
            if key.endswith(".json") and cm["metadata"].get("labels", {}).get("grafana_dashboard"):
                check_dashboard(where, f"ConfigMap/{cm['metadata']['name']} {key}", text, recorded)


def check_promql(where, who, expr, extra=()):
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)          # strings
    text = re.sub(r"\{[^}]*\}", "{}", text)                  # label matchers
    text = re.sub(r"\[[^\]]*\]", "[]", text)                 # ranges
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1()", text)
    for ident in re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        if ident in PROMQL_WORDS or ident in extra:
            continue
        if ident not in KNOWN_METRICS:
            err(where, f"{who}: unknown metric {ident!r}")


def check_dashboard(where, who, text, recorded):
    try:
        dash = json.loads(text)
    except json.JSONDecodeError as e:
        err(where, f"{who}: not JSON: {e}")
        return
    for k in ("uid", "title", "panels", "schemaVersion"):
        if k not in dash:
            err(where, f"{who}: no {k}")
    ids = [p.get("id") for p in dash.get("panels", [])]
    if len(ids) != len(set(ids)):
        err(where, f"{who}: duplicate panel ids")
    for p in dash.get("panels", []):
        for t in p.get("targets", []):
            e = t.get("expr", "").replace("$namespace", "x").replace("$job", "x")
            check_promql(where, f"{who} panel {p.get('title')!r}", e, recorded)


def check_dockerfile(path):
    where = os.path.basename(path)
    text = open(path).read()
    lines = [l.strip() for l in re.sub(r"\\\n", " ", text).splitlines() if l.strip() and not l.strip().startswith("#")]
    froms = [l for l in lines if l.upper().startswith("FROM ")]
    if len(froms) < 2:
        err(where, "not multi-stage")
        return
    final = froms[-1].split()[1]
    if not (final == "scratch" or "distroless" in final):
        err(where, f"final stage {final} is neither distroless nor scratch")
    after = lines[lines.index(froms[-1]):]
    users = [l.split()[1] for l in after if l.upper().startswith("USER ")]
    if not users or not re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1]):
        err(where, "final stage needs a numeric non-root USER (uid:gid), so runAsNonRoot can verify it")
    build = " ".join(l for l in lines if "cargo build" in l)
    for needed in ("--locked", "-p frontdesk", "--bin frontdesk"):
        if needed not in build:
            err(where, f"cargo build lacks {needed}")
    if not any(l.upper().startswith("ENTRYPOINT") and "frontdesk" in l for l in after):
        err(where, "final stage has no ENTRYPOINT running frontdesk")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--k8s-version", action="append", required=True)
    ap.add_argument("--dockerfile")
    ap.add_argument("rendered", nargs="+")
    args = ap.parse_args()

    crds = load_crd_schemas(args.repo)
    proto_names = proto_health_names(args.repo)
    proto_pkgs = {n.rsplit(".", 1)[0] for n in proto_names}

    def health_ok(where, who, probe_kind, service):
        if service == "":
            return
        if service in proto_names:
            return
        pkg = service.rsplit(".", 1)[0]
        if service in CONTRACT_HEALTH.values() and pkg not in proto_pkgs:
            warn("", f"{who.split(' container')[0]}: {probe_kind} service {service!r}: its proto is not in proto/ yet (contract name)")
            return
        err(where, f"{who}: {probe_kind} names {service!r}, which no proto in proto/ declares")

    counts = {}
    for path in args.rendered:
        overlay = os.path.splitext(os.path.basename(path))[0]
        overlay_dir = os.path.join(args.repo, "k8s", "overlays", overlay)
        # The base alone is not deployable: overlays set the image tag and bring the Secrets.
        partial = overlay == "base"
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        counts[overlay] = len(docs)
        for d in docs:
            check_schema(overlay, d, args.k8s_version, crds)
            check_pod(overlay, d, health_ok, partial)
        check_overlay(overlay, docs, args.repo, overlay_dir if os.path.isdir(overlay_dir) else None, partial)
    if args.dockerfile:
        check_dockerfile(args.dockerfile)

    for w in sorted(set(warnings)):
        print(f"warning: {w}")
    for e in errors:
        print(f"error: {e}")
    summary = ", ".join(f"{o} {n} objects" for o, n in counts.items())
    print(f"manifests: {summary}; Kubernetes {', '.join(args.k8s_version)}; "
          f"{len(crds)} CRD schemas; {len(errors)} errors, {len(set(warnings))} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
