//! `sensor generate --scenario bench-alerts`: the bench mix (`bench`) with a few percent of
//! flows that ET Open rules fire on, so the pipeline benchmark measures the cost of rules that
//! match (pcre, flowbits, thresholds, byte_jump, alerting and EVE) and compares real alerts.
//!
//! What goes in is what an enterprise edge with ET Open sees every day: lookups and TLS
//! sessions to dynamic-DNS, DNS-over-HTTPS, IP-lookup, paste and file-sharing services;
//! scripts and tools fetching over plain HTTP; executables downloaded from cheap TLDs; Internet
//! scanners probing the portal; monitoring pings; SSH/VNC scans; an FTP password guesser; mail
//! with an executable attached. The names come from reading ET Open's rules (the domain lists
//! below hold the names and suffixes its DNS, TLS SNI and HTTP Host rules look for).
//!
//! The share of alert flows (4-8 %) and everything in them are drawn from the seed.

use super::bench::{pick, Hosts};
use super::flow::{Dir, TcpSession, Wire};
use super::net::{self, Host, NS_PER_MS, NS_PER_SEC, NS_PER_US};
use super::packet::{self, Ip};
use super::protocols::dns::{self, Message};
use super::protocols::http;
use super::protocols::tls;
use super::rng::Rng;
use super::scenarios::common::*;

/// The alert flows' own random stream and density.
pub struct Extra {
    rng: Rng,
    /// Alert flows per thousand flows.
    per_mille: u64,
}

impl Extra {
    pub fn new(seed: u64) -> Extra {
        let mut rng = Rng::derive(seed, "bench-alerts");
        let per_mille = rng.range(40, 80);
        Extra { rng, per_mille }
    }

    /// Whether the next flow is an alert flow.
    pub fn due(&mut self) -> bool {
        self.rng.below(1000) < self.per_mille
    }

    /// One alert flow starting at `t`, drawn from this stream (the context's own stream is
    /// swapped out meanwhile, so the plain mix's draws do not depend on what is drawn here).
    pub(crate) fn one_flow(&mut self, ctx: &mut Ctx, hosts: &Hosts, t: u64) {
        std::mem::swap(&mut ctx.rng, &mut self.rng);
        match ctx.rng.weighted(&[30, 22, 14, 9, 9, 6, 4, 3, 3]) {
            0 => flagged_lookup(ctx, hosts, t),
            1 => flagged_tls(ctx, hosts, t),
            2 => tool_http(ctx, hosts, t),
            3 => exe_download(ctx, hosts, t),
            4 => scanner_probe(ctx, hosts, t),
            5 => monitoring_ping(ctx, hosts, t),
            6 => port_scan(ctx, hosts, t),
            7 => ftp_guessing(ctx, hosts, t),
            _ => smtp_exe(ctx, hosts, t),
        }
        std::mem::swap(&mut ctx.rng, &mut self.rng);
    }
}

/// Names that come up often: dynamic DNS, IP lookup, file transfer, DoH, cheap TLDs. A
/// leading dot means "a name under this suffix".
const COMMON_NAMES: &[&str] = &[
    ".duckdns.org",
    ".ddns.net",
    ".no-ip.org",
    ".hopto.org",
    ".sytes.net",
    ".top",
    ".su",
    ".cc",
    ".to",
    "api.ipify.org",
    "checkip.dyndns.org",
    "ip-api.com",
    "ipinfo.io",
    "transfer.sh",
    "paste.ee",
    "dns.google",
    "iplogger.org",
    "api.telegram.org",
    "www.mediafire.com",
    "sendspace.com",
    "codeberg.org",
    "freegeoip.net",
];

/// Names and suffixes of ET Open's DNS query rules (INFO, POLICY, HUNTING, DNS, ADWARE_PUP).
const DNS_NAMES: &[&str] = &[
    ".3vm.cl",
    ".4pu.com",
    ".64-b.it",
    ".900.my",
    ".abatek.com",
    ".aletoledo.com",
    ".alimentoshen.cl",
    ".aneisa.com",
    ".angellombardi.com",
    ".apps.dj",
    ".blueshadows.cl",
    ".btarena.com",
    ".byte4byte.com",
    ".changeip.us",
    ".cheating.store",
    ".chocolatespicacho.com",
    ".cleansite.info",
    ".clickip.de",
    ".cnew.ir",
    ".cohens.org.il",
    ".contactme.cl",
    ".darkworlds.org",
    ".datacommunicationsinc.com",
    ".deusexmachina.org",
    ".doh.denypradana.com",
    ".dsmtp.biz",
    ".dubya.biz",
    ".dubya.us",
    ".duta.biz",
    ".easefun.hk",
    ".emldn.com",
    ".everton.com",
    ".faqserv.com",
    ".fido.be",
    ".florafamily.com",
    ".francemacau.com",
    ".from-ky.com",
    ".from-ms.com",
    ".from-nv.com",
    ".from-ny.net",
    ".from-sd.com",
    ".from-vt.com",
    ".ftpaccess.cc",
    ".galecsy.com",
    ".galipan.org",
    ".geekhardware.com",
    ".gettrials.com",
    ".gsp.co.id",
    ".hizliresim.com",
    ".ikwb.com",
    ".in-the-band.net",
    ".ind.st",
    ".inovasi.co.id",
    ".ionexusa.com",
    ".iownyour.biz",
    ".ipfs.w3s.link",
    ".is-a-cpa.com",
    ".is-a-llama.com",
    ".is-a-techie.com",
    ".is-an-actor.com",
    ".itekgroup.com",
    ".ittelecom.pl",
    ".jlengineering.se",
    ".jolleybeef.com",
    ".kbgz.com.my",
    ".kir22.ru",
    ".kitayori.cl",
    ".lawsonengineers.co.uk",
    ".lk.tc",
    ".lozan.com",
    ".lutzenheiser.com",
    ".marketcryptopartners.com",
    ".mcsharepoint.com",
    ".mcsoft.org",
    ".meatbytes.com",
    ".mikatos.de",
    ".multiverso.info",
    ".mysecondarydns.com",
    ".neoneptune.com",
    ".ngrok-free.dev",
    ".nokedli.org",
    ".novohorizonte.pt",
    ".onion.gq",
    ".ooguy.com",
    ".otzo.com",
    ".ourhobby.com",
    ".oviivory.com",
    ".pavlov.su",
    ".pce-cihazlari.com.tr",
    ".peeinthesnow.com",
    ".pktriot.net",
    ".pl.tf",
    ".prasbharapolresbojonegoro.or.id",
    ".privatizehealthinsurance.net",
    ".prizewel.com",
    ".progressivecongressnews.org",
    ".propertyshots.com",
    ".publicvm.com",
    ".puffballofevil.com",
    ".radioimpactfm.ro",
    ".raulgarza.com",
    ".rebol.info",
    ".resolve.corpa.me",
    ".reverse-shell.sh",
    ".run.place",
    ".salty72.ca",
    ".sdp-mos.ru",
    ".seahorsenet.com",
    ".selfip.info",
    ".sells-it.net",
    ".servebbs.org",
    ".servegame.com",
    ".sharepointle.com",
    ".sirumuv.com",
    ".sococoffee.com",
    ".stablediffusionapi.com",
    ".surak.kz",
    ".synoserver.com",
    ".tally.so",
    ".teakwondo.one.pl",
    ".technopagans.com",
    ".tenspot.net",
    ".to.intercept.rest",
    ".tumsun.com",
    ".ufodns.com",
    ".uitgavepatroon.nl",
    ".unids.com",
    ".unix.id.lv",
    ".unusualperson.com",
    ".us.tf",
    ".utdnews.com",
    ".v0id.nl",
    ".vix.ro",
    ".w6rob.com",
    ".whyboner.com",
    ".wileymetal.com",
    ".windocyte.com",
    ".www1.biz",
    ".xxxxx.tw",
    ".zolik.com",
    ".zyns.com",
    "bsc-dataseed1.defibit.io",
    "bsc-dataseed1.ninicoin.io",
    "cli.co",
    "is.gd",
    "paste2.org",
    "qrco.de",
    "s59.site",
    "vtaurl.com",
    "ya.sv",
];
/// Names and suffixes of ET Open's TLS SNI rules (DoH servers, paste, IP lookup, file sharing).
const TLS_NAMES: &[&str] = &[
    ".adguard.lspcr.space",
    ".adguard.myddns.org",
    ".adguard.randomaizer.lentel.ru",
    ".adguard.richardapplegate.io",
    ".adl.adfilter.net",
    ".africadns1.liquidtelecom.net",
    ".argotunnel.com",
    ".awsdns.vpnrf.com",
    ".axaxa.fun",
    ".blockerads.multimediaconcept.fr",
    ".discord.com",
    ".dlcea.com",
    ".dns-east.tylerwahl.com",
    ".dns.2t9.de",
    ".dns.audet.cloud",
    ".dns.axto.me",
    ".dns.darktraffic.cloud",
    ".dns.davidruhmann.com",
    ".dns.dutchwhite.nl",
    ".dns.feiyuyu.net",
    ".dns.freequensi.com",
    ".dns.gando.fr",
    ".dns.hopper.org.uk",
    ".dns.khanhtran.me",
    ".dns.neubsi.at",
    ".dns.nj0.de",
    ".dns2.cbio.top",
    ".dog.dns.qwer.pw",
    ".doh-rs.whalebone.io",
    ".doh.airwaynet.cz",
    ".doh.la.ahadns.net",
    ".douglaster.com",
    ".externalmobiel.lekdijk.online",
    ".fimotoclub.com",
    ".flg.to",
    ".glitch.me",
    ".hcbanking.com",
    ".ipfs.io",
    ".jp.dns.ikataruto.com",
    ".kabutoservices.com",
    ".kennethhuang.com",
    ".lion.yazilimatolye.com",
    ".myhottiemama.de",
    ".myqcloud.com",
    ".resolve.corpa.me",
    ".safeservedns.com",
    ".sgpcloud.duckdns.org",
    ".splashtop.eu",
    ".thanos.pleumkungz.com",
    ".whax.eu.org",
    "3dcosas.xyz",
    "adguard.ddns.network",
    "adguard.pggns.de",
    "adguard.sealyserver.com",
    "affsoft.cc",
    "ams.nl.agh-dns.net",
    "anggityuls.my.id",
    "bsc-dataseed3.ninicoin.io",
    "d.pr",
    "data-seed-prebsc-1-s3.binance.org",
    "diy.itsa.top",
    "dns.aaronplayzgaming.com",
    "dns.asterimoon.com",
    "dns.backschues.net",
    "dns.bitservices.io",
    "dns.decisivedevops.com",
    "dns.jstockley.com",
    "dns.kukal.cz",
    "dns.listo.click",
    "dns.mateo.ovh",
    "dns.privado.ovh",
    "dns.svoi.dev",
    "dns.wixxm.asia",
    "dns.yameenassotally.com",
    "dns1.au.newpangea.de",
    "dns2.gms.net.id",
    "doh.buzz",
    "doh.cnetwork.cloud",
    "doh.kel.pe",
    "doh.magunyan.com",
    "doth.huque.com",
    "drop.chapril.org",
    "family.puredns.org",
    "fanlink.to",
    "filetransfer.io",
    "getip.pro",
    "grabify.link",
    "hastebin.com",
    "ideone.com",
    "imgyukle.com",
    "nekomiya-sama.top",
    "paper.dropbox.com",
    "paste-bin.xyz",
    "paste.sh",
    "resolver.r0cket.net",
    "sneek.io",
    "sundalandia.pp.ua",
    "www.cloudme.com",
    "www.sharedrop.io",
    "www.temporary-url.com",
];
/// Names and suffixes of ET Open's HTTP Host rules.
const HTTP_HOSTS: &[&str] = &[
    ".17ping.cn",
    ".9966.org",
    ".adamhayward.co.uk",
    ".adoubleu.de",
    ".antiphone.net",
    ".byte4byte.com",
    ".cbu.net",
    ".cdpa.cc",
    ".cloudwatch.net",
    ".coreytech.com",
    ".dropfiles.net",
    ".dyndns.info",
    ".e-cloud.ch",
    ".enemyterritory.org",
    ".ezua.com",
    ".flazzard.com",
    ".fr.to",
    ".fridg.com",
    ".from-la.net",
    ".from-nc.com",
    ".gpk.si",
    ".grid-tronics.com",
    ".hbmc.net",
    ".horng-bin.com",
    ".humorvisite.eu",
    ".ianrossi.com",
    ".indforever.net",
    ".is-a-democrat.com",
    ".is-found.org",
    ".iyb.ca",
    ".javahound.com",
    ".jaytex.org",
    ".justlearning.net",
    ".kitayori.cl",
    ".lasboleras.com",
    ".maiaps.co.uk",
    ".nodnor.com",
    ".opaline.cl",
    ".propertyshots.com",
    ".publicvm.com",
    ".roig.com",
    ".rude.li",
    ".rugeleychessclub.co.uk",
    ".sdp-mos.ru",
    ".serverpit.com",
    ".shogun.ca",
    ".sleeperkidsworld.com",
    ".slumbo.com",
    ".soapagent.com",
    ".ssmailer.com",
    ".surak.kz",
    ".svmblocker.com",
    ".swfin.net",
    ".swhill.co.uk",
    ".texashotoilers.com",
    ".tien-shan.org",
    ".ubeagle.com",
    ".usrsrc.com",
    ".vicinanza.org",
    ".yhoccotruyen.org",
];

/// Script, tool and library user agents (ET POLICY, INFO, HUNTING and USER_AGENTS rules look
/// for several of them; the rest make the traffic look like what such rules see).
const TOOL_AGENTS: &[&str] = &[
    "curl/8.5.0",
    "curl/7.81.0",
    "Wget/1.21.4",
    "python-requests/2.31.0",
    "Python-urllib/3.11",
    "Go-http-client/1.1",
    "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.4291",
    "libwww-perl/6.72",
    "HTTPie/3.2.2",
    "reqwest/0.11.24",
    "Microsoft BITS/7.8",
    "okhttp/4.12.0",
    "Java/1.8.0_391",
    "Mozilla/4.0 (compatible; Win32; WinHttp.WinHttpRequest.5)",
    "WinHttp-Autoproxy-Service/5.1",
    "AutoIt",
    "NSIS_Inetc (Mozilla)",
    "Microsoft-CryptoAPI/10.0",
    "APT-HTTP/1.3 (2.6.1)",
    "DynDNS-Client",
];

/// Where tools fetch from over plain HTTP: IP lookup and paste services.
const TOOL_HOSTS: &[&str] = &[
    "api.ipify.org",
    "checkip.dyndns.org",
    "ip-api.com",
    "icanhazip.com",
    "ifconfig.me",
    "ipinfo.io",
    "myexternalip.com",
    "wtfismyip.com",
    "checkip.amazonaws.com",
    "pastebin.com",
    "paste.ee",
    "transfer.sh",
];

const TOOL_PATHS: &[&str] = &[
    "/",
    "/json",
    "/?format=json",
    "/raw/",
    "/install.sh",
    "/update.ps1",
    "/a.sh",
    "/get/",
    "/stage2.bin",
    "/config.txt",
];

/// TLDs that ET's "EXE download from suspicious TLD" rules name.
const EXE_TLDS: &[&str] = &[
    ".top",
    ".xyz",
    ".gdn",
    ".icu",
    ".science",
    ".stream",
    ".download",
    ".biz",
    ".click",
    ".link",
    ".win",
    ".men",
    ".work",
    ".gq",
    ".tokyo",
    ".webcam",
    ".accountant",
];

/// Internet scanners' user agents.
const SCANNER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
    "Mozilla/5.0 zgrab/0.x",
    "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
    http::UA_NIKTO,
    http::UA_SQLMAP,
    "DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)",
    "Wfuzz/3.1.0",
    "gobuster/3.6",
    "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
    "WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
];

/// What scanners ask every web server on the Internet for.
const PROBE_PATHS: &[&str] = &[
    "/.env",
    "/.git/config",
    "/wp-login.php",
    "/xmlrpc.php",
    "/phpmyadmin/index.php",
    "/cgi-bin/test.cgi",
    "/index.php?page=../../../../etc/passwd",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/HNAP1/",
    "/boaform/admin/formLogin",
    "/solr/admin/info/system?wt=json",
    "/actuator/env",
    "/manager/html",
    "/?XDEBUG_SESSION_START=phpstorm",
    "/shell.php?cmd=id",
    "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh",
    "/owa/auth/logon.aspx",
    "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession",
    "/console/login/LoginForm.jsp",
    "/setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=rm+-rf+/tmp/*",
];

/// First bytes of ping payloads of the tools GPL ICMP_INFO rules name (the rest of the
/// payload repeats them).
const PING_PATTERNS: &[&[u8]] = &[
    b"abcdefghijklmnopqrstuvwabcdefghi",
    b"0123456789abcdefghijklmnopqrstuv",
    b"WhatsUp - A Network Monitoring T",
    b"ISSPNGRQ",
    b"Pinging from Delphi code written",
    b"================================",
    b"OMeterObeseArmadillo",
    &[0xab, 0xcd],
    &[0xaa],
    &[
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
        0x10,
    ],
];

/// `entry`, or a name under it when it starts with a dot.
fn name_for(rng: &mut Rng, entry: &str) -> String {
    if entry.starts_with('.') {
        let n = rng.range(4, 12) as usize;
        let label = rng.string_from(b"abcdefghijklmnopqrstuvwxyz0123456789", n);
        // Keep the first character a letter, as registrars want it.
        let first = (b'a' + rng.below(26) as u8) as char;
        format!("{first}{label}{entry}")
    } else {
        entry.to_string()
    }
}

/// A name from a rule list, the common names a third of the time.
fn flagged_name(rng: &mut Rng, list: &[&str]) -> String {
    let entry = if rng.chance(33) {
        *rng.pick(COMMON_NAMES)
    } else {
        *rng.pick(list)
    };
    name_for(rng, entry)
}

fn lookup(ctx: &mut Ctx, ws: Host, server: Host, t: u64, name: &str) -> u64 {
    let q = Message::query(ctx.rng.next_u32() as u16, name, dns::TYPE_A);
    let r = q.answer(vec![a_record(name, 300, server.ip)]);
    let resolver = net::resolver();
    dns_lookup(ctx, ws, resolver, Wire::between(&ws, &resolver), t, &q, &r)
}

fn v4_workstation(ctx: &mut Ctx, hosts: &Hosts) -> Host {
    pick(&mut ctx.rng, &hosts.workstations)
}

fn v4_server(ctx: &mut Ctx, hosts: &Hosts) -> Host {
    pick(&mut ctx.rng, &hosts.servers)
}

fn v4_client(ctx: &mut Ctx, hosts: &Hosts) -> Host {
    loop {
        let c = pick(&mut ctx.rng, &hosts.clients);
        if c.ip.is_ipv4() {
            return c;
        }
    }
}

/// A workstation resolving a name ET's DNS rules flag.
fn flagged_lookup(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let ws = v4_workstation(ctx, hosts);
    let server = v4_server(ctx, hosts);
    let name = flagged_name(&mut ctx.rng, DNS_NAMES);
    lookup(ctx, ws, server, t, &name);
}

/// A lookup, then an HTTPS session with that name as SNI.
fn flagged_tls(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let ws = v4_workstation(ctx, hosts);
    let server = v4_server(ctx, hosts);
    let name = flagged_name(&mut ctx.rng, TLS_NAMES);
    let t = lookup(ctx, ws, server, t, &name);
    let kind = *ctx.rng.pick(&[
        tls::Client::Chrome,
        tls::Client::Firefox,
        tls::Client::OpenSsl,
        tls::Client::Legacy12,
    ]);
    let n = ctx.rng.range(1, 3) as usize;
    let exchanges = (0..n)
        .map(|_| {
            (
                ctx.rng.range(200, 1200) as usize,
                ctx.rng.range(300, 20_000) as usize,
            )
        })
        .collect();
    let plan = TlsPlan {
        client_kind: kind,
        sni: &name,
        exchanges,
        think: (5 * NS_PER_MS, 300 * NS_PER_MS),
        fin: ctx.rng.chance(50),
    };
    let rtt = ctx.rng.range(5, 60) * NS_PER_MS;
    https_session(
        ctx,
        ws,
        server,
        Wire::between(&ws, &server),
        t + 100 * NS_PER_US,
        200 * NS_PER_US,
        rtt,
        &plan,
    );
}

/// A request the way command-line tools send it: few headers, no Accept-Language.
fn tool_request(method: &str, path: &str, host: &str, ua: &str, body: &[u8]) -> Vec<u8> {
    let mut s =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\nAccept: */*\r\n");
    if !body.is_empty() {
        s.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    s.push_str("Connection: close\r\n\r\n");
    let mut v = s.into_bytes();
    v.extend_from_slice(body);
    v
}

/// A script on a workstation fetching over plain HTTP: an IP lookup, a paste, a flagged host
/// or a bare address.
fn tool_http(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let ws = v4_workstation(ctx, hosts);
    let server = v4_server(ctx, hosts);
    let ua = *ctx.rng.pick(TOOL_AGENTS);
    let host = match ctx.rng.below(3) {
        0 => ctx.rng.pick(TOOL_HOSTS).to_string(),
        1 => flagged_name(&mut ctx.rng, HTTP_HOSTS),
        _ => server.ip.to_string(),
    };
    let mut path = ctx.rng.pick(TOOL_PATHS).to_string();
    if path.ends_with('/') && path.len() > 1 {
        path.push_str(&ctx.rng.string_from(
            b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789",
            8,
        ));
    }
    let mut t0 = t;
    if host.parse::<std::net::IpAddr>().is_err() {
        t0 = lookup(ctx, ws, server, t, &host) + 100 * NS_PER_US;
    }
    let req = tool_request("GET", &path, &host, ua, &[]);
    let body = if path == "/" || path.contains("json") {
        format!("{{\"ip\":\"198.51.100.{}\"}}\n", ctx.rng.range(1, 254)).into_bytes()
    } else {
        let n = ctx.rng.range(200, 6000) as usize;
        ctx.rng
            .string_from(b"abcdefghijklmnopqrstuvwxyz0123456789 =;$\n", n)
            .into_bytes()
    };
    let resp = http::response(200, "OK", "text/plain", &[], &body);
    let rtt = ctx.rng.range(5, 60) * NS_PER_MS;
    http_session(
        ctx,
        ws,
        server,
        80,
        t0,
        200 * NS_PER_US,
        rtt,
        &[(req, resp)],
        (0, 0),
    );
}

/// A Windows executable: DOS header and stub, the PE header where `e_lfanew` points.
fn pe_file(rng: &mut Rng, size: usize) -> Vec<u8> {
    let mut v = rng.bytes(size.max(1024));
    v[..64].fill(0);
    v[0] = b'M';
    v[1] = b'Z';
    v[2] = 0x90;
    v[0x3c] = 0x80; // e_lfanew
    let stub = b"This program cannot be run in DOS mode.\r\r\n$";
    v[0x4e..0x4e + stub.len()].copy_from_slice(stub);
    v[0x80..0x84].copy_from_slice(b"PE\0\0");
    v[0x84..0x86].copy_from_slice(&0x8664u16.to_le_bytes()); // AMD64
    v
}

/// An executable downloaded over plain HTTP from a host under a cheap TLD.
fn exe_download(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let ws = v4_workstation(ctx, hosts);
    let server = v4_server(ctx, hosts);
    let tld = *ctx.rng.pick(EXE_TLDS);
    let host = name_for(&mut ctx.rng, tld);
    let t0 = lookup(ctx, ws, server, t, &host) + 100 * NS_PER_US;
    let file = format!(
        "/{}/{}.exe",
        ["files", "download", "upd", "dl"][ctx.rng.below(4) as usize],
        ctx.rng
            .string_from(b"abcdefghijklmnopqrstuvwxyz0123456789_", 8)
    );
    let req = if ctx.rng.chance(50) {
        let ua = *ctx.rng.pick(http::BROWSERS);
        http::Request::get(&file, &host, ua).encode()
    } else {
        let ua = *ctx.rng.pick(TOOL_AGENTS);
        tool_request("GET", &file, &host, ua, &[])
    };
    let size = ctx.rng.range(20_000, 300_000) as usize;
    let body = pe_file(&mut ctx.rng, size);
    let ctype = *ctx.rng.pick(&[
        "application/octet-stream",
        "application/x-msdownload",
        "application/x-dosexec",
    ]);
    let resp = http::response(200, "OK", ctype, &[], &body);
    let rtt = ctx.rng.range(20, 120) * NS_PER_MS;
    http_session(
        ctx,
        ws,
        server,
        80,
        t0,
        200 * NS_PER_US,
        rtt,
        &[(req, resp)],
        (0, 0),
    );
}

/// An Internet scanner asking the portal for a few well-known paths (404s).
fn scanner_probe(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let client = v4_client(ctx, hosts);
    let portal = net::portal();
    let ua = *ctx.rng.pick(SCANNER_AGENTS);
    let n = ctx.rng.range(1, 4);
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..n)
        .map(|_| {
            let path = *ctx.rng.pick(PROBE_PATHS);
            (
                tool_request("GET", path, net::PORTAL_NAME, ua, &[]),
                http::not_found(),
            )
        })
        .collect();
    let rtt = ctx.rng.range(20, 150) * NS_PER_MS;
    http_session(
        ctx,
        client,
        portal,
        80,
        t,
        rtt,
        100 * NS_PER_US,
        &pairs,
        (NS_PER_MS, 20 * NS_PER_MS),
    );
}

/// A monitoring tool on the Internet pinging the portal, and the replies.
fn monitoring_ping(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let client = v4_client(ctx, hosts);
    let target = if ctx.rng.chance(70) {
        net::portal()
    } else {
        net::mail_relay()
    };
    let pattern = *ctx.rng.pick(PING_PATTERNS);
    let len = ctx.rng.range(32, 64) as usize;
    let payload: Vec<u8> = (0..len).map(|i| pattern[i % pattern.len()]).collect();
    let wire = Wire::between(&client, &target);
    let id = ctx.rng.next_u32() as u16;
    let rtt = ctx.rng.range(10, 90) * NS_PER_MS;
    let mut ipid = ctx.rng.next_u32() as u16;
    let mut at = t;
    for seq in 1..=ctx.rng.range(1, 4) as u16 {
        let rest = [(id >> 8) as u8, id as u8, (seq >> 8) as u8, seq as u8];
        for (src, dst, ty, link, when) in [
            (client, target, 8, wire.link, at),
            (target, client, 0, wire.link.reversed(), at + rtt),
        ] {
            let ip = Ip::new(src.ip, dst.ip, src.ttl, ipid as u32);
            ipid = ipid.wrapping_add(1);
            let mut buf = ctx.tl.buffer();
            packet::icmp_frame(&mut buf, &link, &ip, ty, 0, rest, &payload);
            ctx.tl.push(when, wire.iface, buf, None);
        }
        at += NS_PER_SEC;
    }
}

/// An Internet host sweeping inside addresses for SSH or VNC: a SYN each, answered by a
/// reset (closed) or a SYN-ACK the scanner resets.
fn port_scan(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let scanner = v4_client(ctx, hosts);
    let port = *ctx.rng.pick(&[22u16, 22, 5900, 5901, 5800]);
    let mut at = t;
    for _ in 0..ctx.rng.range(6, 12) {
        let target = v4_workstation(ctx, hosts);
        let sport = ctx.port(&scanner);
        let rtt = ctx.rng.range(10, 90) * NS_PER_MS;
        let mut s = TcpSession::new(
            &mut ctx.rng,
            scanner,
            sport,
            target,
            port,
            Wire::between(&scanner, &target),
            at,
            rtt,
            100 * NS_PER_US,
        );
        s.syn(&mut ctx.tl);
        if ctx.rng.chance(80) {
            s.reset(&mut ctx.tl, Dir::ToClient, 100 * NS_PER_US, true);
        } else {
            s.syn_ack(&mut ctx.tl);
            s.reset(&mut ctx.tl, Dir::ToServer, rtt, false);
        }
        at += ctx.rng.range(1, 30) * NS_PER_MS;
    }
}

/// Someone on the Internet guessing passwords of the office FTP server: a connection per try,
/// each refused with 530.
fn ftp_guessing(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let client = v4_client(ctx, hosts);
    let ftp = net::internal(net::v4(10, 10, 1, 21), net::Os::Linux);
    let user = *ctx
        .rng
        .pick(&["root", "administrator", "admin", "ftp", "test"]);
    let rtt = ctx.rng.range(20, 120) * NS_PER_MS;
    let mut at = t;
    for _ in 0..ctx.rng.range(5, 9) {
        let sport = ctx.port(&client);
        let mut s = TcpSession::new(
            &mut ctx.rng,
            client,
            sport,
            ftp,
            21,
            Wire::between(&client, &ftp),
            at,
            rtt,
            100 * NS_PER_US,
        );
        s.handshake(&mut ctx.tl);
        s.reply(
            &mut ctx.tl,
            Dir::ToClient,
            b"220 (vsFTPd 3.0.5)\r\n",
            200 * NS_PER_US,
        );
        s.reply(
            &mut ctx.tl,
            Dir::ToServer,
            format!("USER {user}\r\n").as_bytes(),
            NS_PER_MS,
        );
        s.reply(
            &mut ctx.tl,
            Dir::ToClient,
            b"331 Please specify the password.\r\n",
            100 * NS_PER_US,
        );
        let pass = ctx
            .rng
            .string_from(b"abcdefghijklmnopqrstuvwxyz0123456789!", 8);
        s.reply(
            &mut ctx.tl,
            Dir::ToServer,
            format!("PASS {pass}\r\n").as_bytes(),
            NS_PER_MS,
        );
        // vsftpd waits before refusing, to slow guessing down.
        s.reply(
            &mut ctx.tl,
            Dir::ToClient,
            b"530 Login incorrect.\r\n",
            ctx.rng.range(500, 1500) * NS_PER_MS,
        );
        s.reply(&mut ctx.tl, Dir::ToServer, b"QUIT\r\n", NS_PER_MS);
        s.reply(
            &mut ctx.tl,
            Dir::ToClient,
            b"221 Goodbye.\r\n",
            100 * NS_PER_US,
        );
        s.close(&mut ctx.tl, Dir::ToClient);
        at = s.last + ctx.rng.range(50, 400) * NS_PER_MS;
    }
}

/// Base64 with line breaks every 76 characters, as mail carries attachments.
fn base64_lines(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 38 + 4);
    let mut col = 0;
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
        col += 4;
        if col == 76 {
            out.push_str("\r\n");
            col = 0;
        }
    }
    out.push_str("\r\n");
    out
}

/// Mail from the Internet to the office relay with an executable attached.
fn smtp_exe(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let sender = v4_server(ctx, hosts);
    let relay = net::mail_relay();
    let rtt = ctx.rng.range(20, 120) * NS_PER_MS;
    let sport = ctx.port(&sender);
    let mut s = TcpSession::new(
        &mut ctx.rng,
        sender,
        sport,
        relay,
        25,
        Wire::between(&sender, &relay),
        t,
        rtt,
        100 * NS_PER_US,
    );
    let tld = *ctx.rng.pick(EXE_TLDS);
    let from = name_for(&mut ctx.rng, tld);
    let file = format!("invoice_{}.exe", ctx.rng.range(1000, 99999));
    let size = ctx.rng.range(8_000, 60_000) as usize;
    let exe = pe_file(&mut ctx.rng, size);
    let boundary = ctx.rng.hex(24);
    let message = format!(
        "From: billing@{from}\r\nTo: clerk@elections.example\r\nSubject: Invoice\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease see the attached invoice.\r\n\r\n\
         --{boundary}\r\nContent-Type: application/octet-stream; name=\"{file}\"\r\n\
         Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"{file}\"\r\n\r\n\
         {}--{boundary}--\r\n.\r\n",
        base64_lines(&exe)
    );
    s.handshake(&mut ctx.tl);
    let steps: [(Dir, Vec<u8>); 11] = [
        (
            Dir::ToClient,
            b"220 relay.elections.example ESMTP Postfix\r\n".to_vec(),
        ),
        (Dir::ToServer, format!("EHLO mail.{from}\r\n").into_bytes()),
        (
            Dir::ToClient,
            b"250-relay.elections.example\r\n250-SIZE 52428800\r\n250 8BITMIME\r\n".to_vec(),
        ),
        (
            Dir::ToServer,
            format!("MAIL FROM:<billing@{from}>\r\n").into_bytes(),
        ),
        (Dir::ToClient, b"250 2.1.0 Ok\r\n".to_vec()),
        (
            Dir::ToServer,
            b"RCPT TO:<clerk@elections.example>\r\n".to_vec(),
        ),
        (Dir::ToClient, b"250 2.1.5 Ok\r\n".to_vec()),
        (Dir::ToServer, b"DATA\r\n".to_vec()),
        (
            Dir::ToClient,
            b"354 End data with <CR><LF>.<CR><LF>\r\n".to_vec(),
        ),
        (Dir::ToServer, message.into_bytes()),
        (Dir::ToClient, b"250 2.0.0 Ok: queued\r\n".to_vec()),
    ];
    for (dir, data) in &steps {
        s.reply(&mut ctx.tl, *dir, data, 200 * NS_PER_US);
    }
    s.reply(&mut ctx.tl, Dir::ToServer, b"QUIT\r\n", 100 * NS_PER_US);
    s.reply(
        &mut ctx.tl,
        Dir::ToClient,
        b"221 2.0.0 Bye\r\n",
        100 * NS_PER_US,
    );
    s.close(&mut ctx.tl, Dir::ToServer);
}
