#!/usr/bin/env python3
"""Observability end to end, driven by scripts/cluster-e2e.sh after cluster_e2e.py.

Against ../shared/apisim serve: pods created while the webhook is not registered miss their
sidecars, pods created after it is registered get them, and `sidecarset-injector audit` finds
exactly the first ones (exit 1), then the injected ones as outdated once the SidecarSet's image
changes; an admission warning reaches kubectl's stderr as `Warning: ...`; the informer metrics
(last sync, relists, watch restarts) are scraped from --metrics-listen and follow a dropped
watch and a forced 410. Standard library only; every process is stopped by its PID.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster_e2e as base  # noqa: E402  (the stand-in, the injector, checks and figures)

check = base.check
SIDECARSETS = "/apis/apps.kruise.io/v1beta1/sidecarsets"


def sidecarset(image):
    return {"apiVersion": "apps.kruise.io/v1beta1", "kind": "SidecarSet",
            "metadata": {"name": "log-agent"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "containers": [{"name": "log-agent", "image": image,
                                     "resources": {"requests": {"cpu": "100m",
                                                                "memory": "32Mi"}}}]}}


def create_pod(api, name, app, container="app"):
    p = base.pod(name, {"app": app})
    p["spec"]["containers"][0]["name"] = container
    status, body = api.request("POST", "/api/v1/namespaces/shop/pods", p)
    if status != 201:
        raise RuntimeError("create pod %s: %d %s" % (name, status, body))
    return body


def run_audit(args, kubeconfig, *extra):
    r = subprocess.run([args.bin, "audit", "--kubeconfig", kubeconfig] + list(extra),
                       capture_output=True, text=True, timeout=60)
    return r


def missing_and_outdated(report):
    missing, outdated = set(), set()
    for s in report["sidecarsets"]:
        for ns in s["namespaces"]:
            missing |= {ns["name"] + "/" + p for p in ns["missingPods"]}
            outdated |= {ns["name"] + "/" + p for p in ns["outdatedPods"]}
    return missing, outdated


def metrics_port(log_path):
    deadline = time.time() + 10
    while time.time() < deadline:
        with open(log_path) as f:
            for line in f:
                if '"metrics listening"' in line:
                    return int(json.loads(line)["port"])
        time.sleep(0.05)
    raise RuntimeError("no 'metrics listening' line in " + log_path)


def informer_samples(port):
    text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10).read().decode()
    out = {}
    for name, resource, value in re.findall(
            r'^(sidecarset_injector_informer_\w+)\{resource="([^"]+)"\} (\S+)$', text, re.M):
        out.setdefault(name, {})[resource] = float(value)
    return out


def run(args, work, procs):
    env = base.Env(args, work, procs)
    root = os.getcwd()
    subprocess.run([os.path.join(root, "certs/make-certs.sh"), os.path.join(work, "certs"),
                    "--overlay", os.path.join(work, "deploy")], check=True,
                   stderr=subprocess.DEVNULL)
    port = base.free_port()
    kubeconfig, api, sim = env.start_apisim("sim", [], port)
    env.kubeconfig = kubeconfig
    status, body = api.request("POST", "/api/v1/namespaces", base.namespace("shop", {}))
    assert status == 201, (status, body)
    status, body = api.request("POST", SIDECARSETS, sidecarset("registry.example.com/log:1"))
    assert status == 201, (status, body)
    started = time.time()
    injector, server, _ = env.start_injector(kubeconfig, port, "injector")

    # --- pods created while no webhook is registered: they miss their sidecars
    early = ["shop/web-early-%d" % i for i in range(3)]
    for name in early:
        create_pod(api, name.split("/")[1], "web")
    create_pod(api, "db-0", "db")  # selected by nothing

    # --- register the webhooks of manifests/ (as cluster_e2e.py does), then more pods
    rendered = env.kubectl("kustomize", os.path.join(work, "deploy")).stdout
    docs = [d for d in re.split(r"(?m)^---\n", rendered)
            if re.search(r"(?m)^kind: (Mutating|Validating)WebhookConfiguration$", d)]
    with open(os.path.join(work, "webhooks.yaml"), "w") as f:
        f.write("---\n".join(docs))
    env.kubectl("apply", "--validate=false", "-f", os.path.join(work, "webhooks.yaml"))
    injected = lambda: "log-agent" in base.images(base.dry_run_pod(api, "shop", {"app": "web"}))
    check(base.wait_for(injected, 10), "audit e2e: the registered webhook injects new pods")
    late = ["shop/web-late-%d" % i for i in range(2)]
    for name in late:
        got = create_pod(api, name.split("/")[1], "web")
        assert "log-agent" in base.images(got), got

    # --- audit finds exactly the pods created while unregistered
    t0 = time.monotonic()
    r = run_audit(args, kubeconfig, "-o", "json", "--chunk-size", "2")
    audit_ms = (time.monotonic() - t0) * 1000
    report = json.loads(r.stdout) if r.stdout else {}
    missing, outdated = missing_and_outdated(report) if report else (set(), set())
    check(r.returncode == 1 and missing == set(early) and not outdated and
          report["totals"]["podsSelected"] == 5 and report["totals"]["missing"] == 3,
          "audit: exactly the %d pods created while the webhook was unregistered are missing "
          "their sidecar (exit 1)" % len(early),
          "exit %d, missing %s, outdated %s, stderr %s" % (r.returncode, sorted(missing),
                                                           sorted(outdated), r.stderr.strip()))
    check(report.get("totals", {}).get("requests") == {"cpu": "500m", "memory": "160Mi"},
          "audit: the sidecars of the 5 selected pods request cpu 500m, memory 160Mi",
          json.dumps(report.get("totals")))
    entries = base.injector_log(sim, 0, user_agent_prefix="")
    pages = [e for e in entries if e.get("resource") == "pods" and e.get("verb") == "list"]
    check(len(pages) == 3, "audit: 6 pods listed in pages of 2 (3 list requests)",
          "%d pod lists" % len(pages))
    base.figure("audit of 6 pods against the stand-in: %.0f ms (process start included)" % audit_ms)

    # --- an admission warning reaches kubectl
    with open(os.path.join(work, "warn.json"), "w") as f:
        p = base.pod("web-warn", {"app": "web"})
        p["spec"]["containers"].append({"name": "log-agent", "image": "mine:1"})
        json.dump(p, f)
    r = env.kubectl("create", "--validate=false", "-n", "shop", "-f",
                    os.path.join(work, "warn.json"), check_rc=False)
    want = ('Warning: sidecarset "log-agent": container "log-agent" replaces the pod\'s '
            'container of the same name')
    check(r.returncode == 0 and want in r.stderr,
          "kubectl create prints the webhook's admission warning", r.stderr.strip())

    # --- the SidecarSet's image changes: the injected pods are now outdated (image only)
    status, body = api.request("GET", SIDECARSETS + "/log-agent")
    updated = sidecarset("registry.example.com/log:2")
    updated["metadata"]["resourceVersion"] = body["metadata"]["resourceVersion"]
    status, body = api.request("PUT", SIDECARSETS + "/log-agent", updated)
    assert status == 200, (status, body)
    r = run_audit(args, kubeconfig, "-o", "json")
    report = json.loads(r.stdout) if r.stdout else {}
    missing, outdated = missing_and_outdated(report) if report else (set(), set())
    ss = report["sidecarsets"][0] if report else {}
    check(r.returncode == 1 and missing == set(early) and
          outdated == set(late) | {"shop/web-warn"} and ss.get("outdatedImageOnly") == 3,
          "audit: after an image change the injected pods are outdated (image only)",
          "missing %s, outdated %s, %s" % (sorted(missing), sorted(outdated), r.stderr.strip()))
    r = run_audit(args, kubeconfig)
    check(r.returncode == 1 and re.search(r"(?m)^log-agent +shop +6 +3 +3 \(3 image only\)", r.stdout),
          "audit: the text table counts them per SidecarSet and namespace", r.stdout)

    # --- informer metrics from --metrics-listen
    mport = metrics_port(os.path.join(work, "injector.log"))
    s = informer_samples(mport)
    sync = s.get("sidecarset_injector_informer_last_sync_timestamp_seconds", {})
    check(len(sync) == 3 and all(started - 5 <= v <= time.time() + 1 for v in sync.values()),
          "metrics: every informer's last sync is recent", json.dumps(s))
    restarts0 = sum(s.get("sidecarset_injector_informer_watch_restarts_total", {}).values())
    relists0 = sum(s.get("sidecarset_injector_informer_relists_total", {}).values())
    check(len(s.get("sidecarset_injector_informer_relists_total", {})) == 3 and relists0 == 0,
          "metrics: no relists before any fault", json.dumps(s))
    # Every watch is cut (restart), and the next one is answered 410 Gone (a relist).
    sim.request("POST", "/_sim/faults", {"expireNextWatch": 1})
    sim.request("POST", "/_sim/restart?seconds=1")

    def after_faults():
        now = informer_samples(mport)
        return (sum(now.get("sidecarset_injector_informer_watch_restarts_total", {}).values())
                >= restarts0 + 3 and
                sum(now.get("sidecarset_injector_informer_relists_total", {}).values()) >= 1)

    ok = base.wait_for(after_faults, 20)
    s = informer_samples(mport)
    check(ok, "metrics: watch restarts and a relist counted after dropped watches and a 410",
          json.dumps(s))
    sim.request("POST", "/_sim/faults", {"reset": True})
    procs.stop(injector)


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--apisim", required=True)
    ap.add_argument("--kubectl", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="audit-e2e.")
    procs = base.Procs()
    t0 = time.monotonic()
    try:
        run(args, work, procs)
    finally:
        procs.stop_all()
        subprocess.run(["rm", "-rf", work])
    res = base.results
    print("audit-e2e: %d passed, %d failed, %d skipped in %.0f s" %
          (res["passed"], res["failed"], res["skipped"], time.monotonic() - t0))
    return 0 if res["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
