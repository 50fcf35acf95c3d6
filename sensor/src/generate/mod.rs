//! Synthetic captures of an election-office network (see `pcaps/README.md`).
//!
//! `sensor generate --all --out-dir pcaps` rewrites the committed captures; `--scenario NAME
//! --out FILE` writes one; `--scenario bench --size 1G --out FILE` streams a large mixed capture;
//! `--scenario synflood --packets 3000000 --out FILE` a SYN flood from spoofed sources.
//! Output depends only on the seed: the generator has its own PRNG and never reads the clock.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

pub mod bench;
pub mod checksum;
pub mod flow;
pub mod net;
pub mod packet;
pub mod pcap_writer;
pub mod protocols;
pub mod rng;
pub mod scenarios;
pub mod synflood;
pub mod timeline;

use pcap_writer::{Endian, Interface, PcapWriter, PcapngWriter};
use rng::Rng;
use scenarios::common::Ctx;

/// The seed of the committed captures.
pub const DEFAULT_SEED: u64 = 20_261_103;

/// Arguments of `sensor generate`.
#[derive(clap::Args, Debug, Clone)]
pub struct GenerateArgs {
    /// Capture to generate (see `--list`), `bench` for a large mixed capture, or `synflood`
    /// for a SYN flood from spoofed sources (`--packets`, `--pps`).
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

/// Builds a capture in memory.
pub fn render(spec: &CaptureSpec, seed: u64) -> io::Result<Vec<u8>> {
    let mut ctx = Ctx::new(Rng::derive(seed, spec.name));
    (spec.build)(&mut ctx);
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

pub fn run(args: &GenerateArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.list {
        for c in captures() {
            println!("{:<12} {:<24} {}", c.name, c.file, c.about);
        }
        println!(
            "{:<12} {:<24} large mixed capture for benchmarks (--size)",
            "bench", "-"
        );
        println!(
            "{:<12} {:<24} SYN flood from spoofed sources (--packets, --pps)",
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
    if name == "bench" {
        let size = parse_size(&args.size)?;
        let mut w = writer_for(out)?;
        let stats = bench::generate(&mut w, args.seed, size)?;
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
    let Some(spec) = captures().iter().find(|c| c.name == name || c.file == name) else {
        return Err(format!("unknown scenario {name:?} (see --list)").into());
    };
    let bytes = render(spec, args.seed)?;
    let mut w = writer_for(out)?;
    w.write_all(&bytes)?;
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests;
