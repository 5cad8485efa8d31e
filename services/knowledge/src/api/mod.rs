//! gRPC handlers: authenticate, decode and validate (every bad field named), call the use
//! case, encode. No rules live here; errors map to gRPC through the platform's
//! `From<ServiceError> for Status`.

pub mod convert;
mod quizzes;
pub mod validate;

use crate::commands::articles::Step;
use crate::commands::{ADMINS, Error, Knowledge, PUBLISHERS, READERS, SYNONYM_EDITORS, WRITERS};
use crate::domain::article;
use crate::index::SearchQuery;
use crate::peers::Intake;
use crate::store::articles::ListFilter;
use frontdesk_platform::auth::{Caller, Role};
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{self, page_size};
use frontdesk_proto::knowledge::v1::{self as pb, knowledge_service_server::KnowledgeService};
use tonic::{Request, Response, Status};
use validate::{check, id, idempotency, text};

pub const MAX_QUERY: usize = 500;

pub struct KnowledgeApi {
    kb: Knowledge,
    intake: Option<Intake>,
}

impl KnowledgeApi {
    pub fn new(kb: Knowledge, intake: Option<Intake>) -> Self {
        KnowledgeApi { kb, intake }
    }
}

type Res<T> = Result<Response<T>, Status>;

fn ok<T>(t: T) -> Res<T> {
    Ok(Response::new(t))
}

fn authorise<T>(req: &Request<T>, roles: &[Role]) -> Result<Caller, Status> {
    let caller = Caller::from_request(req)?;
    caller.require_role(roles)?;
    Ok(caller)
}

fn err(e: Error) -> Status {
    e.into()
}

/// The property a search runs for: the named one (the caller must have it), or the caller's
/// only property; a chain-wide caller without one searches chain articles only.
fn search_property(caller: &Caller, named: &str, v: &mut Violations) -> Result<String, Status> {
    let named = named.trim();
    if !named.is_empty() {
        caller.require_access(named)?;
        return Ok(named.to_string());
    }
    match caller.property_scope() {
        None => Ok(String::new()),
        Some([only]) => Ok(only.clone()),
        Some(_) => {
            v.add("property_id", "required: the caller has several properties");
            Ok(String::new())
        }
    }
}

fn offset_token(token: &str, v: &mut Violations) -> usize {
    paging::read_token(token, v)
        .map(|k| {
            k.parse::<usize>().unwrap_or_else(|_| {
                v.add("page_token", "not a token returned by this call");
                0
            })
        })
        .unwrap_or(0)
}

#[tonic::async_trait]
impl KnowledgeService for KnowledgeApi {
    async fn create_article(&self, req: Request<pb::CreateArticleRequest>) -> Res<pb::Article> {
        let caller = authorise(&req, WRITERS)?;
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
        let a = self
            .kb
            .create_article(&caller, &property, fields, &idem)
            .await
            .map_err(err)?;
        ok(convert::article(&a, true))
    }

    async fn update_article(&self, req: Request<pb::UpdateArticleRequest>) -> Res<pb::Article> {
        let caller = authorise(&req, WRITERS)?;
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
        let a = self
            .kb
            .update_article(&caller, &article_id, &patch, &mask, r.expected_version)
            .await
            .map_err(err)?;
        ok(convert::article(&a, true))
    }

    async fn get_article(&self, req: Request<pb::GetArticleRequest>) -> Res<pb::Article> {
        let caller = authorise(&req, READERS)?;
        let r = req.get_ref();
        let mut v = Violations::new();
        let article_id = id("article_id", &r.article_id, &mut v);
        if r.version < 0 {
            v.add("version", "must not be negative");
        }
        check(v).map_err(err)?;
        let a = self
            .kb
            .get_article(&caller, &article_id, r.version)
            .await
            .map_err(err)?;
        ok(convert::article(&a, true))
    }

    async fn list_articles(
        &self,
        req: Request<pb::ListArticlesRequest>,
    ) -> Res<pb::ListArticlesResponse> {
        let caller = authorise(&req, READERS)?;
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
        let rows = self.kb.list_articles(&filter).await.map_err(err)?;
        let (rows, next) = paging::page(rows, size, |a| a.head.article_id.clone());
        ok(pb::ListArticlesResponse {
            articles: rows.iter().map(|a| convert::article(a, full)).collect(),
            next_page_token: next,
        })
    }

    async fn submit_for_review(&self, req: Request<pb::ArticleActionRequest>) -> Res<pb::Article> {
        self.step(req, WRITERS, Step::Submit).await
    }

    async fn publish_article(&self, req: Request<pb::ArticleActionRequest>) -> Res<pb::Article> {
        self.step(req, PUBLISHERS, Step::Publish).await
    }

    async fn retire_article(&self, req: Request<pb::ArticleActionRequest>) -> Res<pb::Article> {
        self.step(req, PUBLISHERS, Step::Retire).await
    }

    async fn list_article_versions(
        &self,
        req: Request<pb::ListArticleVersionsRequest>,
    ) -> Res<pb::ListArticleVersionsResponse> {
        let caller = authorise(&req, READERS)?;
        let r = req.get_ref();
        let mut v = Violations::new();
        let article_id = id("article_id", &r.article_id, &mut v);
        let size = page_size(r.page_size, &mut v);
        let before = offset_token(&r.page_token, &mut v);
        check(v).map_err(err)?;
        let before = i64::try_from(before).unwrap_or(0);
        let (head, versions) = self
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

    async fn diff_article_versions(
        &self,
        req: Request<pb::DiffArticleVersionsRequest>,
    ) -> Res<pb::DiffArticleVersionsResponse> {
        let caller = authorise(&req, READERS)?;
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
        let d = self
            .kb
            .diff_versions(&caller, &article_id, r.from_version, r.to_version)
            .await
            .map_err(err)?;
        ok(d)
    }

    async fn search(&self, req: Request<pb::SearchRequest>) -> Res<pb::SearchResponse> {
        let caller = authorise(&req, READERS)?;
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
        let (hits, more) = self.kb.search(q).await.map_err(err)?;
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

    async fn suggest_answers(
        &self,
        req: Request<pb::SuggestAnswersRequest>,
    ) -> Res<pb::SuggestAnswersResponse> {
        let caller = authorise(&req, READERS)?;
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
            let Some(intake) = &self.intake else {
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
        let (hits, _) = self.kb.search(q).await.map_err(err)?;
        ok(pb::SuggestAnswersResponse {
            suggestions: hits.into_iter().map(convert::hit).collect(),
        })
    }

    async fn render_reply(
        &self,
        req: Request<pb::RenderReplyRequest>,
    ) -> Res<pb::RenderReplyResponse> {
        let caller = authorise(&req, READERS)?;
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
        let out = self
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

    async fn get_synonyms(&self, req: Request<pb::GetSynonymsRequest>) -> Res<pb::Synonyms> {
        authorise(&req, READERS)?;
        let (groups, by, at) = self.kb.synonyms().await.map_err(err)?;
        ok(synonyms(groups, by, at))
    }

    async fn set_synonyms(&self, req: Request<pb::SetSynonymsRequest>) -> Res<pb::Synonyms> {
        let caller = authorise(&req, SYNONYM_EDITORS)?;
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
        let (groups, by, at) = self.kb.set_synonyms(&caller, groups).await.map_err(err)?;
        ok(synonyms(groups, by, at))
    }

    async fn rebuild_index(
        &self,
        req: Request<pb::RebuildIndexRequest>,
    ) -> Res<pb::RebuildIndexResponse> {
        authorise(&req, ADMINS)?;
        let (documents, sequence) = self.kb.rebuild_index().await.map_err(err)?;
        ok(pb::RebuildIndexResponse {
            documents: i64::try_from(documents).unwrap_or(i64::MAX),
            sequence,
        })
    }

    async fn create_quiz(&self, req: Request<pb::CreateQuizRequest>) -> Res<pb::Quiz> {
        quizzes::create(&self.kb, req).await
    }

    async fn assign_quiz(&self, req: Request<pb::AssignQuizRequest>) -> Res<pb::QuizAssignment> {
        quizzes::assign(&self.kb, req).await
    }

    async fn take_quiz(&self, req: Request<pb::TakeQuizRequest>) -> Res<pb::QuizAttempt> {
        quizzes::take(&self.kb, req).await
    }

    async fn submit_answers(&self, req: Request<pb::SubmitAnswersRequest>) -> Res<pb::QuizScore> {
        quizzes::submit(&self.kb, req).await
    }

    async fn list_quiz_results(
        &self,
        req: Request<pb::ListQuizResultsRequest>,
    ) -> Res<pb::ListQuizResultsResponse> {
        quizzes::results(&self.kb, req).await
    }
}

impl KnowledgeApi {
    async fn step(
        &self,
        req: Request<pb::ArticleActionRequest>,
        roles: &[Role],
        step: Step,
    ) -> Res<pb::Article> {
        let caller = authorise(&req, roles)?;
        let r = req.get_ref();
        let mut v = Violations::new();
        let article_id = id("article_id", &r.article_id, &mut v);
        if r.expected_version < 0 {
            v.add("expected_version", "must not be negative");
        }
        check(v).map_err(err)?;
        let a = self
            .kb
            .step_article(&caller, &article_id, r.expected_version, step)
            .await
            .map_err(err)?;
        ok(convert::article(&a, true))
    }
}

fn synonyms(groups: Vec<Vec<String>>, by: String, at: i64) -> pb::Synonyms {
    pb::Synonyms {
        groups: groups
            .into_iter()
            .map(|terms| pb::SynonymGroup { terms })
            .collect(),
        updated_at: (at > 0).then(|| frontdesk_platform::time::to_timestamp(at)),
        updated_by: by,
    }
}
