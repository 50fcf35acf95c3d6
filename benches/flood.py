#!/usr/bin/env python3
"""SYN flood benchmark: the sensor and Suricata 7 on a flood of spoofed SYNs, each a new flow.

Generates `sensor generate --scenario synflood --packets N` once into --workdir (reused if
present), warms the page cache, then runs each command --runs times, interleaved, and prints
the median wall time, CPU time (user + sys of the process and its threads, from wait4), peak
memory (ru_maxrss) and the ratios to Suricata. After the last run it checks from the outputs
that every flow is accounted for.

    python3 benches/flood.py                      # 3,000,000 SYNs, 3 runs each
    python3 benches/flood.py --packets 1000000 --runs 5
    python3 benches/flood.py --no-suricata        # the sensor alone
    python3 benches/flood.py --sensor-bin PATH    # another build of the sensor (before/after)

Commands (one worker, default flow cap):

    sensor replay -q --workers 1 FILE --eve OUT
    sensor replay -q --workers 1 FILE --eve /dev/null
    suricata -r FILE --runmode single -k none -S empty.rules -l DIR
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_measured(cmd):
    """Runs cmd; returns (wall s, cpu s (user+sys), peak RSS MB, stderr text)."""
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as devnull, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err.seek(0)
        text = err.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"command failed ({code}): {' '.join(cmd)}\n{text[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, text


def scan_eve(path):
    """Flow records by reason, and the last stats record (raw JSON line), of an EVE file."""
    reasons = {}
    flows = 0
    last_stats = None
    reason_re = re.compile(rb'"reason":"([a-z_]+)"')
    with open(path, "rb") as f:
        for line in f:
            if b'"event_type":"flow"' in line:
                flows += 1
                m = reason_re.search(line)
                r = m.group(1).decode() if m else "?"
                reasons[r] = reasons.get(r, 0) + 1
            elif b'"event_type":"stats"' in line:
                last_stats = line
    return flows, reasons, last_stats


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packets", type=int, default=3_000_000)
    ap.add_argument("--pps", type=int, default=100_000, help="flood rate in packet time")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "sensor-flood"))
    ap.add_argument("--no-suricata", action="store_true", help="time the sensor alone")
    ap.add_argument("--no-devnull", action="store_true", help="skip the --eve /dev/null run")
    ap.add_argument("--sensor-bin", help="use this sensor binary instead of building one")
    ap.add_argument("--max-flows", type=int, help="pass --max-flows to the sensor")
    args = ap.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    if args.sensor_bin:
        sensor = os.path.abspath(args.sensor_bin)
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "sensor"], cwd=ROOT, check=True)
        sensor = os.path.join(ROOT, "target", "release", "sensor")

    pcap = os.path.join(args.workdir, f"synflood-{args.packets}-{args.pps}.pcap")
    if not os.path.exists(pcap):
        print(f"generating {pcap} ...", flush=True)
        tmp = pcap + ".tmp"
        subprocess.run([sensor, "generate", "--scenario", "synflood", "--packets", str(args.packets),
                        "--pps", str(args.pps), "--out", tmp], check=True)
        os.rename(tmp, pcap)
    size = os.path.getsize(pcap)
    with open(pcap, "rb") as f:
        while f.read(1 << 24):
            pass
    # Each SYN of the flood is a new flow (the generator never repeats a source endpoint).
    distinct = args.packets

    extra = ["--max-flows", str(args.max_flows)] if args.max_flows else []
    cmds = {}
    outs = {}
    eve_out = os.path.join(args.workdir, "out-sensor", "eve.json")
    outs["sensor"] = os.path.dirname(eve_out)
    cmds["sensor"] = [sensor, "replay", "-q", "--workers", "1", pcap, "--eve", eve_out] + extra
    if not args.no_devnull:
        cmds["sensor --eve /dev/null"] = [sensor, "replay", "-q", "--workers", "1", pcap,
                                          "--eve", "/dev/null"] + extra
    have_suricata = not args.no_suricata and shutil.which("suricata")
    if not args.no_suricata and not have_suricata:
        print("suricata not found: run ../shared/tools/install-suricata (as root) to compare", file=sys.stderr)
    if have_suricata:
        rules = os.path.join(args.workdir, "empty.rules")
        open(rules, "w").close()
        outs["suricata"] = os.path.join(args.workdir, "out-suricata")
        cmds["suricata"] = ["suricata", "-r", pcap, "--runmode", "single", "-k", "none", "-S", rules,
                            "-l", outs["suricata"]]

    results = {name: [] for name in cmds}
    stderr_of = {}
    for _ in range(args.runs):
        for name, cmd in cmds.items():
            if name in outs:
                shutil.rmtree(outs[name], ignore_errors=True)
                os.makedirs(outs[name])
            wall, cpu, rss, err = run_measured(cmd)
            results[name].append((wall, cpu, rss))
            stderr_of[name] = err

    def med(name, i):
        return statistics.median(r[i] for r in results[name])

    print()
    print(f"capture: {pcap} ({size / 1e6:.0f} MB, {args.packets:,} SYNs, {distinct:,} flows); "
          f"{args.runs} runs each; {os.cpu_count()} cores; medians")
    ref = "suricata" if have_suricata else None
    print(f"{'command':26} {'wall s':>8} {'cpu s':>8} {'Mpkt/s':>8} {'peak MB':>8} {'wall vs suri':>13} {'cpu vs suri':>12}")
    for name in cmds:
        wall, cpu, rss = med(name, 0), med(name, 1), med(name, 2)
        vs = ""
        if ref:
            vs = f"{med(ref, 0) / wall:12.2f}x {med(ref, 1) / cpu:11.2f}x"
        print(f"{name:26} {wall:8.2f} {cpu:8.2f} {args.packets / 1e6 / wall:8.2f} {rss:8.0f} {vs}")
    print("  (runs: " + "; ".join(
        f"{n}: " + ", ".join(f"{w:.2f}/{c:.2f}/{r:.0f}" for w, c, r in rs) for n, rs in results.items())
          + "  [wall/cpu/MB])")

    # Accounting, from the last run's outputs.
    print("\nflow accounting (last run)")
    ok = True
    flows, reasons, stats_line = scan_eve(eve_out)
    st = {}
    if stats_line:
        import json
        stats = json.loads(stats_line)["stats"]
        st = (stats.get("sensor") or stats).get("flow", {})
    total = st.get("total")
    ev = st.get("evictions")
    ended = st.get("ended", {})
    print(f"  sensor: {flows:,} flow records {dict(sorted(reasons.items()))}; stats flow.total {total}, "
          f"flow.evictions {ev}, flow.ended {ended}, peak_active {st.get('peak_active')}")
    checks = [
        ("flow records == distinct flows", flows == distinct),
        ("flow.total == distinct flows", total == distinct),
        ("records with reason forced == flow.evictions == flow.ended.forced",
         reasons.get("forced", 0) == ev == ended.get("forced")),
        ("records by reason == flow.ended by reason",
         all(reasons.get(k, 0) == v for k, v in ended.items())),
    ]
    for what, good in checks:
        print(f"    {'ok  ' if good else 'FAIL'} {what}")
        ok &= good
    if "sensor --eve /dev/null" in stderr_of:
        m = re.search(r"(\d+) flows .*?(\d+) evicted; (\d+) records written, (\d+) lost", stderr_of["sensor --eve /dev/null"])
        if m:
            f2, e2, rec2, lost2 = map(int, m.groups())
            good = f2 == distinct and e2 == ev and rec2 == flows + 1 and lost2 == 0
            print(f"  sensor --eve /dev/null: {f2:,} flows, {e2:,} evicted, {rec2:,} records written "
                  f"(flows + stats), {lost2} lost: {'ok' if good else 'FAIL'}")
            ok &= good
    if have_suricata:
        sflows, sreasons, sstats = scan_eve(os.path.join(outs["suricata"], "eve.json"))
        line = f"  suricata: {sflows:,} flow records {dict(sorted(sreasons.items()))}"
        if sstats:
            import json
            s = json.loads(sstats)["stats"]
            fl = s.get("flow", {})
            line += (f"; stats flow.total {fl.get('total', 0):,}, get_used_failed (packets with no flow) "
                     f"{fl.get('get_used_failed', 0):,}, tcp.ssn_memcap_drop "
                     f"{s.get('tcp', {}).get('ssn_memcap_drop', 0):,}, emergency mode entered "
                     f"{fl.get('emerg_mode_entered', 0)}")
        print(line)
        print(f"    unlogged: {distinct - sflows:,} of {distinct:,} flows ({(distinct - sflows) / distinct:.1%})")
    print("\naccounting: " + ("every sensor flow accounted for" if ok else "MISMATCH"))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
