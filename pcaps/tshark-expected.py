#!/usr/bin/env python3
"""Prints the per-flow expectations of sensor/tests/replay_pcaps.rs, taken from tshark.

Usage: python3 pcaps/tshark-expected.py pcaps/*.pcap pcaps/*.pcapng > /tmp/expected.rs

For each capture, TCP and UDP conversations come from `tshark -z conv,tcp` / `conv,udp` (frame
counts) with exact byte totals summed from `frame.len` per direction (the conv tables round
bytes to kB). Each conversation is checked to be the same in both. In fragments.pcap every UDP
flow has an address pair of its own, and its expectation counts every frame of that pair,
fragments included (tshark's conv,udp sees only the reassembled datagram).
"""
import collections
import re
import subprocess
import sys


def tshark(*args):
    return subprocess.run(["tshark", *args], check=True, capture_output=True, text=True).stdout


def endpoint(ip, port):
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def conv_frames(path, proto):
    """{(A, B): (frames A->B, frames B->A)} from tshark's conversation table."""
    out = tshark("-q", "-z", f"conv,{proto}", "-r", path)
    res = {}
    for line in out.splitlines():
        m = re.match(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+\d+\s+\S+\s+(\d+)\s+\d+\s+\S+", line)
        if not m:
            continue
        a, b = (endpoint(*split_ep(x)) for x in (m.group(1), m.group(2)))
        # Columns: "<-" is B to A, "->" is A to B.
        b_to_a, a_to_b = int(m.group(3)), int(m.group(4))
        res[(a, b)] = (a_to_b, b_to_a)
    return res


def split_ep(s):
    ip, port = s.rsplit(":", 1)
    return ip, port


def flows(path, proto, all_frames_by_pair=False):
    fields = ["ip.src", "ipv6.src", f"{proto}.srcport", "ip.dst", "ipv6.dst", f"{proto}.dstport", "frame.len"]
    args = ["-r", path, "-T", "fields", "-E", "separator=|", "-E", "occurrence=l"]
    for f in fields:
        args += ["-e", f]
    stats = collections.OrderedDict()
    pair_ports = {}
    for line in tshark(*args, "-Y", proto).splitlines():
        s4, s6, sp, d4, d6, dp, ln = line.split("|")
        src, dst = endpoint(s4 or s6, sp), endpoint(d4 or d6, dp)
        key = tuple(sorted([src, dst]))
        st = stats.setdefault(key, {src: [0, 0], dst: [0, 0]})
        st[src][0] += 1
        st[src][1] += int(ln)
        pair_ports[tuple(sorted([s4 or s6, d4 or d6]))] = key
    if all_frames_by_pair:
        # Recount from every frame of the address pair (fragments carry no UDP header).
        for st in stats.values():
            for v in st.values():
                v[0] = v[1] = 0
        args = ["-r", path, "-T", "fields", "-E", "separator=|", "-E", "occurrence=l", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"]
        for f in ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "frame.len"]:
            args += ["-e", f]
        for line in tshark(*args, "-Y", "ip or ipv6").splitlines():
            s4, s6, d4, d6, ln = line.split("|")
            key = pair_ports.get(tuple(sorted([s4 or s6, d4 or d6])))
            if key is None:
                continue
            st = stats[key]
            src_ep = next(e for e in st if split_ep(e)[0].strip("[]") == (s4 or s6))
            st[src_ep][0] += 1
            st[src_ep][1] += int(ln)
    return stats


def main():
    for path in sys.argv[1:]:
        name = path.rsplit("/", 1)[-1]
        print(f"// {name}")
        for proto in ("tcp", "udp"):
            frag = proto == "udp" and name == "fragments.pcap"
            st = flows(path, proto, all_frames_by_pair=frag)
            conv = conv_frames(path, proto)
            if not frag:
                assert len(conv) == len(st), (name, proto, len(conv), len(st))
                for (a, b), (ab, ba) in conv.items():
                    key = tuple(sorted([a, b]))
                    assert st[key][a][0] == ab and st[key][b][0] == ba, (name, a, b)
            const = re.sub(r"[^A-Z0-9]", "_", name.rsplit(".", 1)[0].upper()) + "_" + proto.upper()
            print(f"const {const}: &[Conv] = &[")
            for (a, b), st_ in st.items():
                print(f'    c("{a}", "{b}", {st_[a][0]}, {st_[a][1]}, {st_[b][0]}, {st_[b][1]}),')
            print("];")


main()
