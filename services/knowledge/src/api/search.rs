//! Search, suggested answers, reply rendering, synonyms and index rebuilds.

use super::*;
use crate::index::SearchQuery;
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{self, page_size};
use frontdesk_proto::knowledge::v1 as pb;
use tonic::{Request, Status};
use validate::{check, id, text};

pub(super) async fn search(
    api: &KnowledgeApi,
    req: Request<pb::SearchRequest>,
) -> Res<pb::SearchResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let query = text("query", &r.query, MAX_QUERY, true, &mut v);
    let property_id = search_property(&caller, &r.property_id, &mut v)?;
    let size = page_size(r.page_size, &mut v).min(100);
    let offset = offset_token(&r.page_token, &mut v);
    let language = convert::optional("language", r.language, convert::lang_from, &mut v);
    let mut kinds = Vec::new();
    for (i, k) in r.kinds.iter().enumerate() {
        match convert::kind_from(*k) {
            Some(k) => kinds.push(k),
            None => v.add(format!("kinds[{i}]"), "not one of the listed values"),
        }
    }
    check(v).map_err(err)?;
    let q = SearchQuery {
        text: query,
        property_id,
        language,
        kinds,
        offset,
        limit: usize::try_from(size).unwrap_or(50),
        now: frontdesk_platform::time::now_micros(),
    };
    let limit = q.limit;
    let (hits, more) = api.kb.search(q).await.map_err(err)?;
    let next = if more {
        paging::encode_token(&(offset + limit).to_string())
    } else {
        String::new()
    };
    ok(pb::SearchResponse {
        hits: hits.into_iter().map(convert::hit).collect(),
        next_page_token: next,
    })
}

pub(super) async fn suggest_answers(
    api: &KnowledgeApi,
    req: Request<pb::SuggestAnswersRequest>,
) -> Res<pb::SuggestAnswersResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let property_id = search_property(&caller, &r.property_id, &mut v)?;
    let text_in = text("text", &r.text, 4_000, false, &mut v);
    let inquiry = text("inquiry_id", &r.inquiry_id, validate::MAX_ID, false, &mut v);
    if text_in.is_empty() && inquiry.is_empty() {
        v.add("text", "required unless inquiry_id is given");
    }
    if r.max_suggestions < 0 || r.max_suggestions > 20 {
        v.add("max_suggestions", "0 (default 5) to 20");
    }
    let language = convert::optional("language", r.language, convert::lang_from, &mut v);
    check(v).map_err(err)?;
    let text = if text_in.is_empty() {
        let Some(intake) = &api.intake else {
            return Err(Status::failed_precondition(
                "this deployment has no intake peer: pass the inquiry's text instead",
            ));
        };
        intake.inquiry_text(&caller, &inquiry).await?
    } else {
        text_in
    };
    let limit = if r.max_suggestions == 0 {
        5
    } else {
        r.max_suggestions
    };
    let q = SearchQuery {
        text: text.chars().take(MAX_QUERY).collect(),
        property_id,
        language,
        kinds: Vec::new(),
        offset: 0,
        limit: usize::try_from(limit).unwrap_or(5),
        now: frontdesk_platform::time::now_micros(),
    };
    let (hits, _) = api.kb.search(q).await.map_err(err)?;
    ok(pb::SuggestAnswersResponse {
        suggestions: hits.into_iter().map(convert::hit).collect(),
    })
}

pub(super) async fn render_reply(
    api: &KnowledgeApi,
    req: Request<pb::RenderReplyRequest>,
) -> Res<pb::RenderReplyResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let property_id = search_property(&caller, &r.property_id, &mut v)?;
    let template_id = id("template_id", &r.template_id, &mut v);
    let language = convert::optional("language", r.language, convert::lang_from, &mut v);
    for (k, val) in &r.variables {
        if k.trim().is_empty() || k.chars().count() > 64 {
            v.add("variables", "variable names are 1 to 64 characters");
        }
        text(&format!("variables.{k}"), val, 1_000, false, &mut v);
    }
    check(v).map_err(err)?;
    let vars = r
        .variables
        .iter()
        .map(|(k, val)| (k.trim().to_string(), val.clone()))
        .collect();
    let out = api
        .kb
        .render_reply(&caller, &property_id, &template_id, language, &vars)
        .await
        .map_err(err)?;
    ok(pb::RenderReplyResponse {
        text: out.text,
        template_id: out.template_id,
        template_version: out.version,
        language: convert::lang(out.language) as i32,
    })
}

pub(super) async fn get_synonyms(
    api: &KnowledgeApi,
    req: Request<pb::GetSynonymsRequest>,
) -> Res<pb::Synonyms> {
    Caller::from_request(&req)?;
    let (groups, by, at) = api.kb.synonyms().await.map_err(err)?;
    ok(synonyms(groups, by, at))
}

pub(super) async fn set_synonyms(
    api: &KnowledgeApi,
    req: Request<pb::SetSynonymsRequest>,
) -> Res<pb::Synonyms> {
    let caller = Caller::from_request(&req)?;
    if !caller.all_properties() {
        return Err(Status::permission_denied(
            "the synonym list is chain-wide: only a chain-wide caller may set it",
        ));
    }
    let r = req.get_ref();
    let mut v = Violations::new();
    if r.groups.len() > 1_000 {
        v.add("groups", "at most 1,000 groups");
    }
    let mut groups = Vec::with_capacity(r.groups.len());
    for (i, g) in r.groups.iter().enumerate() {
        if g.terms.len() < 2 {
            v.add(
                format!("groups[{i}].terms"),
                "at least two equivalent terms",
            );
        }
        let mut terms = Vec::with_capacity(g.terms.len());
        for (j, t) in g.terms.iter().enumerate() {
            let t = text(&format!("groups[{i}].terms[{j}]"), t, 40, true, &mut v);
            if t.contains('\n') {
                v.add(format!("groups[{i}].terms[{j}]"), "one line");
            }
            terms.push(t);
        }
        groups.push(terms);
    }
    check(v).map_err(err)?;
    let (groups, by, at) = api.kb.set_synonyms(&caller, groups).await.map_err(err)?;
    ok(synonyms(groups, by, at))
}

pub(super) async fn rebuild_index(
    api: &KnowledgeApi,
    req: Request<pb::RebuildIndexRequest>,
) -> Res<pb::RebuildIndexResponse> {
    Caller::from_request(&req)?;
    let (documents, sequence) = api.kb.rebuild_index().await.map_err(err)?;
    ok(pb::RebuildIndexResponse {
        documents: i64::try_from(documents).unwrap_or(i64::MAX),
        sequence,
    })
}
