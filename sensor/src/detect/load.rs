//! Where rules come from: rule files and directories named on the command line, and the packs
//! shipped in `rules/`, which the binary carries so a fresh install detects with nothing
//! configured.

use std::path::PathBuf;

use super::engine::{Engine, EngineConfig, LoadReport};
use super::rule::{Classifications, Vars};

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

/// What to load.
#[derive(Clone, Debug, Default)]
pub struct RuleSources {
    /// Rule files, or directories whose `*.rules` files are loaded (sorted by name).
    pub paths: Vec<PathBuf>,
    /// Also load the shipped packs.
    pub shipped: bool,
    /// `HOME_NET` as a Suricata address list (`EXTERNAL_NET` stays `!$HOME_NET`).
    pub home_net: Option<String>,
    pub engine: EngineConfig,
}

/// Reads the rule texts; unreadable paths are errors naming the path.
pub fn read_sources(src: &RuleSources) -> Result<Vec<(PathBuf, String)>, String> {
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

/// The variables rules see: Suricata's defaults, with `HOME_NET` replaced when given.
pub fn vars(home_net: Option<&str>) -> Vars {
    let mut v = Vars::default();
    if let Some(h) = home_net {
        let list = if h.trim_start().starts_with('[') {
            h.to_string()
        } else {
            format!("[{h}]")
        };
        v.set_address("HOME_NET", &list);
    }
    v
}

/// Loads and builds the engine.
pub fn load(src: &RuleSources) -> Result<(Engine, LoadReport), String> {
    let texts = read_sources(src)?;
    let vars = vars(src.home_net.as_deref());
    let classes = Classifications::builtin();
    Ok(Engine::build(&texts, &vars, &classes, src.engine))
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

/// Paths as given, for messages.
pub fn display(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
