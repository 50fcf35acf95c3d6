#!/usr/bin/env python3
"""Whole-pipeline benchmark: the sensor and Suricata 7 on the same capture and the same rules.

For each rule set, every command runs on a large capture and on a tiny capture of the same kind
(`sensor generate --scenario bench`, or `--scenario bench-alerts` for the mix with flows ET Open
rules fire on), --runs times, alternating, so machine noise hits them all alike. Reported per
command (medians):

- CPU time (user+sys of all threads, from wait4's rusage) and wall time, on both captures;
- start-up: the tiny capture's CPU (rule loading, set-up, a few packets);
- steady state: large minus tiny, CPU and wall; cross-checked with each tool's own processing
  clock (the sensor's summary line, Suricata's "time elapsed"), large minus tiny too;
- peak memory (ru_maxrss) on the large capture;
- alerts: counts by (signature_id, src_ip, dest_ip) of the last large run, compared with
  `sensor --workers 1`, every difference printed (Suricata's alerts of rules the sensor skips
  are left out of the comparison and counted).

Rule sets (--rulesets, comma-separated): `none` (an empty rule file), `shipped` (the packs in
rules/), `et` (ET Open), `et+shipped`, and `file` (--rules FILE). Both tools get exactly the same file: the sensor with
`--signatures-only --rules FILE`, Suricata with `-S FILE`.

    python3 benches/pipeline.py                           # 1G + 4M captures, all rule sets, 3 runs
    python3 benches/pipeline.py --size 3G --rulesets et+shipped --runs 3
    python3 benches/pipeline.py --scenario bench-alerts --rulesets et+shipped --workdir /tmp/ba
    python3 benches/pipeline.py --pcap BIG --tiny-pcap SMALL --rulesets none,et
    python3 benches/pipeline.py --json results.json       # also write every measurement
    python3 benches/pipeline.py --rules FILE              # a rule file of your own
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
ET_OPEN = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "et-open", "et-open.rules")
SHIPPED = [os.path.join(ROOT, "rules", f) for f in ("election-portal.rules", "c2-exfil.rules")]


def run_measured(cmd):
    """Runs cmd; returns dict(wall, cpu, user, sys, rss_mb, own, code). `own` is the tool's own
    processing clock in seconds when it reports one."""
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=subprocess.PIPE)
        err = proc.stderr.read().decode(errors="replace")
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    # Exit 4: damaged input skipped; still a valid measurement.
    if code not in (0, 4):
        sys.stderr.write(f"command failed ({code}): {' '.join(cmd)}\n{err[-2000:]}\n")
    own = None
    m = re.search(r"; ([0-9.]+) s, [0-9.]+ Mpkt/s", err)
    if m:
        own = float(m.group(1))
    return {
        "wall": wall,
        "user": usage.ru_utime,
        "sys": usage.ru_stime,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024.0,
        "own": own,
        "code": code,
    }


def suricata_own_clock(log_dir):
    """Suricata's processing time ("time elapsed N s" in suricata.log)."""
    try:
        with open(os.path.join(log_dir, "suricata.log"), errors="replace") as f:
            m = re.findall(r"time elapsed ([0-9.]+)s", f.read())
        return float(m[-1]) if m else None
    except OSError:
        return None


def alert_counts(eve):
    """Alerts in an EVE file, counted by (signature_id, src_ip, dest_ip)."""
    counts = collections.Counter()
    if not os.path.exists(eve):
        return counts
    with open(eve, "rb") as f:
        for line in f:
            if b'"event_type":"alert"' not in line and b'"event_type": "alert"' not in line:
                continue
            rec = json.loads(line)
            if rec.get("event_type") == "alert":
                counts[(rec["alert"]["signature_id"], rec.get("src_ip"), rec.get("dest_ip"))] += 1
    return counts


def skipped_sids(sensor, rules):
    """Signature ids the sensor does not load from `rules` (`sensor rules check`)."""
    out = subprocess.run([sensor, "rules", "check", rules], capture_output=True, text=True)
    return {int(m) for m in re.findall(r"sid (\d+):", out.stdout + out.stderr)}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, spec="8.2f"):
    return format(x, spec) if x is not None else "-".rjust(int(spec.split(".")[0]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pcap", help="large capture (default: generated, --size)")
    ap.add_argument("--tiny-pcap", help="tiny capture of the same kind (default: generated, --tiny-size)")
    ap.add_argument("--size", default="1G", help="size of the generated large capture (default 1G)")
    ap.add_argument("--tiny-size", default="4M", help="size of the generated tiny capture (default 4M)")
    ap.add_argument("--scenario", default="bench", choices=["bench", "bench-alerts"],
                    help="generated capture: `bench` (no alerts with ET Open) or `bench-alerts` "
                         "(the same mix with a few percent of flows ET Open rules fire on)")
    ap.add_argument("--seed", type=int, help="generator seed (default: the generator's)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rulesets", default=None,
                    help="comma-separated: none, shipped, et, et+shipped, file (default: all four, "
                         "or `file` alone with --rules)")
    ap.add_argument("--rules", help="a rule file of your own: the rule set `file`")
    ap.add_argument("--compare-alerts", action="store_true",
                    help="(kept for old command lines: alerts are always compared)")
    ap.add_argument("--et", default=ET_OPEN, help="ET Open rule file")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                    help="worker count of the multi-thread sensor command (default: cores)")
    ap.add_argument("--sensor-bin", help="sensor binary (default: build target/release/sensor)")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "sensor-bench"))
    ap.add_argument("--no-suricata", action="store_true", help="time the sensor alone")
    ap.add_argument("--no-multi", action="store_true", help="only the one-thread commands")
    ap.add_argument("--json", help="write every measurement to this file")
    args = ap.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    if args.sensor_bin:
        sensor = os.path.abspath(args.sensor_bin)
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "sensor"], cwd=ROOT, check=True)
        sensor = os.path.join(ROOT, "target", "release", "sensor")

    def capture(path, size):
        if path:
            return os.path.abspath(path)
        seed = [] if args.seed is None else ["--seed", str(args.seed)]
        tag = "" if args.seed is None else f"-s{args.seed}"
        path = os.path.join(args.workdir, f"{args.scenario}{tag}-{size}.pcap")
        if not os.path.exists(path):
            print(f"generating {path} ...", flush=True)
            subprocess.run([sensor, "generate", "--scenario", args.scenario, "--size", size, "--out", path]
                           + seed, check=True, stdout=subprocess.DEVNULL)
        return path

    big = capture(args.pcap, args.size)
    tiny = capture(args.tiny_pcap, args.tiny_size)
    for p in (big, tiny):
        with open(p, "rb") as f:  # warm the page cache
            while f.read(1 << 24):
                pass

    # Rule files: exactly the same file for both tools.
    def concat(name, parts):
        path = os.path.join(args.workdir, name)
        with open(path, "w") as out:
            for p in parts:
                with open(p) as f:
                    out.write(f.read())
                out.write("\n")
        return path

    all_sets = {
        "none": lambda: concat("none.rules", []),
        "shipped": lambda: concat("shipped.rules", SHIPPED),
        "et": lambda: concat("et.rules", [args.et]),
        "et+shipped": lambda: concat("et+shipped.rules", [args.et] + SHIPPED),
        "file": lambda: os.path.abspath(args.rules),
    }
    if args.rulesets is None:
        args.rulesets = "file" if args.rules else "none,shipped,et,et+shipped"
    rulesets = [r.strip() for r in args.rulesets.split(",") if r.strip()]
    for r in rulesets:
        if r not in all_sets:
            sys.exit(f"unknown rule set {r!r} (none, shipped, et, et+shipped, file)")
        if r == "file" and not args.rules:
            sys.exit("the rule set `file` needs --rules FILE")

    have_suricata = shutil.which("suricata") and not args.no_suricata
    if not have_suricata and not args.no_suricata:
        print("suricata not found: comparing nothing", file=sys.stderr)

    report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count(),
              "scenario": args.scenario, "seed": args.seed,
              "capture": big, "capture_bytes": os.path.getsize(big), "tiny": tiny,
              "tiny_bytes": os.path.getsize(tiny), "runs": args.runs, "rulesets": {}}
    print(f"capture {big} ({os.path.getsize(big) / 1e6:.0f} MB), tiny {tiny} "
          f"({os.path.getsize(tiny) / 1e6:.1f} MB); {args.runs} runs; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)

    for rs in rulesets:
        rules = all_sets[rs]()
        out_dirs = {}

        def out_dir(name, which):
            d = os.path.join(args.workdir, f"out-{rs}-" + re.sub(r"[^a-z0-9]+", "-", name).strip("-") + "-" + which)
            out_dirs[(name, which)] = d
            return d

        cmds = {}  # name -> function(capture, which) -> argv
        worker_counts = [1] if args.no_multi else [1, args.workers]
        for w in worker_counts:
            name = f"sensor --workers {w}"
            cmds[name] = (lambda w, name: lambda pcap, which: [
                sensor, "replay", "-q", "--workers", str(w), "--log-dir", out_dir(name, which),
                "--signatures-only", "--rules", rules, pcap])(w, name)
        if have_suricata:
            modes = ["single"] if args.no_multi else ["single", "autofp"]
            for mode in modes:
                name = f"suricata --runmode {mode}"
                cmds[name] = (lambda mode, name: lambda pcap, which: [
                    "suricata", "-r", pcap, "--runmode", mode, "-k", "none", "-S", rules,
                    "-l", out_dir(name, which)])(mode, name)

        results = {name: {"tiny": [], "big": []} for name in cmds}
        for _ in range(args.runs):
            for name, make in cmds.items():
                for which, pcap in (("tiny", tiny), ("big", big)):
                    argv = make(pcap, which)
                    d = out_dirs[(name, which)]
                    shutil.rmtree(d, ignore_errors=True)
                    os.makedirs(d)
                    r = run_measured(argv)
                    if r["code"] not in (0, 4):
                        sys.exit(f"{name} failed on {pcap}")
                    if name.startswith("suricata"):
                        r["own"] = suricata_own_clock(d)
                    results[name][which].append(r)

        # Alerts of the last large run.
        counts = {name: alert_counts(os.path.join(out_dirs[(name, "big")], "eve.json")) for name in cmds}
        skipped = skipped_sids(sensor, rules) if rs != "none" else set()
        base = counts["sensor --workers 1"]

        rows = {}
        for name, rr in results.items():
            t, b = rr["tiny"], rr["big"]
            row = {
                "startup_cpu": med(r["cpu"] for r in t),
                "startup_wall": med(r["wall"] for r in t),
                "big_cpu": med(r["cpu"] for r in b),
                "big_wall": med(r["wall"] for r in b),
                "steady_cpu": med(r["cpu"] for r in b) - med(r["cpu"] for r in t),
                "steady_wall": med(r["wall"] for r in b) - med(r["wall"] for r in t),
                "own_big": med(r["own"] for r in b),
                "own_tiny": med(r["own"] for r in t),
                "peak_mb": med(r["rss_mb"] for r in b),
                "alerts": sum(counts[name].values()),
                "raw": rr,
            }
            if row["own_big"] is not None and row["own_tiny"] is not None:
                row["steady_own"] = row["own_big"] - row["own_tiny"]
            else:
                row["steady_own"] = None
            c = counts[name]
            if name.startswith("suricata"):
                left_out = sum(n for k, n in c.items() if k[0] in skipped)
                c = collections.Counter({k: n for k, n in c.items() if k[0] not in skipped})
                row["alerts_of_skipped_rules"] = left_out
            diff = sorted((k for k in set(base) | set(c) if base[k] != c[k]), key=str)
            row["alerts_equal"] = not diff
            row["alert_sids"] = len({k[0] for k in c})
            row["alert_diff"] = {f"{k[0]} {k[1]} -> {k[2]}": [base[k], c[k]] for k in diff[:500]}
            row["alert_diff_count"] = len(diff)
            row["alert_diff_sids"] = sorted({k[0] for k in diff})
            rows[name] = row
        report["rulesets"][rs] = {"rules_file": rules, "sensor_skipped_rules": len(skipped), "commands": rows}

        print(f"\n== rule set: {rs} ({rules}; the sensor skips {len(skipped)} of its rules)")
        print(f"{'command':26} {'start CPU':>9} {'steady CPU':>10} {'steady wall':>11} {'own clock':>9} "
              f"{'peak MB':>8} {'alerts':>8} {'same alerts':>11}")
        for name, row in rows.items():
            same = "yes" if row["alerts_equal"] else f"NO ({len(row['alert_diff_sids'])} sids)"
            if name == "sensor --workers 1":
                same = "(base)"
            print(f"{name:26} {fmt(row['startup_cpu'], '9.2f')} {fmt(row['steady_cpu'], '10.2f')} "
                  f"{fmt(row['steady_wall'], '11.2f')} {fmt(row['steady_own'], '9.2f')} "
                  f"{fmt(row['peak_mb'], '8.0f')} {row['alerts']:8d} {same:>11}")
            if name.startswith("suricata") and row.get("alerts_of_skipped_rules"):
                print(f"{'':26} (+{row['alerts_of_skipped_rules']} Suricata alerts of rules the sensor skips, left out)")
        print(f"distinct signature ids alerting (sensor -w1): {rows['sensor --workers 1']['alert_sids']}")
        for name, row in rows.items():
            if not row["alerts_equal"] and name != "sensor --workers 1":
                print(f"  {name}: {row['alert_diff_count']} (sid, src, dst) differ, sids "
                      f"{row['alert_diff_sids'][:40]}; [sensor -w1, {name}]:")
                for k, v in list(row["alert_diff"].items())[:60]:
                    print(f"    {k}: {v}")
        s1 = rows.get("suricata --runmode single")
        w1 = rows["sensor --workers 1"]
        if s1 and w1["steady_cpu"] > 0:
            line = f"steady state, suricata single / sensor -w1: CPU {s1['steady_cpu'] / w1['steady_cpu']:.2f}x"
            if s1["steady_own"] and w1["steady_own"]:
                line += f", own clocks {s1['steady_own'] / w1['steady_own']:.2f}x"
            print(line)
        sys.stdout.flush()

    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
