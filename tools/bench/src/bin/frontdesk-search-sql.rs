//! `frontdesk-search-sql`: prints the SQL intake runs for one ListInquiries search on
//! Postgres, with the values written in (the statement is planned for its values, as the
//! service's is), for the search benchmark's pgbench baseline and for EXPLAIN.
//!
//!   frontdesk-search-sql --property demo-hotel --text 早餐 | psql -c "EXPLAIN ANALYZE $(cat)"

use clap::Parser;
use frontdesk_intake::domain::search::Term;
use frontdesk_intake::store::{ListFilter, Param, list_query};
use frontdesk_platform::db::Backend;

#[derive(Parser, Debug)]
#[command(name = "frontdesk-search-sql")]
struct Args {
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

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
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
    let (mut sql, params) = list_query(Backend::Postgres, &filter);
    // From the last placeholder down, so $1 does not clobber $10.
    for (i, p) in params.0.iter().enumerate().rev() {
        let value = match p {
            Param::Int(v) => v.to_string(),
            Param::Text(v) => literal(v),
        };
        sql = sql.replace(&format!("${}", i + 1), &value);
    }
    println!("{sql};");
    Ok(())
}
