//! Routing's shared state: its database, the rules and SLA policies per property, and the
//! wake-ups between the event consumer, the armer and the relay.

use crate::domain::routing_rules::RoutingRules;
use crate::domain::sla_policy::{PolicySpec, SlaPolicy};
use anyhow::Context;
use frontdesk_platform::db::Db;
use frontdesk_platform::fanout::Fanout;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::Notify;

/// Per-property configuration with a chain default.
#[derive(Debug, Clone)]
pub struct PerProperty<T> {
    default: T,
    overrides: HashMap<String, T>,
}

impl<T> PerProperty<T> {
    pub fn new(default: T) -> Self {
        PerProperty {
            default,
            overrides: HashMap::new(),
        }
    }

    pub fn get(&self, property_id: &str) -> &T {
        self.overrides.get(property_id).unwrap_or(&self.default)
    }

    pub fn set(&mut self, property_id: &str, value: T) {
        self.overrides.insert(property_id.to_string(), value);
    }
}

#[derive(Clone)]
pub struct Routing {
    pub db: Db,
    pub rules: Arc<PerProperty<RoutingRules>>,
    pub policies: Arc<PerProperty<SlaPolicy>>,
    /// Announces routing's committed events (relay to intake).
    pub fanout: Fanout,
    /// New deadlines to put in the wheel.
    pub armer: Arc<Notify>,
}

/// Reads `<dir>/rules/<property>.toml` (rule overrides) and `<dir>/sla/<property>.toml`
/// (policies); either directory may be missing.
pub fn load_config(
    dir: Option<&Path>,
) -> anyhow::Result<(PerProperty<RoutingRules>, PerProperty<SlaPolicy>)> {
    let mut rules = PerProperty::new(RoutingRules::default_rules());
    let mut policies = PerProperty::new(SlaPolicy::default_policy().context("default SLA policy")?);
    let Some(dir) = dir else {
        return Ok((rules, policies));
    };
    for (property, text, path) in toml_files(&dir.join("rules"))? {
        let r = RoutingRules::default_rules()
            .with_override(&text)
            .map_err(|v| anyhow::anyhow!("{}: {v}", path))?;
        rules.set(&property, r);
    }
    for (property, text, path) in toml_files(&dir.join("sla"))? {
        let spec: PolicySpec = toml::from_str(&text).with_context(|| path.clone())?;
        let p = SlaPolicy::from_spec(&spec).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
        policies.set(&property, p);
    }
    Ok((rules, policies))
}

fn toml_files(dir: &Path) -> anyhow::Result<Vec<(String, String, String)>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let Some(property) = path.file_stem().and_then(|s| s.to_str()).map(String::from) else {
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        out.push((property, text, path.display().to_string()));
    }
    Ok(out)
}
