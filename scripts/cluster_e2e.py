#!/usr/bin/env python3
"""Cluster mode end to end, driven by scripts/cluster-e2e.sh (see there). Standard library only.

The stand-in API server is ../shared/apisim in `serve` mode; the injector runs with
`serve --kubeconfig` on loopback and is reached by apisim as the Service of manifests/. kubectl
applies the webhook configurations rendered from manifests/ (through certs/make-certs.sh
--overlay), the namespaces and the SidecarSets, and creates the pod; the measurements use the API
directly (dry-run pod creates through admission), so that kubectl's start-up time is not counted.
"""
import argparse
import http.client
import json
import os
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

TOKEN = "e2e-token"
SERVICE = "sidecarset-injector.sidecarset-system"
HASH = "kruise.io/sidecarset-hash"
HASH_NO_IMAGE = "kruise.io/sidecarset-hash-without-image"
INJECTED = "kruise.io/sidecarset-injected-list"

results = {"passed": 0, "failed": 0, "skipped": 0}
figures = []


def check(ok, what, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("PASS " if ok else "FAIL ") + what + ("" if ok or not detail else "\n    " + detail),
          flush=True)
    return ok


def skip(what, why):
    results["skipped"] += 1
    print("SKIP " + what + ": " + why, flush=True)


def figure(text):
    figures.append(text)
    print("FIGURE " + text, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Https:
    """One keep-alive HTTPS connection to a loopback server, reopened after an error."""

    def __init__(self, host, port, ca, token=None, server_name=None):
        self.host, self.port, self.token = host, port, token
        self.ctx = ssl.create_default_context(cafile=ca)
        self.server_name = server_name
        self.conn = None

    def _connect(self):
        if self.server_name:
            self.ctx.check_hostname = True
            conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=30)
            # SNI and verification against the service name, as kube-apiserver does.
            raw = socket.create_connection((self.host, self.port), timeout=30)
            conn.sock = self.ctx.wrap_socket(raw, server_hostname=self.server_name)
            return conn
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=30)

    def request(self, method, path, body=None, ctype="application/json"):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            headers["Content-Type"] = ctype
        # Retried for a few seconds: /_sim/restart refuses connections for a while.
        for attempt in range(60):
            try:
                if self.conn is None:
                    self.conn = self._connect()
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                text = r.read()
                try:
                    parsed = json.loads(text) if text else None
                except ValueError:
                    parsed = text.decode(errors="replace")
                return r.status, parsed
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt == 59:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")


class Procs:
    def __init__(self):
        self.procs = []

    def start(self, args, log):
        p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self):
        for p in reversed(self.procs):
            self.stop(p)


def rss_kib(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


class Env:
    def __init__(self, args, work, procs):
        self.args, self.work, self.procs = args, work, procs
        self.kubeconfig = os.path.join(work, "kubeconfig")

    def kubectl(self, *argv, stdin=None, check_rc=True):
        cmd = [self.args.kubectl, "--kubeconfig", self.kubeconfig,
               "--cache-dir", os.path.join(self.work, "kcache")] + list(argv)
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
        if check_rc and r.returncode != 0:
            raise RuntimeError("kubectl %s: %s" % (" ".join(argv), r.stderr.strip()))
        return r

    def start_apisim(self, name, extra, webhook_port):
        simdir = os.path.join(self.work, name)
        os.makedirs(simdir, exist_ok=True)
        kubeconfig = os.path.join(simdir, "kubeconfig")
        log = open(os.path.join(simdir, "apisim.log"), "w")
        self.procs.start([self.args.apisim, "serve", "--listen", "127.0.0.1:0", "--certs-dir",
                          os.path.join(simdir, "certs"), "--kubeconfig-out", kubeconfig,
                          "--token", TOKEN, "--service", "%s=127.0.0.1:%d" % (SERVICE, webhook_port),
                          "--namespaces", "default,kube-system,kube-public,kube-node-lease,"
                          "kruise-system", "-q"] + extra, log)
        deadline = time.time() + 60
        while not (os.path.exists(kubeconfig) and os.path.getsize(kubeconfig) > 0):
            if time.time() > deadline:
                raise RuntimeError("apisim did not write its kubeconfig")
            time.sleep(0.05)
        with open(kubeconfig) as f:
            port = int(re.search(r"server: https://127\.0\.0\.1:(\d+)", f.read()).group(1))
        ca = os.path.join(simdir, "certs", "ca.crt")
        return kubeconfig, Https("127.0.0.1", port, ca, TOKEN), Https("127.0.0.1", port, ca)

    def start_injector(self, kubeconfig, port, name):
        certs = os.path.join(self.work, "certs")
        log = open(os.path.join(self.work, name + ".log"), "w")
        started = time.monotonic()
        p = self.procs.start([self.args.bin, "serve", "--kubeconfig", kubeconfig, "--tls-cert",
                              os.path.join(certs, "tls.crt"), "--tls-key",
                              os.path.join(certs, "tls.key"), "--listen", "127.0.0.1:%d" % port,
                              "--metrics-listen", "127.0.0.1:0", "--log-format", "json"], log)
        server = Https("127.0.0.1", port, os.path.join(certs, "ca.crt"), server_name=SERVICE + ".svc")
        deadline = time.time() + 120
        while True:
            if p.poll() is not None:
                raise RuntimeError("injector exited: see " + log.name)
            try:
                status, _ = server.request("GET", "/readyz")
                if status == 200:
                    return p, server, time.monotonic() - started
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("injector not ready within 120 s")
            time.sleep(0.02)


def pod(name, labels):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "app", "image": "registry.example.com/shop/web:1"}]}}


def dry_run_pod(api, ns, labels):
    status, body = api.request("POST", "/api/v1/namespaces/%s/pods?dryRun=All" % ns,
                               pod("probe", labels))
    if status != 201 and status != 200:
        raise RuntimeError("dry-run pod create: %d %s" % (status, body))
    return body


def images(p):
    return {c["name"]: c["image"] for c in p["spec"]["containers"]}


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.003)
    return predicate()


def write(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def sidecarset_v1alpha1(name, image):
    # v1alpha1 as an OpenKruise user writes it: spec.namespace narrows it to one namespace.
    return {"apiVersion": "apps.kruise.io/v1alpha1", "kind": "SidecarSet",
            "metadata": {"name": name},
            "spec": {"namespace": "shop", "selector": {"matchLabels": {"app": "web"}},
                     "containers": [{"name": "log-agent", "image": image,
                                     "podInjectPolicy": "AfterAppContainer"}]}}


def sidecarset_v1beta1(name, image, container="proxy", label="mesh"):
    return {"apiVersion": "apps.kruise.io/v1beta1", "kind": "SidecarSet",
            "metadata": {"name": name},
            "spec": {"namespaceSelector": {"matchLabels": {label: "on"}},
                     "selector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]},
                     "containers": [{"name": container, "image": image}]}}


def namespace(name, labels):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def injector_log(api_sim, since, user_agent_prefix="sidecarset-injector"):
    status, entries = api_sim.request("GET", "/_sim/log?since=%d" % since)
    return [e for e in entries or [] if str(e.get("userAgent", "")).startswith(user_agent_prefix)]


def counts(entries):
    out = {}
    for e in entries:
        if e.get("verb") in ("list", "watch"):
            key = (e["verb"], e.get("resource"))
            out[key] = out.get(key, 0) + 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--apisim", required=True)
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--changes", type=int, default=20)
    ap.add_argument("--many", type=int, default=10000)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="cluster-e2e.")
    procs = Procs()
    try:
        run(args, work, procs)
    finally:
        procs.stop_all()
        subprocess.run(["rm", "-rf", work])
    print("cluster-e2e: figures")
    for f in figures:
        print("  " + f)
    print("cluster-e2e: %d passed, %d failed, %d skipped" %
          (results["passed"], results["failed"], results["skipped"]))
    return 0 if results["failed"] == 0 else 1


def run(args, work, procs):
    env = Env(args, work, procs)
    root = os.getcwd()
    subprocess.run([os.path.join(root, "certs/make-certs.sh"), os.path.join(work, "certs"),
                    "--overlay", os.path.join(work, "deploy")], check=True,
                   stderr=subprocess.DEVNULL)

    # --- one stand-in, one injector
    port = free_port()
    kubeconfig, api, sim = env.start_apisim("sim", [], port)
    env.kubeconfig = kubeconfig
    injector, server, ready_empty = env.start_injector(kubeconfig, port, "injector")
    rss_empty = rss_kib(injector.pid)
    figure("empty cluster: ready in %.0f ms, RSS %d KiB (peak %d KiB)" %
           (ready_empty * 1000, rss_empty["VmRSS"], rss_empty["VmHWM"]))

    # The SidecarSet admission endpoints, if this server has them.
    status, _ = server.request("POST", "/validate-apps-kruise-io-sidecarset", {})
    admission = status != 404

    # The webhook configurations of manifests/ with their caBundles, as `kubectl apply -k` of
    # the overlay would apply them (the stand-in serves none of the other kinds).
    rendered = env.kubectl("kustomize", os.path.join(work, "deploy")).stdout
    docs = [d for d in re.split(r"(?m)^---\n", rendered)
            if re.search(r"(?m)^kind: (Mutating|Validating)WebhookConfiguration$", d)]
    rendered_file = os.path.join(work, "webhooks.yaml")
    with open(rendered_file, "w") as f:
        f.write("---\n".join(docs))
    env.kubectl("apply", "--validate=false", "-l", "app.kubernetes.io/component=admission-webhook",
                "-f", rendered_file)
    if not admission:
        # Registered with failurePolicy: Fail, they would refuse every SidecarSet write.
        env.kubectl("delete", "mutatingwebhookconfiguration,validatingwebhookconfiguration",
                    "sidecarset-injector-sidecarsets")
    hooks = env.kubectl("get", "mutatingwebhookconfigurations,validatingwebhookconfigurations",
                        "-o", "json").stdout
    names = sorted(h["name"] for c in json.loads(hooks)["items"] for h in c["webhooks"])
    print("webhooks registered through kubectl: " + ", ".join(names))

    # --- namespaces and SidecarSets through kubectl, both versions
    env.kubectl("apply", "--validate=false", "-f",
                write(os.path.join(work, "ns.json"), {"apiVersion": "v1", "kind": "List", "items": [
                    namespace("shop", {"mesh": "on"}), namespace("batch", {}),
                    namespace("ns-a", {"mesh": "on"}), namespace("ns-b", {}),
                    namespace("ns-c", {"mesh": "on"})]}))
    env.kubectl("apply", "--validate=false", "-f", write(
        os.path.join(work, "log-agent.json"),
        sidecarset_v1alpha1("log-agent", "registry.example.com/log-agent:1")))
    env.kubectl("apply", "--validate=false", "-f", write(
        os.path.join(work, "mesh-proxy.json"),
        sidecarset_v1beta1("mesh-proxy", "registry.example.com/proxy:1")))
    both = lambda: set(images(dry_run_pod(api, "shop", {"app": "web"}))) == {
        "app", "proxy", "log-agent"}
    check(wait_for(both, 10), "a v1alpha1 and a v1beta1 SidecarSet applied with kubectl both inject")
    check(set(images(dry_run_pod(api, "batch", {"app": "web"}))) == {"app"},
          "v1alpha1 spec.namespace and v1beta1 namespaceSelector keep other namespaces out")

    # --- a pod created with kubectl, compared with the offline CLI on the stored objects
    env.kubectl("create", "--validate=false", "-n", "shop", "-f",
                write(os.path.join(work, "pod.json"), pod("web-1", {"app": "web"})))
    stored = json.loads(env.kubectl("get", "pod", "web-1", "-n", "shop", "-o", "json").stdout)
    check([c["name"] for c in stored["spec"]["containers"]] == ["proxy", "app", "log-agent"],
          "kubectl create: the stored pod has its sidecars in OpenKruise's order",
          str([c["name"] for c in stored["spec"]["containers"]]))
    offline_dir = os.path.join(work, "offline")
    os.makedirs(offline_dir)
    for kind in ("sidecarsets", "namespaces"):
        items = json.loads(env.kubectl("get", kind, "-o", "json").stdout)["items"]
        for i, item in enumerate(items):
            item.setdefault("kind", "SidecarSet" if kind == "sidecarsets" else "Namespace")
            item.setdefault("apiVersion", "v1")
            write(os.path.join(offline_dir, "%s-%d.yaml" % (kind, i)), item)
    pod_file = write(os.path.join(work, "pod-shop.json"),
                     dict(pod("web-1", {"app": "web"}), metadata={
                         "name": "web-1", "namespace": "shop", "labels": {"app": "web"}}))
    offline = json.loads(subprocess.run([args.bin, "inject", "--sidecarsets", offline_dir, "-f",
                                         pod_file, "-o", "json"], check=True,
                                        capture_output=True, text=True).stdout)

    def annotations(p):
        out = dict(p["metadata"].get("annotations") or {})
        for key in (HASH, HASH_NO_IMAGE):
            if key in out:
                value = json.loads(out[key])
                for entry in value.values():
                    entry.pop("updateTimestamp", None)  # the time of each review
                out[key] = value
        return out

    got, want = annotations(stored), annotations(offline)
    check(got == want and set(got) == {HASH, HASH_NO_IMAGE, INJECTED} and
          got[INJECTED] == "log-agent,mesh-proxy" and set(got[HASH]) == {"log-agent", "mesh-proxy"},
          "the stored pod carries OpenKruise's annotations, as the offline CLI computes them",
          "cluster %s\n    offline %s" % (json.dumps(got), json.dumps(want)))

    # --- SidecarSet admission through kubectl
    if admission:
        invalid = {"apiVersion": "apps.kruise.io/v1beta1", "kind": "SidecarSet",
                   "metadata": {"name": "invalid"},
                   "spec": {"selector": {"matchLabels": {"app": "x"}}}}
        r = env.kubectl("apply", "--validate=false", "-f",
                        write(os.path.join(work, "invalid.json"), invalid), check_rc=False)
        check(r.returncode != 0 and 'admission webhook "vsidecarset.sidecarset-injector.kruise.io"'
              ' denied the request' in r.stderr and
              "no initContainer or container defined for SidecarSet" in r.stderr,
              "kubectl apply of an invalid SidecarSet is refused with OpenKruise's message",
              r.stderr.strip())
        ss = json.loads(env.kubectl("get", "sidecarset", "log-agent", "-o", "json").stdout)
        meta = ss["metadata"].get("annotations") or {}
        check(meta.get(HASH) == got[HASH]["log-agent"]["hash"] and bool(meta.get(HASH_NO_IMAGE)),
              "a SidecarSet applied without hash annotations gets them (and the pod's hash is it)",
              json.dumps(meta))
    else:
        skip("SidecarSet admission through kubectl (refusal, hash annotations)",
             "this server does not answer /validate-apps-kruise-io-sidecarset yet")

    # --- the request log: one list per resource, then watches; nothing while idle
    entries = injector_log(sim, 0)
    c = counts(entries)
    lists = {r: c.get(("list", r), 0) for r in ("sidecarsets", "namespaces", "controllerrevisions")}
    check(lists == {"sidecarsets": 1, "namespaces": 1, "controllerrevisions": 1} and
          all(c.get(("watch", r), 0) >= 1 for r in lists),
          "request log: one list per resource, then watches", json.dumps({str(k): v for k, v in c.items()}))
    last = max((e["seq"] for e in entries), default=0)
    time.sleep(3)
    idle = [e for e in injector_log(sim, last + 1)]
    check(not idle, "request log: no request from the injector in 3 s idle (no polling)",
          json.dumps(idle[:5]))
    ua = entries[0].get("userAgent", "") if entries else ""
    check(re.match(r"^sidecarset-injector/\S+", ua) is not None,
          "requests carry a User-Agent with name and version", ua)

    # --- delay from a kubectl change to the next pod: SidecarSet image, namespace label
    delays = []
    mesh = True
    for i in range(args.changes):
        if i % 2 == 0:
            image = "registry.example.com/log-agent:%d" % (i + 2)
            write(os.path.join(work, "log-agent.json"), sidecarset_v1alpha1("log-agent", image))
            env.kubectl("apply", "--validate=false", "-f", os.path.join(work, "log-agent.json"))
            reflected = lambda: images(dry_run_pod(api, "shop", {"app": "web"})).get("log-agent") == image
        else:
            mesh = not mesh
            env.kubectl("label", "namespace", "shop", "--overwrite", "mesh=" + ("on" if mesh else "off"))
            want_proxy = mesh
            reflected = lambda: ("proxy" in images(dry_run_pod(api, "shop", {"app": "web"}))) == want_proxy
        t0 = time.monotonic()
        ok = wait_for(reflected, 10)
        delays.append((time.monotonic() - t0) * 1000)
        if not ok:
            check(False, "change %d reflected within 10 s" % i)
    check(len(delays) == args.changes, "%d kubectl changes each reflected in the next pod" % args.changes)
    delays.sort()
    figure("kubectl apply/label -> next pod reflects it, %d changes (half SidecarSet, half "
           "namespace label): median %.1f ms, worst %.1f ms" %
           (len(delays), statistics.median(delays), delays[-1]))

    # --- faults: watches dropped every 3 events, then a forced 410; no change may be missed
    # A watch reads the fault settings when it starts: close the open ones after setting them.
    sim.request("POST", "/_sim/faults", {"watchDropAfterEvents": 3})
    sim.request("POST", "/_sim/restart?seconds=1")

    def watching():
        status, text = server.request("GET", "/readyz?verbose")
        return status == 200 and text.count(", watching,") == 3

    wait_for(watching, 15)
    before = counts(injector_log(sim, 0))
    sets = ["fault-%d" % i for i in range(4)]
    final = {}
    for round_ in range(8):
        if round_ == 4:
            # The next watch to start (after the next drop) is answered 410 Gone.
            sim.request("POST", "/_sim/faults", {"expireNextWatch": 1})
        for j, name in enumerate(sets):
            image = "registry.example.com/fault-%d:%d" % (j, round_)
            obj = sidecarset_v1beta1(name, image, container="c%d" % j, label="fault")
            status, body = api.request("GET", "/apis/apps.kruise.io/v1beta1/sidecarsets/" + name)
            if status == 200:
                obj["metadata"]["resourceVersion"] = body["metadata"]["resourceVersion"]
                status, body = api.request("PUT", "/apis/apps.kruise.io/v1beta1/sidecarsets/" + name, obj)
            else:
                status, body = api.request("POST", "/apis/apps.kruise.io/v1beta1/sidecarsets", obj)
            assert status in (200, 201), (status, body)
            final[name] = image
        for k, ns in enumerate(("ns-a", "ns-b", "ns-c")):
            on = (round_ + k) % 2 == 0
            status, body = api.request("PATCH", "/api/v1/namespaces/" + ns,
                                       {"metadata": {"labels": {"fault": "on" if on else "off"}}},
                                       ctype="application/merge-patch+json")
            assert status == 200, (status, body)
        time.sleep(0.1)
    expected_ns = {ns: (7 + k) % 2 == 0 for k, ns in enumerate(("ns-a", "ns-b", "ns-c"))}

    def converged():
        for ns, on in expected_ns.items():
            got_images = images(dry_run_pod(api, ns, {"app": "x"}))
            for j, name in enumerate(sets):
                if got_images.get("c%d" % j) != (final[name] if on else None):
                    return False
        return True

    ok = wait_for(converged, 15)
    # Faults off only now: the expired watch must have happened under them.
    relisted = lambda: sum(counts(injector_log(sim, 0)).get(("list", r), 0) for r in lists) > 3
    wait_for(relisted, 10)
    sim.request("POST", "/_sim/faults", {"reset": True})
    ok = wait_for(converged, 15) and ok
    check(ok, "after dropped watches and a 410, the server's view equals the API's "
              "(%d SidecarSet writes, %d namespace label writes)" % (8 * len(sets), 8 * 3))
    status, text = server.request("GET", "/readyz?verbose")
    counts_api = {}
    for kind, path in (("sidecarsets", "/apis/apps.kruise.io/v1beta1/sidecarsets"),
                       ("namespaces", "/api/v1/namespaces")):
        counts_api[kind] = len(api.request("GET", path)[1]["items"])
    objects = dict(re.findall(r"informer (\S+)[^\n]*?objects (\d+)", text or ""))
    print("readyz?verbose:\n    " + (text or "").strip().replace("\n", "\n    "))
    check(all(int(v) == counts_api[k] for k in counts_api for name, v in objects.items()
              if name.startswith(k)) and len(objects) == 3,
          "readyz: each informer holds as many objects as the API lists", json.dumps(objects))
    after = counts(injector_log(sim, 0))
    relists = sum(after.get(("list", r), 0) - before.get(("list", r), 0) for r in lists)
    rewatches = sum(after.get(("watch", r), 0) - before.get(("watch", r), 0) for r in lists)
    check(relists == 1 and rewatches >= 10,
          "request log: one relist for the one 410, every dropped watch resumed by a watch",
          "relists %d, new watches %d" % (relists, rewatches))
    figure("faults: %d watches resumed, %d relist after the forced 410" % (rewatches, relists))
    procs.stop(injector)

    # --- 10,000 SidecarSets in the stand-in
    many = args.many
    preload = write(os.path.join(work, "many.json"), {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "apps.kruise.io/v1beta1", "kind": "SidecarSet",
         "metadata": {"name": "many-%05d" % i},
         "spec": {"selector": {"matchLabels": {"app": "many-%05d" % i}},
                  "containers": [{"name": "sidecar-%05d" % i,
                                  "image": "registry.example.com/agent:%d" % i}]}}
        for i in range(many)]})
    port2 = free_port()
    kubeconfig2, api2, sim2 = env.start_apisim("sim-many", [
        "--preload", preload, "--max-objects", str(many + 1000)], port2)
    injector2, server2, ready_many = env.start_injector(kubeconfig2, port2, "injector-many")
    rss_many = rss_kib(injector2.pid)
    status, text = server2.request("GET", "/readyz")
    check(status == 200 and ("sidecarsets=%d " % many) in text,
          "%d SidecarSets: ready with all of them" % many, str(text))
    env.kubeconfig = kubeconfig2
    env.kubectl("apply", "--validate=false", "-l", "app.kubernetes.io/component=admission-webhook",
                "-f", rendered_file)
    if not admission:
        env.kubectl("delete", "mutatingwebhookconfiguration,validatingwebhookconfiguration",
                    "sidecarset-injector-sidecarsets")
    got_images = images(dry_run_pod(api2, "default", {"app": "many-%05d" % (many - 1)}))
    check(got_images.get("sidecar-%05d" % (many - 1)) == "registry.example.com/agent:%d" % (many - 1),
          "%d SidecarSets: a pod gets the one that selects it" % many, json.dumps(got_images))
    log_lists = counts(injector_log(sim2, 0)).get(("list", "sidecarsets"), 0)
    status, entries = sim2.request("GET", "/_sim/log?since=0")
    pages = [e for e in entries if e.get("resource") == "sidecarsets" and e.get("verb") == "list"
             and str(e.get("userAgent", "")).startswith("sidecarset-injector")]
    figure("%d SidecarSets: ready in %.0f ms (%.1fx the empty cluster's %.0f ms), RSS %d KiB, "
           "peak %d KiB (%.1fx / %.1fx the empty cluster's), %d list pages" %
           (many, ready_many * 1000, ready_many / ready_empty, ready_empty * 1000,
            rss_many["VmRSS"], rss_many["VmHWM"], rss_many["VmRSS"] / rss_empty["VmRSS"],
            rss_many["VmHWM"] / rss_empty["VmHWM"], len(pages)))
    del log_lists


if __name__ == "__main__":
    sys.exit(main())
