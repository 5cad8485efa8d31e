//! Times are stored as unix microseconds (one integer type on Postgres and SQLite alike).

use prost_types::Timestamp;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub fn to_timestamp(micros: i64) -> Timestamp {
    Timestamp {
        seconds: micros.div_euclid(1_000_000),
        // rem_euclid keeps this in 0..1_000_000, so the product fits an i32.
        nanos: (micros.rem_euclid(1_000_000) * 1_000) as i32,
    }
}

pub fn opt_timestamp(micros: Option<i64>) -> Option<Timestamp> {
    micros.map(to_timestamp)
}

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range `google.protobuf.Timestamp`
/// allows (RFC 3339 has four-digit years); anything outside is a caller's mistake.
pub const MIN_SECONDS: i64 = -62_135_596_800;
pub const MAX_SECONDS: i64 = 253_402_300_799;

/// `None` for a timestamp out of range or with invalid nanos (so callers can name the field).
pub fn from_timestamp(ts: &Timestamp) -> Option<i64> {
    if !(0..1_000_000_000).contains(&ts.nanos) || !(MIN_SECONDS..=MAX_SECONDS).contains(&ts.seconds)
    {
        return None;
    }
    ts.seconds
        .checked_mul(1_000_000)?
        .checked_add(i64::from(ts.nanos / 1_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_including_before_epoch() {
        for m in [0, 1, 1_700_000_000_123_456, -1, -1_500_000] {
            assert_eq!(from_timestamp(&to_timestamp(m)), Some(m));
        }
    }

    #[test]
    fn invalid_timestamps_are_rejected_not_wrapped() {
        assert_eq!(
            from_timestamp(&Timestamp {
                seconds: i64::MAX,
                nanos: 0
            }),
            None
        );
        assert_eq!(
            from_timestamp(&Timestamp {
                seconds: 1,
                nanos: -5
            }),
            None
        );
        // 10000-01-01T00:00:00Z is one second past the last valid instant.
        let year_10000 = Timestamp {
            seconds: 253_402_300_800,
            nanos: 0,
        };
        assert_eq!(from_timestamp(&year_10000), None);
        let last = Timestamp {
            seconds: 253_402_300_799,
            nanos: 999_999_999,
        };
        assert_eq!(from_timestamp(&last), Some(253_402_300_799_999_999));
    }
}
