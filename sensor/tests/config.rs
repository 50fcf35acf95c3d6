//! The configuration file through the command line: its rules and variables apply, the
//! command line overrides it, and a broken file stops the sensor with file, line and key.

use std::path::{Path, PathBuf};
use std::process::Command;

const PCAP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../pcaps/attack-dns-tunnel.pcap"
);

fn workdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sensor-config-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `sensor replay` on the tunnel capture; returns (exit code, stderr, alerts per sid).
fn replay(dir: &Path, args: &[&str]) -> (i32, String, std::collections::BTreeMap<u64, usize>) {
    let eve = dir.join("eve.json");
    let _ = std::fs::remove_file(&eve);
    let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
        // Rules only: these tests count signature alerts.
        .args(["replay", "-q", "--no-behaviour", "--workers", "1"])
        .args(args)
        .arg("--eve")
        .arg(&eve)
        .arg(PCAP)
        .output()
        .unwrap();
    let mut alerts = std::collections::BTreeMap::new();
    for line in std::fs::read_to_string(&eve).unwrap_or_default().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["event_type"] == "alert" {
            *alerts
                .entry(v["alert"]["signature_id"].as_u64().unwrap())
                .or_default() += 1;
        }
    }
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        alerts,
    )
}

const LOCAL_RULE: &str = "alert dns $PORTAL_NET any -> any any (msg:\"local\"; dns.query; content:\"exfil\"; nocase; sid:9000001;)\n";

#[test]
fn config_rules_and_vars_apply_and_the_command_line_overrides() {
    let dir = workdir("apply");
    std::fs::write(dir.join("local.rules"), LOCAL_RULE).unwrap();
    let config = dir.join("sensor.toml");
    // The tunnel client is 10.10.3.88: the local rule needs PORTAL_NET to contain it.
    std::fs::write(
        &config,
        "rules = [\"local.rules\"]\n[vars.address-groups]\nPORTAL_NET = \"10.10.3.0/24\"\n",
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let (code, err, alerts) = replay(&dir, &["--config", cfg]);
    assert_eq!(code, 0, "{err}");
    assert!(alerts.get(&9000001).is_some_and(|&n| n > 0), "{alerts:?}");
    // The configuration's rules replace the shipped packs...
    assert_eq!(alerts.len(), 1, "{alerts:?}");

    // ...unless it asks for them too.
    std::fs::write(
        &config,
        "rules = [\"local.rules\"]\nshipped-rules = true\n[vars.address-groups]\nPORTAL_NET = \"10.10.3.0/24\"\n",
    )
    .unwrap();
    let (code, err, with_shipped) = replay(&dir, &["--config", cfg]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(with_shipped[&9000001], alerts[&9000001]);
    assert!(with_shipped.len() > 1, "{with_shipped:?}");
    // --signatures-only still means exactly the given rules.
    let (_, _, only) = replay(&dir, &["--config", cfg, "--signatures-only"]);
    assert_eq!(only, alerts);

    // A variable that excludes the client: no alert.
    std::fs::write(
        &config,
        "rules = [\"local.rules\"]\n[vars.address-groups]\nPORTAL_NET = \"192.0.2.0/24\"\n",
    )
    .unwrap();
    let (code, err, none) = replay(&dir, &["--config", cfg]);
    assert_eq!(code, 0, "{err}");
    assert!(none.is_empty(), "{none:?}");

    // --rules replaces the configuration's list (the variables still apply).
    std::fs::write(
        dir.join("other.rules"),
        LOCAL_RULE
            .replace("9000001", "9000002")
            .replace("$PORTAL_NET", "any"),
    )
    .unwrap();
    let other = dir.join("other.rules");
    let (code, err, replaced) =
        replay(&dir, &["--config", cfg, "--rules", other.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(replaced.keys().copied().collect::<Vec<_>>(), vec![9000002]);
}

#[test]
fn broken_config_stops_with_file_line_and_key() {
    let dir = workdir("broken");
    let config = dir.join("sensor.toml");
    std::fs::write(&config, "rules = []\n\n[stream]\nmidstraem = true\n").unwrap();
    let (code, err, _) = replay(&dir, &["--config", config.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    let want = format!("{}:4: unknown field `midstraem`", config.display());
    assert!(err.contains(&want), "{err}");

    std::fs::write(
        &config,
        "[vars.address-groups]\nHOME_NET = \"[10.0.0.0/8,10.0.0.256]\"\n",
    )
    .unwrap();
    let (code, err, _) = replay(&dir, &["--config", config.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(":2: vars.address-groups.HOME_NET:") && err.contains("10.0.0.256"),
        "{err}"
    );

    let (code, err, _) = replay(
        &dir,
        &["--config", dir.join("missing.toml").to_str().unwrap()],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.toml: cannot read"), "{err}");
}
