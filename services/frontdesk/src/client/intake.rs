//! `frontdesk inquiry …`: recording and working inquiries (intake).

use super::inquiry_view::Output;
use super::render::code_of;
use super::{ClientArgs, connect, key, parse_code, status_error};
use frontdesk_proto::common::v1::{Category, Channel, Complexity, Satisfaction};
use frontdesk_proto::intake::v1 as pb;
use pb::intake_service_client::IntakeServiceClient;
use serde_json::json;

#[derive(Debug, clap::Subcommand)]
pub enum InquiryCmd {
    /// Record an inquiry (CI-3.1).
    Create {
        /// The property (hotel) the inquiry is for.
        #[arg(long, default_value = "demo-hotel")]
        property: String,
        /// front_desk, restaurant, facility, website, ota, social_wechat, social_weibo, social_douyin, email, hotline
        #[arg(long)]
        channel: String,
        /// The customer's name.
        #[arg(long)]
        name: String,
        /// The customer's phone number.
        #[arg(long, default_value = "")]
        phone: String,
        /// The customer's e-mail address.
        #[arg(long, default_value = "")]
        email: String,
        /// The customer's social media handle (WeChat, Weibo, Douyin).
        #[arg(long, default_value = "")]
        social: String,
        /// How the customer wants the answer: in_person, phone, sms, email,
        /// website_message, ota_message, wechat, weibo, douyin (default: the channel's way).
        #[arg(long)]
        preferred_reply: Option<String>,
        /// What the customer asked, in their words.
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
    /// Show one inquiry with its timeline and what messaging recorded for it (links).
    Get {
        /// The inquiry's id.
        id: String,
    },
    /// List inquiries, newest first.
    List {
        /// Only these properties (repeatable; default: every one the token may see).
        #[arg(long)]
        property: Vec<String>,
        /// Only these statuses (repeatable): new, acknowledged, answered, resolved, reopened.
        #[arg(long)]
        status: Vec<String>,
        /// Only these categories (repeatable), e.g. dining, complaint.
        #[arg(long)]
        category: Vec<String>,
        /// Only these channels (repeatable), e.g. hotline, email.
        #[arg(long)]
        channel: Vec<String>,
        /// A substring of the text, name, e-mail, phone or reservation ref (2 Chinese
        /// characters or 3 letters or digits at least).
        #[arg(long, default_value = "")]
        text: String,
        /// Only inquiries from this phone number, in any format.
        #[arg(long, default_value = "")]
        phone: String,
        /// Only inquiries from this e-mail address.
        #[arg(long, default_value = "")]
        email: String,
        /// Only inquiries about this PMS reservation.
        #[arg(long, default_value = "")]
        reservation_ref: String,
        /// Only inquiries routing gave this staff member.
        #[arg(long, default_value = "")]
        assignee: String,
        /// Inquiries per page (at most 500).
        #[arg(long, default_value_t = 20)]
        page_size: i32,
        /// The next page, as printed under the previous one.
        #[arg(long, default_value = "")]
        page_token: String,
    },
    /// Follow changes live (Ctrl-C to stop); resume with --cursor.
    Watch {
        /// Resume after this cursor (printed with every change).
        #[arg(long, default_value = "")]
        cursor: String,
        /// Every change still kept, then live ones (default: live ones only).
        #[arg(long)]
        from_beginning: bool,
    },
    /// Tell the customer the inquiry was received.
    Ack {
        /// The inquiry's id.
        id: String,
        /// What the customer was told.
        #[arg(long, default_value = "")]
        message: String,
        /// How they were told (as for respond --method); default: their preference.
        #[arg(long)]
        method: Option<String>,
    },
    /// Answer the customer.
    Respond {
        /// The inquiry's id.
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
        /// Answered at once, where the customer asked (CI-2: no acknowledgement first).
        #[arg(long)]
        on_the_spot: bool,
        /// in_person, phone, sms, email, website_message, ota_message, wechat, weibo, douyin
        #[arg(long)]
        method: Option<String>,
        /// Default: a new random key (a retry of this command must pass the same key).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Tell the customer the answer takes longer, and until when (CI-3.6).
    NotifyDelay {
        /// The inquiry's id.
        id: String,
        /// Why it takes longer, as the customer is told (or use --template).
        #[arg(long, default_value = "", required_unless_present = "template")]
        reason: String,
        /// The new promised time, RFC 3339 (e.g. 2026-12-01T18:00:00+08:00).
        #[arg(long)]
        until: String,
        /// A published reply template (knowledge article id) to render instead of --reason.
        #[arg(long, conflicts_with = "reason")]
        template: Option<String>,
        /// A template variable, name=value (repeatable).
        #[arg(long = "var", value_parser = name_value)]
        vars: Vec<(String, String)>,
        /// Default: a new random key (a retry of this command must pass the same key).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Close an answered inquiry.
    Resolve {
        /// The inquiry's id.
        id: String,
        /// A closing note for the timeline.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Open a resolved inquiry again (the customer came back).
    Reopen {
        /// The inquiry's id.
        id: String,
        /// Why it is open again.
        #[arg(long)]
        reason: String,
    },
    /// Mark an answer accurate or inaccurate (supervisors and managers; CI-5.4).
    Audit {
        /// The inquiry's id.
        id: String,
        /// The answer's id (see `inquiry get`).
        #[arg(long)]
        response: String,
        /// The answer was accurate …
        #[arg(
            long,
            conflicts_with = "inaccurate",
            required_unless_present = "inaccurate"
        )]
        accurate: bool,
        /// … or it was not.
        #[arg(long)]
        inaccurate: bool,
        /// What was right or wrong.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Correct (or confirm) the category and complexity; routing re-routes and re-times it.
    Reclassify {
        /// The inquiry's id.
        id: String,
        /// The right category, e.g. complaint.
        #[arg(long)]
        category: String,
        /// simple or complex.
        #[arg(long, default_value = "simple")]
        complexity: String,
        /// Why (kept with the correction, for improving the rules).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Waiting on the customer: the SLA clocks pause until `inquiry replied`.
    Wait {
        /// The inquiry's id.
        id: String,
        /// What the customer was asked for.
        #[arg(long)]
        reason: String,
    },
    /// The customer replied: every deadline not yet met moves by the time waited.
    Replied {
        /// The inquiry's id.
        id: String,
        /// What they replied, in short.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Staff corrections of the classifier as JSON lines (text, channel, category): labelled
    /// examples to add to a property's rules or training data.
    Corrections {
        /// Only these properties (repeatable).
        #[arg(long)]
        property: Vec<String>,
        /// Corrections fetched per call.
        #[arg(long, default_value_t = 100)]
        page_size: i32,
    },
    /// Record the customer's satisfaction: very_satisfied … very_dissatisfied.
    Feedback {
        /// The inquiry's id.
        id: String,
        /// very_satisfied, satisfied, neutral, dissatisfied or very_dissatisfied.
        #[arg(long)]
        satisfaction: String,
        /// The customer's words.
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
    let out = Output {
        json: args.json,
        quiet: args.quiet,
    };
    match cmd {
        InquiryCmd::Create {
            property,
            channel,
            name,
            phone,
            email,
            social,
            preferred_reply,
            text,
            reservation_ref,
            wait_ms,
            idempotency_key,
        } => {
            let ch = parse_code::<Channel>("channel", &channel)?;
            let preferred_reply = reply_method(preferred_reply.as_deref())?;
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
                        preferred_reply,
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
            out.inquiry(r.inquiry.as_ref(), &[], &[]);
            if r.routing_pending && !args.json && !args.quiet {
                eprintln!("routing's decision is still pending: see `frontdesk inquiry get`");
            }
        }
        InquiryCmd::Get { id } => {
            let r = client
                .get_inquiry(pb::GetInquiryRequest { inquiry_id: id })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &r.timeline, &r.links);
        }
        InquiryCmd::List {
            property,
            status,
            category,
            channel,
            text,
            assignee,
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
                    assignee,
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
        InquiryCmd::Ack {
            id,
            message,
            method,
        } => {
            let r = client
                .acknowledge(pb::AcknowledgeRequest {
                    inquiry_id: id,
                    message,
                    method: reply_method(method.as_deref())?,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[], &[]);
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
            let method = reply_method(method.as_deref())?;
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
            // What an answer creates is the response: `-q` prints its id (for `inquiry audit`).
            let newest = r.inquiry.as_ref().and_then(|i| i.responses.last());
            match newest {
                Some(answer) if args.quiet => println!("{}", answer.response_id),
                _ => out.inquiry(r.inquiry.as_ref(), &[], &[]),
            }
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
            out.inquiry(r.inquiry.as_ref(), &[], &[]);
        }
        InquiryCmd::NotifyDelay {
            id,
            reason,
            until,
            template,
            vars,
            idempotency_key,
        } => {
            let until = chrono::DateTime::parse_from_rfc3339(&until).map_err(|_| {
                anyhow::anyhow!(
                    "--until {until:?}: an RFC 3339 time such as 2026-12-01T18:00:00+08:00"
                )
            })?;
            let r = client
                .notify_delay(pb::NotifyDelayRequest {
                    inquiry_id: id,
                    reason,
                    new_expected_at: Some(prost_types::Timestamp {
                        seconds: until.timestamp(),
                        nanos: 0,
                    }),
                    idempotency_key: key(idempotency_key),
                    template_id: template.unwrap_or_default(),
                    template_variables: vars.into_iter().collect(),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[], &[]);
        }
        InquiryCmd::Reopen { id, reason } => {
            let r = client
                .reopen(pb::ReopenRequest {
                    inquiry_id: id,
                    reason,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[], &[]);
        }
        InquiryCmd::Audit {
            id,
            response,
            accurate,
            inaccurate,
            note,
        } => {
            let r = client
                .audit_answer(pb::AuditAnswerRequest {
                    inquiry_id: id,
                    response_id: response,
                    accurate: accurate && !inaccurate,
                    note,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[], &[]);
        }
        InquiryCmd::Reclassify {
            id,
            category,
            complexity,
            reason,
        } => {
            let r = client
                .reclassify(pb::ReclassifyRequest {
                    inquiry_id: id,
                    category: parse_code::<Category>("category", &category)? as i32,
                    complexity: parse_code::<Complexity>("complexity", &complexity)? as i32,
                    reason,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[], &[]);
        }
        InquiryCmd::Wait { id, reason } => {
            let r = client
                .wait_for_customer(pb::WaitForCustomerRequest {
                    inquiry_id: id,
                    reason,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[], &[]);
        }
        InquiryCmd::Replied { id, note } => {
            let r = client
                .customer_replied(pb::CustomerRepliedRequest {
                    inquiry_id: id,
                    note,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.inquiry(r.inquiry.as_ref(), &[], &[]);
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
            out.inquiry(r.inquiry.as_ref(), &[], &[]);
        }
    }
    Ok(())
}

/// A reply method code (`--method`, `--preferred-reply`); none: 0, the server's default.
fn reply_method(code: Option<&str>) -> anyhow::Result<i32> {
    Ok(match code {
        Some(m) => parse_code::<pb::ReplyMethod>("reply method", m)? as i32,
        None => 0,
    })
}

/// `name=value` of `--var`.
fn name_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(n, v)| (n.trim().to_string(), v.to_string()))
        .filter(|(n, _)| !n.is_empty())
        .ok_or_else(|| format!("expected name=value, got {s:?}"))
}
