#!/usr/bin/env python3
"""Soak: a paced `sensor replay` for --minutes (default 10) with the process's RSS sampled
every second; the RSS must stay flat.

    python3 benches/soak.py                          # 10 min: ten 100 MB bench captures
    python3 benches/soak.py --minutes 3 --traffic-minutes 9 --loops 6   # shorter
    python3 benches/soak.py --pcap pcaps/benign-office.pcap   # one committed capture, paced
                                                     # so that it lasts --minutes

Input: by default --loops (10) bench captures, `sensor generate --scenario bench --size
--bench-size --seed K` for K = 1..--seeds (5), cycled (cached in --workdir; each seed has other
addresses and ports, so each copy brings new flows; with 10 copies of 5 seeds the second half
carries the first half's traffic again), written one after the other into one capture. Each copy
is stretched in packet time to fill an equal slot of --traffic-minutes (default 30: three times
the longest flow timeout, 600 s for established TCP), so flows keep ending as new ones start and
the flow table reaches a steady state (about 4 copies in) well before the second half; the
stretch only slows the link (a 100 MB copy, 4 s of its 1 Gb/s traffic, becomes 3 minutes).
The pace factor is chosen so that the whole capture lasts --minutes (`--pace` sets it
directly). With --pcap, that file (classic pcap) is replayed --loops times back to back, at its
own packet times unless --traffic-minutes is given.

The capture reaches the sensor through a pipe (`cat FILE | sensor replay ... /dev/stdin`):
given the file, the sensor maps it and keeps a window of up to about 50 MB of it mapped, which
counts in VmRSS (as RssFile) and moves in 16 MB steps, hiding the heap's trend (`--mapped`
does that anyway).

Every second it reads VmRSS (and RssAnon, RssFile) from /proc/PID/status; every 10 s it scrapes the sensor's
`--metrics-listen` endpoint on 127.0.0.1 (process_resident_memory_bytes,
sensor_flows_active, sensor_decoder_packets_total) and counts the scrapes that failed.
Samples go to WORKDIR/soak-rss.csv (and the scrapes to WORKDIR/soak-metrics.csv).

At the end: min / median / max RSS, the RSS slope over the second half of the run (least
squares, KB per minute; the first half is the warm-up in which the flow table and the
allocator's arenas fill), and the verdict: "flat" when the second half's growth, extrapolated
to 10 minutes, is below --threshold-pct (default 1) percent of the median RSS. Exit status 0
when flat and every scrape answered, 1 otherwise.
"""
import argparse
import csv
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_pcap(path):
    """A classic pcap: (header bytes, endianness, ns?, list of (ts_ns, record-without-ts))."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        sys.exit(f"{path}: not a classic pcap (pcapng is not supported for looping)")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    return data, end, nano


def concat_pcaps(srcs, dst, slot=None):
    """Writes the captures in srcs one after the other into dst (the link type and timestamp
    unit of the first; all must match). Without `slot`, each starts one mean packet gap after
    the previous one's last packet. With `slot` (seconds), copy k starts at k * slot seconds
    after the first copy's first packet, its packet times stretched to fill the slot (a slower
    link carrying the same flows). Returns (packets, seconds of packet time of the whole)."""
    div = 1_000_000_000
    total, clock, header, origin = 0, None, None, None
    with open(dst, "wb") as out:
        for k, src in enumerate(srcs):
            data, end, nano = read_pcap(src)
            if header is None:
                header = data[:24]
                out.write(header)
            elif data[:4] != header[:4] or data[20:24] != header[20:24]:
                sys.exit(f"{src}: byte order, timestamp unit or link type differs from {srcs[0]}")
            unit = 1 if nano else 1000
            rec = struct.Struct(end + "IIII")
            at, first, last, n = 24, None, None, 0
            while at + 16 <= len(data):
                s, frac, incl, _ = rec.unpack_from(data, at)
                t = s * div + frac * unit
                first = t if first is None else first
                last = t
                at += 16 + incl
                n += 1
            gap = (last - first) // max(n - 1, 1) or 1000
            if origin is None:
                origin = first
            if slot is None:
                stretch = 1.0
                start = first if clock is None else clock + gap
            else:
                stretch = slot * div / (last - first + gap)
                start = origin + k * int(slot * div)
            at = 24
            buf = bytearray()
            while at + 16 <= len(data):
                s, frac, incl, orig = rec.unpack_from(data, at)
                t = start + int((s * div + frac * unit - first) * stretch)
                buf += rec.pack(t // div, (t % div) // unit, incl, orig)
                buf += data[at + 16:at + 16 + incl]
                at += 16 + incl
                if len(buf) > 1 << 24:
                    out.write(buf)
                    buf = bytearray()
            out.write(buf)
            clock = start + int((last - first) * stretch)
            total += n
    return total, (clock - origin) / div


def rss_kb(pid):
    """(VmRSS, RssAnon, RssFile) in KB from /proc/PID/status, or None once the process is gone.
    RssFile is mostly the window of the input file the replay keeps mapped (up to about 50 MB
    behind and ahead of its cursor, released in 16 MB steps): a sawtooth, not a leak. RssAnon
    is the heap, where a leak would show."""
    got = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":")[0]
                if key in ("VmRSS", "RssAnon", "RssFile"):
                    got[key] = int(line.split()[1])
    except OSError:
        return None
    if "VmRSS" not in got:
        return None
    return got["VmRSS"], got.get("RssAnon", 0), got.get("RssFile", 0)


def scrape(port):
    """The metrics of interest from /metrics, or None if the endpoint did not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            body = r.read().decode()
    except Exception:
        return None
    want = {"sensor_process_resident_memory_bytes": None, "sensor_flows_active": None,
            "sensor_decoder_packets_total": None}
    for line in body.splitlines():
        if line.startswith("#"):
            continue
        name = line.split("{")[0].split(" ")[0]
        if name == "process_resident_memory_bytes":     # the standard name, unprefixed
            name = "sensor_process_resident_memory_bytes"
        if name in want:
            try:
                want[name] = (want[name] or 0) + float(line.rsplit(" ", 1)[1])
            except ValueError:
                pass
    return want


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def slope_per_min(points):
    """Least-squares slope of (seconds, value) points, per minute."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in points)
    return (sxy / sxx) * 60 if sxx else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pcap", help="capture to loop (classic pcap); default: a generated bench capture")
    ap.add_argument("--bench-size", default="100M", help="size of the generated bench capture (default 100M)")
    ap.add_argument("--loops", type=int, help="copies of the capture, back to back (default 10 for the "
                    "bench capture, 1 for --pcap)")
    ap.add_argument("--seeds", type=int, default=5,
                    help="distinct bench captures (seeds 1..N), cycled over the --loops copies "
                         "(default 5: with 10 copies the second half repeats the first half's "
                         "traffic; 0: one seed per copy)")
    ap.add_argument("--minutes", type=float, default=10.0, help="how long the paced replay lasts (default 10)")
    ap.add_argument("--traffic-minutes", type=float,
                    help="packet time the whole input spans: the copies are stretched to fill "
                         "equal slots of it (default 30 for the bench capture: three times the "
                         "longest flow timeout, 600 s for established TCP, so the flow table is in "
                         "steady state, flows ending as fast as they start, for the second half; "
                         "with --pcap default: the captures' own times, back to back)")
    ap.add_argument("--pace", type=float, help="pace factor (default: computed from --minutes)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--flows-only", action="store_true")
    ap.add_argument("--rules", action="append", default=[], help="passed to the sensor (repeatable)")
    ap.add_argument("--mapped", action="store_true",
                    help="give the sensor the file itself (it maps it, and the mapped window of "
                         "the file, up to about 50 MB released in 16 MB steps, counts in VmRSS "
                         "as RssFile); default: the capture through a pipe on /dev/stdin, so "
                         "VmRSS is the sensor's own memory")
    ap.add_argument("--no-metrics", action="store_true", help="do not serve or scrape metrics")
    ap.add_argument("--threshold-pct", type=float, default=1.0,
                    help="flat if the second half's slope is below this percent of the median RSS "
                         "per 10 minutes (default 1)")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "sensor-soak"))
    ap.add_argument("--sensor", help="sensor binary (default: build and use target/release/sensor)")
    args = ap.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    sensor = args.sensor
    if not sensor:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "sensor"], cwd=ROOT, check=True)
        sensor = os.path.join(ROOT, "target", "release", "sensor")

    loops = args.loops or (1 if args.pcap else 10)
    if args.pcap:
        srcs = [args.pcap] * loops
    else:
        # One bench capture per seed: each copy brings new flows (same start time, other
        # addresses and ports), so the flow table keeps turning over as on a real link.
        # --seeds of them, cycled: with the default 5 seeds and 10 copies the second half
        # carries exactly the first half's traffic (900 s of packet time later, when every flow
        # of the first cycle has ended), so the same load must find the same memory.
        seeds = args.seeds or loops
        srcs = []
        for k in range(loops):
            seed = k % seeds + 1
            src = os.path.join(args.workdir, f"bench-{args.bench_size}-seed{seed}.pcap")
            if not os.path.exists(src):
                print(f"generating {src} ...", flush=True)
                subprocess.run([sensor, "generate", "--scenario", "bench", "--size", args.bench_size,
                                "--seed", str(seed), "--out", src], check=True, stdout=subprocess.DEVNULL)
            srcs.append(src)
    looped = os.path.join(args.workdir, "soak-input.pcap")
    traffic_min = args.traffic_minutes
    if traffic_min is None and not args.pcap:
        traffic_min = 30.0
    slot = traffic_min * 60.0 / loops if traffic_min else None
    packets, duration = concat_pcaps(srcs, looped, slot)
    pace = args.pace or duration / (args.minutes * 60.0)
    expect = duration / pace
    what = args.pcap if args.pcap else f"bench {args.bench_size} seeds 1-{args.seeds or loops} cycled"
    print(f"input: {what}, {loops} back to back = {packets} packets, {duration:.2f} s of traffic; "
          f"pace {pace:.5g} -> {expect / 60:.1f} min, {packets / expect:.0f} packets/s", flush=True)

    eve = os.path.join(args.workdir, "eve.json")
    cmd = [sensor, "replay", "-q", "--pace", repr(pace), "--workers", str(args.workers), "--eve", eve]
    if args.flows_only:
        cmd.append("--flows-only")
    for r in args.rules:
        cmd += ["--rules", os.path.abspath(r)]
    port = None
    if not args.no_metrics:
        port = free_port()
        cmd += ["--metrics-listen", f"127.0.0.1:{port}"]
    cmd.append(looped if args.mapped else "/dev/stdin")
    print(" ".join(cmd) + ("" if args.mapped else f" < {looped} (through a pipe)"), flush=True)

    rss_csv = os.path.join(args.workdir, "soak-rss.csv")
    met_csv = os.path.join(args.workdir, "soak-metrics.csv")
    samples = []          # (seconds, VmRSS KB, RssAnon KB, RssFile KB)
    scrapes = []          # (seconds, ok, rss bytes, flows active, packets)
    stderr_path = os.path.join(args.workdir, "sensor.stderr")
    feeder = None
    with open(stderr_path, "wb") as err:
        if args.mapped:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        else:
            feeder = subprocess.Popen(["cat", looped], stdout=subprocess.PIPE)
            proc = subprocess.Popen(cmd, stdin=feeder.stdout, stdout=subprocess.DEVNULL, stderr=err)
            feeder.stdout.close()
    t0 = time.monotonic()
    deadline = t0 + expect * 1.5 + 120
    next_sample = t0
    next_scrape = t0 + 10
    status = None
    try:
        while True:
            if proc.poll() is not None:
                break
            now = time.monotonic()
            if now >= deadline:
                print("the replay ran past its deadline: SIGTERM", file=sys.stderr)
                proc.terminate()
                proc.wait(30)
                break
            if now >= next_sample:
                kb = rss_kb(proc.pid)
                if kb is not None:
                    samples.append((now - t0,) + kb)
                next_sample += 1.0
            if port and now >= next_scrape:
                m = scrape(port)
                if proc.poll() is not None:
                    break
                if m is None:
                    scrapes.append((now - t0, False, None, None, None))
                else:
                    scrapes.append((now - t0, True, m["sensor_process_resident_memory_bytes"],
                                    m["sensor_flows_active"], m["sensor_decoder_packets_total"]))
                next_scrape += 10.0
            time.sleep(max(0.0, min(next_sample, next_scrape if port else next_sample) - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if feeder is not None:
            if feeder.poll() is None:
                feeder.kill()
            feeder.wait()
    status = proc.returncode
    elapsed = time.monotonic() - t0

    with open(rss_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["seconds", "vmrss_kb", "rssanon_kb", "rssfile_kb"])
        for row in samples:
            w.writerow([f"{row[0]:.1f}"] + list(row[1:]))
    if port:
        with open(met_csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["seconds", "answered", "process_resident_memory_bytes", "flows_active",
                        "decoder_packets_total"])
            for row in scrapes:
                w.writerow([f"{row[0]:.1f}", int(row[1])] + ["" if v is None else int(v) for v in row[2:]])

    with open(stderr_path, errors="replace") as f:
        summary = [l.strip() for l in f if l.strip()]
    print(f"\nsensor exit status {status} after {elapsed / 60:.1f} min")
    for line in summary[-3:]:
        print("  " + line)
    if len(samples) < 10:
        sys.exit("too few RSS samples")
    rss = [r[1] for r in samples]
    med = statistics.median(rss)
    half = [r for r in samples if r[0] >= samples[-1][0] / 2]
    slope = slope_per_min([(r[0], r[1]) for r in half])
    limit = med * args.threshold_pct / 100 / 10      # KB per minute
    flat = abs(slope) < limit
    print(f"RSS samples: {len(samples)} (every 1 s) -> {rss_csv}")
    for i, name in ((1, "VmRSS"), (2, "RssAnon"), (3, "RssFile")):
        col = [r[i] for r in samples]
        hcol = [(r[0], r[i]) for r in half]
        sl = slope_per_min(hcol)
        print(f"{name:8} KB: min {min(col)}  median {statistics.median(col):.0f}  max {max(col)}  "
              f"first {col[0]}  last {col[-1]};  second half: min {min(v for _, v in hcol)} "
              f"max {max(v for _, v in hcol)}, slope {sl:+.1f} KB/min "
              f"({sl * 10 / med * 100:+.3f}% of median VmRSS per 10 min)")
    print(f"second half: {len(half)} samples, {half[0][0]:.0f}-{half[-1][0]:.0f} s")
    print(f"threshold: |VmRSS slope| < {limit:.1f} KB/min ({args.threshold_pct}% of median VmRSS per 10 min)")
    ok_scrapes = sum(1 for s in scrapes if s[1])
    if port:
        flows = [s[3] for s in scrapes if s[1] and s[3] is not None]
        hflows = [s[3] for s in scrapes if s[1] and s[3] is not None and s[0] >= half[0][0]]
        print(f"metrics: {ok_scrapes}/{len(scrapes)} scrapes answered -> {met_csv}; flows_active "
              f"min {min(flows, default=0):.0f} max {max(flows, default=0):.0f}, in the second half "
              f"{min(hflows, default=0):.0f}-{max(hflows, default=0):.0f}")
    verdict = "flat" if flat else "NOT flat"
    print(f"verdict: {verdict}")
    good = flat and status == 0 and (not port or ok_scrapes == len(scrapes))
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
