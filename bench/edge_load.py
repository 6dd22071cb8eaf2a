#!/usr/bin/env python3
"""Lifecycle load test of the HTTPS edge: reviews posted over loopback keep-alive connections
while the server rotates its certificate (`rotate`) or is stopped with SIGTERM (`sigterm`).

Counts every review by what happened to it: answered (a 200 allowing the pod), failed (any other
answer), lost (written, or being written, on a connection that then closed or reset without an
answer: kube-apiserver does not retry a POST, each is a failed pod creation) and refused (the
connection or its TLS handshake failed before a request was written: the API server dials another
endpoint). Prints one RESULT line of key=value figures.

rotate: the certificate files sit behind a `..data` symlink as in a Secret volume; after
--before seconds a second pair (another key and serial) is swapped in; a prober opens a new
connection every 20 ms and reports how long after the swap a handshake first got the new serial.
Clients reconnect every --reconnect-every requests so that handshakes happen all through.

sigterm: after --before seconds the server gets SIGTERM; the clients keep sending until the
server no longer accepts connections (each client stops at its first refused connect); the
server's exit status and its time to exit after SIGTERM are reported.

Loopback only, bounded by --before + --after seconds and a hard timeout; starts the server itself
and kills only that PID. Needs the `openssl` CLI.
"""
import argparse
import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_certs(tmp):
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-days", "2", "-subj", "/CN=edge-load CA", "-keyout", "ca.key", "-out", "ca.crt", cwd=tmp)
    with open(os.path.join(tmp, "tls.ext"), "w") as ext:
        ext.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    for name, serial in (("first", "0x1001"), ("second", "0x2002")):
        sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-subj", "/CN=localhost", "-keyout", name + ".key", "-out", name + ".csr", cwd=tmp)
        sh("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
           "-set_serial", serial, "-days", "2", "-extfile", "tls.ext", "-out", name + ".crt",
           cwd=tmp)


def secret_swap(secret, generation, src, name):
    gen = os.path.join(secret, "..gen%d" % generation)
    os.makedirs(gen)
    for ext in ("crt", "key"):
        with open(os.path.join(src, name + "." + ext), "rb") as f, \
                open(os.path.join(gen, "tls." + ext), "wb") as out:
            out.write(f.read())
    tmp_link = os.path.join(secret, "..data_tmp")
    os.symlink("..gen%d" % generation, tmp_link)
    os.rename(tmp_link, os.path.join(secret, "..data"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.c = {"answered": 0, "failed": 0, "lost": 0, "refused": 0, "closed_by_server": 0}

    def add(self, key, n=1):
        with self.lock:
            self.c[key] += n


def client_loop(args, ctx, port, body, counts, stop, stop_on_refused):
    conn = None
    sent_on_conn = 0
    while not stop.is_set():
        if conn is None:
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
            try:
                conn.connect()
            except (OSError, ssl.SSLError):
                counts.add("refused")
                conn = None
                if stop_on_refused:
                    return
                time.sleep(0.01)
                continue
            sent_on_conn = 0
        try:
            conn.request("POST", "/mutate-pod?timeout=10s", body,
                         {"Content-Type": "application/json"})
            res = conn.getresponse()
            data = res.read()
            if res.status == 200 and b'"allowed":true' in data:
                counts.add("answered")
            else:
                counts.add("failed")
            sent_on_conn += 1
            if res.will_close:
                counts.add("closed_by_server")
                conn.close()
                conn = None
            elif args.reconnect_every and sent_on_conn >= args.reconnect_every:
                conn.close()
                conn = None
        except (OSError, ssl.SSLError, http.client.HTTPException):
            counts.add("lost")
            conn.close()
            conn = None


def prober(ctx, port, t_swap, result, stop):
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                    der = tls.getpeercert(binary_form=True)
                    serial = tls.getpeercert().get("serialNumber", "")
                    del der
            if t_swap[0] is not None and serial.upper().endswith("2002"):
                result["new_cert_after_s"] = time.monotonic() - t_swap[0]
                return
        except (OSError, ssl.SSLError):
            result["probe_errors"] = result.get("probe_errors", 0) + 1
        time.sleep(0.02)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["rotate", "sigterm", "steady"])
    p.add_argument("--bin", default=os.path.join(ROOT, "build/release/sidecarset-injector"))
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--before", type=float, default=3.0)
    p.add_argument("--after", type=float, default=3.0)
    p.add_argument("--reconnect-every", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--body", default=os.path.join(ROOT, "bench/review.json"))
    args, extra = p.parse_known_args()  # what follows `--`: extra serve flags
    args.server_args = [a for a in extra if a != "--"]

    with open(args.body, "rb") as f:
        body = f.read()
    tmp = tempfile.mkdtemp(prefix="edge-load.")
    make_certs(tmp)
    secret = os.path.join(tmp, "secret")
    os.makedirs(secret)
    os.symlink("..data/tls.crt", os.path.join(secret, "tls.crt"))
    os.symlink("..data/tls.key", os.path.join(secret, "tls.key"))
    secret_swap(secret, 1, tmp, "first")
    port = free_port()
    cmd = [args.bin, "serve", "--sidecarsets", os.path.join(ROOT, "examples/sidecarsets"),
           "--tls-cert", os.path.join(secret, "tls.crt"), "--tls-key",
           os.path.join(secret, "tls.key"), "--listen", "127.0.0.1:%d" % port,
           "--metrics-listen", "127.0.0.1:0",
           "--threads", str(args.threads), "--log-level", "warn"] + args.server_args
    log = open(os.path.join(tmp, "server.log"), "w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    ctx = ssl.create_default_context(cafile=os.path.join(tmp, "ca.crt"))
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                sys.exit("edge_load: server did not start; see " + log.name)
            time.sleep(0.05)

    counts = Counts()
    stop = threading.Event()
    threads = [threading.Thread(target=client_loop,
                                args=(args, ctx, port, body, counts, stop, args.mode == "sigterm"))
               for _ in range(args.clients)]
    t_swap = [None]
    result = {}
    probe = None
    if args.mode in ("rotate", "steady"):  # steady: the same load and probes, no swap
        probe = threading.Thread(target=prober, args=(ctx, port, t_swap, result, stop))
    started = time.monotonic()
    for t in threads:
        t.start()
    if probe:
        probe.start()
    time.sleep(args.before)
    exit_code = None
    if args.mode == "rotate":
        t_swap[0] = time.monotonic()
        secret_swap(secret, 2, tmp, "second")
        time.sleep(args.after)
        stop.set()
    elif args.mode == "sigterm":
        t_term = time.monotonic()
        server.send_signal(signal.SIGTERM)
        try:
            exit_code = server.wait(timeout=args.after + 60)
            result["exit_after_s"] = round(time.monotonic() - t_term, 2)
        except subprocess.TimeoutExpired:
            server.kill()
            exit_code = "killed"
        stop.set()
    else:
        time.sleep(args.after)
        stop.set()
    for t in threads:
        t.join(timeout=30)
    if probe:
        probe.join(timeout=10)
    elapsed = time.monotonic() - started
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            exit_code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            exit_code = "killed"
    log.close()
    with open(log.name) as f:
        server_log = f.read()
    c = counts.c
    fields = dict(mode=args.mode, clients=args.clients, seconds=round(elapsed, 1), **c,
                  reviews_per_s=round((c["answered"] + c["failed"]) / elapsed),
                  exit=exit_code, **result)
    fields["server_errors"] = sum(1 for line in server_log.splitlines() if " error " in line)
    print("RESULT " + " ".join("%s=%s" % kv for kv in fields.items()))
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
