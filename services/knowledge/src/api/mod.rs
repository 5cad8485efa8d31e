//! gRPC handlers: authenticate, decode and validate (every bad field named), call the use
//! case, encode. No rules live here; errors map to gRPC through the platform's
//! `From<ServiceError> for Status`.

mod articles;
pub mod convert;
mod quizzes;
mod search;
pub mod validate;

use crate::commands::articles::Step;
use crate::commands::{Error, Knowledge};
use crate::peers::Intake;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{self};
use frontdesk_proto::knowledge::v1::{self as pb, knowledge_service_server::KnowledgeService};
use tonic::{Request, Response, Status};
use validate::{check, id};

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
        articles::create_article(self, req).await
    }

    async fn update_article(&self, req: Request<pb::UpdateArticleRequest>) -> Res<pb::Article> {
        articles::update_article(self, req).await
    }

    async fn get_article(&self, req: Request<pb::GetArticleRequest>) -> Res<pb::Article> {
        articles::get_article(self, req).await
    }

    async fn list_articles(
        &self,
        req: Request<pb::ListArticlesRequest>,
    ) -> Res<pb::ListArticlesResponse> {
        articles::list_articles(self, req).await
    }

    async fn submit_for_review(&self, req: Request<pb::ArticleActionRequest>) -> Res<pb::Article> {
        articles::submit_for_review(self, req).await
    }

    async fn publish_article(&self, req: Request<pb::ArticleActionRequest>) -> Res<pb::Article> {
        articles::publish_article(self, req).await
    }

    async fn retire_article(&self, req: Request<pb::ArticleActionRequest>) -> Res<pb::Article> {
        articles::retire_article(self, req).await
    }

    async fn list_article_versions(
        &self,
        req: Request<pb::ListArticleVersionsRequest>,
    ) -> Res<pb::ListArticleVersionsResponse> {
        articles::list_article_versions(self, req).await
    }

    async fn diff_article_versions(
        &self,
        req: Request<pb::DiffArticleVersionsRequest>,
    ) -> Res<pb::DiffArticleVersionsResponse> {
        articles::diff_article_versions(self, req).await
    }

    async fn search(&self, req: Request<pb::SearchRequest>) -> Res<pb::SearchResponse> {
        search::search(self, req).await
    }

    async fn suggest_answers(
        &self,
        req: Request<pb::SuggestAnswersRequest>,
    ) -> Res<pb::SuggestAnswersResponse> {
        search::suggest_answers(self, req).await
    }

    async fn render_reply(
        &self,
        req: Request<pb::RenderReplyRequest>,
    ) -> Res<pb::RenderReplyResponse> {
        search::render_reply(self, req).await
    }

    async fn get_synonyms(&self, req: Request<pb::GetSynonymsRequest>) -> Res<pb::Synonyms> {
        search::get_synonyms(self, req).await
    }

    async fn set_synonyms(&self, req: Request<pb::SetSynonymsRequest>) -> Res<pb::Synonyms> {
        search::set_synonyms(self, req).await
    }

    async fn rebuild_index(
        &self,
        req: Request<pb::RebuildIndexRequest>,
    ) -> Res<pb::RebuildIndexResponse> {
        search::rebuild_index(self, req).await
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
    async fn step(&self, req: Request<pb::ArticleActionRequest>, step: Step) -> Res<pb::Article> {
        let caller = Caller::from_request(&req)?;
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
