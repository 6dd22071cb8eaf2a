#!/usr/bin/env python3
"""Peak memory of the server under many concurrent large reviews: --connections loopback TLS
connections each post one AdmissionReview of --body-mib MiB (a pod padded with one annotation)
at the same moment; the server's peak RSS (VmHWM of /proc/PID/status) is read before the load
and after it. A 429 answer is retried after its Retry-After seconds, up to --retries times, as
client-go's REST client (kube-apiserver's webhook client) does.

Prints one RESULT line: connections, body size, the server's --max-buffered-bytes (0 = no cap),
answers by status on the first attempt, reviews answered in the end, failures (connection errors,
or still 429 after the retries), VmHWM before and after in MiB, seconds.

Loopback only, bounded by --timeout; starts the server itself and stops only that PID (SIGTERM,
then SIGKILL). Needs the `openssl` CLI.
"""
import argparse
import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time

from edge_load import ROOT, free_port, make_certs


def vm_hwm_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return None


def padded_review(path, size):
    with open(path) as f:
        review = json.load(f)
    annotations = review["request"]["object"]["metadata"].setdefault("annotations", {})
    annotations["bench.example.com/pad"] = ""
    base = len(json.dumps(review, separators=(",", ":")).encode())
    annotations["bench.example.com/pad"] = "x" * (size - base)
    body = json.dumps(review, separators=(",", ":")).encode()
    assert len(body) == size, (len(body), size)
    return body


def client(args, ctx, port, body, start, results, lock, deadline):
    first = None
    outcome = "failed"
    for _ in range(args.retries + 1):
        if time.monotonic() > deadline:
            break
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx,
                                           timeout=max(1.0, deadline - time.monotonic()))
        try:
            try:
                conn.connect()
            finally:
                if first is None:  # every client connected: post all bodies at once
                    try:
                        start.wait(timeout=30)
                    except threading.BrokenBarrierError:
                        pass
            conn.request("POST", "/mutate-pod?timeout=10s", body,
                         {"Content-Type": "application/json"})
            res = conn.getresponse()
            res.read()
            status = res.status
            retry_after = res.getheader("Retry-After")
        except (OSError, ssl.SSLError, http.client.HTTPException) as e:
            status, retry_after = type(e).__name__, None
        finally:
            conn.close()
        if first is None:
            first = status
        if status == 200:
            outcome = "answered"
            break
        if status != 429 or retry_after is None:
            break
        time.sleep(int(retry_after))
    with lock:
        results.append((first, outcome))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default=os.path.join(ROOT, "build/release/sidecarset-injector"))
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--body-mib", type=int, default=8)
    p.add_argument("--max-buffered-bytes", default=None,
                   help="passed to serve; 0 = no cap; unset = the server's default")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--retries", type=int, default=10)
    p.add_argument("--timeout", type=float, default=120.0)
    args = p.parse_args()

    body = padded_review(os.path.join(ROOT, "bench/review.json"), args.body_mib << 20)
    tmp = tempfile.mkdtemp(prefix="memory-load.")
    make_certs(tmp)
    port = free_port()
    cmd = [args.bin, "serve", "--sidecarsets", os.path.join(ROOT, "examples/sidecarsets"),
           "--tls-cert", os.path.join(tmp, "first.crt"), "--tls-key",
           os.path.join(tmp, "first.key"), "--listen", "127.0.0.1:%d" % port,
           "--threads", str(args.threads), "--log-level", "error"]
    if args.max_buffered_bytes is not None:
        cmd += ["--max-buffered-bytes", args.max_buffered_bytes]
    log = open(os.path.join(tmp, "server.log"), "w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    ctx = ssl.create_default_context(cafile=os.path.join(tmp, "ca.crt"))
    deadline = time.monotonic() + 10
    while True:
        try:
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=1)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                conn.close()
                break
        except (OSError, ssl.SSLError, http.client.HTTPException):
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            sys.exit("memory_load: server did not start; see " + log.name)
        time.sleep(0.05)

    before = vm_hwm_mib(server.pid)
    start = threading.Barrier(args.connections)
    results, lock = [], threading.Lock()
    started = time.monotonic()
    load_deadline = started + args.timeout
    threads = [threading.Thread(target=client, daemon=True,
                                args=(args, ctx, port, body, start, results, lock, load_deadline))
               for _ in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, load_deadline - time.monotonic()) + 5)
    elapsed = time.monotonic() - started
    after = vm_hwm_mib(server.pid)
    server.send_signal(signal.SIGTERM)
    try:
        exit_code = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        exit_code = "killed"
    log.close()

    first = {}
    for status, _ in results:
        first[str(status)] = first.get(str(status), 0) + 1
    answered = sum(1 for _, outcome in results if outcome == "answered")
    fields = dict(connections=args.connections, body_mib=args.body_mib,
                  max_buffered_bytes=args.max_buffered_bytes or "default",
                  first_attempt=",".join("%s:%d" % kv for kv in sorted(first.items())),
                  answered=answered, failed=args.connections - answered,
                  hwm_before_mib=before, hwm_after_mib=after, seconds=round(elapsed, 1),
                  exit=exit_code)
    print("RESULT " + " ".join("%s=%s" % kv for kv in fields.items()))
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
