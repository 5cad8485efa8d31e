//! `frontdesk kb …`: the knowledge base from a terminal — search it as an agent would, read an
//! article and its history, publish a reviewed one, and see what it suggests for an inquiry.

use super::{ClientArgs, connect, status_error};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
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
        #[arg(long, default_value_t = 5)]
        limit: i32,
    },
    /// One article (its newest version, or `--version`).
    Get {
        article_id: String,
        #[arg(long, default_value_t = 0)]
        version: i64,
    },
    /// Every version of an article, newest first.
    History { article_id: String },
    /// Publishes an article in review (editor, supervisor or manager).
    Publish {
        article_id: String,
        /// Refuse if someone changed the article after this version.
        #[arg(long, default_value_t = 0)]
        expected_version: i64,
    },
    /// The articles and templates that answer an inquiry (read from intake).
    Suggest {
        inquiry_id: String,
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

fn print_hits(json: bool, hits: &[pb::SearchHit]) {
    if json {
        let hits: Vec<_> = hits.iter().map(hit_json).collect();
        println!("{}", serde_json::json!({ "hits": hits }));
        return;
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["article", "title", "snippet"]);
    for h in hits {
        t.add_row(vec![
            h.article_id.clone(),
            h.title.clone(),
            h.snippet.clone(),
        ]);
    }
    println!("{t}");
}

fn print_article(json: bool, a: &pb::Article) {
    if json {
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
            print_hits(args.json, &r.hits);
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
            print_article(args.json, &a);
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
            if args.json {
                let versions: Vec<_> = r.versions.iter().map(article_json).collect();
                println!("{}", serde_json::json!({ "versions": versions }));
            } else {
                let mut t = Table::new();
                t.load_preset(UTF8_FULL_CONDENSED)
                    .set_header(vec!["version", "status", "by", "title"]);
                for a in &r.versions {
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
                println!("{t}");
            }
        }
        KbCmd::Publish {
            article_id,
            expected_version,
        } => {
            let a = kb
                .publish_article(pb::ArticleActionRequest {
                    article_id,
                    expected_version,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            print_article(args.json, &a);
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
            print_hits(args.json, &r.suggestions);
        }
    }
    Ok(())
}
