//! Where rules come from: rule files and directories named on the command line or in the
//! configuration file, and the packs shipped in `rules/`, which the binary carries so a fresh
//! install detects with nothing configured.

use std::path::PathBuf;

use super::engine::{Engine, EngineConfig, LoadReport};
use super::mpm::Backend;
use super::rule::{AddressSet, Classifications, Vars};
use crate::config::Config;

/// The shipped packs, compiled into the binary.
pub const SHIPPED_RULES: &[(&str, &str)] = &[
    (
        "rules/election-portal.rules",
        include_str!("../../../rules/election-portal.rules"),
    ),
    (
        "rules/c2-exfil.rules",
        include_str!("../../../rules/c2-exfil.rules"),
    ),
];

/// What to load: the command line's choices and the configuration file, read afresh at each
/// load so a reload sees edits to either the rule files or the configuration.
#[derive(Clone, Debug, Default)]
pub struct RuleSources {
    /// Rule files, or directories whose `*.rules` files are loaded (sorted by name). When
    /// given, they replace the configuration's `rules`.
    pub paths: Vec<PathBuf>,
    /// Exactly the rules given: never the shipped packs.
    pub signatures_only: bool,
    /// `HOME_NET` as a Suricata address list (`EXTERNAL_NET` stays `!$HOME_NET`); replaces the
    /// configuration's.
    pub home_net: Option<String>,
    /// The configuration file (`rules`, `vars`, `stream.midstream`).
    pub config: Option<PathBuf>,
    /// `--mpm` when given: a backend, or `None` for `auto`; either replaces the
    /// configuration's `detect.mpm-algo`.
    pub mpm: Option<Option<Backend>>,
    /// `--midstream` (turns it on whatever the configuration says).
    pub midstream: bool,
    /// `-k none|all`: `stream.checksum-validation` whatever the configuration says.
    pub checksum_validation: Option<bool>,
}

/// What `RuleSources` come to once the configuration is read.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub paths: Vec<PathBuf>,
    pub shipped: bool,
    pub vars: Vars,
    pub engine: EngineConfig,
}

impl RuleSources {
    /// Reads the configuration (if any) and applies the command line over it.
    pub fn resolve(&self) -> Result<Resolved, String> {
        let config = match &self.config {
            Some(p) => Config::load(p).map_err(|e| e.to_string())?,
            None => Config::default(),
        };
        let paths = if self.paths.is_empty() {
            config.rules
        } else {
            self.paths.clone()
        };
        // The shipped packs apply when nothing else is configured, or when the configuration
        // asks for them next to its own rules (the command line's `--rules` replaces both).
        let shipped = !self.signatures_only
            && if self.paths.is_empty() {
                config.shipped_rules.unwrap_or(paths.is_empty())
            } else {
                false
            };
        let mut vars = config.vars;
        if let Some(h) = &self.home_net {
            set_home_net(&mut vars, h);
            let home = vars.address("HOME_NET").unwrap_or_default();
            AddressSet::parse(home, &vars).map_err(|e| format!("--home-net: {e}"))?;
        }
        let engine = EngineConfig {
            midstream: self.midstream || config.midstream,
            mpm: self.mpm.unwrap_or(config.mpm),
            packet_alert_max: config.packet_alert_max,
            checksum: crate::decode::checksum::Policy {
                validation: self
                    .checksum_validation
                    .unwrap_or(config.checksum.validation),
                ..config.checksum
            },
        };
        Ok(Resolved {
            paths,
            shipped,
            vars,
            engine,
        })
    }
}

/// Reads the rule texts; unreadable paths are errors naming the path.
pub fn read_sources(src: &Resolved) -> Result<Vec<(PathBuf, String)>, String> {
    let mut out = Vec::new();
    if src.shipped {
        for (name, text) in SHIPPED_RULES {
            out.push((PathBuf::from(name), text.to_string()));
        }
    }
    for p in &src.paths {
        let files = if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|f| f.extension().is_some_and(|x| x == "rules"))
                .collect();
            v.sort();
            v
        } else {
            vec![p.clone()]
        };
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            out.push((f, text));
        }
    }
    Ok(out)
}

/// Replaces `HOME_NET` with a comma-separated list or a bracketed Suricata list.
pub fn set_home_net(vars: &mut Vars, home_net: &str) {
    let list = if home_net.trim_start().starts_with('[') {
        home_net.to_string()
    } else {
        format!("[{home_net}]")
    };
    vars.set_address("HOME_NET", &list);
}

/// Loads and builds the engine.
pub fn load(src: &RuleSources) -> Result<(Engine, LoadReport), String> {
    let resolved = src.resolve()?;
    let texts = read_sources(&resolved)?;
    let classes = Classifications::builtin();
    Ok(Engine::build(
        &texts,
        &resolved.vars,
        &classes,
        resolved.engine,
    ))
}

/// One line per problem, for stderr and `sensor rules check`.
pub fn describe(report: &LoadReport) -> Vec<String> {
    report
        .errors
        .iter()
        .map(|e| format!("skipped {e}"))
        .chain(report.dataset_errors.iter().map(|e| format!("skipped {e}")))
        .collect()
}

/// Notes about rules that loaded but act differently than written.
pub fn notes(report: &LoadReport) -> Option<String> {
    (report.inline_as_alert > 0).then(|| {
        format!(
            "{} drop/reject rule(s) raise alerts only: the sensor is passive and drops nothing",
            report.inline_as_alert
        )
    })
}

/// Paths as given, for messages.
pub fn display(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The command line wins over the configuration; `--mpm auto` included.
    #[test]
    fn command_line_overrides_configuration() {
        let dir = std::env::temp_dir().join(format!("sensor-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("sensor.toml");
        std::fs::write(
            &config,
            "rules = [\"a.rules\"]\n[vars.address-groups]\nHOME_NET = \"10.1.0.0/16\"\n[detect]\nmpm-algo = \"ac\"\n",
        )
        .unwrap();
        let mut src = RuleSources {
            config: Some(config.clone()),
            ..Default::default()
        };
        let r = src.resolve().unwrap();
        assert_eq!(r.paths, vec![dir.join("a.rules")]);
        assert!(!r.shipped);
        assert_eq!(r.engine.mpm, Some(Backend::AhoCorasick));
        assert_eq!(r.vars.address("HOME_NET"), Some("10.1.0.0/16"));
        src.mpm = Some(None);
        src.home_net = Some("192.0.2.0/24".into());
        src.paths = vec![PathBuf::from("b.rules")];
        let r = src.resolve().unwrap();
        assert_eq!(r.engine.mpm, None);
        assert_eq!(r.vars.address("HOME_NET"), Some("[192.0.2.0/24]"));
        assert_eq!(r.paths, vec![PathBuf::from("b.rules")]);
        src.home_net = Some("10.0.0.0/33".into());
        assert!(src.resolve().unwrap_err().starts_with("--home-net:"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
