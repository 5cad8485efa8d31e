//! Event delivery of the mounted services: who receives each source's events, a relay per
//! subscriber, and the pruner behind them.

use super::*;
use frontdesk_platform::auth::Role;
use frontdesk_platform::mount::EventSource;
use frontdesk_platform::outbox;
use frontdesk_platform::relay::{self, RelayConfig, Subscriber};
use frontdesk_platform::shutdown::Shutdown;
use std::time::Duration;

/// Who receives `source`'s events: the configured subscribers in other processes, and the
/// consumers mounted here (delivered through this server's own EventSink).
pub(super) fn subscribers_of(
    source: &str,
    configured: &[Subscriber],
    consumes: &[(&'static str, &'static str)],
    own: &str,
) -> Vec<Subscriber> {
    let mut subscribers: Vec<Subscriber> = configured
        .iter()
        .filter(|s| s.name != source)
        .cloned()
        .collect();
    subscribers.extend(
        consumes
            .iter()
            .filter(|(_, s)| *s == source)
            .map(|(consumer, _)| Subscriber {
                name: consumer.to_string(),
                endpoint: own.to_string(),
            }),
    );
    subscribers
}

/// A relay per subscriber, and the pruner that empties the outbox behind them.
pub(super) fn spawn_delivery(
    tasks: &mut Tasks,
    cfg: &AppConfig,
    shutdown: &Shutdown,
    source: &'static str,
    events: &EventSource,
    subscribers: Vec<Subscriber>,
) -> anyhow::Result<()> {
    spawn_relays(tasks, cfg, shutdown, source, events, subscribers)?;
    tasks.0.push(tokio::spawn(outbox::run_pruner(
        events.db.clone(),
        source,
        cfg.outbox_retention,
        cfg.prune_every,
        shutdown.clone(),
    )));
    Ok(())
}

pub(super) fn spawn_relays(
    tasks: &mut Tasks,
    cfg: &AppConfig,
    shutdown: &Shutdown,
    source: &'static str,
    events: &EventSource,
    subscribers: Vec<Subscriber>,
) -> anyhow::Result<()> {
    if subscribers.is_empty() {
        return Ok(());
    }
    let token = cfg.auth.issue(
        source,
        Role::Service,
        &["*".to_string()],
        Duration::from_secs(365 * 24 * 3600),
    )?;
    for sub in subscribers {
        let mut rc = RelayConfig::new(source, sub, token.clone());
        rc.lease = cfg.relay_lease;
        tasks.0.push(tokio::spawn(relay::run(
            events.db.clone(),
            rc,
            events.fanout.subscribe(),
            shutdown.clone(),
        )));
    }
    Ok(())
}
