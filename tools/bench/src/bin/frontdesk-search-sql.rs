//! `frontdesk-search-sql`: prints the SQL intake runs for one ListInquiries search on a
//! Postgres database, with the values written in (the service's statements are planned for
//! their values too), for the search benchmark's pgbench baseline and for EXPLAIN. Like the
//! service, it reads the index's gram statistics to plan the search
//! (`frontdesk_intake::domain::search::plan`); when the plan reads the newest rows first
//! and they do not fill the page, both statements are printed, as the service runs both.
//!
//!   frontdesk-search-sql --database-url postgres://…/db --text 早餐 > search.sql

use clap::Parser;
use frontdesk_intake::domain::search::{self, Term};
use frontdesk_intake::store::{GramStats, ListFilter, Param, Params, query};
use frontdesk_platform::db::{Backend, Db};

#[derive(Parser, Debug)]
#[command(name = "frontdesk-search-sql")]
struct Args {
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value = "demo-hotel")]
    property: String,
    /// ListInquiries.text
    #[arg(long)]
    text: Option<String>,
    /// ListInquiries.customer_phone
    #[arg(long)]
    customer_phone: Option<String>,
    /// ListInquiries.page_size (the service fetches one row more, to know if a page follows).
    #[arg(long, default_value_t = 50)]
    page_size: i64,
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The statement with its values written in.
fn inline((mut sql, params): (String, Params)) -> String {
    // From the last placeholder down, so $1 does not clobber $10.
    for (i, p) in params.0.iter().enumerate().rev() {
        let value = match p {
            Param::Int(v) => v.to_string(),
            Param::Text(v) => literal(v),
        };
        sql = sql.replace(&format!("${}", i + 1), &value);
    }
    format!("{sql};")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.database_url, 1).await?;
    let text = match &args.text {
        Some(t) => Some(
            Term::parse(t)
                .ok_or_else(|| anyhow::anyhow!("{t:?}: the service refuses this term"))?,
        ),
        None => None,
    };
    let filter = ListFilter {
        properties: Some(vec![args.property.clone()]),
        text,
        phone_key: args
            .customer_phone
            .as_deref()
            .map(frontdesk_platform::contact::phone_key),
        limit: args.page_size + 1,
        ..Default::default()
    };
    let Some(term) = filter.text.clone() else {
        println!("{}", inline(query(Backend::Postgres, &filter, None)));
        return Ok(());
    };
    // As store::list plans it.
    let stats = GramStats::load(&db).await?;
    let plan = search::plan(&term, filter.limit, |g| stats.freq(g));
    if let Some(window) = plan.newest_first {
        let newest = inline(query(Backend::Postgres, &filter, Some(window)));
        let found = sqlx::query(&format!(
            "SELECT count(*) FROM ({}) page",
            newest.trim_end_matches(';')
        ))
        .fetch_one(db.pool())
        .await?;
        let found: i64 = sqlx::Row::try_get(&found, 0)?;
        println!("{newest}");
        if found >= filter.limit {
            return Ok(());
        }
    }
    let mut narrowed = filter.clone();
    narrowed.text = Some(Term {
        grams: plan.grams,
        folded: term.folded,
    });
    println!("{}", inline(query(Backend::Postgres, &narrowed, None)));
    Ok(())
}
