//! The OpenAPI document. Paths come from the routers' own route tables (a route cannot be
//! served without being documented; the drift test checks the reverse); request and
//! response schemas are derived (utoipa) from the very types the handlers read and answer
//! with, so a field cannot change in one place only.

use std::collections::BTreeMap;

use axum::http::Method;
use openday_rules::feedback::FeedbackDraft;
use openday_rules::lifecycle::PlanStatus;
use openday_rules::plan::PlanDraft;
use openday_rules::report::ReportDraft;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr,
    Required, ResponseBuilder, ResponsesBuilder,
};
use utoipa::{PartialSchema, ToSchema};

use crate::app::Store;
use crate::payload::PhoneProof;
use crate::views::*;
use openday_app::commands::{
    AnnouncementBody, AnswersBody, CancelBody, EvaluationBody, LookupBody, RespondBody, ReviewBody,
    Revision, SearchBody,
};
use openday_app::questionnaires as Q;
use openday_app::supervision as Sv;

/// The named schemas the document refers to, gathered as operations name their types.
#[derive(Default)]
struct Schemas(BTreeMap<String, RefOr<Schema>>);

impl Schemas {
    /// A reference to `T`'s schema, registering it and every schema it refers to.
    fn of<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let mut found = vec![(T::name().into_owned(), T::schema())];
        T::schemas(&mut found);
        for (name, schema) in found {
            self.0.entry(name).or_insert(schema);
        }
        Ref::from_schema_name(T::name()).into()
    }

    /// A public write's body: `T`'s fields and the phone with its text-message code.
    fn proved<T: ToSchema>(&mut self) -> RefOr<Schema> {
        Schema::from(
            AllOfBuilder::new()
                .item(self.of::<T>())
                .item(self.of::<PhoneProof>()),
        )
        .into()
    }
}

/// One operation: what it does, whether it needs a bearer token, its query parameters,
/// its body, and its success.
struct Op {
    summary: &'static str,
    auth: bool,
    query: Vec<Parameter>,
    body: Option<RefOr<Schema>>,
    success: (&'static str, &'static str, RefOr<Schema>),
    /// The media types of the success (JSON, or a spreadsheet's).
    media: Vec<&'static str>,
}

impl Op {
    fn new(summary: &'static str, auth: bool, ok: RefOr<Schema>) -> Self {
        Self {
            summary,
            auth,
            query: Vec::new(),
            body: None,
            success: ("200", "成功", ok),
            media: vec!["application/json"],
        }
    }

    /// A spreadsheet download: `.xlsx` (the default) or CSV, by `?format=`.
    fn spreadsheet(summary: &'static str) -> Self {
        let binary = ObjectBuilder::new().schema_type(Type::String).format(Some(
            utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Binary),
        ));
        let mut op = Self::new(summary, true, binary.into()).query(
            ParameterBuilder::new()
                .name("format")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(["xlsx", "csv"])),
                ))
                .build(),
        );
        op.media = vec![
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "text/csv",
        ];
        op
    }
    fn body(mut self, schema: RefOr<Schema>) -> Self {
        self.body = Some(schema);
        self
    }
    fn created(mut self) -> Self {
        self.success.0 = "201";
        self.success.1 = "已创建";
        self
    }
    fn query(mut self, parameter: Parameter) -> Self {
        self.query.push(parameter);
        self
    }
}

/// The filters of the audit trail: days, person, plan, action, organisation.
fn audit_filters(mut op: Op) -> Op {
    for (name, what) in [
        ("from", "开始日期 YYYY-MM-DD（默认结束日期前6天）"),
        ("to", "结束日期 YYYY-MM-DD（默认今天）"),
        ("person", "人员工作邮箱"),
        ("plan", "实施方案编号"),
        ("action", "操作（前缀，如 plan、registrants、sign_in）"),
        ("org", "机关编号（政务公开办公室）"),
    ] {
        op = op.query(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(what))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        );
    }
    op
}

fn year_parameter() -> Parameter {
    ParameterBuilder::new()
        .name("year")
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some("年度（默认今年）"))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(2000))
                .maximum(Some(2100)),
        ))
        .build()
}

/// The continuation of a paged list: the `next` of the previous page.
fn cursor_parameter() -> Parameter {
    ParameterBuilder::new()
        .name("cursor")
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some("上一页返回的 next（不填：第一页）"))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// The continuation of a paged list and the size of its page.
fn page_parameters(op: Op) -> Op {
    op.query(cursor_parameter()).query(
        ParameterBuilder::new()
            .name("limit")
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some("每页条数（默认100）"))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .maximum(Some(openday_store::paging::MAX_PAGE)),
            ))
            .build(),
    )
}

/// What each (method, path) of the route tables is.
fn describe(method: &Method, path: &str, s: &mut Schemas) -> Op {
    match (method.as_str(), path) {
        ("POST", "/api/plans") => Op::new("报送实施方案", true, s.of::<PlanSummary>())
            .body(s.of::<PlanDraft>())
            .created(),
        ("GET", "/api/plans") => page_parameters(Op::new(
            "实施方案列表（本机关，或本辖区及下级）",
            true,
            s.of::<PlanList>(),
        )
        .query(year_parameter())
        .query(
            ParameterBuilder::new()
                .name("status")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                // Empty is "every status" (the staff pages' filter sends it).
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(
                            <PlanStatus as openday_rules::WireEnum>::ALL
                                .iter()
                                .map(|s| s.wire())
                                .chain([""]),
                        )),
                ))
                .build(),
        )),
        ("PUT", "/api/plans/{id}") => {
            Op::new("修改已报送或已退回的实施方案", true, s.of::<PlanSummary>())
                .body(s.of::<Revision>())
        }
        ("GET", "/api/plans/{id}") => {
            Op::new("实施方案详情、状态、历史与问题", true, s.of::<PlanDetail>())
        }
        ("POST", "/api/plans/{id}/review") => Op::new(
            "同级政务公开办公室审核备案或退回",
            true,
            s.of::<PlanSummary>(),
        )
        .body(s.of::<ReviewBody>()),
        ("POST", "/api/plans/{id}/announcement") => {
            Op::new("发布活动公告", true, s.of::<PlanSummary>())
                .body(s.of::<AnnouncementBody>())
                .created()
        }
        ("POST", "/api/plans/{id}/cancel") => {
            Op::new("取消活动", true, s.of::<PlanSummary>()).body(s.of::<CancelBody>())
        }
        ("POST", "/api/plans/{id}/recommendations") => {
            Op::new(
                "录入线下推荐人员（id_consent：实施机关确认本人已书面同意处理身份证号码）",
                true,
                s.of::<RegistrationReceipt>(),
            )
            .body(s.of::<openday_app::registrations::OnlineRegistration>())
                .created()
        }
        ("GET", "/api/plans/{id}/feedback") => page_parameters(Op::new(
            "意见建议列表（按时间分页）",
            true,
            s.of::<FeedbackList>(),
        )),
        ("POST", "/api/plans/{id}/feedback-answers") => Op::new(
            "保存答复草稿（逐条、成组或全部未答复）",
            true,
            s.of::<AnswersSaved>(),
        )
        .body(s.of::<AnswersBody>()),
        ("POST", "/api/plans/{id}/opinions") => Op::new(
            "录入现场意见（座谈问答、线下），逐条或每行一条",
            true,
            s.of::<openday_app::views::RoomOpinionsSaved>(),
        )
        .body(s.of::<openday_rules::opinions::RoomOpinionsDraft>())
        .created(),
        ("GET", "/api/plans/{id}/feedback-answers") => {
            Op::new("答复草稿与未答复数量", true, s.of::<AnswersDraft>())
        }
        ("POST", "/api/plans/{id}/feedback-response") => {
            Op::new("公开反馈采纳情况", true, s.of::<ResponsePublished>())
                .body(s.of::<RespondBody>())
                .created()
        }
        ("GET", "/api/announcements") => {
            Op::new("活动公告列表", false, s.of::<AnnouncementList>()).query(year_parameter())
        }
        ("GET", "/api/announcements/{plan_id}") => Op::new(
            "活动公告详情与剩余名额",
            false,
            s.of::<AnnouncementDetail>(),
        ),
        ("POST", "/api/announcements/{plan_id}/registrations") => Op::new(
            "在线报名（同一人同一手机号重复提交时返回200与已有报名）",
            false,
            s.of::<RegistrationReceipt>(),
        )
        .body(s.proved::<openday_app::registrations::OnlineRegistration>())
        .created(),
        ("POST", "/api/sms-receipts/{provider}/{token}") => Op::new(
            "短信送达回执（阿里云 SmsReport 推送、腾讯云状态回调；地址含配置的密钥，否则404）",
            false,
            ObjectBuilder::new().schema_type(Type::Object).into(),
        )
        .body(
            utoipa::openapi::schema::ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::Object))
                .into(),
        ),
        ("POST", "/api/sms-codes") => {
            let mut op =
                Op::new("发送短信验证码", false, s.of::<SmsCodeSent>()).body(s.of::<PhoneProof>());
            op.success.0 = "202";
            op.success.1 = "已受理（短信验证码已发送）";
            op
        }
        ("POST", "/api/plans/{id}/registrations/search") => Op::new(
            "按身份证号码查找报名（实施机关）",
            true,
            s.of::<RegistrationView>(),
        )
        .body(s.of::<SearchBody>()),
        ("POST", "/api/plans/{id}/registrations/{code}/cancel") => Op::new(
            "取消报名（实施机关核验身份证件后）",
            true,
            s.of::<RegistrationView>(),
        ),
        ("POST", "/api/registrations/lookup") => Op::new(
            "查询本人报名（报名编号与手机号码）",
            false,
            s.of::<RegistrationView>(),
        )
        .body(s.of::<LookupBody>()),
        ("POST", "/api/registrations/{code}/cancel") => Op::new(
            "取消本人报名（需短信验证码）",
            false,
            s.of::<RegistrationView>(),
        )
        .body(s.of::<PhoneProof>()),
        ("GET", "/api/openapi.json") => Op::new(
            "本文档",
            false,
            ObjectBuilder::new().schema_type(Type::Object).into(),
        ),
        ("POST", "/api/plans/{id}/feedback") => Op::new(
            "提交意见建议（市民在线，需短信验证码；实施机关录入线下意见）",
            false,
            s.of::<FeedbackReceipt>(),
        )
        .body(s.proved::<FeedbackDraft>())
        .created(),
        ("POST", "/api/plans/{id}/evaluations") => Op::new(
            "网络测评（限本场活动的报名参加人员，需报名编号和短信验证码；每个手机号码一次，再次提交替换前一次）",
            false,
            s.of::<EvaluationReceipt>(),
        )
        .body(s.proved::<EvaluationBody>())
        .created(),
        ("GET", "/api/plans/{id}/questionnaire") => {
            Op::new("问卷设计：本活动的问卷及其版本", true, s.of::<Q::QuestionnaireDesign>())
        }
        ("PUT", "/api/plans/{id}/questionnaire") => Op::new(
            "保存问卷（至多30道题：单选、多选、评分、填空；开放前可修改）",
            true,
            s.of::<Q::QuestionnaireDesign>(),
        )
        .body(s.of::<Q::QuestionnaireBody>()),
        ("POST", "/api/plans/{id}/questionnaire/open") => Op::new(
            "开放问卷（公告发布后；开放后题目不再修改）",
            true,
            s.of::<Q::QuestionnaireDesign>(),
        )
        .body(s.of::<Q::OpenQuestionnaireBody>()),
        ("GET", "/api/plans/{id}/questionnaire/results") => Op::new(
            "问卷结果：各选项人数和占比、评分均值和分布、填空回答",
            true,
            s.of::<Q::QuestionnaireResults>(),
        ),
        ("GET", "/api/plans/{id}/exports/questionnaire") => Op::spreadsheet("导出问卷结果"),
        ("GET", "/api/questionnaires/{plan_id}") => {
            Op::new("已开放的问卷", false, s.of::<Q::PublicQuestionnaire>())
        }
        ("POST", "/api/questionnaires/{plan_id}/answers") => Op::new(
            "提交问卷（需短信验证码；每个手机号码一份；填空回答计入意见建议）",
            false,
            s.of::<Q::AnswersTaken>(),
        )
        .body(s.proved::<Q::AnswersToQuestionnaire>())
        .created(),
        ("GET", "/api/plans/{id}/supervision") => Op::new(
            "现场走访和跟踪检查记录（实施机关及其上级政务公开办公室）",
            true,
            s.of::<Sv::SupervisionView>(),
        ),
        ("POST", "/api/plans/{id}/visits") => Op::new(
            "记录现场走访（本辖区政务公开办公室；活动期间）",
            true,
            s.of::<Sv::SupervisionView>(),
        )
        .body(s.of::<openday_rules::supervision::VisitDraft>())
        .created(),
        ("POST", "/api/plans/{id}/follow-up-checks") => Op::new(
            "记录跟踪检查（逐条：已落实、推进中、未落实；未落实计为合规问题）",
            true,
            s.of::<Sv::SupervisionView>(),
        )
        .body(s.of::<openday_rules::supervision::FollowUpDraft>())
        .created(),
        ("GET", "/api/public-evaluations") => Op::new(
            "本办开展的群众评议",
            true,
            s.of::<Vec<Sv::PublicEvaluationItem>>(),
        ),
        ("POST", "/api/public-evaluations") => Op::new(
            "开展群众评议（政务公开办公室，本辖区本年度的开放日）",
            true,
            s.of::<Sv::PublicEvaluationItem>(),
        )
        .body(s.of::<openday_rules::supervision::PublicEvaluationDraft>())
        .created(),
        ("GET", "/api/public-evaluations/{id}") => Op::new(
            "群众评议及参评的开放日活动",
            false,
            s.of::<Sv::PublicEvaluationView>(),
        ),
        ("POST", "/api/public-evaluations/{id}/verdicts") => Op::new(
            "提交群众评议（每场活动每个手机号码一次，需短信验证码）",
            false,
            s.of::<Sv::VerdictTaken>(),
        )
        .body(s.proved::<Sv::VerdictBody>())
        .created(),
        ("GET", "/api/public-evaluations/{id}/results") => Op::new(
            "群众评议结果（按机关）",
            true,
            s.of::<Sv::PublicEvaluationResults>(),
        ),
        ("GET", "/api/assessment") => Op::new(
            "考核：本辖区各机关得分及明细（政务公开办公室）",
            true,
            s.of::<openday_app::assessment::AssessmentView>(),
        )
        .query(year_parameter()),
        ("POST", "/api/assessment/adjustments") => Op::new(
            "人工调整得分（须写明理由，记入操作日志）",
            true,
            s.of::<openday_app::assessment::AssessmentView>(),
        )
        .body(s.of::<openday_app::assessment::AdjustmentBody>())
        .created(),
        ("POST", "/api/assessment/bulletin") => Op::new(
            "发布年度通报（各机关结果、典型经验、存在问题）",
            true,
            s.of::<openday_store::assessment::BulletinRecord>(),
        )
        .body(s.of::<openday_app::assessment::BulletinBody>())
        .created(),
        ("GET", "/api/bulletins/{office_id}/{year}") => Op::new(
            "已发布的年度通报",
            false,
            s.of::<openday_store::assessment::BulletinRecord>(),
        ),
        ("GET", "/api/campaigns") => Op::new(
            "联合开放活动（政务公开办公室：本办组织的；机关：受邀参加的）",
            true,
            s.of::<Vec<openday_app::campaigns::CampaignView>>(),
        ),
        ("POST", "/api/campaigns") => Op::new(
            "统一组织联合开放活动（市、县（区）政务公开办公室）",
            true,
            s.of::<openday_app::campaigns::CampaignView>(),
        )
        .body(s.of::<openday_rules::campaign::CampaignDraft>())
        .created(),
        ("GET", "/api/campaigns/{id}") => Op::new(
            "集中公告（发布后公开）",
            false,
            s.of::<openday_app::campaigns::CampaignView>(),
        ),
        ("GET", "/api/campaigns/{id}/progress") => Op::new(
            "联合开放活动进展：各责任部门的实施方案",
            true,
            s.of::<openday_app::campaigns::CampaignView>(),
        ),
        ("POST", "/api/campaigns/{id}/plans") => Op::new(
            "受邀机关关联本机关的实施方案",
            true,
            s.of::<openday_app::campaigns::CampaignView>(),
        )
        .body(s.of::<openday_app::campaigns::TieBody>()),
        ("POST", "/api/campaigns/{id}/announcement") => Op::new(
            "发布集中公告（各责任部门方案均已备案后）",
            true,
            s.of::<openday_app::campaigns::CampaignView>(),
        )
        .created(),
        ("GET", "/api/plans/{id}/feedback-response") => {
            Op::new("查看采纳情况反馈", false, s.of::<PublishedResponse>())
        }
        ("POST", "/api/reports") => Op::new("报送年度开展情况", true, s.of::<ReportFiled>())
            .body(s.of::<ReportDraft>())
            .created(),
        ("GET", "/api/compliance") => {
            Op::new("合规情况：问题清单与年度指标", true, s.of::<Compliance>())
                .query(year_parameter())
        }
        ("POST", "/api/plans/{id}/check-ins") => Op::new(
            "现场签到（报名编号或身份证号码；每人一次）",
            true,
            s.of::<CheckedIn>(),
        )
        .body(s.of::<openday_app::commands::CheckInBody>()),
        ("GET", "/api/plans/{id}/check-ins") => {
            Op::new("确认人数与签到人数", true, s.of::<Attendance>())
        }
        ("GET", "/api/plans/{id}/exports/registrants") => {
            Op::spreadsheet("导出报名人员（脱敏，含签到时间）")
        }
        ("GET", "/api/plans/{id}/exports/feedback") => Op::spreadsheet("导出意见建议及采纳情况"),
        ("GET", "/api/reports/draft") => Op::new(
            "年度开展情况报送的起点：本辖区本年度数据（已报送的附当时数据）",
            true,
            s.of::<ReportStart>(),
        )
        .query(year_parameter()),
        ("GET", "/api/statistics") => Op::new(
            "公开数据：全区本年度开放日举办场次、参加人数、意见建议和采纳率（按市、县）",
            false,
            s.of::<Statistics>(),
        )
        .query(year_parameter()),
        ("GET", "/api/reports") => Op::new(
            "各地年度报送与分级汇总（政务公开办公室）",
            true,
            s.of::<Rollup>(),
        )
        .query(year_parameter()),
        ("GET", "/api/reports/export") => {
            let mut op =
                Op::spreadsheet("导出汇总工作簿（汇总表与各报送单位分表）").query(year_parameter());
            op.query.retain(|p| p.name != "format");
            op.media.truncate(1);
            op
        }
        ("GET", "/api/audit") => audit_filters(Op::new(
            "操作日志（管理员：本机关；政务公开办公室管理员：本辖区；默认最近7天，最多92天；分页）",
            true,
            s.of::<openday_app::audit::AuditLog>(),
        ))
        .query(cursor_parameter()),
        ("GET", "/api/audit/export") => {
            audit_filters(Op::spreadsheet("导出操作日志（筛选条件同 GET /api/audit）"))
        }
        ("GET", "/api/compliance/export") => {
            Op::spreadsheet("导出年度合规情况（各机关）").query(year_parameter())
        }
        ("GET", "/api/programmes") => Op::new(
            "现行工作方案（地区、年度；未导入时为项目自带的默认方案）",
            false,
            s.of::<ProgrammeInForce>(),
        )
        .query(year_parameter())
        .query(
            ParameterBuilder::new()
                .name("region")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("地区（行政区域编号，默认名录中的第一个地区）"))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        ),
        ("POST", "/api/programmes") => Op::new(
            "上传工作方案（自治区政务公开办公室；本年度或以后年度；已报送的方案仍按原版本）",
            true,
            s.of::<ProgrammeStored>(),
        )
        .body(ObjectBuilder::new().schema_type(Type::Object).into())
        .created(),
        // A route without a description fails the drift test (empty summary).
        _ => Op::new("", true, ObjectBuilder::new().into()),
    }
}

/// Every error an operation may answer, in the one error shape: the edge answers 404, 405,
/// 414 and 415 for any route; limits and deadlines 429 and 503.
const ERRORS: [(&str, &str); 12] = [
    ("400", "请求格式有误"),
    ("401", "未登录"),
    ("403", "无权操作"),
    ("404", "不存在"),
    ("405", "该地址不支持此请求方法"),
    ("409", "版本冲突或重复"),
    ("413", "请求超过64 KiB"),
    ("414", "请求地址过长"),
    ("415", "不支持的内容类型或字符集"),
    ("422", "不符合规则（violations 列出全部问题）"),
    ("429", "操作过于频繁（Retry-After 给出等待秒数）"),
    ("503", "系统繁忙或处理超时（Retry-After 给出等待秒数）"),
];

fn json(schema: RefOr<Schema>) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(schema)).build()
}

/// What `GET /api/openapi.json` serves: [`document`], generated and committed (compact: it
/// is linked into the public function; any JSON viewer indents it). A test
/// fails when they differ, and `OPENDAY_BLESS=1 cargo test -p openday-api --lib openapi`
/// writes the file again.
pub const SERVED: &str = include_str!("../../../docs/openapi.json");

/// The whole document.
pub fn document<S: Store>() -> OpenApi {
    let mut schemas = Schemas::default();
    let error = schemas.of::<ErrorBody>();
    let mut paths = Paths::new();
    for (job, routes) in crate::jobs::table::<S>() {
        // The web pages are for people, not programs: only `/api/` is the API.
        for (method, path) in routes.into_iter().filter(|(_, p)| p.starts_with("/api/")) {
            let op = describe(&method, path, &mut schemas);
            let mut success = ResponseBuilder::new().description(op.success.1);
            for media in &op.media {
                success = success.content(*media, json(op.success.2.clone()));
            }
            let mut responses = ResponsesBuilder::new().response(op.success.0, success);
            for (status, description) in ERRORS {
                responses = responses.response(
                    status,
                    ResponseBuilder::new()
                        .description(description)
                        .content("application/json", json(error.clone())),
                );
            }
            let params = path
                .split('/')
                .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(|name| {
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(String::schema()))
                        .build()
                })
                .chain(op.query);
            let mut operation = OperationBuilder::new()
                .summary(Some(op.summary))
                .tag(job)
                .operation_id(Some(format!(
                    "{}_{}",
                    method.as_str().to_lowercase(),
                    path.trim_start_matches("/api/")
                        .replace(['/', '{', '}', '-', '.'], "_")
                )))
                .parameters(Some(params))
                .responses(responses);
            if op.auth {
                operation =
                    operation.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
            }
            if let Some(body) = op.body {
                // Forms with the same fields are accepted too (the web pages send them);
                // the document describes the JSON.
                operation = operation.request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content("application/json", json(body))
                        .build(),
                ));
            }
            let method = match method {
                Method::GET => HttpMethod::Get,
                Method::PUT => HttpMethod::Put,
                Method::DELETE => HttpMethod::Delete,
                _ => HttpMethod::Post,
            };
            paths.add_path_operation(path, vec![method], operation);
        }
    }
    let mut components = ComponentsBuilder::new().security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    for (name, schema) in schemas.0 {
        components = components.schema(name, schema);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("政府开放日 platform API")
                .version(env!("CARGO_PKG_VERSION")),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_document_is_the_generated_one() {
        let generated = document::<openday_store::DynamoStore>();
        let generated_json = serde_json::to_value(&generated).expect("the document is JSON");
        let served: serde_json::Value =
            serde_json::from_str(SERVED).expect("docs/openapi.json is JSON");
        if served == generated_json {
            return;
        }
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        if std::env::var_os("OPENDAY_BLESS").is_some() {
            let text = serde_json::to_string(&generated).expect("the document is JSON");
            std::fs::write(path, text + "\n").expect("docs/openapi.json is writable");
            return;
        }
        panic!(
            "docs/openapi.json differs from the routes and types it documents; \
             write it again with: OPENDAY_BLESS=1 cargo test -p openday-api --lib openapi"
        );
    }
}
