//! HTTP/1.1 requests and responses, and the bodies the scenarios serve (HTML pages, JSON,
//! voter-record dumps).

use crate::rng::Rng;

pub const UA_CHROME: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";
pub const UA_FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0";
pub const UA_SAFARI_IOS: &str =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
pub const UA_EDGE: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0";
pub const UA_SQLMAP: &str = "sqlmap/1.8.11#stable (https://sqlmap.org)";
pub const UA_NIKTO: &str = "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)";
pub const UA_ACUNETIX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Acunetix-Product";

pub const BROWSERS: &[&str] = &[UA_CHROME, UA_CHROME, UA_EDGE, UA_FIREFOX, UA_SAFARI_IOS];

/// An HTTP/1.1 request.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    pub method: &'a str,
    pub target: &'a str,
    pub host: &'a str,
    pub user_agent: &'a str,
    pub headers: Vec<(&'a str, String)>,
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    pub fn get(target: &'a str, host: &'a str, user_agent: &'a str) -> Request<'a> {
        Request {
            method: "GET",
            target,
            host,
            user_agent,
            headers: Vec::new(),
            body: &[],
        }
    }

    pub fn post(
        target: &'a str,
        host: &'a str,
        user_agent: &'a str,
        content_type: &str,
        body: &'a [u8],
    ) -> Request<'a> {
        let mut r = Request {
            method: "POST",
            target,
            host,
            user_agent,
            headers: Vec::new(),
            body,
        };
        r.headers.push(("Content-Type", content_type.to_string()));
        r
    }

    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut s = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\n",
            self.method, self.target, self.host, self.user_agent
        );
        s.push_str("Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n");
        s.push_str("Accept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate\r\n");
        for (k, v) in &self.headers {
            s.push_str(k);
            s.push_str(": ");
            s.push_str(v);
            s.push_str("\r\n");
        }
        if !self.body.is_empty() || self.method == "POST" {
            s.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        s.push_str("Connection: keep-alive\r\n\r\n");
        let mut v = s.into_bytes();
        v.extend_from_slice(self.body);
        v
    }
}

/// An HTTP/1.1 response with a body and a Content-Length.
pub fn response(
    status: u16,
    reason: &str,
    content_type: &str,
    extra: &[(&str, String)],
    body: &[u8],
) -> Vec<u8> {
    let mut s = format!(
        "HTTP/1.1 {status} {reason}\r\nDate: Tue, 03 Nov 2026 13:00:00 GMT\r\nServer: nginx\r\n"
    );
    if !content_type.is_empty() {
        s.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    s.push_str(&format!("Content-Length: {}\r\n", body.len()));
    for (k, v) in extra {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("Connection: keep-alive\r\n\r\n");
    let mut v = s.into_bytes();
    v.extend_from_slice(body);
    v
}

pub fn ok_html(body: &[u8]) -> Vec<u8> {
    response(200, "OK", "text/html; charset=utf-8", &[], body)
}

pub fn not_found() -> Vec<u8> {
    response(404, "Not Found", "text/html", &[], b"<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center></body></html>\n")
}

pub fn redirect(location: &str) -> Vec<u8> {
    response(
        301,
        "Moved Permanently",
        "text/html",
        &[("Location", location.to_string())],
        b"<html><head><title>301 Moved Permanently</title></head></html>\n",
    )
}

/// An HTML page of about `size` bytes.
pub fn html_page(rng: &mut Rng, title: &str, size: usize) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "voter",
        "registration",
        "county",
        "election",
        "ballot",
        "polling",
        "place",
        "deadline",
        "identification",
        "address",
        "update",
        "status",
        "absentee",
        "mail",
        "precinct",
        "official",
        "results",
        "provisional",
        "the",
        "your",
        "and",
        "to",
        "of",
        "check",
        "please",
        "information",
        "office",
        "hours",
    ];
    let mut s = format!("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\n<link rel=\"stylesheet\" href=\"/static/site.css\"></head>\n<body><main>\n");
    while s.len() < size {
        s.push_str("<p>");
        for _ in 0..rng.range(12, 40) {
            let w: &&str = rng.pick(WORDS);
            s.push_str(w);
            s.push(' ');
        }
        s.push_str("</p>\n");
    }
    s.push_str("</main></body></html>\n");
    s.into_bytes()
}

/// Opaque bytes for static assets (images, fonts): incompressible like the real thing.
pub fn binary_body(rng: &mut Rng, size: usize) -> Vec<u8> {
    rng.bytes(size)
}

const FIRST: &[&str] = &[
    "JAMES",
    "MARY",
    "ROBERT",
    "PATRICIA",
    "JOHN",
    "JENNIFER",
    "MICHAEL",
    "LINDA",
    "DAVID",
    "ELIZABETH",
    "WILLIAM",
    "BARBARA",
    "RICHARD",
    "SUSAN",
    "JOSEPH",
    "JESSICA",
    "THOMAS",
    "KAREN",
    "MARIA",
    "DANIEL",
];
const LAST: &[&str] = &[
    "SMITH",
    "JOHNSON",
    "WILLIAMS",
    "BROWN",
    "JONES",
    "GARCIA",
    "MILLER",
    "DAVIS",
    "RODRIGUEZ",
    "MARTINEZ",
    "HERNANDEZ",
    "LOPEZ",
    "GONZALEZ",
    "WILSON",
    "ANDERSON",
    "THOMAS",
    "TAYLOR",
    "MOORE",
    "JACKSON",
    "MARTIN",
];
const STREETS: &[&str] = &[
    "MAIN ST",
    "OAK AVE",
    "MAPLE DR",
    "CEDAR LN",
    "ELM ST",
    "PARK RD",
    "LAKE VIEW DR",
    "HILL ST",
];

/// Fictional voter records, the way a UNION-based dump shows them: `n` rows of pipe-separated
/// fields inside an HTML table.
pub fn voter_dump(rng: &mut Rng, first_id: u32, n: u32) -> Vec<u8> {
    let mut s = String::from("<html><body><table class=\"results\">\n");
    for i in 0..n {
        s.push_str(&format!(
            "<tr><td>{}|{}|{}|{:04}-{:02}-{:02}|{} {}|SPRINGFIELD|{:05}|{}</td></tr>\n",
            first_id + i,
            rng.pick(FIRST),
            rng.pick(LAST),
            rng.range(1930, 2006),
            rng.range(1, 12),
            rng.range(1, 28),
            rng.range(1, 9999),
            rng.pick(STREETS),
            rng.range(10000, 99999),
            rng.pick(&["ACTIVE", "ACTIVE", "ACTIVE", "INACTIVE"]),
        ));
    }
    s.push_str("</table></body></html>\n");
    s.into_bytes()
}

/// Percent-encodes a query-string value (spaces as `%20`, like sqlmap).
pub fn url_encode(s: &str) -> String {
    let mut o = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_has_length_and_blank_line() {
        let r = Request::post(
            "/login",
            "h.example",
            UA_CHROME,
            "application/x-www-form-urlencoded",
            b"a=1",
        )
        .encode();
        let s = String::from_utf8(r).unwrap();
        assert!(s.starts_with("POST /login HTTP/1.1\r\nHost: h.example\r\n"));
        assert!(s.contains("Content-Length: 3\r\n"));
        assert!(s.ends_with("\r\n\r\na=1"));
        assert_eq!(url_encode("1' AND 1=1-- -"), "1%27%20AND%201%3D1--%20-");
    }
}
