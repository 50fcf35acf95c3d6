//! Credentials: logins in clear text (FTP, SMTP AUTH, POP3, IMAP, Telnet, HTTP Basic, HTTP
//! forms), brute force by repeated failures per client and server, and guessing by a burst of
//! sessions to an encrypted login service (SSH), where failures cannot be seen; and logins
//! from inside to an outside server no inside host has logged in to before, once the stage
//! has learnt the office's usual destinations (`login-learning-secs` of packet time).

use std::net::IpAddr;

use super::alert::{self, Alert};
use super::config::BehaviourConfig;
use super::events::{Conn, LoginProto, LoginResult};
use super::table::Bounded;
use crate::time::Timestamp;

#[derive(Default)]
struct Pair {
    window_start: u64,
    failures: u64,
    successes: u64,
    attempts: u64,
    sessions: u64,
    users: u64,
    last_user: Option<Box<str>>,
    /// The last FTP user named was anonymous: its outcome is not a credential.
    anonymous: bool,
    bruteforce_alerted: bool,
    guessing_alerted: bool,
}

pub struct Creds {
    pairs: Bounded<(IpAddr, IpAddr), Pair>,
    /// Outside servers inside hosts have logged in to, with the last time.
    known: Bounded<IpAddr, ()>,
    /// Packet time of the first login seen (the learning period starts there).
    since: Option<u64>,
}

impl Creds {
    pub fn new(cap: usize) -> Creds {
        Creds {
            pairs: Bounded::new(cap),
            known: Bounded::new(cap / 4),
            since: None,
        }
    }

    /// Entities held now.
    pub fn len(&self) -> usize {
        self.pairs.len() + self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn evicted(&self) -> u64 {
        self.pairs.evicted + self.known.evicted
    }

    #[allow(clippy::too_many_arguments)]
    pub fn login(
        &mut self,
        ts: Timestamp,
        c: &Conn,
        proto: LoginProto,
        result: LoginResult,
        user: Option<&str>,
        cfg: &BehaviourConfig,
        out: &mut Vec<Alert>,
    ) {
        if cfg.host_allowed(c.client) {
            return;
        }
        let t = &cfg.t;
        let now = ts.secs();
        let p = self.pairs.entry(&(c.client, c.server), now, Pair::default);
        if now >= p.window_start + t.bruteforce_window_secs {
            *p = Pair {
                window_start: now,
                ..Default::default()
            };
        }
        if let Some(u) = user {
            p.anonymous = false;
            if p.last_user.as_deref() != Some(u) {
                p.users += 1;
                p.last_user = Some(u.into());
            }
        }
        match result {
            LoginResult::Failure => p.failures += 1,
            LoginResult::Success => p.successes += 1,
            LoginResult::Attempt => p.attempts += 1,
        }
        // Sessions that each try credentials the sensor cannot judge: encrypted services, and
        // web forms (a failed form login is usually a 200 page saying so).
        let guessable = matches!(
            proto,
            LoginProto::Ssh | LoginProto::Rdp | LoginProto::HttpForm
        );
        if guessable {
            p.sessions += 1;
        }
        let since = *self.since.get_or_insert(now);
        let new_destination = cfg.is_home(c.client)
            && cfg.is_external(c.server)
            && self.known.get(&c.server).is_none()
            && now >= since + t.login_learning_secs;
        if cfg.is_home(c.client) && cfg.is_external(c.server) {
            self.known.entry(&c.server, now, || ());
        }
        let base = |sig, why: String, evidence: Vec<String>| Alert {
            ts,
            sig,
            src: c.client,
            sport: c.cport,
            dst: c.server,
            dport: c.sport,
            proto: c.proto,
            entity: proto as u64,
            why,
            evidence,
            severity: None,
            per_source: false,
        };
        // Anonymous FTP is public access, not a credential (its "password" is an e-mail).
        let anonymous = proto == LoginProto::Ftp
            && user.is_some_and(|u| {
                u.eq_ignore_ascii_case("anonymous") || u.eq_ignore_ascii_case("ftp")
            });
        if anonymous {
            p.anonymous = true;
        }
        if proto.cleartext()
            && result != LoginResult::Failure
            && !anonymous
            && !(p.anonymous && user.is_none())
        {
            let who = user.map_or(String::new(), |u| format!(" for user {u}"));
            let outcome = match result {
                LoginResult::Success => "accepted",
                _ => "sent",
            };
            out.push(base(
                alert::CRED_CLEARTEXT,
                format!(
                    "{} login{who} {outcome} in clear text to {}:{}",
                    proto.name(),
                    c.server,
                    c.sport
                ),
                vec![
                    format!("protocol={}", proto.name()),
                    format!("user={}", user.unwrap_or("-")),
                    format!("result={outcome}"),
                ],
            ));
        }
        if new_destination {
            out.push(base(
                alert::CRED_NEW_DESTINATION,
                format!(
                    "{} logged in ({}) to {}:{}, an outside server no inside host used in {} s",
                    c.client,
                    proto.name(),
                    c.server,
                    c.sport,
                    now - since
                ),
                vec![
                    format!("protocol={}", proto.name()),
                    format!("user={}", user.unwrap_or("-")),
                    format!("learnt_s={}", now - since),
                ],
            ));
        }
        if result == LoginResult::Failure
            && !p.bruteforce_alerted
            && p.failures as usize >= t.bruteforce_failures
        {
            p.bruteforce_alerted = true;
            out.push(base(
                alert::CRED_BRUTEFORCE,
                format!(
                    "{} failed {} {} logins on {} within {} s",
                    c.client,
                    p.failures,
                    proto.name(),
                    c.server,
                    t.bruteforce_window_secs
                ),
                vec![
                    format!("protocol={}", proto.name()),
                    format!("failures={}", p.failures),
                    format!("successes={}", p.successes),
                    format!("user_changes={}", p.users),
                    format!("window_s={}", t.bruteforce_window_secs),
                ],
            ));
        }
        if guessable && !p.guessing_alerted && p.sessions as usize >= t.bruteforce_sessions {
            p.guessing_alerted = true;
            let span = now.saturating_sub(p.window_start);
            out.push(base(
                alert::CRED_GUESSING,
                format!(
                    "{} made {} {} login attempts to {}:{} within {} s",
                    c.client,
                    p.sessions,
                    proto.name(),
                    c.server,
                    c.sport,
                    span
                ),
                vec![
                    format!("protocol={}", proto.name()),
                    format!("sessions={}", p.sessions),
                    format!("span_s={span}"),
                    format!("window_s={}", t.bruteforce_window_secs),
                ],
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(port: u16) -> Conn {
        Conn {
            client: "10.0.0.9".parse().unwrap(),
            server: "10.0.0.2".parse().unwrap(),
            cport: 40000,
            sport: port,
            proto: 6,
        }
    }

    #[test]
    fn login_to_a_new_outside_server_after_learning() {
        let cfg = BehaviourConfig::default();
        let mut c = Creds::new(100);
        let mut out = Vec::new();
        let day = cfg.t.login_learning_secs;
        let to = |server: &str| Conn {
            client: "10.0.0.9".parse().unwrap(),
            server: server.parse().unwrap(),
            cport: 40000,
            sport: 22,
            proto: 6,
        };
        // Learning: the usual server, nothing said.
        c.login(
            Timestamp(1_000_000_000),
            &to("192.0.2.10"),
            LoginProto::Ssh,
            LoginResult::Attempt,
            None,
            &cfg,
            &mut out,
        );
        assert!(out.is_empty());
        let later = Timestamp((day + 10) * 1_000_000_000);
        c.login(
            later,
            &to("192.0.2.10"),
            LoginProto::Ssh,
            LoginResult::Attempt,
            None,
            &cfg,
            &mut out,
        );
        assert!(out.is_empty(), "a known destination");
        c.login(
            later,
            &to("198.51.100.7"),
            LoginProto::Ssh,
            LoginResult::Attempt,
            None,
            &cfg,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].sig.sid, alert::CRED_NEW_DESTINATION.sid);
    }

    #[test]
    fn form_and_rdp_guessing() {
        let cfg = BehaviourConfig::default();
        for proto in [LoginProto::HttpForm, LoginProto::Rdp] {
            let mut c = Creds::new(100);
            let mut out = Vec::new();
            for i in 0..25u64 {
                c.login(
                    Timestamp(i * 1_000_000_000),
                    &conn(443),
                    proto,
                    LoginResult::Attempt,
                    Some("admin"),
                    &cfg,
                    &mut out,
                );
            }
            let n = out
                .iter()
                .filter(|a| a.sig.sid == alert::CRED_GUESSING.sid)
                .count();
            assert_eq!(n, 1, "{proto:?}");
        }
    }

    #[test]
    fn ftp_dictionary_attack() {
        let cfg = BehaviourConfig::default();
        let mut c = Creds::new(100);
        let mut out = Vec::new();
        for i in 0..50u64 {
            c.login(
                Timestamp(i * 100_000_000),
                &conn(21),
                LoginProto::Ftp,
                LoginResult::Failure,
                None,
                &cfg,
                &mut out,
            );
        }
        assert_eq!(
            out.iter()
                .filter(|a| a.sig.sid == alert::CRED_BRUTEFORCE.sid)
                .count(),
            1
        );
    }

    #[test]
    fn cleartext_login_and_ssh_guessing() {
        let cfg = BehaviourConfig::default();
        let mut c = Creds::new(100);
        let mut out = Vec::new();
        c.login(
            Timestamp(1),
            &conn(143),
            LoginProto::Imap,
            LoginResult::Attempt,
            Some("bob"),
            &cfg,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].sig.sid, alert::CRED_CLEARTEXT.sid);
        out.clear();
        for i in 0..10u64 {
            c.login(
                Timestamp(i),
                &conn(22),
                LoginProto::Ssh,
                LoginResult::Attempt,
                None,
                &cfg,
                &mut out,
            );
        }
        assert!(out.is_empty(), "a few SSH sessions are ordinary");
        out.clear();
        let mut c2 = Creds::new(100);
        c2.login(
            Timestamp(1),
            &conn(21),
            LoginProto::Ftp,
            LoginResult::Attempt,
            Some("anonymous"),
            &cfg,
            &mut out,
        );
        c2.login(
            Timestamp(2),
            &conn(21),
            LoginProto::Ftp,
            LoginResult::Success,
            None,
            &cfg,
            &mut out,
        );
        assert!(out.is_empty(), "anonymous FTP is not a credential");
        for i in 10..30u64 {
            c.login(
                Timestamp(i),
                &conn(22),
                LoginProto::Ssh,
                LoginResult::Attempt,
                None,
                &cfg,
                &mut out,
            );
        }
        assert_eq!(out.len(), 1);
    }
}
