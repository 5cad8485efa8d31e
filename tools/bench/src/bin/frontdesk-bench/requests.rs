//! What the load generator sends: varied creates (zh/en texts, names, channels) and list
//! queries that page through the results.

use super::*;
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::intake::v1 as pb;

/// Inquiry texts as guests write them: Chinese, English and mixed, short and long.
pub(crate) const TEXTS: &[&str] = &[
    "请问明天早餐几点开始？我们一家四口，有没有儿童餐？",
    "What time does breakfast start tomorrow? Is it included in our rate?",
    "房间空调不制冷，已经调到18度还是很热，麻烦尽快派人来看一下，谢谢。",
    "The Wi-Fi in room 1208 keeps disconnecting. Could someone check it, please?",
    "我想把入住日期从5月3日改到5月5日，订单号 HT20240503-88，可以吗？",
    "Can we get a late checkout until 2pm on Sunday? We have an evening flight.",
    "请问酒店有没有免费停车场？我们大概晚上十点到。",
    "Is the gym open 24 hours, and do I need to book the pool in advance?",
    "我在携程上订的房间，到店后发现是无窗房，跟描述不符，非常失望，要求换房。",
    "I'd like to book a table for six at the Chinese restaurant tonight at 7pm, near the window if possible.",
    "会议室可以容纳多少人？下周三下午需要投影仪和茶歇。",
    "Could you recommend a good local restaurant within walking distance? Something Cantonese.",
    "前台有我的快递吗？寄件人是顺丰，收件人写的是王先生。",
    "My colleague Mr. Zhang is staying with you — can you tell me his room number? 我是他的同事。",
    "房间太吵了，隔壁半夜一直在装修，我们一晚没睡好。这是我住过最差的一次体验。",
    "Do you offer airport pickup from PVG? Our flight lands at 23:40, two adults, three suitcases.",
    "能不能帮忙订两张明天去杭州的高铁票？上午十点左右出发。",
    "Suggestion: it would be great to have more vegetarian options at the breakfast buffet 建议增加素食。",
    "请问婚宴场地还有6月的档期吗？大约二十桌，预算每桌五千左右。",
    "Please hold any mail for room 806 until I return on Friday. 谢谢！",
];

pub(crate) const NAMES: &[&str] = &[
    "王伟",
    "李娜",
    "张敏",
    "刘洋",
    "陈静",
    "Emma Wilson",
    "James Smith",
    "Sophie Martin",
    "杨帆",
    "赵磊",
    "Hiroshi Tanaka",
    "黄丽",
];

pub(crate) const CHANNELS: &[common::Channel] = &[
    common::Channel::FrontDesk,
    common::Channel::Restaurant,
    common::Channel::Facility,
    common::Channel::Website,
    common::Channel::Ota,
    common::Channel::SocialWechat,
    common::Channel::SocialWeibo,
    common::Channel::SocialDouyin,
    common::Channel::Email,
    common::Channel::Hotline,
];

/// What one ListInquiries walk filters on; the first page of each, then its next pages.
#[derive(Clone, Debug)]
pub(crate) enum ListFilter {
    None,
    Status(pb::InquiryStatus),
    Category(common::Category),
    Text(&'static str),
}

pub(crate) const LIST_FILTERS: &[ListFilter] = &[
    ListFilter::None,
    ListFilter::Status(pb::InquiryStatus::New),
    ListFilter::Category(common::Category::Dining),
    ListFilter::Text("早餐"),
    ListFilter::Status(pb::InquiryStatus::Resolved),
    ListFilter::Category(common::Category::Complaint),
    // "wi-fi" alone is refused since search is indexed (two 2-letter words: no gram).
    ListFilter::Text("Wi-Fi in room"),
];

/// Per-worker position in a ListInquiries walk.
#[derive(Default)]
pub(crate) struct ListState {
    pub(crate) filter: usize,
    pub(crate) page: u32,
    pub(crate) token: String,
}

pub(crate) fn create_request(shared: &Shared, i: u64) -> pb::CreateInquiryRequest {
    let n = i as usize;
    let text = TEXTS[n % TEXTS.len()];
    let channel = CHANNELS[(n / TEXTS.len() + n) % CHANNELS.len()];
    let name = NAMES[n % NAMES.len()];
    let phone = format!("+86 138 {:04} {:04}", (i / 10_000) % 10_000, i % 10_000);
    let email = if channel == common::Channel::Email || n.is_multiple_of(3) {
        format!("guest{i}@example.com")
    } else {
        String::new()
    };
    let preferred_reply = match channel {
        common::Channel::Email => pb::ReplyMethod::Email,
        common::Channel::Hotline => pb::ReplyMethod::Phone,
        common::Channel::SocialWechat => pb::ReplyMethod::Wechat,
        _ => pb::ReplyMethod::Unspecified,
    };
    let social_handle = match channel {
        common::Channel::SocialWechat
        | common::Channel::SocialWeibo
        | common::Channel::SocialDouyin => {
            format!("guest_{i}")
        }
        _ => String::new(),
    };
    pb::CreateInquiryRequest {
        property_id: shared.args.property.clone(),
        channel: channel as i32,
        customer: Some(pb::Customer {
            name: name.to_string(),
            phone,
            email,
            social_handle,
            preferred_reply: preferred_reply as i32,
        }),
        text: text.to_string(),
        reservation_ref: if n.is_multiple_of(4) {
            format!("HT{:08}", i)
        } else {
            String::new()
        },
        idempotency_key: format!("bench-{}-{i}", shared.run_id),
        wait_for_routing: None,
    }
}

pub(crate) fn list_request(shared: &Shared, state: &ListState) -> pb::ListInquiriesRequest {
    let mut req = pb::ListInquiriesRequest {
        property_ids: vec![shared.args.property.clone()],
        page_size: shared.args.page_size,
        page_token: state.token.clone(),
        ..Default::default()
    };
    if shared.args.text.is_some() || shared.args.customer_phone.is_some() {
        // One search, as a clerk repeats it: `--text` / `--customer-phone`.
        req.text = shared.args.text.clone().unwrap_or_default();
        req.customer_phone = shared.args.customer_phone.clone().unwrap_or_default();
        return req;
    }
    match &LIST_FILTERS[state.filter % LIST_FILTERS.len()] {
        ListFilter::None => {}
        ListFilter::Status(s) => req.statuses = vec![*s as i32],
        ListFilter::Category(c) => req.categories = vec![*c as i32],
        ListFilter::Text(t) => req.text = (*t).to_string(),
    }
    req
}

/// Moves the walk on: the next page while there is one and `--pages` allows, else the next
/// filter from its first page.
pub(crate) fn advance(state: &mut ListState, next_token: Option<String>, max_pages: u32) {
    match next_token {
        Some(t) if !t.is_empty() && state.page + 1 < max_pages => {
            state.page += 1;
            state.token = t;
        }
        _ => {
            state.filter += 1;
            state.page = 0;
            state.token.clear();
        }
    }
}
