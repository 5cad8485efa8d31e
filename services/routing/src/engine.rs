//! Routing's shared state: its database, the rules and SLA policies per property, and the
//! wake-ups between the event consumer, the armer and the relay.

use crate::domain::assignment::{Choice, choose};
use crate::domain::routing_rules::RoutingRules;
use crate::domain::shift;
use crate::domain::sla_policy::SlaPolicy;
use anyhow::Context;
use frontdesk_platform::db::Db;
use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::inbox::Permanent;
use frontdesk_platform::peer::Peer;
use frontdesk_proto::intake::v1 as intake_pb;
use intake_pb::intake_service_client::IntakeServiceClient;
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// Per-property configuration from files, with a chain default.
#[derive(Debug)]
pub struct PerProperty<T> {
    default: Arc<T>,
    overrides: HashMap<String, Arc<T>>,
}

impl<T> PerProperty<T> {
    pub fn new(default: T) -> Self {
        PerProperty {
            default: Arc::new(default),
            overrides: HashMap::new(),
        }
    }

    pub fn get(&self, property_id: &str) -> Arc<T> {
        self.overrides
            .get(property_id)
            .unwrap_or(&self.default)
            .clone()
    }

    pub fn set(&mut self, property_id: &str, value: T) {
        self.overrides
            .insert(property_id.to_string(), Arc::new(value));
    }
}

/// Parsed configurations edited by RPC, by property, with the version they came from:
/// every replica re-reads a property's row when its version moved.
type Cache<T> = Arc<Mutex<HashMap<String, (i64, Arc<T>)>>>;

pub const RULES: &str = "rules";
pub const SLA: &str = "sla";

#[derive(Clone)]
pub struct Routing {
    pub db: Db,
    pub rules: Arc<PerProperty<RoutingRules>>,
    pub policies: Arc<PerProperty<SlaPolicy>>,
    /// Announces routing's committed events (relay to intake).
    pub fanout: Fanout,
    /// New deadlines to put in the wheel.
    pub armer: Arc<Notify>,
    pub edited_rules: Cache<RoutingRules>,
    pub edited_policies: Cache<SlaPolicy>,
    /// Intake, asked for an inquiry's text when a rule matches on text.
    pub intake: Option<Arc<Peer>>,
}

impl Routing {
    pub fn new(
        db: Db,
        rules: PerProperty<RoutingRules>,
        policies: PerProperty<SlaPolicy>,
        fanout: Fanout,
    ) -> Self {
        Routing {
            db,
            rules: Arc::new(rules),
            policies: Arc::new(policies),
            fanout,
            armer: Arc::new(Notify::new()),
            edited_rules: Arc::default(),
            edited_policies: Arc::default(),
            intake: None,
        }
    }

    /// The property's routing rules: edited by RPC if so, else its file, else the default.
    pub async fn rules_for(
        &self,
        conn: &mut AnyConnection,
        property_id: &str,
    ) -> anyhow::Result<Arc<RoutingRules>> {
        let base = self.rules.get(property_id);
        cached(conn, &self.edited_rules, property_id, RULES, base, |body| {
            RoutingRules::default_rules()
                .with_override(body)
                .map_err(|v| anyhow::anyhow!("{v}"))
        })
        .await
    }

    /// CI-3.5: one named person in `department` — on duty and on shift at the property's
    /// wall-clock time `local` — or its queue. Routing and transfers both choose this way.
    pub async fn pick_handler(
        &self,
        conn: &mut AnyConnection,
        property_id: &str,
        department: &str,
        language: &str,
        category: &str,
        local: chrono::NaiveDateTime,
    ) -> anyhow::Result<Choice> {
        // Through the batch memo: inside a consumer batch these are read once per batch.
        let staff = crate::batch::staff_of_department(conn, property_id, department).await?;
        let loads = if staff.is_empty() {
            HashMap::new() // nobody to weigh: skip counting the property's open assignments
        } else {
            crate::batch::open_loads(conn, property_id).await?
        };
        let candidates = shift::candidates_at(&staff, &loads, local);
        let turn = crate::batch::next_turn(conn, property_id, department).await?;
        Ok(choose(&candidates, language, category, turn))
    }

    /// The property's SLA policy: edited by RPC if so, else its file, else the default.
    pub async fn policy_for(
        &self,
        conn: &mut AnyConnection,
        property_id: &str,
    ) -> anyhow::Result<Arc<SlaPolicy>> {
        let base = self.policies.get(property_id);
        cached(
            conn,
            &self.edited_policies,
            property_id,
            SLA,
            base,
            parse_policy,
        )
        .await
    }
}

/// A policy text as saved: parsed and checked by planning with it (see `SlaPolicy::check`).
pub fn parse_policy(body: &str) -> anyhow::Result<SlaPolicy> {
    SlaPolicy::parse(body).map_err(|v| {
        let parts: Vec<String> = v
            .iter()
            .map(|(f, d)| {
                if f.is_empty() {
                    d.clone()
                } else {
                    format!("{f}: {d}")
                }
            })
            .collect();
        anyhow::anyhow!(parts.join("; "))
    })
}

async fn cached<T>(
    conn: &mut AnyConnection,
    cache: &Cache<T>,
    property_id: &str,
    kind: &str,
    base: Arc<T>,
    parse: impl Fn(&str) -> anyhow::Result<T>,
) -> anyhow::Result<Arc<T>> {
    let Some((version, body)) = crate::batch::property_config(conn, property_id, kind).await?
    else {
        return Ok(base);
    };
    let mut c = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((v, parsed)) = c.get(property_id)
        && *v == version
    {
        return Ok(parsed.clone());
    }
    // Saved rows were validated; a row that no longer passes (saved by an older version
    // before checks were added) is an error retrying cannot fix: the event that needed it is
    // parked (not silently planned with another property's defaults), the stream goes on,
    // and once the configuration is fixed an operator retries the parked event.
    match parse(&body) {
        Ok(parsed) => {
            let parsed = Arc::new(parsed);
            c.insert(property_id.to_string(), (version, parsed.clone()));
            Ok(parsed)
        }
        Err(e) => Err(anyhow::Error::new(Permanent::new(format!(
            "stored {kind} configuration of property {property_id} (version {version}) is not \
             valid; fix it with Set{}: {e:#}",
            if kind == SLA {
                "SlaPolicy"
            } else {
                "RoutingRules"
            }
        )))),
    }
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
        let p = parse_policy(&text).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
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

impl Routing {
    /// The inquiry's text, from intake (the owner of customers' words): from the batch's
    /// prefetch ([`Self::inquiry_texts`]) when it has it, else asked alone. A missing
    /// inquiry routes without text; an unreachable intake is an error, so the event is
    /// retried.
    pub async fn inquiry_text(&self, inquiry_id: &str) -> anyhow::Result<String> {
        if let Some(text) = crate::batch::text(inquiry_id) {
            return Ok(text);
        }
        let peer = self.intake_peer()?;
        let req = peer.request(intake_pb::GetInquiryRequest {
            inquiry_id: inquiry_id.to_string(),
        })?;
        match IntakeServiceClient::new(peer.channel())
            .get_inquiry(req)
            .await
        {
            Ok(r) => Ok(r.into_inner().inquiry.map(|i| i.text).unwrap_or_default()),
            Err(s) if s.code() == tonic::Code::NotFound => {
                tracing::warn!(
                    inquiry_id,
                    "intake does not know the inquiry; routing without its text"
                );
                Ok(String::new())
            }
            Err(s) => Err(anyhow::anyhow!(
                "asking intake for inquiry {inquiry_id}: {s}"
            )),
        }
    }

    /// The texts of several inquiries, asked of intake 100 at a time (BatchGetInquiries,
    /// BASIC view). Intake answers all or nothing, so a group with an inquiry it does not
    /// know is left out here and each of its inquiries is asked alone later.
    pub async fn inquiry_texts(
        &self,
        inquiry_ids: &[String],
    ) -> anyhow::Result<HashMap<String, String>> {
        let peer = self.intake_peer()?;
        let mut out = HashMap::with_capacity(inquiry_ids.len());
        for ids in inquiry_ids.chunks(BATCH_GET) {
            let req = peer.request(intake_pb::BatchGetInquiriesRequest {
                inquiry_ids: ids.to_vec(),
                view: intake_pb::InquiryView::Basic as i32,
            })?;
            match IntakeServiceClient::new(peer.channel())
                .batch_get_inquiries(req)
                .await
            {
                Ok(r) => out.extend(
                    r.into_inner()
                        .inquiries
                        .into_iter()
                        .map(|i| (i.inquiry_id, i.text)),
                ),
                Err(s) if s.code() == tonic::Code::NotFound => {}
                Err(s) => {
                    return Err(anyhow::anyhow!(
                        "asking intake for {} inquiries: {s}",
                        ids.len()
                    ));
                }
            }
        }
        Ok(out)
    }

    fn intake_peer(&self) -> anyhow::Result<&Peer> {
        self.intake.as_deref().ok_or_else(|| {
            anyhow::anyhow!(
                "rules match on text but routing has no intake address (--peers intake=…)"
            )
        })
    }
}

/// Most inquiries one BatchGetInquiries may ask for (intake's limit).
const BATCH_GET: usize = 100;
