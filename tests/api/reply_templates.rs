//! Answers and delay notices built from reply templates (issue 11, CI-3.6, CI-5.4): intake
//! asks the knowledge service to render a published template in the customer's language,
//! records which template and version the customer got, and refuses — with nothing written —
//! when a variable is missing, the template does not exist, or knowledge cannot be reached.

use frontdesk::services::ServiceName;
use frontdesk_platform::auth::Role;
use frontdesk_platform::error::violated_fields;
use frontdesk_proto::common::v1::{self as common, Language};
use frontdesk_proto::intake::v1 as pb;
use frontdesk_proto::knowledge::v1 as kpb;
use frontdesk_proto::knowledge::v1::knowledge_service_client::KnowledgeServiceClient;
use frontdesk_tests::{Backend, Bearer, Env, PROPERTY_A, TestApp, on_both_backends, token};
use std::collections::HashMap;
use tonic::Code;

on_both_backends!(
    an_answer_and_a_delay_notice_rendered_from_templates,
    template_refusals_write_nothing,
    without_knowledge_templates_are_refused_plainly,
);

/// Publishes a Chinese reply template and its English translation; returns their ids.
async fn publish_templates(app: &TestApp, zh_body: &str, en_body: &str) -> (String, String) {
    let mut editor = KnowledgeServiceClient::with_interceptor(
        app.channel().await,
        Bearer::new(&token("eddie", Role::Editor, &[PROPERTY_A])).expect("ascii token"),
    );
    let mut ids = Vec::new();
    for (language, body) in [(Language::Zh, zh_body), (Language::En, en_body)] {
        let article = editor
            .create_article(kpb::CreateArticleRequest {
                property_id: PROPERTY_A.into(),
                article: Some(kpb::ArticleFields {
                    slug: "reply".into(),
                    kind: kpb::ArticleKind::ReplyTemplate as i32,
                    language: language as i32,
                    title: format!("reply {}", language.as_str_name()),
                    body: body.into(),
                    owner_department: "front_office".into(),
                    translation_of: ids.first().cloned().unwrap_or_default(),
                    ..Default::default()
                }),
                idempotency_key: uuid::Uuid::new_v4().to_string(),
            })
            .await
            .expect("create template")
            .into_inner();
        editor
            .publish_article(kpb::ArticleActionRequest {
                article_id: article.article_id.clone(),
                expected_version: 0,
            })
            .await
            .expect("publish template");
        ids.push(article.article_id);
    }
    (ids[0].clone(), ids[1].clone())
}

/// An English inquiry from "Emma Li".
fn english_inquiry() -> pb::CreateInquiryRequest {
    let mut req = frontdesk_tests::new_inquiry(
        "Hello, what time is breakfast served tomorrow? We have an early flight.",
    );
    if let Some(c) = req.customer.as_mut() {
        c.name = "Emma Li".into();
    }
    req.channel = common::Channel::Email as i32;
    req
}

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn respond_with(inquiry_id: &str, template_id: &str, pairs: &[(&str, &str)]) -> pb::RespondRequest {
    pb::RespondRequest {
        inquiry_id: inquiry_id.into(),
        template_id: template_id.into(),
        template_variables: vars(pairs),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    }
}

async fn an_answer_and_a_delay_notice_rendered_from_templates(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let (zh, en) = publish_templates(
        &app,
        "{{guest_name}}您好，早餐时间为{{hours}}。",
        "Dear {{guest_name}}, breakfast is served {{hours}}.",
    )
    .await;
    let mut amy = app.agent().await;
    let inquiry = amy
        .create_inquiry(english_inquiry())
        .await
        .expect("create")
        .into_inner()
        .inquiry
        .expect("inquiry");

    // The Chinese template's id, an English customer: the English translation is rendered,
    // the customer's name filled in by intake, and the template actually used recorded.
    let answered = amy
        .respond(respond_with(
            &inquiry.inquiry_id,
            &zh,
            &[("hours", "6:30–10:00")],
        ))
        .await
        .expect("respond from a template")
        .into_inner()
        .inquiry
        .expect("inquiry");
    let response = answered.responses.last().expect("an answer");
    assert_eq!(
        response.text,
        "Dear Emma Li, breakfast is served 6:30–10:00."
    );
    let used = response.template.as_ref().expect("template recorded");
    assert_eq!(
        (used.template_id.as_str(), used.template_version),
        (en.as_str(), 1)
    );

    // A delay notice from the same template family (CI-3.6), with the time as told.
    let due = prost_types::Timestamp {
        seconds: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64
            + 3_600,
        nanos: 0,
    };
    let notified = amy
        .notify_delay(pb::NotifyDelayRequest {
            inquiry_id: inquiry.inquiry_id.clone(),
            new_expected_at: Some(due),
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            template_id: en.clone(),
            template_variables: vars(&[("hours", "from 6:30"), ("guest_name", "Ms Li")]),
            ..Default::default()
        })
        .await
        .expect("delay notice from a template")
        .into_inner()
        .inquiry
        .expect("inquiry");
    let notice = notified.delays.last().expect("a delay notice");
    assert_eq!(notice.reason, "Dear Ms Li, breakfast is served from 6:30.");
    assert_eq!(
        notice.template.as_ref().map(|t| t.template_id.as_str()),
        Some(en.as_str())
    );

    // Both survive a read back, and the timeline says a template was used.
    let read = amy
        .get_inquiry(pb::GetInquiryRequest {
            inquiry_id: inquiry.inquiry_id.clone(),
        })
        .await
        .expect("get")
        .into_inner();
    let stored = read.inquiry.expect("inquiry");
    assert_eq!(
        stored.responses.last().and_then(|r| r.template.clone()),
        Some(used.clone())
    );
    assert!(
        read.timeline
            .iter()
            .any(|t| t.detail.contains(&format!("(template {en} v1)"))),
        "timeline: {:?}",
        read.timeline
    );
}

async fn template_refusals_write_nothing(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let (zh, _) = publish_templates(
        &app,
        "{{guest_name}}您好，我们会在{{new_expected_time}}前答复。",
        "Dear {{guest_name}}, we will reply by {{new_expected_time}}.",
    )
    .await;
    let mut amy = app.agent().await;
    let inquiry = frontdesk_tests::create(&mut amy, "请问明天早餐几点开始？").await;

    let missing = amy
        .respond(respond_with(&inquiry.inquiry_id, &zh, &[]))
        .await
        .expect_err("a variable is missing");
    assert_eq!(missing.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&missing),
        ["template_variables.new_expected_time"],
        "{missing:?}"
    );

    let unknown = amy
        .respond(respond_with(&inquiry.inquiry_id, "no-such-template", &[]))
        .await
        .expect_err("no such template");
    assert_eq!(unknown.code(), Code::NotFound);

    let mut both = respond_with(&inquiry.inquiry_id, &zh, &[("new_expected_time", "5 pm")]);
    both.text = "typed as well".into();
    let both = amy.respond(both).await.expect_err("text and template");
    assert_eq!(both.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&both), ["text"]);

    let read = amy
        .get_inquiry(pb::GetInquiryRequest {
            inquiry_id: inquiry.inquiry_id.clone(),
        })
        .await
        .expect("get")
        .into_inner()
        .inquiry
        .expect("inquiry");
    assert!(read.responses.is_empty(), "nothing half-written: {read:?}");
    assert_eq!(read.status, pb::InquiryStatus::New as i32);
}

async fn without_knowledge_templates_are_refused_plainly(backend: Backend) {
    let env = Env::new(backend).await;

    // Intake alone, not told where knowledge is: a precondition in plain words.
    let alone = env.spawn_intake_only().await;
    let mut amy = alone.agent().await;
    let inquiry = frontdesk_tests::create(&mut amy, "What time is check-out?").await;
    let err = amy
        .respond(respond_with(&inquiry.inquiry_id, "any-template", &[]))
        .await
        .expect_err("no knowledge service");
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(
        err.message().contains("--peers knowledge="),
        "{}",
        err.message()
    );
    alone.stop().await;

    // Told an address where nothing answers: UNAVAILABLE, retry later; typed text works.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let dead = closed.local_addr().expect("addr");
    drop(closed);
    let mut cfg = env.config();
    cfg.services.retain(|&s, _| s == ServiceName::intake);
    cfg.peers
        .insert("knowledge".into(), format!("http://{dead}"));
    let app = env.spawn_with(cfg).await;
    let mut amy = app.agent().await;
    let err = amy
        .respond(respond_with(&inquiry.inquiry_id, "any-template", &[]))
        .await
        .expect_err("knowledge down");
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    let typed = amy
        .respond(pb::RespondRequest {
            inquiry_id: inquiry.inquiry_id.clone(),
            text: "Check-out is at noon.".into(),
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        })
        .await
        .expect("typed answers need no knowledge service")
        .into_inner();
    assert_eq!(typed.inquiry.map(|i| i.responses.len()), Some(1));
}
