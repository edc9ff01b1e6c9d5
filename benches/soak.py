#!/usr/bin/env python3
"""Soak run of `pantau serve` (a load run, not a test): positions from `pantau sim` over OsmAnd,
one alarm a second with its answer time measured, and idle sockets opened and dropped all the
while. Every 10 s it samples the service's resident memory and open files and the accepted
positions; at the end it prints, per window, whether memory, open files and alarm latency stay
flat.

    cargo build --release
    python3 benches/soak.py --minutes 30 --units 5000 --idle 500

Needs the demo city (`pantau demo` or any run of the app makes tiles/demo-1/) and a release
build in target/release. The units drive the demo roads.
"""

import argparse
import http.client as httpclient
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Each kind of client comes from a loopback address of its own, as from hosts of their own:
# the per-source connection cap applies to each apart.
IDLE_SOURCE = "127.0.0.2"
ALARM_SOURCE = "127.0.0.3"
SAMPLER_SOURCE = "127.0.0.4"
BINARY = os.path.join(ROOT, "target", "release", "pantau")


def start_service(journal):
    service = subprocess.Popen(
        [BINARY, "serve", "--insecure", "--osmand", "127.0.0.1:0", "--http", "127.0.0.1:0", "--journal", journal],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = service.stdout.readline()
    osmand = re.search(r"osmand (\S+?),", line).group(1)
    http = re.search(r"http (\S+?),", line).group(1)
    return service, osmand, http


def sample(pid, http):
    with open(f"/proc/{pid}/status") as f:
        rss_kb = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    files = len(os.listdir(f"/proc/{pid}/fd"))
    host, port = http.rsplit(":", 1)
    conn = httpclient.HTTPConnection(host, int(port), timeout=10, source_address=(SAMPLER_SOURCE, 0))
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    positions = int(re.search(r'pantau_events_accepted_total\{kind="position"\} (\d+)', text).group(1))
    refused = sum(int(n) for n in re.findall(r'pantau_events_rejected_total\{reason="[^"]+"\} (\d+)', text))
    waiting = subprocess.run(["ss", "-tan", "state", "time-wait"], capture_output=True, text=True).stdout.count("\n")
    return rss_kb, files, positions, refused, waiting, text


def alarms(http, stop, latencies):
    n = 0
    while not stop.is_set():
        n += 1
        body = json.dumps({"device": f"soak-site-{n % 50}", "kind": "panic", "event_id": f"soak-{n}"}).encode()
        started = time.monotonic()
        host, port = http.rsplit(":", 1)
        try:
            # From an address of its own, as a panic button is not the load generator's host.
            conn = httpclient.HTTPConnection(host, int(port), timeout=30, source_address=(ALARM_SOURCE, 0))
            conn.request("POST", "/alarms", body=body)
            ok = conn.getresponse().status == 200
            conn.close()
        except OSError:
            ok = False
        latencies.append((time.monotonic(), (time.monotonic() - started) * 1000.0, ok))
        stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))


def idle_churn(http, count, stop):
    host, port = http.rsplit(":", 1)
    held = []
    while not stop.is_set():
        while len(held) < count:
            try:
                held.append(socket.create_connection((host, int(port)), timeout=5, source_address=(IDLE_SOURCE, 0)))
            except OSError:
                break
        for s in held[: count // 10]:
            s.close()
        held = held[count // 10 :]
        stop.wait(1.0)
    for s in held:
        s.close()


def summary(samples, latencies, window_s):
    start = samples[0][0]
    print(f"{'window':>8} {'RSS MB':>8} {'files':>6} {'pos/s':>8} {'refused':>8} {'timewait':>8} {'alarms':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'failed':>6}")
    for w in range(0, int(samples[-1][0] - start) + 1, window_s):
        in_w = [s for s in samples if start + w <= s[0] < start + w + window_s]
        lat = [l for l in latencies if start + w <= l[0] < start + w + window_s]
        if len(in_w) < 2 or not lat:
            continue
        rate = (in_w[-1][3] - in_w[0][3]) / (in_w[-1][0] - in_w[0][0])
        ms = sorted(l[1] for l in lat if l[2])
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else float("nan")
        print(
            f"{w // 60:>6}m+ {max(s[1] for s in in_w) / 1024:>8.1f} {max(s[2] for s in in_w):>6} {rate:>8.0f} "
            f"{in_w[-1][4] - in_w[0][4]:>8} {max(s[5] for s in in_w):>8} "
            f"{len(lat):>7} {statistics.median(ms) if ms else float('nan'):>7.1f} {p99:>7.1f} {max(ms) if ms else float('nan'):>7.1f} "
            f"{sum(1 for l in lat if not l[2]):>6}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--units", type=int, default=5000, help="simulated units, one fix a second each")
    parser.add_argument("--idle", type=int, default=500, help="idle sockets held (a tenth replaced each second)")
    parser.add_argument("--window", type=int, default=300, help="seconds per summary line")
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY}: build it first (cargo build --release)")
    journal = tempfile.mkdtemp(prefix="pantau-soak-")
    service, osmand, http = start_service(journal)
    seconds = args.minutes * 60
    sim = subprocess.Popen(
        [BINARY, "sim", "--map", os.path.join(ROOT, "tiles", "demo-1", "demo.pmtiles"), "--units", str(args.units), "--rate", "1", "--alarms-per-min", "0",
         "--target", f"http://{osmand}", "--duration", str(seconds), "--in-flight", "256"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    stop = threading.Event()
    latencies = []
    threads = [
        threading.Thread(target=alarms, args=(http, stop, latencies)),
        threading.Thread(target=idle_churn, args=(http, args.idle, stop)),
    ]
    for t in threads:
        t.start()
    samples = []
    failed_samples = 0
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end and sim.poll() is None:
            try:
                samples.append((time.monotonic(), *sample(service.pid, http)))
                t, rss, files, positions = samples[-1][:4]
                print(f"sample t={t - samples[0][0]:.0f}s rss={rss} kB files={files} positions={positions}", flush=True)
            except OSError as e:
                failed_samples += 1
                print(f"sample failed: {e}", flush=True)
            time.sleep(10)
    finally:
        stop.set()
        for t in threads:
            t.join()
        try:
            print("sim:", (sim.communicate(timeout=30)[0] or "").strip())
        except subprocess.TimeoutExpired:
            sim.kill()
            print("sim: did not finish")
        if samples:
            print("refusals at the end:", "; ".join(l for l in samples[-1][6].splitlines() if "rejected_total{" in l))
        service.terminate()
        service.wait()
    print(f"samples: {len(samples)} taken, {failed_samples} failed")
    print(f"journal: {journal}, {sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(journal) for f in fs) / 1e6:.0f} MB")
    summary(samples, latencies, args.window)


if __name__ == "__main__":
    main()
