//! Cut a message down to the guest's own words before any term is matched.
//!
//! Real inquiries arrive wrapped: OTA extranets put "Booking number: …", "Guest name: …" and
//! the OTA's brand around the guest's sentence; e-mails add a greeting, a signature, a legal
//! disclaimer and the quoted thread. Those words are not the question, but "booking",
//! "reservation" and "confirmed" in them used to outvote it. This pass is line based and
//! conservative: it removes only lines (or trailing fields) that match a known shape, and
//! it never returns an empty text for a non-empty message.

/// What cleaning found.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Cleaned {
    /// The guest's own words, lines joined with `\n`.
    pub text: String,
    /// A booking number found in an OTA template field ("Booking number: 3920184756",
    /// "订单号：1209384756", "Itinerary #: …"), kept as the reservation reference.
    pub reservation_ref: Option<String>,
    /// An OTA template or an e-mail wrapper was recognised and removed.
    pub stripped: bool,
}

/// Lines that mark the OTA template itself (header lines, dropped whole).
const OTA_HEADERS: &[&str] = &[
    "booking.com",
    "expedia",
    "expedia group",
    "trip.com",
    "agoda",
    "hotels.com",
    "airbnb",
    "ctrip",
    "message from traveler",
    "message from traveller",
    "message from guest",
    "guest message",
];

/// `Label: value` fields of OTA templates that carry no question. The value is dropped;
/// for the reference labels it is kept as the reservation ref.
const OTA_REF_LABELS: &[&str] = &[
    "booking number",
    "booking no",
    "booking id",
    "booking ref",
    "booking reference",
    "reservation number",
    "reservation id",
    "reservation no",
    "confirmation number",
    "confirmation no",
    "itinerary",
    "itinerary #",
    "itinerary number",
    "order number",
    "order no",
    "订单号",
    "订单编号",
    "预订号",
    "确认号",
];
const OTA_OTHER_LABELS: &[&str] = &[
    "guest name",
    "guest",
    "name",
    "check-in",
    "check in",
    "check-out",
    "check out",
    "stay",
    "dates",
    "room type",
    "property",
    "hotel",
    "channel",
    "入住日期",
    "离店日期",
    "入住人",
    "客人姓名",
    "房型",
];
/// Labels that introduce the guest's own words: the label goes, the value stays.
const MESSAGE_LABELS: &[&str] = &[
    "guest message",
    "message",
    "guest comment",
    "comment",
    "客人留言",
    "用户留言",
    "用户咨询",
    "用户评价",
    "客人点评回复",
    "客人点评",
    "留言",
];

/// E-mail sign-offs: from such a line on, what follows is a signature.
const SIGN_OFFS: &[&str] = &[
    "best regards",
    "kind regards",
    "warm regards",
    "regards",
    "best wishes",
    "best",
    "cheers",
    "thanks",
    "thank you",
    "many thanks",
    "thanks in advance",
    "with thanks",
    "sincerely",
    "yours sincerely",
    "yours faithfully",
    "love",
    "tks",
    "thx",
    "br",
    "此致",
    "此致敬礼",
    "祝好",
    "谢谢",
];

/// Greeting lines that only address the hotel.
const GREETINGS: &[&str] = &[
    "dear",
    "hi",
    "hello",
    "hey",
    "good morning",
    "good afternoon",
    "good evening",
    "to whom it may concern",
    "greetings",
    "您好",
    "你好",
    "尊敬的",
];

/// Lines that end the guest's text: what follows is quoted or boilerplate.
fn starts_quote_or_footer(lower: &str) -> bool {
    lower.starts_with('>')
        || lower.starts_with("-----original message")
        || lower.starts_with("from:") && lower.contains('@')
        || lower.starts_with("on ") && lower.ends_with("wrote:")
        || lower.starts_with("sent from my")
        || lower.starts_with("sent from outlook")
        || lower.starts_with("get outlook for")
        || lower.starts_with("this e-mail and any attachments")
        || lower.starts_with("this email and any attachments")
        || lower.starts_with("confidentiality notice")
        || lower == "--"
        || lower == "-- "
        || (lower.starts_with('在') && lower.ends_with("写道："))
}

/// Strip OTA templates, greetings, signatures and quotes. `raw` is the inquiry as
/// received; the result keeps its case (normalisation happens later).
pub(crate) fn guest_words(raw: &str) -> Cleaned {
    let mut reservation_ref = None;
    let mut stripped = false;
    let ota = looks_like_ota(raw);
    let mut lines: Vec<String> = Vec::new();
    for line in raw.lines() {
        let trimmed = line.trim();
        let lower = trimmed.to_lowercase();
        if starts_quote_or_footer(&lower) {
            stripped = true;
            if lower.starts_with('>') {
                continue;
            }
            break;
        }
        if trimmed.is_empty() {
            continue;
        }
        if ota {
            let (text, found_ref, changed) = strip_ota_line(trimmed);
            stripped |= changed;
            if reservation_ref.is_none() {
                reservation_ref = found_ref;
            }
            if !text.is_empty() {
                lines.push(text);
            }
        } else {
            lines.push(trimmed.to_string());
        }
    }
    if lines.len() > 1 {
        stripped |= strip_email_wrapper(&mut lines);
    }
    let text = lines.join("\n");
    if text.trim().is_empty() {
        // Nothing recognisable was left: classify what was sent rather than nothing.
        return Cleaned {
            text: raw.trim().to_string(),
            reservation_ref,
            stripped: false,
        };
    }
    Cleaned {
        text,
        reservation_ref,
        stripped,
    }
}

/// An OTA-templated message: an OTA header line, a Chinese OTA bracket prefix, or a
/// "Guest message:"/"客人留言：" label together with a booking-number field.
fn looks_like_ota(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    let header = raw.lines().any(|l| {
        let l = l.trim().to_lowercase();
        OTA_HEADERS.iter().any(|h| {
            l == *h || (l.starts_with(h) && l[h.len()..].starts_with([' ', '|', '-', ':', '—']))
        })
    });
    let bracket = raw.trim_start().starts_with('【');
    let labelled = MESSAGE_LABELS
        .iter()
        .any(|m| lower.contains(&format!("{m}:")) || lower.contains(&format!("{m}：")));
    let has_ref = OTA_REF_LABELS.iter().any(|r| lower.contains(r));
    header || bracket || (labelled && has_ref)
}

/// One line of an OTA message: header lines and field lines go (a booking number is
/// kept), a message label goes but its value stays, trailing inline fields ("… 订单号：123
/// 入住日期：…") are cut off.
fn strip_ota_line(line: &str) -> (String, Option<String>, bool) {
    let lower = line.to_lowercase();
    if OTA_HEADERS.iter().any(|h| {
        lower == *h
            || (lower.starts_with(h)
                && lower[h.len()..]
                    .trim_start_matches([' ', '|', '-', '—'])
                    .split_whitespace()
                    .all(|w| {
                        matches!(
                            w.trim_matches(|c: char| !c.is_alphanumeric()),
                            "" | "group"
                                | "message"
                                | "messages"
                                | "from"
                                | "traveler"
                                | "traveller"
                                | "guest"
                        )
                    }))
    }) {
        return (String::new(), None, true);
    }
    let mut text = line.to_string();
    let mut changed = false;
    // A leading 【携程】/【美团酒店】 brand tag.
    if let Some(rest) = text.strip_prefix('【')
        && let Some(end) = rest.find('】')
    {
        text = rest[end + '】'.len_utf8()..].trim().to_string();
        changed = true;
    }
    // Whole-line fields.
    if let Some((label, value)) = split_label(&text) {
        let l = label.to_lowercase();
        if OTA_REF_LABELS.contains(&l.as_str()) {
            return (String::new(), booking_number(value), true);
        }
        if OTA_OTHER_LABELS.contains(&l.as_str()) {
            return (String::new(), None, true);
        }
        if MESSAGE_LABELS.contains(&l.as_str()) {
            text = value.trim().to_string();
            changed = true;
        }
    }
    // Inline reference fields after the guest's words: "… 订单号：1209384756 入住日期：…".
    let mut found = None;
    let lower = text.to_lowercase();
    if let Some((at, label)) = OTA_REF_LABELS
        .iter()
        .filter_map(|l| lower.find(l).map(|at| (at, *l)))
        .filter(|(at, _)| *at > 0)
        .min_by_key(|(at, _)| *at)
    {
        // `lower` and `text` have the same byte offsets only for ASCII-lowercase-stable
        // text; check the label is really there in `text` before cutting.
        let tail_lower = &lower[at + label.len()..];
        if text.is_char_boundary(at) && text.len() == lower.len() {
            found = booking_number(tail_lower);
            if found.is_some() {
                text = text[..at].trim_end().to_string();
                changed = true;
            }
        }
    }
    (text, found, changed)
}

/// `"Booking number: 123"` → ("Booking number", " 123"); labels are short and contain
/// no sentence punctuation.
fn split_label(line: &str) -> Option<(&str, &str)> {
    let at = line.find([':', '：'])?;
    // "Booking No.:" ends in an abbreviation dot; any other dot means a sentence.
    let label = line[..at].trim().trim_end_matches('.');
    if label.is_empty() || label.chars().count() > 24 || label.contains(['?', '？', '.', '。']) {
        return None;
    }
    let sep = line[at..].chars().next()?.len_utf8();
    Some((label, &line[at + sep..]))
}

/// The first run of at least 4 digits/letters-with-digits after a label.
fn booking_number(value: &str) -> Option<String> {
    let v = value.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '：' | '#'));
    let token: String = v
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (token.chars().filter(char::is_ascii_digit).count() >= 4).then_some(token)
}

/// Greeting first line and signature tail of an e-mail, when there is text in between.
fn strip_email_wrapper(lines: &mut Vec<String>) -> bool {
    let mut changed = false;
    // Signature: the last sign-off line that is not the first line; everything from it on.
    if let Some(at) = (1..lines.len()).rev().find(|&i| is_sign_off(&lines[i])) {
        lines.truncate(at);
        changed = true;
    }
    if lines.len() > 1 && is_greeting(&lines[0]) {
        lines.remove(0);
        changed = true;
    }
    changed
}

fn words_only(line: &str) -> String {
    line.to_lowercase()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

fn is_sign_off(line: &str) -> bool {
    let w = words_only(line);
    SIGN_OFFS.iter().any(|s| {
        w == *s
            || w.strip_prefix(s).is_some_and(|rest| {
                // "Best, Alison" / "Cheers, Mike" / "Thanks\nRob" / "Many thanks,"
                let rest = rest.trim_start();
                rest.starts_with(',') && rest.split_whitespace().count() <= 4
            })
    })
}

fn is_greeting(line: &str) -> bool {
    let w = words_only(line);
    let short = w.split_whitespace().count() <= 6 && w.chars().count() <= 40;
    let ends_like_address = line.trim_end().ends_with([',', '，', ':', '：', '!', '！']);
    short
        && (ends_like_address || w.split_whitespace().count() <= 3)
        && GREETINGS.iter().any(|g| {
            w == *g || w.starts_with(&format!("{g} ")) || (!g.is_ascii() && w.starts_with(g))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booking_com_template_keeps_the_question_and_the_number() {
        let c = guest_words(
            "Booking.com\nGuest message: What time can we check in?\nBooking number: 4102938475\nGuest name: Luca Romano",
        );
        assert_eq!(c.text, "What time can we check in?");
        assert_eq!(c.reservation_ref.as_deref(), Some("4102938475"));
        assert!(c.stripped);
    }

    #[test]
    fn expedia_and_trip_com_templates() {
        let c = guest_words(
            "Expedia Group | Message from traveler\nItinerary #: 7829104738\nMessage: Is the swimming pool heated?",
        );
        assert_eq!(c.text, "Is the swimming pool heated?");
        assert_eq!(c.reservation_ref.as_deref(), Some("7829104738"));
        let c = guest_words(
            "Trip.com Guest Message\nBooking No.: 1293847561\nGuest: ZHANG Min\nMessage: can i pay by alipay\nStay: 12/10-12/12",
        );
        assert_eq!(c.text, "can i pay by alipay");
        assert_eq!(c.reservation_ref.as_deref(), Some("1293847561"));
    }

    #[test]
    fn chinese_ota_prefix_and_inline_order_number() {
        let c = guest_words(
            "【携程】客人留言：附近有地铁站吗？订单号：1192837465 入住日期：2025-10-02",
        );
        assert_eq!(c.text, "附近有地铁站吗？");
        assert_eq!(c.reservation_ref.as_deref(), Some("1192837465"));
        let c = guest_words("【美团酒店】用户咨询：早餐是几点到几点？订单号 39201847");
        assert_eq!(c.text, "早餐是几点到几点？");
        assert_eq!(c.reservation_ref.as_deref(), Some("39201847"));
    }

    #[test]
    fn a_guest_quoting_their_own_order_number_is_not_a_template() {
        let c = guest_words("订单号 8823471，想把入住日期改到下周五，可以吗");
        assert_eq!(c.text, "订单号 8823471，想把入住日期改到下周五，可以吗");
        assert!(!c.stripped);
        assert_eq!(c.reservation_ref, None);
    }

    #[test]
    fn email_greeting_signature_and_quote() {
        let c = guest_words(
            "Hi there,\n\nCan the restaurant do a birthday cake on Tuesday?\n\nThank you!\nGrace\n\n> On Mon, Reservations wrote:\n> your booking is confirmed.",
        );
        assert_eq!(c.text, "Can the restaurant do a birthday cake on Tuesday?");
        let c = guest_words(
            "Dear reception,\n\nIs the spa open late?\n\nKind regards,\nSusan Clarke\nOffice Manager | Lumen\nTel +86 21 5555",
        );
        assert_eq!(c.text, "Is the spa open late?");
        let c = guest_words("Is the gym open?\n\nSent from my iPhone");
        assert_eq!(c.text, "Is the gym open?");
    }

    #[test]
    fn short_messages_are_left_alone() {
        for s in [
            "thanks",
            "Hi",
            "ok thx thats all",
            "你好",
            "Hello? anyone there",
            "退房",
        ] {
            assert_eq!(guest_words(s).text, s, "{s}");
        }
        // A one-line message that is only a sign-off stays (it is the message).
        assert_eq!(guest_words("Thank you!\nAnna").text, "Thank you!\nAnna");
    }
}
