//! Article use cases: create, edit (a new version each time), the review workflow, reads,
//! history and diffs.

use super::{
    Error, Idempotency, Knowledge, can_read, event, new_id, remember, replay, require_write,
};
use crate::domain::article::{self, Refused};
use crate::domain::diff;
use crate::domain::{Fields, Lang, Status};
use crate::store::articles::{self as store, Head, ListFilter, Version};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::Violations;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::knowledge::v1 as pb;

/// An article as read: its head and one of its versions.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleView {
    pub head: Head,
    pub version: Version,
}

/// A workflow step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Submit,
    Publish,
    Retire,
}

impl From<Refused> for Error {
    fn from(r: Refused) -> Self {
        Error::FailedPrecondition(r.0)
    }
}

fn stale(expected: i64, head: i64) -> Error {
    Error::Aborted(format!(
        "the article is at version {head}, not {expected}: someone edited it meanwhile; \
         reload it and apply your change again"
    ))
}

impl Knowledge {
    /// A new article (version 1, DRAFT).
    #[tracing::instrument(skip_all, fields(property_id = %property_id))]
    pub async fn create_article(
        &self,
        caller: &Caller,
        property_id: &str,
        fields: Fields,
        idem: &Idempotency,
    ) -> Result<ArticleView, Error> {
        require_write(caller, property_id)?;
        let mut tx = self.begin().await?;
        if let Some(id) = replay(&mut tx, idem).await? {
            drop(tx);
            return self.get_article(caller, &id, 0).await;
        }
        let lang = fields.language.map_or("", Lang::code);
        if store::slug_taken(&mut tx, property_id, &fields.slug, lang, "").await? {
            return Err(Error::AlreadyExists(format!(
                "an article with slug {} in {lang} already exists here",
                fields.slug
            )));
        }
        self.check_translation(&mut tx, caller, &fields.translation_of)
            .await?;
        let now = now_micros();
        let head = Head {
            article_id: new_id(),
            property_id: property_id.to_string(),
            head_version: 1,
            published_version: 0,
            status: Status::Draft,
            created_by: caller.subject.clone(),
            created_at: now,
        };
        let version = Version {
            version: 1,
            fields,
            status: Status::Draft,
            updated_by: caller.subject.clone(),
            updated_at: now,
        };
        let seq = crate::store::next_seq(&mut tx).await?;
        store::insert_head(&mut tx, &head, &version.fields, seq).await?;
        store::insert_version(&mut tx, &head.article_id, &version).await?;
        remember(&mut tx, idem, &head.article_id).await?;
        self.finish(tx, Vec::new()).await?;
        Ok(ArticleView { head, version })
    }

    async fn check_translation(
        &self,
        conn: &mut sqlx::AnyConnection,
        caller: &Caller,
        translation_of: &str,
    ) -> Result<(), Error> {
        if translation_of.is_empty() {
            return Ok(());
        }
        let found = store::head_for_update(conn, false, translation_of).await?;
        if found.is_some_and(|h| can_read(caller, &h.property_id)) {
            Ok(())
        } else {
            Err(Violations::single("article.translation_of", "no such article").into())
        }
    }

    /// A head the caller may see, locked for the transaction.
    async fn visible_head(
        &self,
        tx: &mut super::Tx,
        caller: &Caller,
        id: &str,
    ) -> Result<Head, Error> {
        match store::head_for_update(tx, self.postgres(), id).await? {
            Some(h) if can_read(caller, &h.property_id) => Ok(h),
            _ => Err(Error::not_found("article", id)),
        }
    }

    /// A new version from the masked fields; `expected_version` must be the head.
    #[tracing::instrument(skip_all, fields(article_id = %id))]
    pub async fn update_article(
        &self,
        caller: &Caller,
        id: &str,
        patch: &Fields,
        mask: &[String],
        expected_version: i64,
    ) -> Result<ArticleView, Error> {
        let mut tx = self.begin().await?;
        let mut head = self.visible_head(&mut tx, caller, id).await?;
        require_write(caller, &head.property_id)?;
        article::can_edit(head.status)?;
        if expected_version != head.head_version {
            return Err(stale(expected_version, head.head_version));
        }
        let current = store::get_version(&mut tx, id, head.head_version)
            .await?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("article {id} has no head version")))?;
        let mut v = Violations::new();
        let fields = article::merge(&current.fields, patch, mask, &mut v);
        article::validate(&fields, "article", &mut v);
        if !v.is_empty() {
            return Err(v.into());
        }
        let lang = fields.language.map_or("", Lang::code);
        if store::slug_taken(&mut tx, &head.property_id, &fields.slug, lang, id).await? {
            return Err(Error::AlreadyExists(format!(
                "an article with slug {} in {lang} already exists here",
                fields.slug
            )));
        }
        if fields.translation_of != current.fields.translation_of {
            self.check_translation(&mut tx, caller, &fields.translation_of)
                .await?;
        }
        let version = Version {
            version: head.head_version + 1,
            fields,
            status: Status::Draft,
            updated_by: caller.subject.clone(),
            updated_at: now_micros(),
        };
        head.head_version = version.version;
        head.status = Status::Draft;
        let seq = crate::store::next_seq(&mut tx).await?;
        store::insert_version(&mut tx, id, &version).await?;
        store::update_head(&mut tx, &head, &version.fields, seq).await?;
        self.finish(tx, Vec::new()).await?;
        Ok(ArticleView { head, version })
    }

    /// Submit, publish or retire the head version.
    #[tracing::instrument(skip_all, fields(article_id = %id, step = ?step))]
    pub async fn step_article(
        &self,
        caller: &Caller,
        id: &str,
        expected_version: i64,
        step: Step,
    ) -> Result<ArticleView, Error> {
        let mut tx = self.begin().await?;
        let mut head = self.visible_head(&mut tx, caller, id).await?;
        require_write(caller, &head.property_id)?;
        if expected_version != 0 && expected_version != head.head_version {
            return Err(stale(expected_version, head.head_version));
        }
        let mut version = store::get_version(&mut tx, id, head.head_version)
            .await?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("article {id} has no head version")))?;
        let status = match step {
            Step::Submit => article::submit(head.status)?,
            Step::Publish => article::publish(head.status)?,
            Step::Retire => article::retire(head.status)?,
        };
        head.status = status;
        version.status = status;
        match step {
            Step::Publish => head.published_version = head.head_version,
            Step::Retire => head.published_version = 0,
            Step::Submit => {}
        }
        let seq = crate::store::next_seq(&mut tx).await?;
        store::set_version_status(&mut tx, id, head.head_version, status).await?;
        store::update_head(&mut tx, &head, &version.fields, seq).await?;
        let events = if step == Step::Submit {
            Vec::new()
        } else {
            let changed = pb::ArticleChanged {
                article_id: id.to_string(),
                version: head.head_version,
                status: crate::api::convert::status(status) as i32,
                kind: version
                    .fields
                    .kind
                    .map_or(0, |k| crate::api::convert::kind(k) as i32),
            };
            vec![event(&head.property_id, id, &caller.subject, &changed)]
        };
        self.finish(tx, events).await?;
        Ok(ArticleView { head, version })
    }

    /// The head, or version `version` (> 0).
    pub async fn get_article(
        &self,
        caller: &Caller,
        id: &str,
        version: i64,
    ) -> Result<ArticleView, Error> {
        let head = match store::get_head(&self.db, id).await? {
            Some(h) if can_read(caller, &h.property_id) => h,
            _ => return Err(Error::not_found("article", id)),
        };
        let n = if version > 0 {
            version
        } else {
            head.head_version
        };
        let mut conn = self.db.pool().acquire().await?;
        let version = store::get_version(&mut conn, id, n)
            .await?
            .ok_or_else(|| Error::not_found("article version", format!("{id}@{n}")))?;
        Ok(ArticleView { head, version })
    }

    pub async fn list_articles(&self, filter: &ListFilter) -> Result<Vec<ArticleView>, Error> {
        Ok(store::list(&self.db, filter)
            .await?
            .into_iter()
            .map(|(head, version)| ArticleView { head, version })
            .collect())
    }

    /// Versions newest first, below `before` (0: from the head).
    pub async fn article_versions(
        &self,
        caller: &Caller,
        id: &str,
        before: i64,
        limit: i64,
    ) -> Result<(Head, Vec<Version>), Error> {
        let head = match store::get_head(&self.db, id).await? {
            Some(h) if can_read(caller, &h.property_id) => h,
            _ => return Err(Error::not_found("article", id)),
        };
        let versions = store::versions(&self.db, id, before, limit).await?;
        Ok((head, versions))
    }

    /// Line diffs of title and body between two versions, and a unified rendering.
    pub async fn diff_versions(
        &self,
        caller: &Caller,
        id: &str,
        from: i64,
        to: i64,
    ) -> Result<pb::DiffArticleVersionsResponse, Error> {
        let a = self.get_article(caller, id, from).await?.version;
        let b = self.get_article(caller, id, to).await?.version;
        let lines = |old: &str, new: &str| -> Vec<pb::DiffLine> {
            diff::lines(old, new)
                .into_iter()
                .map(|(op, text)| pb::DiffLine {
                    op: match op {
                        diff::Op::Equal => pb::DiffOp::Equal,
                        diff::Op::Insert => pb::DiffOp::Insert,
                        diff::Op::Delete => pb::DiffOp::Delete,
                    } as i32,
                    text,
                })
                .collect()
        };
        let (old, new) = (&a.fields, &b.fields);
        let unified = diff::unified(
            &format!("{}\n\n{}", old.title, old.body),
            &format!("{}\n\n{}", new.title, new.body),
            &format!("v{from}"),
            &format!("v{to}"),
        );
        Ok(pb::DiffArticleVersionsResponse {
            title: lines(&old.title, &new.title),
            body: lines(&old.body, &new.body),
            unified,
        })
    }
}
