//! Rendering shared by every client module: codes and times as people read them.

pub(crate) fn code_of<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

/// A time in this machine's zone with the offset shown, full date: "2026-11-30 15:35:01 +08:00"
/// ("-" when absent). Tables and JSON alike, so a script never guesses the zone.
pub(crate) fn time_of(ts: Option<&prost_types::Timestamp>) -> String {
    ts.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string()
        })
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_carry_their_offset() {
        let t = prost_types::Timestamp {
            seconds: 1_796_000_000,
            nanos: 0,
        };
        let shown = time_of(Some(&t));
        assert_eq!(shown.len(), "2026-11-30 15:35:01 +08:00".len(), "{shown}");
        assert!(shown.contains(" +") || shown.contains(" -"), "{shown}");
        assert_eq!(time_of(None), "-");
    }
}
