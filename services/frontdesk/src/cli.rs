//! `frontdesk inquiry …`: a client for people. Readable tables by default, `--json` for
//! scripts. Enum values are the snake_case codes (hotline, social_wechat, room_rates …).

use anyhow::{Context, anyhow};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use frontdesk_intake::convert;
use frontdesk_intake::domain::model::{Category, Channel, ReplyMethod, Satisfaction, Status};
pub use frontdesk_platform::client::Bearer;
use frontdesk_proto::intake::v1 as pb;
use pb::intake_service_client::IntakeServiceClient;
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// frontdesk gRPC endpoint.
    #[arg(
        long,
        env = "FRONTDESK_SERVER",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    pub server: String,
    /// Bearer token; default: the dev token `frontdesk dev` wrote to its data directory.
    #[arg(long, env = "FRONTDESK_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Where `frontdesk dev` keeps its data (and dev token).
    #[arg(
        long,
        env = "FRONTDESK_DATA_DIR",
        default_value = ".frontdesk",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum InquiryCmd {
    /// Record an inquiry (CI-3.1).
    Create {
        #[arg(long, default_value = "demo-hotel")]
        property: String,
        /// front_desk, restaurant, facility, website, ota, social_wechat, social_weibo, social_douyin, email, hotline
        #[arg(long)]
        channel: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        social: String,
        #[arg(long)]
        text: String,
        /// Default: a new random key (a retry of this command must pass the same key).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Show one inquiry with its timeline.
    Get { id: String },
    /// List inquiries, newest first.
    List {
        #[arg(long)]
        property: Vec<String>,
        #[arg(long)]
        status: Vec<String>,
        #[arg(long)]
        category: Vec<String>,
        #[arg(long)]
        channel: Vec<String>,
        #[arg(long, default_value = "")]
        text: String,
        #[arg(long, default_value_t = 20)]
        page_size: i32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    /// Follow changes live (Ctrl-C to stop); resume with --cursor.
    Watch {
        #[arg(long, default_value = "")]
        cursor: String,
        #[arg(long)]
        from_beginning: bool,
    },
    /// Tell the customer the inquiry was received.
    Ack {
        id: String,
        #[arg(long, default_value = "")]
        message: String,
    },
    /// Answer the customer.
    Respond {
        id: String,
        #[arg(long)]
        text: String,
        #[arg(long)]
        on_the_spot: bool,
        /// in_person, phone, sms, email, website_message, ota_message, wechat, weibo, douyin
        #[arg(long)]
        method: Option<String>,
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Close an answered inquiry.
    Resolve {
        id: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Staff corrections of the classifier as JSON lines (text, channel, category): labelled
    /// examples to add to a property's rules or training data.
    Corrections {
        #[arg(long)]
        property: Vec<String>,
        #[arg(long, default_value_t = 100)]
        page_size: i32,
    },
    /// Record the customer's satisfaction: very_satisfied … very_dissatisfied.
    Feedback {
        id: String,
        #[arg(long)]
        satisfaction: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
}

fn parse_code<T>(what: &str, code: &str, from: fn(&str) -> Option<T>) -> anyhow::Result<T> {
    from(code).ok_or_else(|| anyhow!("unknown {what} {code:?}"))
}

fn key(k: Option<String>) -> String {
    k.unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// The bearer token and a connected channel, shared by every client command.
pub async fn connect(args: &ClientArgs) -> anyhow::Result<(tonic::transport::Channel, Bearer)> {
    let token = match &args.token {
        Some(t) => t.clone(),
        None => std::fs::read_to_string(args.data_dir.join(crate::dev::TOKEN_FILE))
            .map(|t| t.trim().to_string())
            .with_context(|| {
                format!(
                    "no --token and no dev token in {} (is `frontdesk dev` running there?)",
                    args.data_dir.display()
                )
            })?,
    };
    let channel = frontdesk_platform::client::connect(&args.server).await?;
    Ok((channel, Bearer::new(&token)?))
}

#[expect(
    clippy::too_many_lines,
    reason = "one flat dispatch over the subcommands; to be split into client/ modules"
)]
pub async fn run(args: ClientArgs, cmd: InquiryCmd) -> anyhow::Result<()> {
    let (channel, bearer) = connect(&args).await?;
    let mut client = IntakeServiceClient::with_interceptor(channel, bearer);
    let out = Output { json: args.json };
    match cmd {
        InquiryCmd::Create {
            property,
            channel,
            name,
            phone,
            email,
            social,
            text,
            idempotency_key,
        } => {
            let ch = parse_code("channel", &channel, Channel::from_code)?;
            let r = client
                .create_inquiry(pb::CreateInquiryRequest {
                    property_id: property,
                    channel: convert::channel_to_pb(ch),
                    customer: Some(pb::Customer {
                        name,
                        phone,
                        email,
                        social_handle: social,
                        preferred_reply: 0,
                    }),
                    text,
                    reservation_ref: String::new(),
                    idempotency_key: key(idempotency_key),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[]);
        }
        InquiryCmd::Get { id } => {
            let r = client
                .get_inquiry(pb::GetInquiryRequest { inquiry_id: id })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &r.timeline);
        }
        InquiryCmd::List {
            property,
            status,
            category,
            channel,
            text,
            page_size,
            page_token,
        } => {
            let r = client
                .list_inquiries(pb::ListInquiriesRequest {
                    property_ids: property,
                    statuses: status
                        .iter()
                        .map(|s| {
                            parse_code("status", s, Status::from_code).map(convert::status_to_pb)
                        })
                        .collect::<Result<_, _>>()?,
                    categories: category
                        .iter()
                        .map(|s| {
                            parse_code("category", s, Category::from_code)
                                .map(convert::category_to_pb)
                        })
                        .collect::<Result<_, _>>()?,
                    channels: channel
                        .iter()
                        .map(|s| {
                            parse_code("channel", s, Channel::from_code).map(convert::channel_to_pb)
                        })
                        .collect::<Result<_, _>>()?,
                    text,
                    page_size,
                    page_token,
                    ..Default::default()
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.list(&r);
        }
        InquiryCmd::Watch {
            cursor,
            from_beginning,
        } => {
            let mut stream = client
                .watch_inquiries(pb::WatchInquiriesRequest {
                    property_ids: vec![],
                    cursor,
                    from_beginning,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            while let Some(item) = stream.message().await.map_err(status_error)? {
                out.change(&item);
            }
        }
        InquiryCmd::Ack { id, message } => {
            let r = client
                .acknowledge(pb::AcknowledgeRequest {
                    inquiry_id: id,
                    message,
                    method: 0,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[]);
        }
        InquiryCmd::Respond {
            id,
            text,
            on_the_spot,
            method,
            idempotency_key,
        } => {
            let method = match method {
                Some(m) => convert::reply_to_pb(parse_code("method", &m, ReplyMethod::from_code)?),
                None => 0,
            };
            let r = client
                .respond(pb::RespondRequest {
                    inquiry_id: id,
                    text,
                    method,
                    on_the_spot,
                    idempotency_key: key(idempotency_key),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[]);
        }
        InquiryCmd::Resolve { id, note } => {
            let r = client
                .resolve(pb::ResolveRequest {
                    inquiry_id: id,
                    note,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[]);
        }
        InquiryCmd::Corrections {
            property,
            page_size,
        } => {
            let mut page_token = String::new();
            loop {
                let r = client
                    .list_reclassifications(pb::ListReclassificationsRequest {
                        property_ids: property.clone(),
                        page_size,
                        page_token: page_token.clone(),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner();
                for c in &r.reclassifications {
                    println!(
                        "{}",
                        json!({
                            "text": c.text,
                            "channel": code_of(convert::channel_from_pb(c.channel)),
                            "category": code_of(convert::category_from_pb(c.to_category)),
                            "was": code_of(convert::category_from_pb(c.from_category)),
                            "property_id": c.property_id,
                            "inquiry_id": c.inquiry_id,
                        })
                    );
                }
                if r.next_page_token.is_empty() {
                    break;
                }
                page_token = r.next_page_token;
            }
        }
        InquiryCmd::Feedback {
            id,
            satisfaction,
            comment,
        } => {
            let s = parse_code("satisfaction", &satisfaction, Satisfaction::from_code)?;
            let r = client
                .record_feedback(pb::RecordFeedbackRequest {
                    inquiry_id: id,
                    satisfaction: convert::satisfaction_to_pb(s),
                    comment,
                    on_behalf_of_customer: true,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[]);
        }
    }
    Ok(())
}

/// "INVALID_ARGUMENT: invalid request: text: required" plus each field on its own line.
pub fn status_error(s: tonic::Status) -> anyhow::Error {
    let fields = frontdesk_platform::error::violated_fields(&s);
    if fields.is_empty() {
        anyhow!("{:?}: {}", s.code(), s.message())
    } else {
        anyhow!(
            "{:?}: {} (fields: {})",
            s.code(),
            s.message(),
            fields.join(", ")
        )
    }
}

struct Output {
    json: bool,
}

fn code_of<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

fn time_of(ts: Option<&prost_types::Timestamp>) -> String {
    ts.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| "-".into())
}

fn inquiry_json(i: &pb::Inquiry) -> Value {
    let c = i.classification.clone().unwrap_or_default();
    let cust = i.customer.clone().unwrap_or_default();
    json!({
        "inquiry_id": i.inquiry_id,
        "property_id": i.property_id,
        "channel": code_of(convert::channel_from_pb(i.channel)),
        "status": code_of(convert::status_from_pb(i.status)),
        "category": code_of(convert::category_from_pb(c.category)),
        "language": code_of(convert::language_from_pb(c.language)),
        "complexity": code_of(convert::complexity_from_pb(c.complexity)),
        "confidence": c.confidence,
        "matched_terms": c.matched_terms,
        "complaint_process": c.complaint_process,
        "customer": { "name": cust.name, "phone": cust.phone, "email": cust.email, "social_handle": cust.social_handle },
        "text": i.text,
        "assignee": i.assignee,
        "created_at": time_of(i.created_at.as_ref()),
        "first_response_at": time_of(i.first_response_at.as_ref()),
        "resolved_at": time_of(i.resolved_at.as_ref()),
        "responses": i.responses.iter().map(|r| json!({"response_id": r.response_id, "text": r.text, "by": r.responded_by, "at": time_of(r.responded_at.as_ref())})).collect::<Vec<_>>(),
        "feedback": i.feedback.as_ref().map(|f| code_of(convert::satisfaction_from_pb(f.satisfaction))),
        "version": i.version,
    })
}

impl Output {
    fn inquiry(&self, i: Option<&pb::Inquiry>, timeline: &[pb::TimelineEntry]) {
        let Some(i) = i else { return };
        if self.json {
            let mut v = inquiry_json(i);
            v["timeline"] = timeline
                .iter()
                .map(|t| json!({"sequence": t.sequence, "actor": t.actor, "at": time_of(t.at.as_ref()), "detail": t.detail}))
                .collect();
            println!("{v}");
            return;
        }
        let v = inquiry_json(i);
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        for key in [
            "inquiry_id",
            "property_id",
            "channel",
            "status",
            "category",
            "complexity",
            "language",
            "assignee",
            "created_at",
            "first_response_at",
            "resolved_at",
            "text",
        ] {
            let val = match &v[key] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            table.add_row(vec![key.to_string(), val]);
        }
        table.add_row(vec![
            "customer".to_string(),
            format!(
                "{} {} {}",
                v["customer"]["name"].as_str().unwrap_or(""),
                v["customer"]["phone"].as_str().unwrap_or(""),
                v["customer"]["email"].as_str().unwrap_or("")
            ),
        ]);
        for r in &i.responses {
            table.add_row(vec![format!("answer {}", r.response_id), r.text.clone()]);
        }
        println!("{table}");
        if !timeline.is_empty() {
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED);
            t.set_header(vec!["#", "at", "who", "what"]);
            for e in timeline {
                t.add_row(vec![
                    e.sequence.to_string(),
                    time_of(e.at.as_ref()),
                    e.actor.clone(),
                    e.detail.clone(),
                ]);
            }
            println!("{t}");
        }
    }

    fn list(&self, r: &pb::ListInquiriesResponse) {
        if self.json {
            println!(
                "{}",
                json!({"inquiries": r.inquiries.iter().map(inquiry_json).collect::<Vec<_>>(), "next_page_token": r.next_page_token})
            );
            return;
        }
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header(vec![
            "id", "created", "channel", "category", "status", "customer", "text",
        ]);
        for i in &r.inquiries {
            let v = inquiry_json(i);
            let text: String = i.text.chars().take(40).collect();
            t.add_row(vec![
                i.inquiry_id.clone(),
                time_of(i.created_at.as_ref()),
                v["channel"].as_str().unwrap_or("").to_string(),
                v["category"].as_str().unwrap_or("").to_string(),
                v["status"].as_str().unwrap_or("").to_string(),
                v["customer"]["name"].as_str().unwrap_or("").to_string(),
                text,
            ]);
        }
        println!("{t}");
        if !r.next_page_token.is_empty() {
            println!("more: --page-token {}", r.next_page_token);
        }
    }

    fn change(&self, c: &pb::WatchInquiriesResponse) {
        let change = pb::ChangeType::try_from(c.change)
            .map(|c| {
                c.as_str_name()
                    .trim_start_matches("CHANGE_TYPE_")
                    .to_lowercase()
            })
            .unwrap_or_default();
        let id = c
            .inquiry
            .as_ref()
            .map(|i| i.inquiry_id.clone())
            .unwrap_or_default();
        if self.json {
            println!(
                "{}",
                json!({"cursor": c.cursor, "change": change, "actor": c.actor, "at": time_of(c.occurred_at.as_ref()), "inquiry_id": id, "detail": c.detail})
            );
        } else {
            println!(
                "[{}] {} {} {} by {}: {}",
                c.cursor,
                time_of(c.occurred_at.as_ref()),
                change,
                id,
                c.actor,
                c.detail
            );
        }
    }
}
