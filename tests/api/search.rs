//! Staff look inquiries up (issue 14): by words of the text in Chinese and English, the
//! guest's name, phone in whatever format, e-mail and reservation reference; the search
//! index serves every term it accepts, and says which terms it cannot serve.

// Scenarios read top to bottom, as a clerk would play them.
#![allow(clippy::too_many_lines)]

use frontdesk::services::ServiceName;
use frontdesk_platform::auth::Role;
use frontdesk_platform::error::violated_fields;
use frontdesk_proto::intake::v1 as pb;
use frontdesk_tests::{Backend, Client, Env, PROPERTY_A, create, new_inquiry, on_both_backends};
use std::time::Duration;
use tonic::Code;

struct Guest {
    name: &'static str,
    phone: &'static str,
    email: &'static str,
    reservation_ref: &'static str,
    text: &'static str,
}

async fn create_for(client: &mut Client, g: &Guest) -> String {
    let mut req = new_inquiry(g.text);
    let c = req.customer.as_mut().expect("customer");
    c.name = g.name.into();
    c.phone = g.phone.into();
    c.email = g.email.into();
    req.reservation_ref = g.reservation_ref.into();
    client
        .create_inquiry(req)
        .await
        .expect("create")
        .into_inner()
        .inquiry
        .expect("inquiry")
        .inquiry_id
}

/// Ids of every inquiry the request finds, following pages, newest first.
async fn find(client: &mut Client, req: pb::ListInquiriesRequest) -> Vec<String> {
    let mut ids = Vec::new();
    let mut req = req;
    loop {
        let page = client
            .list_inquiries(req.clone())
            .await
            .expect("list")
            .into_inner();
        ids.extend(page.inquiries.into_iter().map(|i| i.inquiry_id));
        if page.next_page_token.is_empty() {
            return ids;
        }
        req.page_token = page.next_page_token;
    }
}

/// The ids of one inquiry, to compare with what a search found.
fn one(id: &str) -> Vec<String> {
    vec![id.to_string()]
}

async fn text(client: &mut Client, term: &str) -> Vec<String> {
    find(
        client,
        pb::ListInquiriesRequest {
            text: term.into(),
            ..Default::default()
        },
    )
    .await
}

async fn staff_find_inquiries_by_words_names_and_contacts(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let wang = create_for(
        &mut c,
        &Guest {
            name: "王芳",
            phone: "+86 138-0013-8000",
            email: "",
            reservation_ref: "HT20240503-88",
            text: "明天几点退房？可以开发票吗？",
        },
    )
    .await;
    let smith = create_for(
        &mut c,
        &Guest {
            name: "John Smith",
            phone: "",
            email: "John.Smith@Example.com",
            reservation_ref: "",
            text: "Is BREAKFAST included in the room rate?",
        },
    )
    .await;
    let li = create_for(
        &mut c,
        &Guest {
            name: "李娜",
            phone: "139 0013 9000",
            email: "lina@example.cn",
            reservation_ref: "",
            text: "我想退款，房间的窗户打不开",
        },
    )
    .await;
    let emma = create_for(
        &mut c,
        &Guest {
            name: "Emma Wilson",
            phone: "+44 20 7946 0958",
            email: "",
            reservation_ref: "BK-7781",
            text: "The ＷｉＦｉ in room 1208 keeps dropping",
        },
    )
    .await;

    // Chinese: two characters are a word (退房, 发票); longer terms too; no false hits.
    assert_eq!(text(&mut c, "退房").await, one(&wang));
    assert_eq!(text(&mut c, "发票").await, one(&wang));
    assert_eq!(text(&mut c, "几点退房").await, one(&wang));
    assert_eq!(text(&mut c, "退款").await, one(&li));
    assert_eq!(text(&mut c, "窗户打不开").await, one(&li));
    assert_eq!(text(&mut c, "退房退款").await, Vec::<String>::new());
    assert_eq!(text(&mut c, "王芳").await, one(&wang));
    // English: case- and width-insensitive substrings of the text and the name.
    assert_eq!(text(&mut c, "breakfast").await, one(&smith));
    assert_eq!(text(&mut c, "Break").await, one(&smith));
    assert_eq!(text(&mut c, "room rate").await, one(&smith));
    assert_eq!(text(&mut c, "wifi").await, one(&emma));
    assert_eq!(text(&mut c, "SMITH").await, one(&smith));
    assert_eq!(text(&mut c, "room").await, [emma.clone(), smith.clone()]);
    assert_eq!(text(&mut c, "rooms").await, Vec::<String>::new());
    assert_eq!(text(&mut c, "helicopter").await, Vec::<String>::new());
    // The box also takes an e-mail, a reservation reference or a phone as the guest says it.
    assert_eq!(text(&mut c, "smith@example").await, one(&smith));
    assert_eq!(text(&mut c, "20240503").await, one(&wang));
    assert_eq!(text(&mut c, "138 0013 8000").await, one(&wang));
    assert_eq!(text(&mut c, "0013").await, [li.clone(), wang.clone()]);

    // Exact filters: a phone in another format, an e-mail in other case, a reference.
    let by = |phone: &str, email: &str, reservation_ref: &str| pb::ListInquiriesRequest {
        customer_phone: phone.into(),
        customer_email: email.into(),
        reservation_ref: reservation_ref.into(),
        ..Default::default()
    };
    assert_eq!(
        find(&mut c, by("0086 13800138000", "", "")).await,
        one(&wang)
    );
    assert_eq!(find(&mut c, by("13800138000", "", "")).await, one(&wang));
    assert_eq!(
        find(&mut c, by("+86 139-0013-9000", "", "")).await,
        one(&li)
    );
    assert_eq!(
        find(&mut c, by("+44 (20) 7946 0958", "", "")).await,
        one(&emma)
    );
    assert_eq!(
        find(&mut c, by("13800138001", "", "")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        find(&mut c, by("", "john.smith@example.com", "")).await,
        one(&smith)
    );
    assert_eq!(
        find(&mut c, by("", "smith@example.com", "")).await,
        Vec::<String>::new()
    );
    assert_eq!(find(&mut c, by("", "", "ht20240503-88")).await, one(&wang));
    assert_eq!(find(&mut c, by("", "", "bk-7781")).await, one(&emma));
    // Filters combine.
    assert_eq!(
        find(
            &mut c,
            pb::ListInquiriesRequest {
                text: "退房".into(),
                customer_phone: "139 0013 9000".into(),
                ..Default::default()
            }
        )
        .await,
        Vec::<String>::new()
    );

    // Terms the index cannot serve are refused, naming the field, never a scan of every row.
    for short in ["退", "a", "tv", "12", "A座", "-- --"] {
        let err = c
            .list_inquiries(pb::ListInquiriesRequest {
                text: short.into(),
                ..Default::default()
            })
            .await
            .expect_err(short);
        assert_eq!(err.code(), Code::InvalidArgument, "{short}");
        assert_eq!(violated_fields(&err), ["text"], "{short}");
    }
    let err = c
        .list_inquiries(by("call me", "not-an-email", ""))
        .await
        .expect_err("bad contacts");
    assert_eq!(violated_fields(&err), ["customer_phone", "customer_email"]);
    app.stop().await;
}

async fn paging_a_search_is_exact(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut breakfast = Vec::new();
    for i in 0..30 {
        if i % 3 == 2 {
            create(&mut c, "附近有地铁站吗？").await;
        } else {
            let text = if i % 2 == 0 {
                format!("请问早餐几点开始？第{i}次问")
            } else {
                format!("When is breakfast (早餐) served? asked {i} times")
            };
            breakfast.push(create(&mut c, &text).await.inquiry_id);
        }
    }
    breakfast.reverse();
    // With statistics, Postgres' plan sees 早餐 in most rows and reads newest rows first
    // (falling back to the index for the last, short page): paging stays exact either way.
    let db = frontdesk_platform::db::Db::connect(env.database_url(ServiceName::intake), 1)
        .await
        .expect("intake db");
    sqlx::query("ANALYZE inquiries")
        .execute(db.pool())
        .await
        .expect("analyze");
    db.close().await;
    let found = find(
        &mut c,
        pb::ListInquiriesRequest {
            text: "早餐".into(),
            page_size: 4,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(found, breakfast, "newest first, each match exactly once");
    app.stop().await;
}

async fn erased_customers_are_not_found(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let guest = Guest {
        name: "赵磊 Zhao Lei",
        phone: "+86 137 0000 1111",
        email: "zhao.lei@example.com",
        reservation_ref: "HT77001",
        text: "退房时请把发票寄到公司 invoice to my company",
    };
    create_for(&mut c, &guest).await;
    let other = create(&mut c, "退房时间可以延迟吗？").await.inquiry_id;
    let mut max = app.client_as("max", Role::Manager, &[PROPERTY_A]).await;
    max.erase_customer(pb::EraseCustomerRequest {
        customer: Some(pb::CustomerContact {
            property_id: PROPERTY_A.into(),
            contact: Some(pb::customer_contact::Contact::Phone(guest.phone.into())),
        }),
        reason: "guest asked".into(),
    })
    .await
    .expect("erase");

    assert_eq!(text(&mut c, "退房").await, [other]);
    for term in [
        "发票",
        "invoice",
        "赵磊",
        "zhao lei",
        "zhao.lei@example",
        "HT77001",
        "13700001111",
    ] {
        assert_eq!(text(&mut c, term).await, Vec::<String>::new(), "{term}");
    }
    // "[erased]", what replaces the text, is no guest's words either.
    assert_eq!(text(&mut c, "erased").await, Vec::<String>::new());
    let by_phone = pb::ListInquiriesRequest {
        customer_phone: guest.phone.into(),
        ..Default::default()
    };
    assert_eq!(find(&mut c, by_phone).await, Vec::<String>::new());
    let by_email = pb::ListInquiriesRequest {
        customer_email: guest.email.into(),
        ..Default::default()
    };
    assert_eq!(find(&mut c, by_email).await, Vec::<String>::new());
    app.stop().await;
}

/// Inquiries recorded before search existed are indexed when intake starts, while it
/// already serves.
async fn inquiries_from_before_search_are_indexed_on_start(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let old = create_for(
        &mut c,
        &Guest {
            name: "Sophie Martin",
            phone: "+33 1 42 68 53 00",
            email: "",
            reservation_ref: "",
            text: "能帮我订去杭州的高铁票吗？",
        },
    )
    .await;
    app.stop().await;
    // As migration 1008 left it: not indexed, the search text of before.
    let db = frontdesk_platform::db::Db::connect(env.database_url(ServiceName::intake), 1)
        .await
        .expect("intake db");
    sqlx::query(
        "UPDATE inquiries SET search_tokens = NULL, customer_phone_key = '', \
         search_text = LOWER(text) WHERE inquiry_id = $1",
    )
    .bind(&old)
    .execute(db.pool())
    .await
    .expect("as before search");
    db.close().await;

    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut found = Vec::new();
    for _ in 0..100 {
        found = text(&mut c, "高铁").await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found, one(&old));
    // Indexed with everything a new inquiry is: the name and the phone key.
    assert_eq!(text(&mut c, "sophie").await, one(&old));
    let by_phone = pb::ListInquiriesRequest {
        customer_phone: "0033 1 42 68 53 00".into(),
        ..Default::default()
    };
    assert_eq!(find(&mut c, by_phone).await, [old]);
    app.stop().await;
}

on_both_backends!(
    staff_find_inquiries_by_words_names_and_contacts,
    paging_a_search_is_exact,
    erased_customers_are_not_found,
    inquiries_from_before_search_are_indexed_on_start,
);
