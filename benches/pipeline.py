#!/usr/bin/env python3
"""Whole-pipeline benchmark: the sensor and Suricata 7 on the same capture, in one run.

Generates a mixed capture with `sensor generate --scenario bench` (unless --pcap is given),
warms the page cache, then runs each command --runs times (alternating, so machine noise hits
all of them alike) and prints the median wall time, the median peak memory (max RSS) and the
ratio of each to the sensor with one worker.

    python3 benches/pipeline.py                  # ~1 GB capture, 3 runs each
    python3 benches/pipeline.py --size 200M --runs 5
    python3 benches/pipeline.py --rules FILE     # both engines with exactly these rules: the
                                                 # sensor with --signatures-only --rules FILE,
                                                 # Suricata with -S FILE
    python3 benches/pipeline.py --rules FILE --compare-alerts
                                                 # and compare the alerts (counts by
                                                 # signature_id in each engine's eve.json)

Without --rules the sensor runs its shipped packs and Suricata an empty rule file (the
pre-detection comparison); with --rules both run the same file and nothing else. Each command
writes to its own log directory under --workdir (out-<command>), kept after the last run, so
its eve.json can be read afterwards.
"""
import argparse
import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_measured(cmd, cwd=None, env=None):
    """Runs cmd, returns (wall seconds, peak RSS in MB, exit code)."""
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=subprocess.PIPE, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stderr.write(f"command failed ({code}): {' '.join(cmd)}\n{err[-2000:]}\n")
    return wall, usage.ru_maxrss / 1024.0, code


def alert_counts(eve):
    """Alerts in an EVE file, counted by signature_id."""
    counts = collections.Counter()
    with open(eve, "rb") as f:
        for line in f:
            if b'"event_type":"alert"' not in line and b'"event_type": "alert"' not in line:
                continue
            rec = json.loads(line)
            if rec.get("event_type") == "alert":
                counts[rec["alert"]["signature_id"]] += 1
    return counts


def compare_alerts(results):
    """results: {command name: eve.json path}. Compares each with the first; returns True if all equal."""
    names = list(results)
    counts = {n: alert_counts(results[n]) for n in names}
    base = names[0]
    print(f"\nalerts by signature_id (eve.json of each command's last run)")
    for n in names:
        c = counts[n]
        print(f"  {n:28} {sum(c.values()):9} alerts {len(c):6} signatures")
    all_equal = True
    for n in names[1:]:
        a, b = counts[base], counts[n]
        if a == b:
            print(f"  {n} vs {base}: equal multisets")
            continue
        all_equal = False
        diff = sorted(sid for sid in set(a) | set(b) if a[sid] != b[sid])
        print(f"  {n} vs {base}: DIFFERENT in {len(diff)} signatures "
              f"({sum(b.values()) - sum(a.values()):+d} alerts)")
        print(f"    {'sid':>10} {base:>28} {n:>28}")
        for sid in diff[:50]:
            print(f"    {sid:>10} {a[sid]:>28} {b[sid]:>28}")
        if len(diff) > 50:
            print(f"    ... {len(diff) - 50} more")
    return all_equal


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pcap", help="use this capture instead of generating one")
    ap.add_argument("--size", default="1G", help="size of the generated capture (default 1G)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rules", help="rule file given to both engines (default: none)")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "sensor-bench"))
    ap.add_argument("--no-suricata", action="store_true", help="time the sensor alone")
    ap.add_argument("--compare-alerts", action="store_true",
                    help="after timing, compare the alerts of every command with the sensor's "
                         "(--workers 1): counts by signature_id in each eve.json")
    args = ap.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "sensor"], cwd=ROOT, check=True)
    sensor = os.path.join(ROOT, "target", "release", "sensor")

    pcap = args.pcap
    if not pcap:
        pcap = os.path.join(args.workdir, f"bench-{args.size}.pcap")
        if not os.path.exists(pcap):
            print(f"generating {pcap} ...", flush=True)
            t0 = time.perf_counter()
            subprocess.run([sensor, "generate", "--scenario", "bench", "--size", args.size, "--out", pcap], check=True)
            print(f"  generated in {time.perf_counter() - t0:.1f} s", flush=True)
    size = os.path.getsize(pcap)
    # Warm the page cache so every run reads from memory.
    with open(pcap, "rb") as f:
        while f.read(1 << 24):
            pass

    ncores = os.cpu_count() or 1
    outs = {}

    def out_dir(name):
        d = os.path.join(args.workdir, "out-" + re.sub(r"[^a-z0-9]+", "-", name).strip("-"))
        outs[name] = d
        return d

    # Same rules on both sides: exactly the file, not the sensor's shipped packs.
    rules_sensor = ["--signatures-only", "--rules", os.path.abspath(args.rules)] if args.rules else []
    cmds = {}
    for w in (1, ncores):
        name = f"sensor --workers {w}"
        cmds[name] = [sensor, "replay", "-q", "--workers", str(w), "--log-dir", out_dir(name)] + rules_sensor + [pcap]
    have_suricata = shutil.which("suricata") and not args.no_suricata
    if have_suricata:
        rules = os.path.abspath(args.rules) if args.rules else os.path.join(args.workdir, "empty.rules")
        if not args.rules:
            open(rules, "w").close()
        for mode in ("single", "autofp"):
            name = f"suricata --runmode {mode}"
            cmds[name] = [
                "suricata", "-r", pcap, "--runmode", mode, "-k", "none", "-S", rules, "-l", out_dir(name),
            ]
    elif not args.no_suricata:
        print("suricata not found: run ../shared/tools/install-suricata (as root) to compare", file=sys.stderr)

    results = {name: [] for name in cmds}
    for i in range(args.runs):
        for name, cmd in cmds.items():
            shutil.rmtree(outs[name], ignore_errors=True)
            os.makedirs(outs[name])
            wall, rss, code = run_measured(cmd)
            if code != 0:
                sys.exit(f"{name} failed")
            results[name].append((wall, rss))

    base = statistics.median(w for w, _ in results["sensor --workers 1"])
    print()
    print(f"capture: {pcap} ({size / 1e6:.0f} MB); {args.runs} runs each; {ncores} cores; medians")
    print(f"{'command':28} {'wall s':>8} {'MB/s':>8} {'peak MB':>8} {'time vs sensor -w1':>19}")
    for name, rs in results.items():
        wall = statistics.median(w for w, _ in rs)
        rss = statistics.median(r for _, r in rs)
        print(f"{name:28} {wall:8.3f} {size / 1e6 / wall:8.0f} {rss:8.0f} {wall / base:18.2f}x")
    if have_suricata:
        s1 = statistics.median(w for w, _ in results["suricata --runmode single"])
        print(f"\nsensor --workers 1 is {s1 / base:.1f}x faster than suricata --runmode single")
    if args.compare_alerts:
        ok = compare_alerts({name: os.path.join(d, "eve.json") for name, d in outs.items()})
        print("\nalerts: " + ("all engines agree" if ok else "engines DIFFER"))


if __name__ == "__main__":
    main()
