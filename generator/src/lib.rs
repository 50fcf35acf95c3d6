//! Synthetic captures of an election-office network (see `pcaps/README.md`).
//!
//! `sensor generate --all --out-dir pcaps` rewrites the committed captures; `--scenario NAME
//! --out FILE` writes one; `--scenario bench --size 1G --out FILE` streams a large mixed capture
//! (`bench-alerts`: the same mix with a few percent of flows ET Open rules fire on);
//! `--scenario synflood --packets 3000000 --out FILE` a SYN flood from spoofed sources.
//! Output depends only on the seed: the generator has its own PRNG and never reads the clock.
//!
//! A workspace crate of its own (`sensor-generate`): it depends on nothing of the sensor, so
//! changing a scenario rebuilds only this crate and the `sensor` binary that links it.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

pub mod bench;
pub mod bench_alerts;
pub mod checksum;
pub mod flow;
pub mod net;
pub mod packet;
pub mod pcap_writer;
pub mod protocols;
pub mod reference;
pub mod rng;
pub mod scenarios;
pub mod synflood;
pub mod timeline;

use pcap_writer::{Endian, Interface, PcapWriter, PcapngWriter};
use rng::Rng;
use scenarios::common::{Ctx, Truth};

/// The seed of the committed captures.
pub const DEFAULT_SEED: u64 = 20_261_103;

/// Arguments of `sensor generate`.
#[derive(clap::Args, Debug, Clone)]
pub struct GenerateArgs {
    /// Capture to generate (see `--list`), `bench` for a large mixed capture, `bench-alerts`
    /// for the same with flows ET Open rules fire on, or `synflood` for a SYN flood from
    /// spoofed sources (`--packets`, `--pps`).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Write every committed capture into `--out-dir`.
    #[arg(long)]
    pub all: bool,
    /// Output file for `--scenario` (`-` for standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output directory for `--all`.
    #[arg(long, default_value = "pcaps")]
    pub out_dir: PathBuf,
    /// PRNG seed; the committed captures use the default.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Size of the bench capture, with an optional K, M or G suffix (powers of 1024).
    #[arg(long, default_value = "1G")]
    pub size: String,
    /// Packets of the synflood capture (each SYN a new flow).
    #[arg(long, default_value_t = synflood::DEFAULT_PACKETS)]
    pub packets: u64,
    /// Rate of the synflood capture, packets per second of packet time.
    #[arg(long, default_value_t = synflood::DEFAULT_PPS)]
    pub pps: u64,
    /// List the captures and exit.
    #[arg(long)]
    pub list: bool,
    /// With `--scenario`: also write what the capture holds that a detector should find
    /// (kind, hosts, packet-time span) as JSON to this file.
    #[arg(long)]
    pub truth: Option<PathBuf>,
}

/// File layout of a capture.
#[derive(Clone, Copy, Debug)]
pub enum Format {
    Pcap {
        endian: Endian,
        nanos: bool,
    },
    /// pcapng with these interfaces (link type, name), all with nanosecond stamps.
    Pcapng(&'static [(u32, &'static str)]),
}

/// One committed capture.
pub struct CaptureSpec {
    pub name: &'static str,
    pub file: &'static str,
    pub about: &'static str,
    pub format: Format,
    build: fn(&mut Ctx),
}

const PCAP_LE: Format = Format::Pcap {
    endian: Endian::Little,
    nanos: false,
};

/// Every committed capture, in the order of `pcaps/README.md`.
pub fn captures() -> &'static [CaptureSpec] {
    use scenarios::*;
    static LIST: &[CaptureSpec] = &[
        CaptureSpec {
            name: "benign",
            file: "benign-office.pcap",
            about: "ten minutes of ordinary office and portal traffic",
            format: PCAP_LE,
            build: benign::build,
        },
        CaptureSpec {
            name: "sqli",
            file: "attack-sqli.pcap",
            about: "SQL injection against the portal, then voter records read out",
            format: PCAP_LE,
            build: sqli::build,
        },
        CaptureSpec {
            name: "scan",
            file: "attack-scan.pcap",
            about: "SYN port scan and HTTP vulnerability scanner against the portal",
            format: PCAP_LE,
            build: scan::build,
        },
        CaptureSpec {
            name: "phishing",
            file: "attack-phishing.pcap",
            about: "workstation posts credentials to a look-alike domain",
            format: PCAP_LE,
            build: phishing::build,
        },
        CaptureSpec {
            name: "beacon",
            file: "attack-beacon.pcap",
            about: "HTTPS beacon to a C2 every 60 s for an hour",
            format: PCAP_LE,
            build: beacon::build,
        },
        CaptureSpec {
            name: "dns-tunnel",
            file: "attack-dns-tunnel.pcap",
            about: "DNS tunnelling through TXT queries",
            format: PCAP_LE,
            build: dns_tunnel::build,
        },
        CaptureSpec {
            name: "exfil",
            file: "attack-exfil.pcap",
            about: "bulk upload from a workstation (data segments snapped)",
            format: PCAP_LE,
            build: exfil::build,
        },
        CaptureSpec {
            name: "vlan",
            file: "vlan-qinq.pcap",
            about: "802.1Q and QinQ tagged traffic",
            format: PCAP_LE,
            build: encap::vlan,
        },
        CaptureSpec {
            name: "ipv6",
            file: "ipv6.pcap",
            about: "IPv6: HTTPS, DNS, ICMPv6, an extension header",
            format: PCAP_LE,
            build: encap::ipv6,
        },
        CaptureSpec {
            name: "fragments",
            file: "fragments.pcap",
            about: "fragmented UDP datagrams over IPv4 and IPv6",
            format: PCAP_LE,
            build: encap::fragments,
        },
        CaptureSpec {
            name: "multi-iface",
            file: "multi-iface.pcapng",
            about: "pcapng, two interfaces (Ethernet, Linux SLL2), nanosecond stamps",
            format: Format::Pcapng(&[
                (pcap_writer::LINKTYPE_ETHERNET, "span0"),
                (pcap_writer::LINKTYPE_LINUX_SLL2, "any"),
            ]),
            build: formats::multi_iface,
        },
        CaptureSpec {
            name: "big-endian",
            file: "big-endian.pcap",
            about: "classic pcap written big-endian",
            format: Format::Pcap {
                endian: Endian::Big,
                nanos: false,
            },
            build: formats::big_endian,
        },
        CaptureSpec {
            name: "nanosecond",
            file: "nanosecond.pcap",
            about: "classic pcap with nanosecond stamps",
            format: Format::Pcap {
                endian: Endian::Little,
                nanos: true,
            },
            build: formats::nanosecond,
        },
    ];
    LIST
}

/// Benign traffic that looks like an attack (`scenarios::lookalikes`); never committed, every
/// parameter drawn from the seed.
pub fn lookalikes() -> &'static [CaptureSpec] {
    use scenarios::lookalikes::*;
    static LIST: &[CaptureSpec] = &[
        CaptureSpec {
            name: "update-checks",
            file: "-",
            about: "many hosts polling a vendor's update service on a schedule",
            format: PCAP_LE,
            build: update_checks,
        },
        CaptureSpec {
            name: "ntp",
            file: "-",
            about: "time sync: the office's NTP server and its clients",
            format: PCAP_LE,
            build: ntp,
        },
        CaptureSpec {
            name: "backup",
            file: "-",
            about: "servers copying tens of MB to the office's backup server",
            format: PCAP_LE,
            build: backup,
        },
        CaptureSpec {
            name: "cdn-download",
            file: "-",
            about: "large downloads from CDNs",
            format: PCAP_LE,
            build: cdn_download,
        },
        CaptureSpec {
            name: "chatty-browsers",
            file: "-",
            about: "browsers pulling in dozens of third-party hosts, webmail tabs polling",
            format: PCAP_LE,
            build: chatty_browsers,
        },
        CaptureSpec {
            name: "busy-resolver",
            file: "-",
            about: "the office resolver answering and forwarding thousands of lookups",
            format: PCAP_LE,
            build: busy_resolver,
        },
        CaptureSpec {
            name: "printer-scan-to-mail",
            file: "-",
            about: "the office printer mailing scanned PDFs to the mail server",
            format: PCAP_LE,
            build: printer_scan_to_mail,
        },
    ];
    LIST
}

/// A capture by name: a committed one (or its file name) or a look-alike.
pub fn find(name: &str) -> Option<&'static CaptureSpec> {
    captures()
        .iter()
        .find(|c| c.name == name || c.file == name)
        .or_else(|| lookalikes().iter().find(|c| c.name == name))
}

/// Builds a capture in memory.
pub fn render(spec: &CaptureSpec, seed: u64) -> io::Result<Vec<u8>> {
    render_with_truth(spec, seed).map(|(bytes, _)| bytes)
}

/// Builds a capture in memory, with what it holds for a detector to find. The default seed
/// writes the committed captures as `pcaps/README.md` documents them; any other seed also
/// draws their parameters (addresses, periods, jitter, volumes, timing, protocol).
pub fn render_with_truth(spec: &CaptureSpec, seed: u64) -> io::Result<(Vec<u8>, Vec<Truth>)> {
    let mut ctx = Ctx::new(Rng::derive(seed, spec.name));
    ctx.varied = seed != DEFAULT_SEED;
    (spec.build)(&mut ctx);
    let truth = std::mem::take(&mut ctx.truth);
    render_ctx(spec, ctx).map(|b| (b, truth))
}

fn render_ctx(spec: &CaptureSpec, mut ctx: Ctx) -> io::Result<Vec<u8>> {
    match spec.format {
        Format::Pcap { endian, nanos } => {
            let mut w = PcapWriter::new(
                Vec::new(),
                endian,
                nanos,
                pcap_writer::LINKTYPE_ETHERNET,
                262_144,
            )?;
            ctx.tl.finish(&mut w)?;
            Ok(w.into_inner())
        }
        Format::Pcapng(ifs) => {
            let ifaces: Vec<Interface> = ifs
                .iter()
                .map(|&(linktype, name)| Interface {
                    linktype,
                    name: name.into(),
                    nanos: true,
                })
                .collect();
            let mut w = PcapngWriter::new(Vec::new(), &ifaces)?;
            ctx.tl.finish(&mut w)?;
            Ok(w.into_inner())
        }
    }
}

/// Parses `1G`, `500M`, `64K`, `12345` (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        Some('G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let n: u64 = num.trim().parse().map_err(|_| {
        format!("bad size {s:?}: expected a number with an optional K, M or G suffix")
    })?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

fn writer_for(path: &PathBuf) -> io::Result<Box<dyn Write>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(BufWriter::with_capacity(
            1 << 20,
            io::stdout().lock(),
        )))
    } else {
        Ok(Box::new(BufWriter::with_capacity(
            1 << 20,
            File::create(path)?,
        )))
    }
}

/// The truth as JSON: `{"scenario":..,"seed":..,"items":[{"kind":..,"src":..,"dst":..,
/// "start":..,"end":..,"detail":..}]}`, times in seconds since the epoch.
pub fn truth_json(scenario: &str, seed: u64, items: &[Truth]) -> String {
    fn esc(s: &str) -> String {
        s.chars()
            .flat_map(|c| match c {
                '"' => vec!['\\', '"'],
                '\\' => vec!['\\', '\\'],
                c if (c as u32) < 0x20 => vec![' '],
                c => vec![c],
            })
            .collect()
    }
    let secs = |ns: u64| format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000);
    let items: Vec<String> = items
        .iter()
        .map(|i| {
            format!(
                "{{\"kind\":\"{}\",\"src\":\"{}\",\"dst\":\"{}\",\"start\":{},\"end\":{},\"detail\":\"{}\"}}",
                i.kind,
                i.src,
                i.dst,
                secs(i.start_ns),
                secs(i.end_ns),
                esc(&i.detail)
            )
        })
        .collect();
    format!(
        "{{\"scenario\":\"{}\",\"seed\":{seed},\"items\":[{}]}}\n",
        esc(scenario),
        items.join(",")
    )
}

pub fn run(args: &GenerateArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.list {
        for c in captures() {
            println!("{:<20} {:<24} {}", c.name, c.file, c.about);
        }
        for c in lookalikes() {
            println!("{:<20} {:<24} look-alike: {}", c.name, c.file, c.about);
        }
        println!(
            "{:<20} {:<24} large mixed capture for benchmarks (--size)",
            "bench", "-"
        );
        println!(
            "{:<20} {:<24} bench with a few percent of flows ET Open rules fire on (--size)",
            "bench-alerts", "-"
        );
        println!(
            "{:<20} {:<24} SYN flood from spoofed sources (--packets, --pps)",
            "synflood", "-"
        );
        return Ok(());
    }
    if args.all {
        std::fs::create_dir_all(&args.out_dir)?;
        for c in captures() {
            let bytes = render(c, args.seed)?;
            let path = args.out_dir.join(c.file);
            std::fs::write(&path, &bytes)?;
            eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
        }
        return Ok(());
    }
    let Some(name) = args.scenario.as_deref() else {
        return Err("give --scenario NAME (see --list) or --all".into());
    };
    let Some(out) = args.out.as_ref() else {
        return Err("give --out FILE (or --out - for standard output)".into());
    };
    if name == "bench" || name == "bench-alerts" {
        let size = parse_size(&args.size)?;
        let mut w = writer_for(out)?;
        let stats = bench::generate_mix(&mut w, args.seed, size, name == "bench-alerts")?;
        eprintln!(
            "wrote {} packets, {} bytes, {} flows",
            stats.packets, stats.bytes, stats.flows
        );
        return Ok(());
    }
    if name == "synflood" {
        let mut w = writer_for(out)?;
        let stats = synflood::generate(&mut w, args.seed, args.packets, args.pps)?;
        eprintln!(
            "wrote {} packets, {} bytes, {} flows",
            stats.packets, stats.bytes, stats.flows
        );
        return Ok(());
    }
    let Some(spec) = find(name) else {
        return Err(format!("unknown scenario {name:?} (see --list)").into());
    };
    let (bytes, truth) = render_with_truth(spec, args.seed)?;
    if let Some(path) = &args.truth {
        std::fs::write(path, truth_json(spec.name, args.seed, &truth))?;
    }
    let mut w = writer_for(out)?;
    w.write_all(&bytes)?;
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests;
