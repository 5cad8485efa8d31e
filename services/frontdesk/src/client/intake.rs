//! `frontdesk inquiry …`: recording and working inquiries (intake).

use super::inquiry_view::Output;
use super::render::code_of;
use super::{ClientArgs, connect, key, parse_code, status_error};
use frontdesk_proto::common::v1::{Category, Channel, Satisfaction};
use frontdesk_proto::intake::v1 as pb;
use pb::intake_service_client::IntakeServiceClient;
use serde_json::json;

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
        /// The PMS reservation the inquiry is about, if any.
        #[arg(long, default_value = "")]
        reservation_ref: String,
        /// Wait this long (0–2000 ms) for routing's decision, to tell the caller who handles
        /// it and by when.
        #[arg(long, default_value_t = 1000)]
        wait_ms: u64,
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
        /// A substring of the text, name, e-mail, phone or reservation ref (2 Chinese
        /// characters or 3 letters or digits at least).
        #[arg(long, default_value = "")]
        text: String,
        /// The guest's phone, in any format.
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        reservation_ref: String,
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
        /// The answer as typed (or use --template).
        #[arg(long, default_value = "", required_unless_present = "template")]
        text: String,
        /// A published reply template (knowledge article id) to render instead of --text.
        #[arg(long, conflicts_with = "text")]
        template: Option<String>,
        /// A template variable, name=value (repeatable); guest_name defaults to the customer's.
        #[arg(long = "var", value_parser = name_value)]
        vars: Vec<(String, String)>,
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

#[expect(
    clippy::too_many_lines,
    reason = "one flat dispatch, an arm per subcommand"
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
            reservation_ref,
            wait_ms,
            idempotency_key,
        } => {
            let ch = parse_code::<Channel>("channel", &channel)?;
            let wait = std::time::Duration::from_millis(wait_ms);
            let r = client
                .create_inquiry(pb::CreateInquiryRequest {
                    property_id: property,
                    channel: ch as i32,
                    customer: Some(pb::Customer {
                        name,
                        phone,
                        email,
                        social_handle: social,
                        preferred_reply: 0,
                    }),
                    text,
                    reservation_ref,
                    idempotency_key: key(idempotency_key),
                    wait_for_routing: (wait_ms > 0).then(|| prost_types::Duration {
                        seconds: wait.as_secs() as i64,
                        nanos: wait.subsec_nanos() as i32,
                    }),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[]);
            if r.routing_pending && !args.json {
                eprintln!("routing's decision is still pending: see `frontdesk inquiry get`");
            }
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
            phone,
            email,
            reservation_ref,
            page_size,
            page_token,
        } => {
            let r = client
                .list_inquiries(pb::ListInquiriesRequest {
                    property_ids: property,
                    statuses: status
                        .iter()
                        .map(|s| parse_code::<pb::InquiryStatus>("status", s).map(|x| x as i32))
                        .collect::<Result<_, _>>()?,
                    categories: category
                        .iter()
                        .map(|s| parse_code::<Category>("category", s).map(|x| x as i32))
                        .collect::<Result<_, _>>()?,
                    channels: channel
                        .iter()
                        .map(|s| parse_code::<Channel>("channel", s).map(|x| x as i32))
                        .collect::<Result<_, _>>()?,
                    text,
                    customer_phone: phone,
                    customer_email: email,
                    reservation_ref,
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
                    send_caught_up: true,
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
            template,
            vars,
            on_the_spot,
            method,
            idempotency_key,
        } => {
            let method = match method {
                Some(m) => parse_code::<pb::ReplyMethod>("method", &m)? as i32,
                None => 0,
            };
            let r = client
                .respond(pb::RespondRequest {
                    inquiry_id: id,
                    text,
                    method,
                    on_the_spot,
                    idempotency_key: key(idempotency_key),
                    template_id: template.unwrap_or_default(),
                    template_variables: vars.into_iter().collect(),
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
                            "channel": code_of(Channel::from_wire(c.channel).and_then(|x| x.code())),
                            "category": code_of(Category::from_wire(c.to_category).and_then(|x| x.code())),
                            "was": code_of(Category::from_wire(c.from_category).and_then(|x| x.code())),
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
            let s = parse_code::<Satisfaction>("satisfaction", &satisfaction)?;
            let r = client
                .record_feedback(pb::RecordFeedbackRequest {
                    inquiry_id: id,
                    satisfaction: s as i32,
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

/// `name=value` of `--var`.
fn name_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(n, v)| (n.trim().to_string(), v.to_string()))
        .filter(|(n, _)| !n.is_empty())
        .ok_or_else(|| format!("expected name=value, got {s:?}"))
}
