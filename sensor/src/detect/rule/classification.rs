//! `classification.config`: classtype short names with a description and a default priority.
//! The standard file Suricata ships is in `rules/classification.config` and built in.

use std::collections::HashMap;

/// The classification file Suricata 7 ships.
pub const DEFAULT_CLASSIFICATION: &str = include_str!("../../../../rules/classification.config");

/// One classtype.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    pub name: String,
    pub description: String,
    pub priority: u8,
}

/// Classtypes by short name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Classifications {
    by_name: HashMap<String, Classification>,
}

impl Classifications {
    /// Parses `config classification: shortname,description,priority` lines; comments, blank
    /// and malformed lines are skipped (Suricata warns and goes on). Names are lowercased.
    pub fn parse(text: &str) -> Self {
        let mut by_name = HashMap::new();
        for line in text.lines() {
            let line = line.trim();
            let Some(rest) = line.strip_prefix("config classification:") else {
                continue;
            };
            let mut parts = rest.splitn(3, ',');
            let (Some(name), Some(desc), Some(prio)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let (name, desc) = (name.trim(), desc.trim());
            let Ok(priority) = prio.trim().parse::<u8>() else {
                continue;
            };
            if name.is_empty() {
                continue;
            }
            let name = name.to_ascii_lowercase();
            by_name.insert(
                name.clone(),
                Classification {
                    name,
                    description: desc.to_string(),
                    priority,
                },
            );
        }
        Classifications { by_name }
    }

    /// Suricata's standard classifications.
    pub fn builtin() -> Self {
        Self::parse(DEFAULT_CLASSIFICATION)
    }

    pub fn get(&self, classtype: &str) -> Option<&Classification> {
        self.by_name.get(&classtype.to_ascii_lowercase())
    }

    pub fn description(&self, classtype: &str) -> Option<&str> {
        self.get(classtype).map(|c| c.description.as_str())
    }

    pub fn priority(&self, classtype: &str) -> Option<u8> {
        self.get(classtype).map(|c| c.priority)
    }

    /// A rule's effective priority: its `priority` option, else its classtype's, else 3
    /// (Suricata's default).
    pub fn rule_priority(&self, classtype: Option<&str>, priority: Option<u8>) -> u8 {
        priority
            .or_else(|| classtype.and_then(|c| self.priority(c)))
            .unwrap_or(3)
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}
