//! Search, suggestions, reply rendering, synonyms and the index's life: rebuilt from the
//! database at start and on demand, kept current by following the change sequence.

use super::{Error, Knowledge, can_read};
use crate::domain::render;
use crate::domain::{Kind, Lang, Status};
use crate::index::{Change, Hit, KbIndex, SearchQuery};
use crate::store::{self, articles};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::db::Db;
use frontdesk_platform::error::Violations;
use frontdesk_platform::time::now_micros;
use std::collections::BTreeMap;
use std::sync::Arc;

const BATCH: i64 = 1_000;

/// A rendered reply and the template version it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub template_id: String,
    pub version: i64,
    pub language: Lang,
}

impl Knowledge {
    /// Ranked live hits for the caller's property (and the chain).
    pub async fn search(&self, q: SearchQuery) -> Result<(Vec<Hit>, bool), Error> {
        self.index.search_queued(q).await.map_err(Error::Internal)
    }

    /// Fills a published reply template, in `language` when a translation exists.
    pub async fn render_reply(
        &self,
        caller: &Caller,
        property_id: &str,
        template_id: &str,
        language: Option<Lang>,
        vars: &BTreeMap<String, String>,
    ) -> Result<Rendered, Error> {
        let head = match articles::get_head(&self.db, template_id).await? {
            Some(h) if can_read(caller, &h.property_id) => h,
            _ => return Err(Error::not_found("article", template_id)),
        };
        if !head.property_id.is_empty() && head.property_id != property_id {
            return Err(Error::not_found("article", template_id));
        }
        if head.published_version == 0 || head.status == Status::Retired {
            return Err(Error::FailedPrecondition(format!(
                "template {template_id} is not published"
            )));
        }
        let mut conn = self.db.pool().acquire().await?;
        let mut id = template_id.to_string();
        let mut version = articles::get_version(&mut conn, template_id, head.published_version)
            .await?
            .ok_or_else(|| Error::not_found("article", template_id))?;
        if version.fields.kind != Some(Kind::ReplyTemplate) {
            return Err(Error::FailedPrecondition(format!(
                "article {template_id} is not a reply template"
            )));
        }
        if let Some(want) = language
            && version.fields.language != Some(want)
            && let Some((tid, tv)) = articles::published_translation(
                &mut conn,
                template_id,
                &version.fields.translation_of,
                want,
            )
            .await?
        {
            id = tid;
            version = tv;
        }
        let text = render::render(&version.fields.body, vars).map_err(|missing| {
            let mut v = Violations::new();
            for name in missing {
                v.add(
                    format!("variables.{name}"),
                    "required by the template; a reply never goes out with a blank",
                );
            }
            Error::InvalidArgument(v)
        })?;
        Ok(Rendered {
            text,
            template_id: id,
            version: version.version,
            language: version.fields.language.unwrap_or(Lang::Zh),
        })
    }

    pub async fn synonyms(&self) -> Result<(Vec<Vec<String>>, String, i64), Error> {
        Ok(articles::synonyms(&self.db).await?)
    }

    pub async fn set_synonyms(
        &self,
        caller: &Caller,
        groups: Vec<Vec<String>>,
    ) -> Result<(Vec<Vec<String>>, String, i64), Error> {
        let mut tx = self.begin().await?;
        let now = now_micros();
        articles::set_synonyms(&mut tx, &groups, &caller.subject, now).await?;
        self.finish(tx, Vec::new()).await?;
        // This replica applies them at once; the others within a follow tick.
        self.index.set_synonyms(groups.clone());
        Ok((groups, caller.subject.clone(), now))
    }

    /// Rebuilds this replica's index from the database.
    pub async fn rebuild_index(&self) -> Result<(usize, i64), Error> {
        rebuild(&self.db, &self.index)
            .await
            .map_err(Error::Internal)?;
        Ok((self.index.documents(), self.index.sequence()))
    }
}

/// Reads every live article and replaces the index with them.
pub async fn rebuild(db: &Db, index: &Arc<KbIndex>) -> anyhow::Result<()> {
    let mut docs = Vec::new();
    let mut after = 0;
    loop {
        let (changes, last) = articles::changes_after(db, after, BATCH).await?;
        if changes.is_empty() {
            break;
        }
        after = last;
        docs.extend(changes.into_iter().filter_map(|c| match c {
            Change::Upsert(d) => Some(d),
            Change::Remove(_) => None,
        }));
    }
    let (groups, _, _) = articles::synonyms(db).await?;
    let index = index.clone();
    tokio::task::spawn_blocking(move || {
        index.set_synonyms(groups);
        index.replace_all(docs, after)
    })
    .await??;
    Ok(())
}

/// Applies every change after the index's sequence (and a changed synonym list); returns
/// how many changes were applied.
pub async fn follow_once(
    db: &Db,
    index: &Arc<KbIndex>,
    synonyms_seen: &mut i64,
) -> anyhow::Result<usize> {
    let mut applied = 0;
    loop {
        let (changes, last) = articles::changes_after(db, index.sequence(), BATCH).await?;
        if changes.is_empty() {
            break;
        }
        applied += changes.len();
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.apply(changes, last)).await??;
    }
    let mut conn = db.pool().acquire().await?;
    let syn = store::counter(&mut conn, "synonyms").await?;
    // SQLite has one connection: give it back before reading the list.
    drop(conn);
    if syn != *synonyms_seen {
        let (groups, _, _) = articles::synonyms(db).await?;
        index.set_synonyms(groups);
        *synonyms_seen = syn;
    }
    Ok(applied)
}
