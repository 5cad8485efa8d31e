//! `frontdesk kb …`: the knowledge base from a terminal — search it as an agent would, read an
//! article and its history, edit it, send it for review, publish a reviewed one, and see what
//! it suggests for an inquiry.

use super::render::{fit, table};
use super::{ClientArgs, connect, status_error};
use frontdesk_proto::knowledge::v1 as pb;
use pb::knowledge_service_client::KnowledgeServiceClient;

#[derive(Debug, clap::Subcommand)]
pub enum KbCmd {
    /// Published articles matching words in Chinese or English, best first.
    Search {
        /// What to look for, e.g. "早餐几点" or "wifi password".
        query: String,
        /// The property whose articles (and the chain's) to search.
        #[arg(long, default_value = "demo-hotel")]
        property: String,
        /// Hits to show.
        #[arg(long, default_value_t = 5)]
        limit: i32,
    },
    /// One article (its newest version, or `--version`).
    Get {
        /// The article's id.
        article_id: String,
        /// This version (default: the newest).
        #[arg(long, default_value_t = 0)]
        version: i64,
    },
    /// Every version of an article, newest first.
    History {
        /// The article's id.
        article_id: String,
    },
    /// A new draft version of an article from the fields given (the live version stays
    /// until the draft is published).
    Edit {
        /// The article's id.
        article_id: String,
        /// The new title.
        #[arg(long)]
        title: Option<String>,
        /// The new body (Markdown), as typed.
        #[arg(long, conflicts_with = "body_file")]
        body: Option<String>,
        /// The body from a file (UTF-8), for longer articles.
        #[arg(long)]
        body_file: Option<std::path::PathBuf>,
        /// The version you edited; refused if someone changed the article since.
        #[arg(long)]
        expected_version: i64,
    },
    /// Sends a draft for review.
    Submit {
        /// The article's id.
        article_id: String,
        /// Refuse if someone changed the article after this version (0: no check).
        #[arg(long, default_value_t = 0)]
        expected_version: i64,
    },
    /// Publishes an article in review (editor, supervisor or manager).
    Publish {
        /// The article's id.
        article_id: String,
        /// Refuse if someone changed the article after this version (0: no check).
        #[arg(long, default_value_t = 0)]
        expected_version: i64,
    },
    /// The articles and templates that answer an inquiry (read from intake).
    Suggest {
        /// The inquiry's id.
        inquiry_id: String,
        /// The inquiry's property.
        #[arg(long, default_value = "demo-hotel")]
        property: String,
    },
}

fn hit_json(h: &pb::SearchHit) -> serde_json::Value {
    serde_json::json!({
        "article_id": h.article_id,
        "version": h.version,
        "slug": h.slug,
        "title": h.title,
        "snippet": h.snippet,
        "score": h.score,
    })
}

fn article_json(a: &pb::Article) -> serde_json::Value {
    serde_json::json!({
        "article_id": a.article_id,
        "property_id": a.property_id,
        "slug": a.slug,
        "title": a.title,
        "body": a.body,
        "status": pb::ArticleStatus::try_from(a.status).map(|s| s.as_str_name()).unwrap_or("UNKNOWN"),
        "version": a.version,
        "published_version": a.published_version,
        "updated_by": a.updated_by,
    })
}

fn print_hits(json: bool, quiet: bool, hits: &[pb::SearchHit]) {
    if quiet {
        hits.iter().for_each(|h| println!("{}", h.article_id));
        return;
    }
    if json {
        let hits: Vec<_> = hits.iter().map(hit_json).collect();
        println!("{}", serde_json::json!({ "hits": hits }));
        return;
    }
    let mut t = table(&["article", "title", "snippet"]);
    for h in hits {
        t.add_row(vec![
            h.article_id.clone(),
            h.title.clone(),
            // The snippet marks matches for HTML; a terminal shows the words plainly.
            h.snippet.replace("<mark>", "").replace("</mark>", ""),
        ]);
    }
    println!("{}", fit(t));
}

fn print_article(json: bool, quiet: bool, a: &pb::Article) {
    if quiet {
        println!("{}", a.article_id);
    } else if json {
        println!("{}", article_json(a));
    } else {
        println!(
            "{} v{} [{}]\n{}\n\n{}",
            a.article_id, a.version, a.slug, a.title, a.body
        );
    }
}

pub async fn run(args: ClientArgs, cmd: KbCmd) -> anyhow::Result<()> {
    let (channel, bearer) = connect(&args).await?;
    let mut kb = KnowledgeServiceClient::with_interceptor(channel, bearer);
    match cmd {
        KbCmd::Search {
            query,
            property,
            limit,
        } => {
            let r = kb
                .search(pb::SearchRequest {
                    query,
                    property_id: property,
                    page_size: limit,
                    ..Default::default()
                })
                .await
                .map_err(status_error)?
                .into_inner();
            print_hits(args.json, args.quiet, &r.hits);
        }
        KbCmd::Get {
            article_id,
            version,
        } => {
            let a = kb
                .get_article(pb::GetArticleRequest {
                    article_id,
                    version,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            print_article(args.json, args.quiet, &a);
        }
        KbCmd::History { article_id } => {
            let r = kb
                .list_article_versions(pb::ListArticleVersionsRequest {
                    article_id,
                    ..Default::default()
                })
                .await
                .map_err(status_error)?
                .into_inner();
            print_versions(args.json, &r.versions);
        }
        KbCmd::Edit {
            article_id,
            title,
            body,
            body_file,
            expected_version,
        } => {
            let body = match body_file {
                Some(path) => Some(
                    std::fs::read_to_string(&path)
                        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?,
                ),
                None => body,
            };
            let a = edit(&mut kb, article_id, title, body, expected_version).await?;
            print_article(args.json, args.quiet, &a);
        }
        KbCmd::Submit {
            article_id,
            expected_version,
        } => {
            let req = action(article_id, expected_version);
            let a = kb.submit_for_review(req).await.map_err(status_error)?;
            print_article(args.json, args.quiet, a.get_ref());
        }
        KbCmd::Publish {
            article_id,
            expected_version,
        } => {
            let req = action(article_id, expected_version);
            let a = kb.publish_article(req).await.map_err(status_error)?;
            print_article(args.json, args.quiet, a.get_ref());
        }
        KbCmd::Suggest {
            inquiry_id,
            property,
        } => {
            let r = kb
                .suggest_answers(pb::SuggestAnswersRequest {
                    property_id: property,
                    inquiry_id,
                    ..Default::default()
                })
                .await
                .map_err(status_error)?
                .into_inner();
            print_hits(args.json, args.quiet, &r.suggestions);
        }
    }
    Ok(())
}

type Client = KnowledgeServiceClient<
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, super::Bearer>,
>;

/// UpdateArticle with a mask of exactly the fields given.
async fn edit(
    kb: &mut Client,
    article_id: String,
    title: Option<String>,
    body: Option<String>,
    expected_version: i64,
) -> anyhow::Result<pb::Article> {
    let mut paths = Vec::new();
    if title.is_some() {
        paths.push("title".to_string());
    }
    if body.is_some() {
        paths.push("body".to_string());
    }
    anyhow::ensure!(
        !paths.is_empty(),
        "nothing to change: give --title and/or --body"
    );
    Ok(kb
        .update_article(pb::UpdateArticleRequest {
            article_id,
            article: Some(pb::ArticleFields {
                title: title.unwrap_or_default(),
                body: body.unwrap_or_default(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask { paths }),
            expected_version,
        })
        .await
        .map_err(status_error)?
        .into_inner())
}

fn print_versions(json: bool, versions: &[pb::Article]) {
    if json {
        let versions: Vec<_> = versions.iter().map(article_json).collect();
        println!("{}", serde_json::json!({ "versions": versions }));
        return;
    }
    let mut t = table(&["version", "status", "by", "title"]);
    for a in versions {
        let status = pb::ArticleStatus::try_from(a.status)
            .map(|s| s.as_str_name())
            .unwrap_or("UNKNOWN");
        t.add_row(vec![
            a.version.to_string(),
            status.to_string(),
            a.updated_by.clone(),
            a.title.clone(),
        ]);
    }
    println!("{}", fit(t));
}

fn action(article_id: String, expected_version: i64) -> pb::ArticleActionRequest {
    pb::ArticleActionRequest {
        article_id,
        expected_version,
    }
}
