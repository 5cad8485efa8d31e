//! Knowledge's metrics.

pub const INDEX_DOCUMENTS: &str = "frontdesk_knowledge_index_documents";
pub const INDEX_LAG: &str = "frontdesk_knowledge_index_changes_applied_total";

pub fn describe() {
    metrics::describe_gauge!(
        INDEX_DOCUMENTS,
        "Searchable articles in this replica's index"
    );
    metrics::describe_counter!(
        INDEX_LAG,
        "Article changes this replica's index applied from the change sequence"
    );
}
