//! Articles: create, edit, read, list, the review workflow, versions and diffs.

use super::*;
use crate::commands::articles::Step;
use crate::domain::article;
use crate::store::articles::ListFilter;
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{self, page_size};
use frontdesk_proto::knowledge::v1 as pb;
use tonic::Request;
use validate::{check, id, idempotency, text};

pub(super) async fn create_article(
    api: &KnowledgeApi,
    req: Request<pb::CreateArticleRequest>,
) -> Res<pb::Article> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let property = r.property_id.trim().to_string();
    if property.chars().count() > validate::MAX_ID {
        v.add("property_id", "at most 64 characters");
    }
    let fields = convert::fields(r.article.as_ref(), "article", &mut v);
    if r.article.is_some() {
        article::validate(&fields, "article", &mut v);
    }
    let idem = idempotency(
        format!("create_article/{property}"),
        &r.idempotency_key,
        r,
        |m| m.idempotency_key.clear(),
        &mut v,
    );
    check(v).map_err(err)?;
    let a = api
        .kb
        .create_article(&caller, &property, fields, &idem)
        .await
        .map_err(err)?;
    ok(convert::article(&a, true))
}

pub(super) async fn update_article(
    api: &KnowledgeApi,
    req: Request<pb::UpdateArticleRequest>,
) -> Res<pb::Article> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let article_id = id("article_id", &r.article_id, &mut v);
    let patch = convert::fields(r.article.as_ref(), "article", &mut v);
    if r.expected_version <= 0 {
        v.add("expected_version", "required: the version you edited");
    }
    let mask: Vec<String> = r
        .update_mask
        .as_ref()
        .map(|m| m.paths.clone())
        .unwrap_or_default();
    check(v).map_err(err)?;
    let a = api
        .kb
        .update_article(&caller, &article_id, &patch, &mask, r.expected_version)
        .await
        .map_err(err)?;
    ok(convert::article(&a, true))
}

pub(super) async fn get_article(
    api: &KnowledgeApi,
    req: Request<pb::GetArticleRequest>,
) -> Res<pb::Article> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let article_id = id("article_id", &r.article_id, &mut v);
    if r.version < 0 {
        v.add("version", "must not be negative");
    }
    check(v).map_err(err)?;
    let a = api
        .kb
        .get_article(&caller, &article_id, r.version)
        .await
        .map_err(err)?;
    ok(convert::article(&a, true))
}

pub(super) async fn list_articles(
    api: &KnowledgeApi,
    req: Request<pb::ListArticlesRequest>,
) -> Res<pb::ListArticlesResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let property = r.property_id.trim();
    let properties = if property.is_empty() {
        caller.property_scope().map(<[String]>::to_vec)
    } else {
        caller.require_access(property)?;
        Some(vec![property.to_string()])
    };
    let size = page_size(r.page_size, &mut v);
    let filter = ListFilter {
        properties,
        kind: convert::optional("kind", r.kind, convert::kind_from, &mut v),
        language: convert::optional("language", r.language, convert::lang_from, &mut v),
        status: convert::optional("status", r.status, convert::status_from, &mut v),
        owner_department: text("owner_department", &r.owner_department, 64, false, &mut v),
        due_for_review_before: r
            .due_for_review_before
            .as_ref()
            .and_then(|t| validate::timestamp("due_for_review_before", Some(t), &mut v)),
        after: paging::read_token(&r.page_token, &mut v),
        limit: size + 1,
    };
    let full = r.view == pb::ArticleView::Full as i32;
    check(v).map_err(err)?;
    let rows = api.kb.list_articles(&filter).await.map_err(err)?;
    let (rows, next) = paging::page(rows, size, |a| a.head.article_id.clone());
    ok(pb::ListArticlesResponse {
        articles: rows.iter().map(|a| convert::article(a, full)).collect(),
        next_page_token: next,
    })
}

pub(super) async fn submit_for_review(
    api: &KnowledgeApi,
    req: Request<pb::ArticleActionRequest>,
) -> Res<pb::Article> {
    api.step(req, Step::Submit).await
}

pub(super) async fn publish_article(
    api: &KnowledgeApi,
    req: Request<pb::ArticleActionRequest>,
) -> Res<pb::Article> {
    api.step(req, Step::Publish).await
}

pub(super) async fn retire_article(
    api: &KnowledgeApi,
    req: Request<pb::ArticleActionRequest>,
) -> Res<pb::Article> {
    api.step(req, Step::Retire).await
}

pub(super) async fn list_article_versions(
    api: &KnowledgeApi,
    req: Request<pb::ListArticleVersionsRequest>,
) -> Res<pb::ListArticleVersionsResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let article_id = id("article_id", &r.article_id, &mut v);
    let size = page_size(r.page_size, &mut v);
    let before = offset_token(&r.page_token, &mut v);
    check(v).map_err(err)?;
    let before = i64::try_from(before).unwrap_or(0);
    let (head, versions) = api
        .kb
        .article_versions(&caller, &article_id, before, size + 1)
        .await
        .map_err(err)?;
    let (versions, next) = paging::page(versions, size, |ver| ver.version.to_string());
    ok(pb::ListArticleVersionsResponse {
        versions: versions
            .into_iter()
            .map(|version| {
                convert::article(
                    &crate::commands::articles::ArticleView {
                        head: head.clone(),
                        version,
                    },
                    true,
                )
            })
            .collect(),
        next_page_token: next,
    })
}

pub(super) async fn diff_article_versions(
    api: &KnowledgeApi,
    req: Request<pb::DiffArticleVersionsRequest>,
) -> Res<pb::DiffArticleVersionsResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let article_id = id("article_id", &r.article_id, &mut v);
    if r.from_version <= 0 {
        v.add("from_version", "required: a version number");
    }
    if r.to_version <= 0 {
        v.add("to_version", "required: a version number");
    }
    check(v).map_err(err)?;
    let d = api
        .kb
        .diff_versions(&caller, &article_id, r.from_version, r.to_version)
        .await
        .map_err(err)?;
    ok(d)
}
