#!/usr/bin/env python3
"""Live capture benchmark (not a timed test): `sensor run` against Suricata 7.0.10's af-packet
mode on the same veth pair and the same capture, in one run: packets sent, received and
dropped by the kernel, and each tool's CPU time.

    sudo python3 benches/live_capture.py                       # 200 MB bench capture, workers 1
                                                               # and 2, 3 runs each, top speed
    sudo python3 benches/live_capture.py --workers 1 --runs 1 --loops 3
    sudo python3 benches/live_capture.py --rate top,2000,1000  # also at 2000 and 1000 Mbit/s
    sudo python3 benches/live_capture.py --rules FILE          # both with exactly these rules
    sudo python3 benches/live_capture.py --flows-only          # sensor --flows-only (Suricata
                                                               # unchanged: say so when quoting)

Each run gets a fresh network namespace with a veth pair send0 / cap0 (IPv6 off, MTU 9000, as
sensor/tests/live.rs makes it), deleted afterwards (also on failure or Ctrl-C). The tool starts
on cap0 inside the namespace; once its AF_PACKET sockets are bound to cap0 (read from the
namespace's /proc/net/packet) the capture goes through send0 with
`tcpreplay --preload-pcap --topspeed` (or `--mbps R`, and `--loop N`); then the script waits until
the tool is idle (its CPU time stops growing), reads its CPU time (utime + stime of all threads
from /proc/PID/stat), stops it with SIGTERM and reads its counters:

- sensor: `sensor run --interface cap0 --workers W --eve DIR/eve.json -q --stats-interval 0`, the
  final EVE stats record: `capture.kernel_packets`, `capture.kernel_drops` (Suricata's names;
  per interface under `sensor.capture`), `decoder.pkts`.
- Suricata: `suricata --af-packet=cap0 --runmode workers -c DIR/suricata.yaml -S RULES -l DIR`,
  a minimal configuration written into DIR: af-packet on cap0, `threads: W`,
  `cluster-type: cluster_flow`, `defrag: yes`, TPACKET_V3 (`--suricata-ring-size`,
  `--suricata-block-size`: Suricata's defaults unless given), `checksum-checks: no`; EVE stats
  every second, the last record read: `capture.kernel_packets`, `capture.kernel_drops`,
  `decoder.pkts`.

Kernel counters are PACKET_STATISTICS summed over the tool's sockets: `kernel_packets` counts
every packet offered to the ring, dropped ones included, so received = kernel_packets -
kernel_drops. Packets that never reached cap0's sockets (veth or backlog drops) show as
sent - kernel_packets, and cap0's own rx counters are printed too.

Rules: without --rules the sensor runs its shipped packs and Suricata an empty rule file (as in
pipeline.py); with --rules FILE the sensor runs `--signatures-only --rules FILE` and Suricata
`-S FILE`.
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEND, CAP = "send0", "cap0"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def sh(cmd, check=True):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
    return r


class Netns:
    """A namespace with the veth pair send0 / cap0; `delete()` removes both."""

    def __init__(self, name):
        self.name = name
        sh(["ip", "netns", "add", name])
        try:
            for key in ("all", "default"):
                sh(["ip", "netns", "exec", name, "sysctl", "-qw", f"net.ipv6.conf.{key}.disable_ipv6=1"],
                   check=False)
            self.ip("link", "set", "lo", "up")
            self.ip("link", "add", "name", SEND, "type", "veth", "peer", "name", CAP)
            for iface in (SEND, CAP):
                self.ip("link", "set", iface, "mtu", "9000")
                self.ip("link", "set", iface, "up")
        except Exception:
            self.delete()
            raise

    def ip(self, *args):
        return sh(["ip", "-n", self.name] + list(args))

    def exec_cmd(self, cmd):
        return ["ip", "netns", "exec", self.name] + cmd

    def ifindex(self, iface):
        return int(open_in_ns(self, f"/sys/class/net/{iface}/ifindex").strip())

    def link_stats(self, iface):
        j = json.loads(self.ip("-s", "-j", "link", "show", iface).stdout)[0]["stats64"]
        return {"rx_packets": j["rx"]["packets"], "rx_dropped": j["rx"]["dropped"],
                "tx_packets": j["tx"]["packets"], "tx_dropped": j["tx"]["dropped"]}

    def packet_sockets_on(self, ifindex):
        text = sh(self.exec_cmd(["cat", "/proc/net/packet"])).stdout
        n = 0
        for line in text.splitlines()[1:]:
            f = line.split()
            if len(f) >= 5 and f[4] == str(ifindex):
                n += 1
        return n

    def delete(self):
        subprocess.run(["ip", "netns", "del", self.name], stderr=subprocess.DEVNULL)


def open_in_ns(ns, path):
    return sh(ns.exec_cmd(["cat", path])).stdout


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def softnet_dropped():
    total = 0
    with open("/proc/net/softnet_stat") as f:
        for line in f:
            total += int(line.split()[1], 16)
    return total


SURICATA_YAML = """%YAML 1.1
---
# Written by benches/live_capture.py: the minimum for af-packet on {cap}.
vars:
  address-groups:
    HOME_NET: "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"
    EXTERNAL_NET: "!$HOME_NET"
    HTTP_SERVERS: "$HOME_NET"
    SMTP_SERVERS: "$HOME_NET"
    SQL_SERVERS: "$HOME_NET"
    DNS_SERVERS: "$HOME_NET"
    TELNET_SERVERS: "$HOME_NET"
    AIM_SERVERS: "$EXTERNAL_NET"
    DC_SERVERS: "$HOME_NET"
    DNP3_SERVER: "$HOME_NET"
    DNP3_CLIENT: "$HOME_NET"
    MODBUS_CLIENT: "$HOME_NET"
    MODBUS_SERVER: "$HOME_NET"
    ENIP_CLIENT: "$HOME_NET"
    ENIP_SERVER: "$HOME_NET"
  port-groups:
    HTTP_PORTS: "80"
    SHELLCODE_PORTS: "!80"
    ORACLE_PORTS: 1521
    SSH_PORTS: 22
    DNP3_PORTS: 20000
    MODBUS_PORTS: 502
    FILE_DATA_PORTS: "[$HTTP_PORTS,110,143]"
    FTP_PORTS: 21
    GENEVE_PORTS: 6081
    VXLAN_PORTS: 4789
    TEREDO_PORTS: 3544
default-log-dir: {logdir}
classification-file: /etc/suricata/classification.config
reference-config-file: /etc/suricata/reference.config
logging:
  default-log-level: notice
  outputs:
    - console:
        enabled: yes
    - file:
        enabled: yes
        level: perf
        filename: suricata.log
stats:
  enabled: yes
  interval: 1
outputs:
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      types:
        - alert
        - http
        - dns
        - tls
        - flow
        - stats:
            totals: yes
            threads: no
unix-command:
  enabled: no
af-packet:
  - interface: {cap}
    threads: {threads}
    cluster-id: 99
    cluster-type: cluster_flow
    defrag: yes
    use-mmap: yes
    tpacket-v3: yes
    checksum-checks: no
{ring}"""


def pinned(cmd, cpus):
    return ["taskset", "-c", cpus] + cmd if cpus else cmd


def tcpreplay_cmd(ns, pcap, rate, loops, cpus=None):
    cmd = pinned(["tcpreplay", "-i", SEND, "--preload-pcap"], cpus)
    cmd += ["--topspeed"] if rate == "top" else ["--mbps", str(rate)]
    if loops > 1:
        cmd += ["--loop", str(loops)]
    return ns.exec_cmd(cmd + [pcap])


def parse_tcpreplay(text):
    out = {}
    m = re.search(r"Actual:\s+(\d+) packets \((\d+) bytes\) sent in ([\d.]+) seconds", text)
    if m:
        out["sent"], out["bytes"], out["seconds"] = int(m[1]), int(m[2]), float(m[3])
    m = re.search(r"Rated:\s+[\d.]+ Bps, ([\d.]+) Mbps, ([\d.]+) pps", text)
    if m:
        out["mbps"], out["pps"] = float(m[1]), float(m[2])
    m = re.search(r"Successful packets:\s+(\d+)", text)
    if m:
        out["sent"] = int(m[1])
    m = re.search(r"Failed packets:\s+(\d+)", text)
    out["failed"] = int(m[1]) if m else 0
    return out


def last_stats(eve):
    """The last EVE stats record's `stats` object, or None."""
    last = None
    try:
        with open(eve, "rb") as f:
            for line in f:
                if b'"event_type":"stats"' in line or b'"event_type": "stats"' in line:
                    last = line
    except OSError:
        return None
    return json.loads(last)["stats"] if last else None


def wait_idle(pid, quiet_for=1.0, step=0.25, limit=120.0):
    """Waits until the process's CPU time grows by under 5% of a core for quiet_for seconds."""
    t_end = time.monotonic() + limit
    quiet = 0.0
    prev = cpu_seconds(pid)
    while time.monotonic() < t_end:
        time.sleep(step)
        cur = cpu_seconds(pid)
        quiet = quiet + step if cur - prev < 0.05 * step else 0.0
        prev = cur
        if quiet >= quiet_for:
            return True
    return False


def one_run(args, tool, workers, rate, pcap, sensor, rules_file, run_id):
    ns = Netns(f"lcbench-{os.getpid()}-{run_id}")
    proc = None
    outdir = os.path.join(args.workdir, f"out-{tool}-w{workers}-{rate}-{run_id}")
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    try:
        if tool == "sensor":
            eve = os.path.join(outdir, "eve.json")
            cmd = [sensor, "run", "--interface", CAP, "--workers", str(workers), "--eve", eve, "-q",
                   "--stats-interval", "0", "--stats-sensor-counters"]
            if args.flows_only:
                cmd.append("--flows-only")
            if args.sensor_ring_blocks:
                cmd += ["--ring-blocks", str(args.sensor_ring_blocks)]
            if args.rules:
                cmd += ["--signatures-only", "--rules", os.path.abspath(args.rules)]
        else:
            eve = os.path.join(outdir, "eve.json")
            ring = ""
            if args.suricata_ring_size:
                ring += f"    ring-size: {args.suricata_ring_size}\n"
            if args.suricata_block_size:
                ring += f"    block-size: {args.suricata_block_size}\n"
            yaml = os.path.join(outdir, "suricata.yaml")
            with open(yaml, "w") as f:
                f.write(SURICATA_YAML.format(cap=CAP, threads=workers, logdir=outdir, ring=ring))
            cmd = ["suricata", "-c", yaml, f"--af-packet={CAP}", "--runmode", "workers",
                   "-S", rules_file, "-l", outdir]
        errpath = os.path.join(outdir, "stderr.txt")
        with open(errpath, "wb") as err:
            proc = subprocess.Popen(ns.exec_cmd(pinned(cmd, args.cpus)), stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        # Ready once its sockets are bound to cap0 (both tools bind every worker's socket
        # before reading), plus a moment for the fanout group and rings.
        idx = ns.ifindex(CAP)
        deadline = time.monotonic() + 60
        while ns.packet_sockets_on(idx) < workers:
            if proc.poll() is not None:
                raise RuntimeError(f"{tool} exited ({proc.returncode}) before capturing: "
                                   + open(errpath, errors="replace").read()[-2000:])
            if time.monotonic() > deadline:
                raise RuntimeError(f"{tool} did not open {workers} sockets on {CAP} within 60 s")
            time.sleep(0.1)
        time.sleep(1.0)
        link0 = ns.link_stats(CAP)
        softnet0 = softnet_dropped()
        cpu0 = cpu_seconds(proc.pid)
        r = sh(tcpreplay_cmd(ns, pcap, rate, args.loops, args.cpus), check=False)
        tr = parse_tcpreplay(r.stdout + r.stderr)
        if r.returncode != 0 or "sent" not in tr:
            raise RuntimeError(f"tcpreplay failed ({r.returncode}): {r.stdout}{r.stderr}")
        idle = wait_idle(proc.pid)
        cpu = cpu_seconds(proc.pid) - cpu0
        link1 = ns.link_stats(CAP)
        softnet1 = softnet_dropped()
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"{tool} did not stop within 120 s of SIGTERM")
        if code != 0:
            sys.stderr.write(f"warning: {tool} exited {code} after SIGTERM: "
                             + open(errpath, errors="replace").read()[-1000:] + "\n")
        ring_mib = None
        if tool == "sensor":
            ring_mib = (args.sensor_ring_blocks or 64) * 1.0    # blocks of 1 MiB (the default size)
        else:
            try:
                m = re.search(r"rx ring params: .*\(mem: (\d+)\)",
                              open(os.path.join(outdir, "suricata.log"), errors="replace").read())
                ring_mib = int(m[1]) / 1048576 if m else None
            except OSError:
                pass
        st = last_stats(eve)
        if st is None:
            raise RuntimeError(f"{tool}: no stats record in {eve}")
        if not args.keep_eve:
            # A flood writes gigabytes of flow records; the counters are all this needs.
            os.remove(eve)
        # Both write Suricata's totals (the sensor has the per-interface counts under
        # `stats.sensor.capture` too).
        cap = st.get("capture", {})
        kpk, kdr = cap.get("kernel_packets"), cap.get("kernel_drops")
        return {
            "tool": tool, "workers": workers, "rate": rate, "sent": tr["sent"],
            "failed": tr["failed"], "mbps": tr.get("mbps"), "pps": tr.get("pps"),
            "send_s": tr.get("seconds"), "kernel_packets": kpk, "kernel_drops": kdr,
            "decoder_pkts": st.get("decoder", {}).get("pkts"), "cpu": cpu, "idle": idle,
            "cap_rx": link1["rx_packets"] - link0["rx_packets"],
            "cap_rx_dropped": link1["rx_dropped"] - link0["rx_dropped"],
            "softnet_dropped": softnet1 - softnet0, "exit": code, "ring_mib": ring_mib,
        }
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        ns.delete()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pcap", help="send this capture (classic pcap) instead of a generated one")
    ap.add_argument("--size", default="200M", help="size of the generated bench capture (default 200M)")
    ap.add_argument("--workers", default="1,2", help="worker counts, comma-separated (default 1,2)")
    ap.add_argument("--runs", type=int, default=3, help="runs per tool and setting (default 3)")
    ap.add_argument("--rate", default="top", help="comma-separated: `top` (--topspeed) or Mbit/s "
                    "for tcpreplay --mbps (default top)")
    ap.add_argument("--loops", type=int, default=1, help="tcpreplay --loop (default 1)")
    ap.add_argument("--rules", help="rule file for both tools (sensor --signatures-only)")
    ap.add_argument("--flows-only", action="store_true", help="sensor --flows-only")
    ap.add_argument("--tools", default="sensor,suricata", help="default sensor,suricata")
    ap.add_argument("--suricata-ring-size", type=int, help="Suricata af-packet ring-size (frames; by "
                    "default 2048 for one thread, 1024 per thread for two: 147 or 74 blocks of 128 KiB, "
                    "18.4 or 9.25 MiB per thread at MTU 9000)")
    ap.add_argument("--suricata-block-size", type=int, help="Suricata af-packet block-size (bytes); "
                    "--suricata-block-size 1048576 --suricata-ring-size 7182 gives 64 blocks of 1 MiB at "
                    "MTU 9000, the sensor's default ring")
    ap.add_argument("--sensor-ring-blocks", type=int, help="sensor --ring-blocks (of 1 MiB; default 64)")
    ap.add_argument("--cpus", help="run both the tool and tcpreplay under `taskset -c CPUS` (e.g. `1`: "
                    "one core shared by sender and tool; the sender then slows down as the tool takes "
                    "CPU, so this shows CPU per packet more than drops)")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "sensor-live-bench"))
    ap.add_argument("--sensor", help="sensor binary (default: build and use target/release/sensor)")
    ap.add_argument("--keep-eve", action="store_true",
                    help="keep each run's eve.json (default: deleted once its stats are read)")
    ap.add_argument("--json", help="also write every run's numbers to this file")
    args = ap.parse_args()

    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces, AF_PACKET)")
    for tool in ("tcpreplay", "ip"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed")
    tools = args.tools.split(",")
    if "suricata" in tools and not shutil.which("suricata"):
        sys.exit("suricata not found: run ../shared/tools/install-suricata (as root)")
    os.makedirs(args.workdir, exist_ok=True)
    sensor = args.sensor
    if not sensor:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "sensor"], cwd=ROOT, check=True)
        sensor = os.path.join(ROOT, "target", "release", "sensor")
    pcap = args.pcap
    if not pcap:
        pcap = os.path.join(args.workdir, f"bench-{args.size}.pcap")
        if not os.path.exists(pcap):
            print(f"generating {pcap} ...", flush=True)
            subprocess.run([sensor, "generate", "--scenario", "bench", "--size", args.size, "--out", pcap],
                           check=True, stdout=subprocess.DEVNULL)
    pcap = os.path.abspath(pcap)
    rules_file = os.path.abspath(args.rules) if args.rules else os.path.join(args.workdir, "empty.rules")
    if not args.rules:
        open(rules_file, "w").close()

    workers = [int(w) for w in args.workers.split(",")]
    rates = args.rate.split(",")
    results = []
    run_id = 0
    for i in range(args.runs):
        for rate in rates:
            for w in workers:
                for tool in tools:
                    run_id += 1
                    r = one_run(args, tool, w, rate, pcap, sensor, rules_file, run_id)
                    results.append(r)
                    drop_pct = 100.0 * (r["kernel_drops"] or 0) / r["sent"] if r["sent"] else 0
                    print(f"run {i + 1}: {tool:8} w{w} rate {rate}: sent {r['sent']} at "
                          f"{r['pps'] or 0:.0f} pps / {r['mbps'] or 0:.0f} Mbit/s; kernel {r['kernel_packets']} "
                          f"dropped {r['kernel_drops']} ({drop_pct:.2f}%); decoded {r['decoder_pkts']}; "
                          f"cap0 rx {r['cap_rx']}; cpu {r['cpu']:.2f} s"
                          + ("" if r["idle"] else " (never idle)"), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)

    print()
    print(f"capture: {pcap} ({os.path.getsize(pcap) / 1e6:.0f} MB) x{args.loops}; {args.runs} runs; "
          f"rules: {args.rules or 'sensor shipped, Suricata none'}{'; sensor --flows-only' if args.flows_only else ''}"
          f"{'; taskset -c ' + args.cpus if args.cpus else ''}")
    print("medians over runs; received = kernel_packets - kernel_drops; dropped % of sent; "
          "not seen = sent - kernel_packets; kpps and Mbit/s: tcpreplay's rate; CPU s: the tool's "
          "user + system time while the capture went through; ring MiB: per worker")
    hdr = (f"{'tool':9} {'workers':>7} {'rate':>5} {'sent':>10} {'received':>10} {'dropped':>9} {'drop %':>7} "
           f"{'not seen':>8} {'kpps':>6} {'Mbit/s':>7} {'CPU s':>6} {'ring MiB':>8}   per-run drop %")
    print(hdr)
    print("-" * len(hdr))
    for rate in rates:
        for w in workers:
            for tool in tools:
                rs = [r for r in results if r["tool"] == tool and r["workers"] == w and r["rate"] == rate]
                if not rs:
                    continue
                med = lambda k: statistics.median(r[k] or 0 for r in rs)
                recv = statistics.median((r["kernel_packets"] or 0) - (r["kernel_drops"] or 0) for r in rs)
                unseen = statistics.median(r["sent"] - (r["kernel_packets"] or 0) for r in rs)
                per = " ".join(f"{100.0 * (r['kernel_drops'] or 0) / r['sent']:.2f}" for r in rs)
                print(f"{tool:9} {w:>7} {rate:>5} {med('sent'):>10.0f} {recv:>10.0f} {med('kernel_drops'):>9.0f} "
                      f"{100.0 * med('kernel_drops') / med('sent'):>6.2f}% {unseen:>8.0f} "
                      f"{med('pps') / 1000:>6.0f} {med('mbps'):>7.0f} {med('cpu'):>6.2f} {med('ring_mib'):>8.2f}   {per}")


if __name__ == "__main__":
    main()
