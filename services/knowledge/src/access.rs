//! Who may call which KnowledgeService RPC (the gate in front of every handler; see
//! `frontdesk_platform::access`). The README's role matrix is printed from this table.

use frontdesk_platform::access::Table;
use frontdesk_platform::auth::Role::{self, *};

/// Everyone who answers guests reads the knowledge base; intake renders templates with a
/// service token.
const READERS: &[Role] = &[Agent, Editor, Supervisor, Manager, Service];
/// CI-4.2 "share experience": staff write drafts.
const WRITERS: &[Role] = &[Agent, Editor, Supervisor, Manager];
/// Publishing and retiring is the editors' and heads' decision.
const PUBLISHERS: &[Role] = &[Editor, Supervisor, Manager];
const SYNONYM_EDITORS: &[Role] = &[Editor, Manager];
const QUIZ_MASTERS: &[Role] = &[Editor, Supervisor, Manager];
const QUIZ_TAKERS: &[Role] = &[Agent, Editor, Supervisor, Manager];
const ADMINS: &[Role] = &[Manager];

pub const ACCESS: Table = Table {
    service: "frontdesk.knowledge.v1.KnowledgeService",
    rules: &[
        ("CreateArticle", WRITERS),
        ("UpdateArticle", WRITERS),
        ("GetArticle", READERS),
        ("ListArticles", READERS),
        ("SubmitForReview", WRITERS),
        ("PublishArticle", PUBLISHERS),
        ("RetireArticle", PUBLISHERS),
        ("ListArticleVersions", READERS),
        ("DiffArticleVersions", READERS),
        ("Search", READERS),
        ("SuggestAnswers", READERS),
        ("RenderReply", READERS),
        ("GetSynonyms", READERS),
        ("SetSynonyms", SYNONYM_EDITORS),
        ("RebuildIndex", ADMINS),
        ("CreateQuiz", QUIZ_MASTERS),
        ("AssignQuiz", QUIZ_MASTERS),
        ("TakeQuiz", QUIZ_TAKERS),
        ("SubmitAnswers", QUIZ_TAKERS),
        ("ListQuizResults", QUIZ_MASTERS),
    ],
};
