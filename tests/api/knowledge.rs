//! Knowledge through gRPC on both backends: articles through their workflow, search in
//! Chinese, English and both at once, synonyms, property scoping, versions, templates,
//! quizzes, and each replica's index following the database.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk_platform::auth::Role;
use frontdesk_platform::error::violated_fields;
use frontdesk_proto::common::v1::Language;
use frontdesk_proto::knowledge::v1 as kpb;
use frontdesk_proto::knowledge::v1::knowledge_service_client::KnowledgeServiceClient;
use frontdesk_tests::{
    Backend, Bearer, Env, PROPERTY_A, PROPERTY_B, TestApp, on_both_backends, token,
};
use kpb::{ArticleKind as Kind, ArticleStatus};
use prost_types::Timestamp;
use std::time::{Duration, Instant};
use tonic::Code;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

type Kb = KnowledgeServiceClient<InterceptedService<Channel, Bearer>>;

async fn kb_as(app: &TestApp, subject: &str, role: Role, props: &[&str]) -> Kb {
    KnowledgeServiceClient::with_interceptor(
        app.channel().await,
        Bearer::new(&token(subject, role, props)).expect("ascii token"),
    )
}

/// An agent, an editor of property A, and a chain-wide editor.
async fn staff(app: &TestApp) -> (Kb, Kb, Kb) {
    (
        kb_as(app, "amy", Role::Agent, &[PROPERTY_A]).await,
        kb_as(app, "eddie", Role::Editor, &[PROPERTY_A]).await,
        kb_as(app, "chen", Role::Editor, &["*"]).await,
    )
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

fn fields(slug: &str, kind: Kind, lang: Language, title: &str, body: &str) -> kpb::ArticleFields {
    kpb::ArticleFields {
        slug: slug.into(),
        kind: kind as i32,
        language: lang as i32,
        title: title.into(),
        body: body.into(),
        owner_department: "front_office".into(),
        ..Default::default()
    }
}

async fn create(kb: &mut Kb, property: &str, f: kpb::ArticleFields) -> kpb::Article {
    kb.create_article(kpb::CreateArticleRequest {
        property_id: property.into(),
        article: Some(f),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
    })
    .await
    .expect("create article")
    .into_inner()
}

fn action(id: &str) -> kpb::ArticleActionRequest {
    kpb::ArticleActionRequest {
        article_id: id.into(),
        expected_version: 0,
    }
}

/// Creates and publishes (as `editor`) an article; returns it.
async fn published(editor: &mut Kb, property: &str, f: kpb::ArticleFields) -> kpb::Article {
    let a = create(editor, property, f).await;
    editor
        .publish_article(action(&a.article_id))
        .await
        .expect("publish")
        .into_inner()
}

fn search_req(query: &str, property: &str) -> kpb::SearchRequest {
    kpb::SearchRequest {
        query: query.into(),
        property_id: property.into(),
        ..Default::default()
    }
}

async fn hits(kb: &mut Kb, query: &str, property: &str) -> Vec<kpb::SearchHit> {
    kb.search(search_req(query, property))
        .await
        .expect("search")
        .into_inner()
        .hits
}

/// Polls (bounded, 2 s) until `query` does (or does not) find `article_id`.
async fn until_found(kb: &mut Kb, query: &str, property: &str, article_id: &str, found: bool) {
    let start = Instant::now();
    loop {
        let h = hits(kb, query, property).await;
        if h.iter().any(|h| h.article_id == article_id) == found {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{query:?}: article {article_id} found={} after 2 s; hits {:?}",
            !found,
            h.iter().map(|h| &h.title).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Draft → review → published (editor only) → searchable within a second; retired → gone.
async fn workflow_and_search(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let (mut amy, mut eddie, _) = staff(&app).await;

    let draft = create(
        &mut amy,
        PROPERTY_A,
        fields(
            "pool-hours",
            Kind::Faq,
            Language::En,
            "Swimming pool hours",
            "The indoor swimming pool on floor 5 is open from 06:30 to 22:00.\nTowels are at the pool desk.",
        ),
    )
    .await;
    assert_eq!(draft.status, ArticleStatus::Draft as i32);
    assert_eq!(draft.version, 1);
    assert_eq!(draft.created_by, "amy");

    // A draft is never searchable.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(hits(&mut amy, "swimming pool", PROPERTY_A).await.is_empty());

    let submitted = amy
        .submit_for_review(action(&draft.article_id))
        .await
        .expect("submit")
        .into_inner();
    assert_eq!(submitted.status, ArticleStatus::InReview as i32);
    let denied = amy
        .publish_article(action(&draft.article_id))
        .await
        .expect_err("an agent cannot publish");
    assert_eq!(denied.code(), Code::PermissionDenied);

    let start = Instant::now();
    let live = eddie
        .publish_article(action(&draft.article_id))
        .await
        .expect("editor publishes")
        .into_inner();
    assert_eq!(live.status, ArticleStatus::Published as i32);
    assert_eq!(live.published_version, 1);
    until_found(
        &mut amy,
        "swimming pool",
        PROPERTY_A,
        &draft.article_id,
        true,
    )
    .await;
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    let h = hits(&mut amy, "pool hours", PROPERTY_A).await;
    assert_eq!(h[0].article_id, draft.article_id);
    assert_eq!(h[0].version, 1);
    assert!(h[0].snippet.contains("<mark>"), "{}", h[0].snippet);
    // The property is the caller's only one: it may be left out.
    assert_eq!(hits(&mut amy, "swimming", "").await.len(), 1);

    let retired = eddie
        .retire_article(action(&draft.article_id))
        .await
        .expect("retire")
        .into_inner();
    assert_eq!(retired.status, ArticleStatus::Retired as i32);
    until_found(
        &mut amy,
        "swimming pool",
        PROPERTY_A,
        &draft.article_id,
        false,
    )
    .await;
    // Retired articles stay in history and refuse new versions.
    let again = eddie
        .publish_article(action(&draft.article_id))
        .await
        .expect_err("retired");
    assert_eq!(again.code(), Code::FailedPrecondition);
    let got = amy
        .get_article(kpb::GetArticleRequest {
            article_id: draft.article_id.clone(),
            version: 0,
        })
        .await
        .expect("get retired")
        .into_inner();
    assert_eq!(got.status, ArticleStatus::Retired as i32);

    // Not yet effective: published but not found until its date.
    let mut later = fields(
        "spa-opening",
        Kind::LocalInfo,
        Language::En,
        "Spa opening",
        "The rooftop spa opens next month.",
    );
    later.effective_from = Some(Timestamp {
        seconds: now_secs() + 86_400,
        nanos: 0,
    });
    let future = published(&mut eddie, PROPERTY_A, later).await;
    let marker = published(
        &mut eddie,
        PROPERTY_A,
        fields(
            "spa-marker",
            Kind::Faq,
            Language::En,
            "Rooftop marker",
            "rooftop",
        ),
    )
    .await;
    until_found(&mut amy, "rooftop", PROPERTY_A, &marker.article_id, true).await;
    assert!(
        !hits(&mut amy, "rooftop spa", PROPERTY_A)
            .await
            .iter()
            .any(|h| h.article_id == future.article_id)
    );
}

/// jieba words, English stems and typos, mixed queries and synonyms.
async fn bilingual_search(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let (mut amy, mut eddie, mut chen) = staff(&app).await;

    let wifi = published(
        &mut eddie,
        PROPERTY_A,
        fields(
            "wifi",
            Kind::Faq,
            Language::Zh,
            "无线网络（WiFi）怎么连接",
            "客房无线网络名称为 FD-Guest，密码是您的房间号加姓氏拼音。",
        ),
    )
    .await;
    let breakfast = published(
        &mut eddie,
        PROPERTY_A,
        fields(
            "breakfast",
            Kind::Faq,
            Language::En,
            "Breakfast hours",
            "Breakfast is served in the Garden Restaurant on the second floor from 06:30 to 10:30.",
        ),
    )
    .await;
    let checkout = published(
        &mut eddie,
        PROPERTY_A,
        fields(
            "checkout",
            Kind::Policy,
            Language::Zh,
            "退房时间",
            "退房时间为中午十二点，如需延迟退房请联系前台。",
        ),
    )
    .await;
    let pickup = published(
        &mut eddie,
        PROPERTY_A,
        fields(
            "airport-transfer",
            Kind::Procedure,
            Language::Zh,
            "机场接机服务",
            "酒店提供浦东机场和虹桥机场接机服务，请至少提前24小时预订。",
        ),
    )
    .await;
    until_found(&mut amy, "机场", PROPERTY_A, &pickup.article_id, true).await;

    // Chinese by word (jieba): 密码 is a word inside the body.
    let h = hits(&mut amy, "密码", PROPERTY_A).await;
    assert_eq!(
        h.first().map(|h| h.article_id.as_str()),
        Some(wifi.article_id.as_str())
    );
    assert!(
        h[0].snippet.contains("<mark>密码</mark>"),
        "{}",
        h[0].snippet
    );
    // Mixed Latin and Chinese without a space.
    let h = hits(&mut amy, "wifi密码", PROPERTY_A).await;
    assert_eq!(
        h.first().map(|h| h.article_id.as_str()),
        Some(wifi.article_id.as_str())
    );
    // English stemming and one typo.
    for q in ["breakfasts", "breakfst", "BREAKFAST served"] {
        let h = hits(&mut amy, q, PROPERTY_A).await;
        assert_eq!(
            h.first().map(|h| h.article_id.as_str()),
            Some(breakfast.article_id.as_str()),
            "{q}"
        );
    }
    // Filters: language and kind.
    let mut req = search_req("breakfast", PROPERTY_A);
    req.language = Language::Zh as i32;
    assert!(
        amy.search(req)
            .await
            .expect("search")
            .into_inner()
            .hits
            .is_empty()
    );
    let mut req = search_req("退房", PROPERTY_A);
    req.kinds = vec![Kind::Faq as i32];
    assert!(
        amy.search(req)
            .await
            .expect("search")
            .into_inner()
            .hits
            .is_empty()
    );

    // No synonyms yet: 离店 finds nothing, airport pickup not the Chinese article.
    assert!(hits(&mut amy, "离店", PROPERTY_A).await.is_empty());
    let denied = eddie
        .set_synonyms(kpb::SetSynonymsRequest { groups: vec![] })
        .await
        .expect_err("a property editor cannot set the chain's synonyms");
    assert_eq!(denied.code(), Code::PermissionDenied);
    let group = |terms: &[&str]| kpb::SynonymGroup {
        terms: terms.iter().map(|t| t.to_string()).collect(),
    };
    chen.set_synonyms(kpb::SetSynonymsRequest {
        groups: vec![
            group(&["退房", "离店", "check-out"]),
            group(&["接机", "airport pickup"]),
        ],
    })
    .await
    .expect("set synonyms");
    let got = amy
        .get_synonyms(kpb::GetSynonymsRequest {})
        .await
        .expect("get synonyms")
        .into_inner();
    assert_eq!(got.groups.len(), 2);
    assert_eq!(got.updated_by, "chen");
    let start = Instant::now();
    loop {
        let a = hits(&mut amy, "离店", PROPERTY_A).await;
        let b = hits(&mut amy, "airport pickup", PROPERTY_A).await;
        if a.first()
            .is_some_and(|h| h.article_id == checkout.article_id)
            && b.first().is_some_and(|h| h.article_id == pickup.article_id)
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "synonyms not applied"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // Bad searches name their fields.
    let err = amy
        .search(kpb::SearchRequest {
            query: " ".into(),
            property_id: PROPERTY_A.into(),
            page_size: -1,
            page_token: "%%".into(),
            kinds: vec![99],
            ..Default::default()
        })
        .await
        .expect_err("bad search");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&err),
        ["query", "page_size", "page_token", "kinds[0]"]
    );
}

/// A property never sees another's articles; a property article overrides the chain's.
async fn property_scoping(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let (mut amy, mut eddie, mut chen) = staff(&app).await;
    let mut bob = kb_as(&app, "bob", Role::Agent, &[PROPERTY_B]).await;

    let chain = published(
        &mut chen,
        "",
        fields(
            "parking",
            Kind::Faq,
            Language::En,
            "Parking",
            "Guests park free of charge in the underground garage.",
        ),
    )
    .await;
    let own = published(
        &mut eddie,
        PROPERTY_A,
        fields(
            "parking",
            Kind::Faq,
            Language::En,
            "Parking at the Bund",
            "Valet parking costs 100 yuan per night at the Bund hotel.",
        ),
    )
    .await;
    let secret = published(
        &mut eddie,
        PROPERTY_A,
        fields(
            "vip-codes",
            Kind::Procedure,
            Language::En,
            "VIP lounge door code",
            "The lounge door code changes weekly.",
        ),
    )
    .await;
    until_found(
        &mut amy,
        "lounge door",
        PROPERTY_A,
        &secret.article_id,
        true,
    )
    .await;
    until_found(&mut bob, "parking", PROPERTY_B, &chain.article_id, true).await;

    // A sees its own parking article instead of the chain's; B the chain's.
    let a = hits(&mut amy, "parking", PROPERTY_A).await;
    assert_eq!(
        a.iter().map(|h| h.article_id.as_str()).collect::<Vec<_>>(),
        [own.article_id.as_str()]
    );
    let b = hits(&mut bob, "parking", PROPERTY_B).await;
    assert_eq!(
        b.iter().map(|h| h.article_id.as_str()).collect::<Vec<_>>(),
        [chain.article_id.as_str()]
    );
    assert!(
        hits(&mut bob, "lounge door code", PROPERTY_B)
            .await
            .is_empty()
    );
    // Naming A is refused; A's record is not found.
    let err = bob
        .search(search_req("lounge", PROPERTY_A))
        .await
        .expect_err("other property");
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = bob
        .get_article(kpb::GetArticleRequest {
            article_id: secret.article_id.clone(),
            version: 0,
        })
        .await
        .expect_err("other property's article");
    assert_eq!(err.code(), Code::NotFound);
    let err = bob
        .update_article(kpb::UpdateArticleRequest {
            article_id: secret.article_id.clone(),
            article: Some(fields("x", Kind::Faq, Language::En, "x", "x")),
            update_mask: None,
            expected_version: 1,
        })
        .await
        .expect_err("other property's article");
    assert_eq!(err.code(), Code::NotFound);
    // Agents of a property cannot write chain articles; B's list shows no A article.
    let err = bob
        .create_article(kpb::CreateArticleRequest {
            property_id: String::new(),
            article: Some(fields("x", Kind::Faq, Language::En, "x", "x")),
            idempotency_key: "k1".into(),
        })
        .await
        .expect_err("chain-wide write");
    assert_eq!(err.code(), Code::PermissionDenied);
    let listed = bob
        .list_articles(kpb::ListArticlesRequest::default())
        .await
        .expect("list")
        .into_inner()
        .articles;
    assert_eq!(
        listed
            .iter()
            .map(|a| a.article_id.as_str())
            .collect::<Vec<_>>(),
        [chain.article_id.as_str()]
    );
    assert!(listed[0].body.is_empty(), "BASIC view has no body");

    // CI-4.2 "kept current": articles due for review, by kind and department.
    let mut stale = fields(
        "minibar",
        Kind::Policy,
        Language::En,
        "Minibar prices",
        "Soft drinks 20 yuan.",
    );
    stale.review_by = Some(Timestamp {
        seconds: now_secs() - 86_400,
        nanos: 0,
    });
    let due = create(&mut amy, PROPERTY_A, stale).await;
    let listed = amy
        .list_articles(kpb::ListArticlesRequest {
            property_id: PROPERTY_A.into(),
            due_for_review_before: Some(Timestamp {
                seconds: now_secs(),
                nanos: 0,
            }),
            owner_department: "front_office".into(),
            view: kpb::ArticleView::Full as i32,
            ..Default::default()
        })
        .await
        .expect("due for review")
        .into_inner()
        .articles;
    assert_eq!(
        listed
            .iter()
            .map(|a| a.article_id.as_str())
            .collect::<Vec<_>>(),
        [due.article_id.as_str()]
    );
    assert_eq!(listed[0].body, "Soft drinks 20 yuan.");
    let drafts = amy
        .list_articles(kpb::ListArticlesRequest {
            property_id: PROPERTY_A.into(),
            status: ArticleStatus::Draft as i32,
            page_size: 1,
            ..Default::default()
        })
        .await
        .expect("drafts")
        .into_inner();
    assert_eq!(drafts.articles.len(), 1);
    assert!(drafts.next_page_token.is_empty());
}

/// Every edit is a version; a stale edit is refused; history and diff show the change; the
/// published version stays live while the next is a draft.
async fn versions_and_diff(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let (mut amy, mut eddie, _) = staff(&app).await;

    let v1 = published(
        &mut eddie,
        PROPERTY_A,
        fields(
            "gym",
            Kind::Faq,
            Language::En,
            "Gym hours",
            "The gym opens at 06:00.\nIt is on floor 3.",
        ),
    )
    .await;
    let id = v1.article_id.clone();
    let update = |expected: i64, body: &str| kpb::UpdateArticleRequest {
        article_id: id.clone(),
        article: Some(kpb::ArticleFields {
            body: body.into(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["body".into()],
        }),
        expected_version: expected,
    };
    let v2 = amy
        .update_article(update(1, "The gym opens at 05:30.\nIt is on floor 3."))
        .await
        .expect("update")
        .into_inner();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.status, ArticleStatus::Draft as i32);
    assert_eq!(v2.published_version, 1);
    assert_eq!(v2.title, "Gym hours", "fields outside the mask are kept");
    let stale = amy
        .update_article(update(1, "someone else's edit"))
        .await
        .expect_err("stale version");
    assert_eq!(stale.code(), Code::Aborted);

    // Search still serves version 1 until version 2 is published.
    until_found(&mut amy, "gym", PROPERTY_A, &id, true).await;
    let h = hits(&mut amy, "gym opens", PROPERTY_A).await;
    assert_eq!(h[0].version, 1);
    assert!(h[0].snippet.contains("06:00"), "{}", h[0].snippet);
    eddie
        .publish_article(action(&id))
        .await
        .expect("publish v2");
    let start = Instant::now();
    while hits(&mut amy, "gym opens", PROPERTY_A).await[0].version != 2 {
        assert!(start.elapsed() < Duration::from_secs(2), "v2 never served");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    let history = amy
        .list_article_versions(kpb::ListArticleVersionsRequest {
            article_id: id.clone(),
            page_size: 1,
            page_token: String::new(),
        })
        .await
        .expect("history")
        .into_inner();
    assert_eq!(history.versions.len(), 1);
    assert_eq!(history.versions[0].version, 2);
    let older = amy
        .list_article_versions(kpb::ListArticleVersionsRequest {
            article_id: id.clone(),
            page_size: 1,
            page_token: history.next_page_token.clone(),
        })
        .await
        .expect("history page 2")
        .into_inner();
    assert_eq!(older.versions[0].version, 1);
    assert!(older.versions[0].body.contains("06:00"));
    assert!(older.next_page_token.is_empty());

    let d = amy
        .diff_article_versions(kpb::DiffArticleVersionsRequest {
            article_id: id.clone(),
            from_version: 1,
            to_version: 2,
        })
        .await
        .expect("diff")
        .into_inner();
    let ops: Vec<(i32, &str)> = d.body.iter().map(|l| (l.op, l.text.as_str())).collect();
    assert_eq!(
        ops,
        [
            (kpb::DiffOp::Delete as i32, "The gym opens at 06:00."),
            (kpb::DiffOp::Insert as i32, "The gym opens at 05:30."),
            (kpb::DiffOp::Equal as i32, "It is on floor 3."),
        ]
    );
    assert!(
        d.unified.contains("-The gym opens at 06:00."),
        "{}",
        d.unified
    );
    let v1_again = amy
        .get_article(kpb::GetArticleRequest {
            article_id: id.clone(),
            version: 1,
        })
        .await
        .expect("get v1")
        .into_inner();
    assert!(v1_again.body.contains("06:00"));
    let missing = amy
        .get_article(kpb::GetArticleRequest {
            article_id: id.clone(),
            version: 9,
        })
        .await
        .expect_err("no v9");
    assert_eq!(missing.code(), Code::NotFound);
}

/// Bad input names every field and writes nothing; idempotent creates.
async fn refusals(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let (mut amy, _, _) = staff(&app).await;

    let mut bad = fields(
        "Not A Slug!",
        Kind::Unspecified,
        Language::Unspecified,
        " ",
        "",
    );
    bad.tags = vec![String::new()];
    bad.effective_from = Some(Timestamp {
        seconds: now_secs(),
        nanos: 0,
    });
    bad.effective_until = Some(Timestamp {
        seconds: now_secs() - 10,
        nanos: 0,
    });
    let err = amy
        .create_article(kpb::CreateArticleRequest {
            property_id: PROPERTY_A.into(),
            article: Some(bad),
            idempotency_key: String::new(),
        })
        .await
        .expect_err("bad article");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&err),
        [
            "article.slug",
            "article.kind",
            "article.language",
            "article.title",
            "article.body",
            "article.tags[0]",
            "article.effective_until",
            "idempotency_key"
        ]
    );
    let listed = amy
        .list_articles(kpb::ListArticlesRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert!(listed.articles.is_empty(), "nothing was written");

    // The same key and request → the same article; another request → ALREADY_EXISTS.
    let req = kpb::CreateArticleRequest {
        property_id: PROPERTY_A.into(),
        article: Some(fields(
            "towels",
            Kind::Faq,
            Language::En,
            "Towels",
            "Extra towels: dial 6.",
        )),
        idempotency_key: "same-key".into(),
    };
    let a = amy
        .create_article(req.clone())
        .await
        .expect("create")
        .into_inner();
    let b = amy
        .create_article(req.clone())
        .await
        .expect("replay")
        .into_inner();
    assert_eq!(a.article_id, b.article_id);
    let mut other = req.clone();
    other.article = Some(fields(
        "towels2",
        Kind::Faq,
        Language::En,
        "Towels",
        "Dial 7.",
    ));
    let err = amy.create_article(other).await.expect_err("reused key");
    assert_eq!(err.code(), Code::AlreadyExists);
    // The same slug and language twice in one property.
    let mut dup = req;
    dup.idempotency_key = "other-key".into();
    let err = amy.create_article(dup).await.expect_err("slug taken");
    assert_eq!(err.code(), Code::AlreadyExists);
    // Another property named in the request.
    let err = amy
        .create_article(kpb::CreateArticleRequest {
            property_id: PROPERTY_B.into(),
            article: Some(fields("x", Kind::Faq, Language::En, "x", "x")),
            idempotency_key: "k".into(),
        })
        .await
        .expect_err("other property");
    assert_eq!(err.code(), Code::PermissionDenied);
}

/// Templates render with every variable, in the customer's language; a missing variable is
/// named, never left blank.
async fn templates(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let (mut amy, mut eddie, _) = staff(&app).await;

    let zh = published(
        &mut eddie,
        PROPERTY_A,
        fields(
            "delay-notice",
            Kind::ReplyTemplate,
            Language::Zh,
            "延迟答复通知",
            "{{guest_name}}您好，您的问题需要进一步核实，我们将在{{new_expected_time}}前答复您。",
        ),
    )
    .await;
    let mut en_fields = fields(
        "delay-notice",
        Kind::ReplyTemplate,
        Language::En,
        "Delay notice",
        "Dear {{guest_name}}, we are checking your request and will reply by {{new_expected_time}}.",
    );
    en_fields.translation_of = zh.article_id.clone();
    let en = published(&mut eddie, PROPERTY_A, en_fields).await;

    let render = |lang: Language, vars: &[(&str, &str)]| kpb::RenderReplyRequest {
        property_id: PROPERTY_A.into(),
        template_id: zh.article_id.clone(),
        variables: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        language: lang as i32,
    };
    let out = amy
        .render_reply(render(
            Language::Zh,
            &[("guest_name", "王女士"), ("new_expected_time", "15:00")],
        ))
        .await
        .expect("render")
        .into_inner();
    assert_eq!(
        out.text,
        "王女士您好，您的问题需要进一步核实，我们将在15:00前答复您。"
    );
    assert_eq!(
        (out.template_id.as_str(), out.template_version),
        (zh.article_id.as_str(), 1)
    );
    let out = amy
        .render_reply(render(
            Language::En,
            &[("guest_name", "Ms Wang"), ("new_expected_time", "3 pm")],
        ))
        .await
        .expect("render en")
        .into_inner();
    assert_eq!(
        out.text,
        "Dear Ms Wang, we are checking your request and will reply by 3 pm."
    );
    assert_eq!(out.template_id, en.article_id);
    assert_eq!(out.language, Language::En as i32);

    let err = amy
        .render_reply(render(Language::Zh, &[("guest_name", "  ")]))
        .await
        .expect_err("missing variables");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&err),
        ["variables.guest_name", "variables.new_expected_time"]
    );

    // SuggestAnswers finds the template for an inquiry's text.
    until_found(&mut amy, "核实", PROPERTY_A, &zh.article_id, true).await;
    let s = amy
        .suggest_answers(kpb::SuggestAnswersRequest {
            property_id: PROPERTY_A.into(),
            text: "需要核实，什么时候答复？".into(),
            ..Default::default()
        })
        .await
        .expect("suggest")
        .into_inner();
    assert_eq!(
        s.suggestions.first().map(|h| h.article_id.as_str()),
        Some(zh.article_id.as_str())
    );
    assert_eq!(s.suggestions[0].version, 1);

    // Or from an inquiry's id: the text is read from intake; another property's inquiry is
    // not found.
    let mut intake = app.agent().await;
    let inquiry = frontdesk_tests::create(&mut intake, "问题需要核实吗？什么时候答复").await;
    let s = amy
        .suggest_answers(kpb::SuggestAnswersRequest {
            property_id: PROPERTY_A.into(),
            inquiry_id: inquiry.inquiry_id.clone(),
            ..Default::default()
        })
        .await
        .expect("suggest for an inquiry")
        .into_inner();
    assert_eq!(
        s.suggestions.first().map(|h| h.article_id.as_str()),
        Some(zh.article_id.as_str())
    );
    let mut bob = kb_as(&app, "bob", Role::Agent, &[PROPERTY_B]).await;
    let err = bob
        .suggest_answers(kpb::SuggestAnswersRequest {
            inquiry_id: inquiry.inquiry_id.clone(),
            ..Default::default()
        })
        .await
        .expect_err("another property's inquiry");
    assert_eq!(err.code(), Code::NotFound);
}

/// Quizzes: scores per person, idempotent submission, flagged articles.
async fn quizzes(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let (mut amy, mut eddie, _) = staff(&app).await;
    let mut ben = kb_as(&app, "ben", Role::Agent, &[PROPERTY_A]).await;

    let q = |text: &str, correct: i32, article: &str| kpb::QuizQuestion {
        text: text.into(),
        choices: vec!["06:30".into(), "07:00".into(), "12:00".into()],
        correct_choice: correct,
        article_id: article.into(),
    };
    let quiz = eddie
        .create_quiz(kpb::CreateQuizRequest {
            property_id: PROPERTY_A.into(),
            title: "新员工测验".into(),
            questions: vec![
                q("早餐几点开始？", 0, "breakfast"),
                q("几点退房？", 2, "checkout"),
            ],
            idempotency_key: "quiz-1".into(),
        })
        .await
        .expect("create quiz")
        .into_inner();
    let denied = amy
        .create_quiz(kpb::CreateQuizRequest::default())
        .await
        .expect_err("agents do not write quizzes");
    assert_eq!(denied.code(), Code::PermissionDenied);
    let bad = eddie
        .create_quiz(kpb::CreateQuizRequest {
            property_id: PROPERTY_A.into(),
            title: String::new(),
            questions: vec![kpb::QuizQuestion {
                text: "?".into(),
                choices: vec!["a".into(), "b".into()],
                correct_choice: 5,
                article_id: "x".into(),
            }],
            idempotency_key: "quiz-2".into(),
        })
        .await
        .expect_err("bad quiz");
    assert_eq!(
        violated_fields(&bad),
        ["title", "questions[0].correct_choice"]
    );
    eddie
        .assign_quiz(kpb::AssignQuizRequest {
            quiz_id: quiz.quiz_id.clone(),
            departments: vec!["front_office".into()],
            staff_ids: vec!["amy".into(), "ben".into()],
            due_at: Some(Timestamp {
                seconds: now_secs() + 7 * 86_400,
                nanos: 0,
            }),
        })
        .await
        .expect("assign");

    let take = |kb: &mut Kb| {
        let mut kb = kb.clone();
        let id = quiz.quiz_id.clone();
        async move {
            kb.take_quiz(kpb::TakeQuizRequest { quiz_id: id })
                .await
                .expect("take")
                .into_inner()
        }
    };
    let amy_attempt = take(&mut amy).await;
    assert_eq!(amy_attempt.questions.len(), 2);
    assert!(
        amy_attempt
            .questions
            .iter()
            .all(|q| q.correct_choice == 0 && !q.choices.is_empty())
    );
    let submit = |attempt: &str, answers: Vec<i32>| kpb::SubmitAnswersRequest {
        attempt_id: attempt.into(),
        answers,
    };
    let s = amy
        .submit_answers(submit(&amy_attempt.attempt_id, vec![0, 1]))
        .await
        .expect("submit")
        .into_inner();
    assert_eq!((s.correct, s.total), (1, 2));
    let again = amy
        .submit_answers(submit(&amy_attempt.attempt_id, vec![0, 1]))
        .await
        .expect("same submission again")
        .into_inner();
    assert_eq!(again.correct, 1);
    let changed = amy
        .submit_answers(submit(&amy_attempt.attempt_id, vec![0, 2]))
        .await
        .expect_err("other answers");
    assert_eq!(changed.code(), Code::FailedPrecondition);
    let not_mine = ben
        .submit_answers(submit(&amy_attempt.attempt_id, vec![0, 2]))
        .await
        .expect_err("someone else's attempt");
    assert_eq!(not_mine.code(), Code::NotFound);
    let ben_attempt = take(&mut ben).await;
    ben.submit_answers(submit(&ben_attempt.attempt_id, vec![0, 0]))
        .await
        .expect("ben submits");

    let r = eddie
        .list_quiz_results(kpb::ListQuizResultsRequest {
            quiz_id: quiz.quiz_id.clone(),
            staff_id: String::new(),
        })
        .await
        .expect("results")
        .into_inner();
    assert_eq!(r.scores.len(), 2);
    let flagged: Vec<(&str, i32, i32, bool)> = r
        .articles
        .iter()
        .map(|a| {
            (
                a.article_id.as_str(),
                a.answered,
                a.wrong,
                a.flagged_for_training,
            )
        })
        .collect();
    assert_eq!(
        flagged,
        [("breakfast", 2, 0, false), ("checkout", 2, 2, true)]
    );
    let mine = eddie
        .list_quiz_results(kpb::ListQuizResultsRequest {
            quiz_id: quiz.quiz_id.clone(),
            staff_id: "ben".into(),
        })
        .await
        .expect("ben's results")
        .into_inner();
    assert_eq!(mine.scores.len(), 1);
    assert_eq!(mine.scores[0].staff_id, "ben");

    // CI-5.5: the scores reach analytics' per-employee report (amy 1 of 2, ben 1 of 2).
    use frontdesk_proto::analytics::v1 as apb;
    let channel = app.channel().await;
    let mut analytics = apb::analytics_service_client::AnalyticsServiceClient::with_interceptor(
        channel,
        frontdesk_platform::client::Bearer::new(&frontdesk_tests::token(
            "max",
            Role::Manager,
            &[PROPERTY_A],
        ))
        .expect("bearer"),
    );
    let now = now_secs();
    let mut amy_row = None;
    for _ in 0..100 {
        let report = analytics
            .get_kpi_report(apb::GetKpiReportRequest {
                property_id: PROPERTY_A.into(),
                from_time: Some(Timestamp {
                    seconds: now - 3_600,
                    nanos: 0,
                }),
                to_time: Some(Timestamp {
                    seconds: now + 3_600,
                    nanos: 0,
                }),
                group_by: apb::GroupBy::Employee as i32,
            })
            .await
            .expect("report")
            .into_inner();
        let total = report
            .total
            .and_then(|t| t.quiz_score)
            .map(|q| (q.numerator, q.denominator));
        if total == Some((2, 4)) {
            amy_row = report
                .groups
                .into_iter()
                .find(|g| g.key == "amy")
                .and_then(|g| g.kpis)
                .and_then(|k| k.quiz_score)
                .map(|q| (q.numerator, q.denominator));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(amy_row, Some((1, 2)));
}

/// The index is rebuilt from the database when a replica starts: stop the app, start a new
/// one on the same database, search still works. Two replicas converge after a publish.
async fn restart_and_replicas(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let (mut amy, mut eddie, _) = staff(&app).await;
    let a = published(
        &mut eddie,
        PROPERTY_A,
        fields(
            "luggage",
            Kind::Faq,
            Language::En,
            "Luggage storage",
            "The concierge stores luggage free of charge.",
        ),
    )
    .await;
    until_found(&mut amy, "luggage", PROPERTY_A, &a.article_id, true).await;
    app.stop().await;

    let one = env.spawn().await;
    let two = env.spawn().await;
    let mut amy1 = kb_as(&one, "amy", Role::Agent, &[PROPERTY_A]).await;
    let mut amy2 = kb_as(&two, "amy", Role::Agent, &[PROPERTY_A]).await;
    // Right at start, without waiting: the index was built before serving.
    assert_eq!(hits(&mut amy1, "luggage", PROPERTY_A).await.len(), 1);

    let mut eddie1 = kb_as(&one, "eddie", Role::Editor, &[PROPERTY_A]).await;
    let b = published(
        &mut eddie1,
        PROPERTY_A,
        fields(
            "umbrella",
            Kind::Faq,
            Language::En,
            "Umbrellas",
            "Umbrellas can be borrowed at the concierge desk.",
        ),
    )
    .await;
    let start = Instant::now();
    until_found(&mut amy2, "umbrellas", PROPERTY_A, &b.article_id, true).await;
    until_found(&mut amy1, "umbrellas", PROPERTY_A, &b.article_id, true).await;
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    let h1 = hits(&mut amy1, "concierge", PROPERTY_A).await;
    let h2 = hits(&mut amy2, "concierge", PROPERTY_A).await;
    let ids = |h: &[kpb::SearchHit]| h.iter().map(|h| h.article_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&h1), ids(&h2), "both replicas answer alike");

    // RebuildIndex is the manager's.
    let err = amy1
        .rebuild_index(kpb::RebuildIndexRequest {})
        .await
        .expect_err("agent");
    assert_eq!(err.code(), Code::PermissionDenied);
    let mut boss = kb_as(&two, "mia", Role::Manager, &["*"]).await;
    let r = boss
        .rebuild_index(kpb::RebuildIndexRequest {})
        .await
        .expect("rebuild")
        .into_inner();
    assert_eq!(r.documents, 2);
    assert_eq!(hits(&mut amy2, "luggage", PROPERTY_A).await.len(), 1);
}

/// `frontdesk dev` serves `demo-hotel`: a new database gets the bilingual starter knowledge
/// base, searchable at once; a restart does not load it twice.
async fn demo_seed(backend: Backend) {
    let env = Env::new(backend).await;
    let mut cfg = env.config();
    cfg.properties.push("demo-hotel".into());
    let app = env.spawn_with(cfg.clone()).await;
    let mut desk = kb_as(&app, "amy", Role::Agent, &["demo-hotel"]).await;
    let title = |h: &[kpb::SearchHit]| h.first().map(|h| h.title.clone()).unwrap_or_default();
    assert_eq!(
        title(&hits(&mut desk, "wifi密码", "demo-hotel").await),
        "无线网络（Wi-Fi）名称和密码"
    );
    assert_eq!(
        title(&hits(&mut desk, "几点离店", "demo-hotel").await),
        "入住和退房时间"
    );
    assert_eq!(
        title(&hits(&mut desk, "breakfst time", "demo-hotel").await),
        "Breakfast time and place"
    );
    for q in ["airport pickup", "接机"] {
        let h = hits(&mut desk, q, "demo-hotel").await;
        assert_eq!(
            h.first().map(|h| h.slug.as_str()),
            Some("airport-transfer"),
            "{q}"
        );
    }
    // Other properties see none of it.
    let mut amy = kb_as(&app, "amy", Role::Agent, &[PROPERTY_A]).await;
    assert!(hits(&mut amy, "wifi", PROPERTY_A).await.is_empty());
    let listed = desk
        .list_articles(kpb::ListArticlesRequest {
            property_id: "demo-hotel".into(),
            kind: Kind::ReplyTemplate as i32,
            language: Language::En as i32,
            ..Default::default()
        })
        .await
        .expect("templates")
        .into_inner()
        .articles;
    assert_eq!(listed.len(), 2);
    app.stop().await;
    let again = env.spawn_with(cfg).await;
    let mut desk = kb_as(&again, "amy", Role::Agent, &["demo-hotel"]).await;
    let all = desk
        .list_articles(kpb::ListArticlesRequest {
            property_id: "demo-hotel".into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner()
        .articles;
    assert_eq!(all.len(), 18, "loaded once");
}

on_both_backends!(
    demo_seed,
    workflow_and_search,
    bilingual_search,
    property_scoping,
    versions_and_diff,
    refusals,
    templates,
    quizzes,
    restart_and_replicas,
);
