//! What each e-mail says, in Chinese: the plan, the rule with its clause, the due date and
//! what to do. Plain text and HTML carry the same words.

use chrono::NaiveDate;
use openday_rules::Programme;
use openday_rules::calendar::day_text;
use openday_rules::sweep::MailKind;

/// The facts a message is written from.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    pub kind: MailKind,
    /// The organisation the message is addressed to: the greeting names it (an office
    /// told about an agency's plan is greeted as the office).
    pub to_name: &'a str,
    /// The organisation concerned (the implementing agency or the reporter).
    pub org_name: &'a str,
    /// The plan's name, for plan messages.
    pub plan_name: Option<&'a str>,
    /// The deadline the message is about.
    pub due_on: NaiveDate,
    /// Days from today to `due_on`; negative once it has passed.
    pub days_left: i64,
    /// The reviewing office's comment, for a returned plan.
    pub comment: Option<&'a str>,
    /// The staff page where the person acts on the message (absolute URL).
    pub link: Option<&'a str>,
    /// The programme the plan (or the reporter's year) follows: the rule each message cites.
    pub programme: &'a Programme,
}

/// Subject, plain text and HTML.
pub struct Written {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn write(letter: &Letter) -> Written {
    let plan = letter.plan_name.unwrap_or("“政府开放日”");
    let org = letter.org_name;
    let due = day_text(letter.due_on);
    let year = chrono::Datelike::year(&letter.due_on);
    let left = if letter.days_left > 0 {
        format!("距截止还有{}天。", letter.days_left)
    } else if letter.days_left == 0 {
        "今天是截止日。".to_owned()
    } else {
        format!("已逾期{}天。", -letter.days_left)
    };
    let p = letter.programme;
    let notice = p.notice.days_before;
    let notice_clause = &p.notice.clause;
    let minimum = p.participants.minimum;
    let response = p.feedback.response_days;
    let report_due = p.report.due.label();
    let (subject, rule, todo): (String, String, String) = match letter.kind {
        MailKind::NoticeReminder => (
            format!("【提醒】请于{due}前发布{plan}活动公告"),
            format!(
                "工作方案{notice_clause}：实施方案经审核备案后，应提前{notice}天在政府门户网站、政务新媒体等平台发布活动公告。"
            ),
            format!(
                "请于{due}前发布活动公告，写明报名方式、参加人数、开放主题、参加领导、承办单位、时间地点、活动内容、活动形式、联系人员、联系电话和温馨提示。{left}"
            ),
        ),
        MailKind::NoticeViolation => (
            format!("【逾期】{plan}未提前{notice}天发布活动公告"),
            format!("工作方案{notice_clause}：活动公告应提前{notice}天发布。"),
            format!(
                "活动公告最迟应于{due}发布，活动已无法按期举办。请调整活动时间后重新报送实施方案，或取消本次活动。"
            ),
        ),
        MailKind::ParticipantsShort => (
            format!("【提醒】{plan}报名确认人数不足{minimum}人"),
            format!(
                "工作方案{}：参与人员通过线上报名和线下推荐产生，人数不得低于{minimum}人。",
                p.participants.clause
            ),
            format!(
                "活动将于{due}开始，目前确认参加人数不足{minimum}人，请通过线下推荐等方式补足。"
            ),
        ),
        MailKind::FeedbackReminder => (
            format!("【提醒】请于{due}前公开{plan}意见建议采纳情况"),
            format!(
                "工作方案{}：活动结束后要梳理汇总、分类整理线上线下征集到的意见建议，并在{response}天内公开反馈采纳情况。",
                p.feedback.clause
            ),
            format!(
                "请于{due}前逐条公开反馈意见建议的采纳情况（采纳、部分采纳、未采纳须说明理由、解释说明）。{left}"
            ),
        ),
        MailKind::FeedbackOverdue => (
            format!("【逾期】{plan}未在{response}天内公开反馈采纳情况"),
            format!(
                "工作方案{}：意见建议的采纳情况应在活动结束后{response}天内公开反馈。",
                p.feedback.clause
            ),
            format!(
                "公开反馈的截止日为{due}，{left}请尽快公开反馈采纳情况；逾期反馈将记录为逾期。"
            ),
        ),
        MailKind::ReportReminder => (
            format!("【提醒】请于{due}前报送{year}年“政府开放日”开展情况"),
            format!(
                "工作方案{}：报送单位于每年{report_due}前向自治区人民政府政务公开办公室报送“政府开放日”开展情况。",
                p.report.clause
            ),
            format!("请于{due}前报送本年度开展情况和典型经验。{left}"),
        ),
        MailKind::ReportOverdue => (
            format!("【逾期】{org}未按时报送{year}年“政府开放日”开展情况"),
            format!(
                "工作方案{}：开展情况应于每年{report_due}前报送。",
                p.report.clause
            ),
            format!("报送截止日为{due}，{left}请尽快报送；逾期报送将记录为逾期。"),
        ),
        MailKind::PlanSubmitted => (
            format!("【待审核】{org}报送{plan}实施方案"),
            "工作方案二（四）：实施方案报送同级政务公开办公室审核备案后，方可公开发布并组织实施。"
                .to_owned(),
            format!("请审核该实施方案并作出备案或退回修改的决定。活动公告最迟应于{due}发布。"),
        ),
        MailKind::PlanFiled => (
            format!("【已备案】{plan}实施方案已审核备案"),
            format!(
                "工作方案二（四）、{notice_clause}：审核备案后，应提前{notice}天发布活动公告。"
            ),
            format!("请于{due}前发布活动公告。{left}"),
        ),
        MailKind::PlanReturned => (
            format!("【退回修改】{plan}实施方案"),
            "工作方案二（四）：实施方案须经同级政务公开办公室审核备案。".to_owned(),
            format!(
                "审核意见：{}。请修改后重新报送；活动公告最迟应于{due}发布。",
                letter.comment.unwrap_or("请按要求修改")
            ),
        ),
    };
    let greeting = format!("{}：", letter.to_name);
    let (link_text, link_html) = match letter.link {
        Some(url) => (
            format!("办理页面（请登录后操作）：{url}\n\n"),
            format!(
                "<p>办理页面（请登录后操作）：<a href=\"{0}\">{0}</a></p>",
                escape(url)
            ),
        ),
        None => (String::new(), String::new()),
    };
    let text = format!(
        "{greeting}\n\n{todo}\n\n{link_text}依据：{rule}\n\n（本邮件由“政府开放日”平台自动发送）\n"
    );
    let html = format!(
        "<p>{}</p><p>{}</p>{link_html}<p>依据：{}</p><p style=\"color:#666\">（本邮件由“政府开放日”平台自动发送）</p>",
        escape(&greeting),
        escape(&todo),
        escape(&rule)
    );
    Written {
        subject,
        text,
        html,
    }
}

/// The sign-in message: the link (opened, it asks to confirm) and the code to type instead.
/// The sign-in mail. `limit_note` says how many links the mailbox may be sent and, on the
/// last one allowed, until when no more will come.
pub fn sign_in(org_name: &str, link: &str, code: &str, minutes: i64, limit_note: &str) -> Written {
    let subject = "【登录】“政府开放日”平台登录链接".to_owned();
    let text = format!(
        "{org_name}：\n\n请在申请登录的同一浏览器中打开以下链接，并点击“确认登录”：\n{link}\n\n也可以在登录页面输入验证码：{code}\n\n链接和验证码{minutes}分钟内有效，只能使用一次。如果不是您本人申请登录，请忽略本邮件。\n\n{limit_note}\n\n（本邮件由“政府开放日”平台自动发送）\n"
    );
    let html = format!(
        "<p>{}：</p><p>请在申请登录的同一浏览器中打开以下链接，并点击“确认登录”：<br><a href=\"{1}\">{1}</a></p><p>也可以在登录页面输入验证码：<strong>{2}</strong></p><p>链接和验证码{minutes}分钟内有效，只能使用一次。如果不是您本人申请登录，请忽略本邮件。</p><p>{3}</p><p style=\"color:#666\">（本邮件由“政府开放日”平台自动发送）</p>",
        escape(org_name),
        escape(link),
        escape(code),
        escape(limit_note)
    );
    Written {
        subject,
        text,
        html,
    }
}

/// The mail that tells a new member they were invited: by whom, with which roles, and how
/// to sign in (the second factor is enrolled at the first sign-in).
pub struct Invitation<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub org_name: &'a str,
    pub inviter: &'a str,
    pub roles: &'a str,
    /// The sign-in page.
    pub link: &'a str,
}

pub fn invitation(i: &Invitation<'_>) -> Written {
    let subject = format!("【邀请】{}邀请您使用“政府开放日”平台", i.org_name);
    let text = format!(
        "{}：\n\n{}的管理员{}已将您加为平台成员，岗位角色：{}。\n\n请打开 {} ，输入本邮箱 {} 申请登录链接；首次登录时需用手机验证器（支持 TOTP 的“身份验证器”类应用）绑定动态验证码。\n\n（本邮件由“政府开放日”平台自动发送）\n",
        i.name, i.org_name, i.inviter, i.roles, i.link, i.email
    );
    let html = format!(
        "<p>{}：</p><p>{}的管理员{}已将您加为平台成员，岗位角色：{}。</p><p>请打开 <a href=\"{4}\">{4}</a> ，输入本邮箱 {5} 申请登录链接；首次登录时需用手机验证器（支持 TOTP 的“身份验证器”类应用）绑定动态验证码。</p><p style=\"color:#666\">（本邮件由“政府开放日”平台自动发送）</p>",
        escape(i.name),
        escape(i.org_name),
        escape(i.inviter),
        escape(i.roles),
        escape(i.link),
        escape(i.email)
    );
    Written {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openday_rules::WireEnum;

    #[test]
    fn an_invitation_escapes_what_people_typed() {
        let w = invitation(&Invitation {
            name: "<b>李四</b>",
            email: "li@nn.example.org",
            org_name: "南宁市交通运输局",
            inviter: "机关邮箱管理员",
            roles: "经办人",
            link: "http://openday.test/staff/sign-in",
        });
        assert!(w.text.contains("<b>李四</b>") && w.text.contains("经办人"));
        assert!(w.html.contains("&lt;b&gt;李四") && !w.html.contains("<b>李四"));
        assert!(w.subject.contains("南宁市交通运输局"));
    }

    #[test]
    fn every_message_names_the_plan_the_clause_and_the_due_date() {
        let programme = Programme::shipped();
        for &kind in MailKind::ALL {
            let w = write(&Letter {
                programme: &programme,
                kind,
                to_name: "南宁市交通运输局",
                org_name: "南宁市交通运输局",
                plan_name: Some("南宁市交通运输局“政府开放日”"),
                due_on: NaiveDate::from_ymd_opt(2026, 9, 5).unwrap(),
                days_left: 5,
                comment: Some("请补充安全措施"),
                link: Some("https://openday.example.gov.cn/staff/plans/p1"),
            });
            assert!(
                w.text
                    .contains("https://openday.example.gov.cn/staff/plans/p1")
                    && w.html
                        .contains("href=\"https://openday.example.gov.cn/staff/plans/p1\""),
                "{kind}: the link to the page where it is done"
            );
            assert!(w.text.contains("工作方案"), "{kind}: {}", w.text);
            assert!(
                w.text.contains("2026年9月5日") || w.subject.contains("2026年"),
                "{kind}: {}",
                w.text
            );
            assert!(
                w.subject.contains("政府开放日") || w.subject.contains("南宁市交通运输局"),
                "{kind}"
            );
            assert!(w.html.contains("依据"), "{kind}");
        }
    }

    #[test]
    fn each_message_greets_its_recipient() {
        let programme = Programme::shipped();
        let w = write(&Letter {
            programme: &programme,
            kind: MailKind::PlanSubmitted,
            to_name: "南宁市人民政府政务公开办公室",
            org_name: "南宁市交通运输局",
            plan_name: Some("南宁市交通运输局“政府开放日”"),
            due_on: NaiveDate::from_ymd_opt(2026, 9, 5).unwrap(),
            days_left: 5,
            comment: None,
            link: None,
        });
        assert!(
            w.text.starts_with("南宁市人民政府政务公开办公室：\n"),
            "{}",
            w.text
        );
        assert!(w.html.starts_with("<p>南宁市人民政府政务公开办公室：</p>"));
        assert!(w.subject.contains("南宁市交通运输局报送"), "{}", w.subject);
    }

    #[test]
    fn names_are_escaped_in_html() {
        let programme = Programme::shipped();
        let w = write(&Letter {
            programme: &programme,
            kind: MailKind::NoticeReminder,
            to_name: "<script>",
            org_name: "<script>",
            plan_name: Some("a&b"),
            due_on: NaiveDate::from_ymd_opt(2026, 9, 5).unwrap(),
            days_left: 0,
            comment: None,
            link: Some("https://x/?a=1&b=\"2\""),
        });
        assert!(w.html.contains("a=1&amp;b=&quot;2&quot;"));
        assert!(!w.html.contains("<script>"));
        assert!(w.text.contains("今天是截止日"));
    }

    #[test]
    fn each_message_cites_the_numbers_of_its_programme() {
        let example = Programme::example();
        let letter = |kind| {
            write(&Letter {
                programme: &example,
                kind,
                to_name: "南宁市交通运输局",
                org_name: "南宁市交通运输局",
                plan_name: Some("南宁市交通运输局“政府开放日”"),
                due_on: NaiveDate::from_ymd_opt(2026, 9, 5).unwrap(),
                days_left: 1,
                comment: None,
                link: None,
            })
        };
        let notice = letter(MailKind::NoticeViolation);
        assert!(notice.subject.contains("未提前10天"), "{}", notice.subject);
        assert!(notice.text.contains("工作方案二（四）"), "{}", notice.text);
        assert!(
            letter(MailKind::ParticipantsShort)
                .text
                .contains("不得低于30人")
        );
        assert!(
            letter(MailKind::FeedbackOverdue)
                .subject
                .contains("未在10天内")
        );
        assert!(
            letter(MailKind::ReportReminder)
                .text
                .contains("每年11月10日前")
        );
    }

    #[test]
    fn the_sign_in_message_carries_the_link_and_the_code() {
        let w = sign_in(
            "南宁市交通运输局",
            "http://127.0.0.1/staff/sign-in/confirm?n=abc",
            "123456",
            15,
            "2026年9月1日 10:15前不再发送新的登录邮件",
        );
        assert!(
            w.text
                .contains("http://127.0.0.1/staff/sign-in/confirm?n=abc")
        );
        assert!(w.text.contains("123456") && w.html.contains("123456"));
        assert!(w.text.contains("15分钟"));
        assert!(w.text.contains("10:15前不再发送") && w.html.contains("10:15前不再发送"));
    }
}
