//! List paging shared by every service: `page_size` with a default and a ceiling, and opaque
//! keyset tokens (the last row's sort key), so pages stay stable while rows are added.

use crate::error::Violations;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 500;

/// 0 → the default; above the ceiling → the ceiling (AIP-158); negative → a violation.
pub fn page_size(requested: i32, v: &mut Violations) -> i64 {
    match requested {
        0 => DEFAULT_PAGE,
        n if n < 0 => {
            v.add("page_size", "must not be negative");
            DEFAULT_PAGE
        }
        n => i64::from(n).min(MAX_PAGE),
    }
}

/// Encodes a sort key (e.g. "1700000000/0190-abc") as an opaque token.
pub fn encode_token(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// The sort key inside a token; `None` (→ INVALID_ARGUMENT page_token) for anything else.
pub fn decode_token(token: &str) -> Option<String> {
    String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()
}

/// Reads `page_token`, recording a violation when it is not one of ours.
pub fn read_token(token: &str, v: &mut Violations) -> Option<String> {
    if token.is_empty() {
        return None;
    }
    let key = decode_token(token);
    if key.is_none() {
        v.add("page_token", "not a token returned by this list call");
    }
    key
}

/// Reads a `page_token` holding a [`position_key`], recording one violation when it is not
/// one of ours (not decodable, or not a position).
pub fn read_position(token: &str, v: &mut Violations) -> Option<(i64, String)> {
    if token.is_empty() {
        return None;
    }
    let position = decode_token(token).as_deref().and_then(parse_position);
    if position.is_none() {
        v.add("page_token", "not a token returned by this list call");
    }
    position
}

/// One page of `rows` (fetched with `size + 1`) and the token for the next, empty on the last.
pub fn page<T>(mut rows: Vec<T>, size: i64, key: impl Fn(&T) -> String) -> (Vec<T>, String) {
    if rows.len() as i64 <= size {
        return (rows, String::new());
    }
    rows.truncate(size as usize);
    let token = rows
        .last()
        .map(|r| encode_token(&key(r)))
        .unwrap_or_default();
    (rows, token)
}

/// Most bytes one page of a list answers with: well under the 4 MB a default gRPC client
/// accepts, whatever the page size and however long the texts.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;

/// As [`page`], converting each row with `to_pb` and stopping early when the page would
/// exceed [`MAX_PAGE_BYTES`] (always at least one row): a page may hold fewer rows than
/// asked for, and the token continues after the last row sent.
pub fn page_within<T, P: prost::Message>(
    rows: Vec<T>,
    size: i64,
    key: impl Fn(&T) -> String,
    to_pb: impl Fn(&T) -> P,
) -> (Vec<P>, String) {
    let more = rows.len() as i64 > size;
    let mut out = Vec::new();
    let mut bytes = 0usize;
    let mut last_key: Option<String> = None;
    for row in rows.iter().take(usize::try_from(size).unwrap_or(0)) {
        let item = to_pb(row);
        // Each element costs its length plus a tag and a length prefix.
        let len = item.encoded_len() + 1 + prost::length_delimiter_len(item.encoded_len());
        if !out.is_empty() && bytes + len > MAX_PAGE_BYTES {
            return (out, last_key.map(|k| encode_token(&k)).unwrap_or_default());
        }
        bytes += len;
        out.push(item);
        last_key = Some(key(row));
    }
    let token = if more {
        last_key.map(|k| encode_token(&k)).unwrap_or_default()
    } else {
        String::new()
    };
    (out, token)
}

/// The sort key of lists ordered by (time, id): `"<micros>/<id>"`.
pub fn position_key(at: i64, id: &str) -> String {
    format!("{at}/{id}")
}

/// Reads a [`position_key`] back; `None` for anything else.
pub fn parse_position(key: &str) -> Option<(i64, String)> {
    let (at, id) = key.split_once('/')?;
    Some((at.parse().ok()?, id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_stop_at_their_size_and_positions_round_trip() {
        let (rows, token) = page(vec![1, 2, 3], 2, |r| position_key(*r, "x"));
        assert_eq!(rows, [1, 2]);
        assert_eq!(
            decode_token(&token).as_deref().and_then(parse_position),
            Some((2, "x".into()))
        );
        assert_eq!(page(vec![1, 2], 2, |r| r.to_string()).1, "");
        assert_eq!(parse_position("no-slash"), None);
        let mut v = Violations::new();
        assert_eq!(read_position("", &mut v), None);
        assert_eq!(
            read_position("MTcwMDAwMDAwMDEyMzQ1Ni8wMTkwLWFiYw", &mut v),
            Some((1_700_000_000_123_456, "0190-abc".into()))
        );
        assert!(v.is_empty());
        read_position(&encode_token("no-slash"), &mut v);
        read_position("%%", &mut v);
        assert_eq!(v.fields().collect::<Vec<_>>(), ["page_token", "page_token"]);
    }

    #[test]
    fn pages_stop_before_a_megabyte_and_continue_after_the_last_row_sent() {
        // 500 rows of 10 KB each would be 5 MB: the page holds 102 rows, then a token.
        let rows: Vec<i64> = (1..=501).collect();
        let text = |_: &i64| "房".repeat(3_400); // 10,200 bytes of UTF-8
        let (items, token) = page_within(rows, 500, |r| position_key(*r, "x"), text);
        assert_eq!(items.len(), 102);
        assert_eq!(
            decode_token(&token).as_deref().and_then(parse_position),
            Some((102, "x".into()))
        );
        // Small rows: the count is the limit, and the last page has no token.
        let (items, token) = page_within(vec![1, 2], 5, |r: &i64| r.to_string(), |r| r.to_string());
        assert_eq!((items.len(), token.as_str()), (2, ""));
        // One row bigger than the limit still goes out alone, so a list always progresses.
        let (items, token) = page_within(
            vec![1, 2],
            5,
            |r: &i64| r.to_string(),
            |_| "x".repeat(2 << 20),
        );
        assert_eq!(items.len(), 1);
        assert_eq!(decode_token(&token), Some("1".into()));
    }

    #[test]
    fn tokens_round_trip_and_sizes_are_clamped() {
        assert_eq!(
            decode_token(&encode_token("前厅/12")),
            Some("前厅/12".into())
        );
        assert_eq!(decode_token("%%"), None);
        let mut v = Violations::new();
        assert_eq!(page_size(0, &mut v), DEFAULT_PAGE);
        assert_eq!(page_size(10_000, &mut v), MAX_PAGE);
        assert!(v.is_empty());
        page_size(-1, &mut v);
        assert_eq!(v.fields().collect::<Vec<_>>(), ["page_size"]);
    }
}
