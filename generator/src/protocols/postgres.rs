//! PostgreSQL frontend/backend protocol v3 (simple query flow), for the portal's queries to the
//! voter database.

fn msg(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![ty];
    v.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    v.extend_from_slice(body);
    v
}

fn cstr(v: &mut Vec<u8>, s: &str) {
    v.extend_from_slice(s.as_bytes());
    v.push(0);
}

/// StartupMessage: protocol 3.0, user and database.
pub fn startup(user: &str, database: &str) -> Vec<u8> {
    let mut body = 196_608u32.to_be_bytes().to_vec();
    for (k, v) in [
        ("user", user),
        ("database", database),
        ("application_name", "voterportal"),
    ] {
        cstr(&mut body, k);
        cstr(&mut body, v);
    }
    body.push(0);
    let mut v = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(&body);
    v
}

/// AuthenticationOk, a few ParameterStatus, BackendKeyData, ReadyForQuery.
pub fn startup_reply(pid: u32, key: u32) -> Vec<u8> {
    let mut v = msg(b'R', &0u32.to_be_bytes());
    for (k, val) in [
        ("server_version", "16.4"),
        ("server_encoding", "UTF8"),
        ("client_encoding", "UTF8"),
        ("TimeZone", "UTC"),
    ] {
        let mut b = Vec::new();
        cstr(&mut b, k);
        cstr(&mut b, val);
        v.extend_from_slice(&msg(b'S', &b));
    }
    let mut kd = pid.to_be_bytes().to_vec();
    kd.extend_from_slice(&key.to_be_bytes());
    v.extend_from_slice(&msg(b'K', &kd));
    v.extend_from_slice(&msg(b'Z', b"I"));
    v
}

pub fn query(sql: &str) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, sql);
    msg(b'Q', &b)
}

/// RowDescription for text columns, the rows, CommandComplete and ReadyForQuery.
pub fn result(columns: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut rd = (columns.len() as u16).to_be_bytes().to_vec();
    for c in columns {
        cstr(&mut rd, c);
        rd.extend_from_slice(&0u32.to_be_bytes()); // table oid
        rd.extend_from_slice(&0u16.to_be_bytes()); // column number
        rd.extend_from_slice(&25u32.to_be_bytes()); // text
        rd.extend_from_slice(&(-1i16).to_be_bytes());
        rd.extend_from_slice(&(-1i32).to_be_bytes());
        rd.extend_from_slice(&0u16.to_be_bytes()); // text format
    }
    let mut v = msg(b'T', &rd);
    for row in rows {
        let mut d = (row.len() as u16).to_be_bytes().to_vec();
        for f in row {
            d.extend_from_slice(&(f.len() as u32).to_be_bytes());
            d.extend_from_slice(f.as_bytes());
        }
        v.extend_from_slice(&msg(b'D', &d));
    }
    let mut cc = Vec::new();
    cstr(&mut cc, &format!("SELECT {}", rows.len()));
    v.extend_from_slice(&msg(b'C', &cc));
    v.extend_from_slice(&msg(b'Z', b"I"));
    v
}

/// ErrorResponse (a failed injected query) followed by ReadyForQuery.
pub fn error(message: &str) -> Vec<u8> {
    let mut b = Vec::new();
    for (code, val) in [(b'S', "ERROR"), (b'C', "42601"), (b'M', message)] {
        b.push(code);
        cstr(&mut b, val);
    }
    b.push(0);
    let mut v = msg(b'E', &b);
    v.extend_from_slice(&msg(b'Z', b"I"));
    v
}

pub fn terminate() -> Vec<u8> {
    msg(b'X', &[])
}
