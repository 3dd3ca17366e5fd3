//! The OpenAPI document, generated from the routers' own route tables: a route cannot be
//! served without being documented, and the drift test checks the reverse.

use axum::http::Method;
use serde_json::{Map, Value, json};

use crate::app::Store;

/// Summary and whether a bearer token is required, for each (method, path).
fn describe(method: &Method, path: &str) -> (&'static str, bool) {
    match (method.as_str(), path) {
        ("POST", "/api/plans") => ("报送实施方案", true),
        ("GET", "/api/plans") => ("实施方案列表（本机关，或本辖区及下级）", true),
        ("PUT", "/api/plans/{id}") => ("修改已报送或已退回的实施方案", true),
        ("GET", "/api/plans/{id}") => ("实施方案详情、状态、历史与问题", true),
        ("POST", "/api/plans/{id}/review") => ("同级政务公开办公室审核备案或退回", true),
        ("POST", "/api/plans/{id}/announcement") => ("发布活动公告", true),
        ("POST", "/api/plans/{id}/cancel") => ("取消活动", true),
        ("POST", "/api/plans/{id}/recommendations") => ("录入线下推荐人员", true),
        ("GET", "/api/plans/{id}/feedback") => ("意见建议列表", true),
        ("POST", "/api/plans/{id}/feedback-answers") => {
            ("保存答复草稿（逐条、成组或全部未答复）", true)
        }
        ("GET", "/api/plans/{id}/feedback-answers") => ("答复草稿与未答复数量", true),
        ("POST", "/api/plans/{id}/feedback-response") => ("公开反馈采纳情况", true),
        ("GET", "/api/announcements") => ("活动公告列表", false),
        ("GET", "/api/announcements/{plan_id}") => ("活动公告详情与剩余名额", false),
        ("POST", "/api/announcements/{plan_id}/registrations") => ("在线报名", false),
        ("POST", "/api/sms-codes") => ("发送短信验证码", false),
        ("POST", "/api/plans/{id}/registrations/search") => {
            ("按身份证号码查找报名（实施机关）", true)
        }
        ("POST", "/api/plans/{id}/registrations/{code}/cancel") => {
            ("取消报名（实施机关核验身份证件后）", true)
        }
        ("POST", "/api/registrations/lookup") => ("查询本人报名（报名编号与手机号码）", false),
        ("POST", "/api/registrations/{code}/cancel") => ("取消本人报名（需短信验证码）", false),
        ("GET", "/api/openapi.json") => ("本文档", false),
        ("POST", "/api/plans/{id}/feedback") => {
            ("提交意见建议（市民在线；实施机关录入线下意见）", false)
        }
        ("POST", "/api/plans/{id}/evaluations") => ("网络测评", false),
        ("GET", "/api/plans/{id}/feedback-response") => ("查看采纳情况反馈", false),
        ("POST", "/api/reports") => ("报送年度开展情况", true),
        ("GET", "/api/compliance") => ("合规情况：问题清单与年度指标", true),
        _ => ("", true),
    }
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}
            }},
            "violations": {"type": "array", "items": {"type": "object"}}
        }
    })
}

/// Every answer an operation may give: success as JSON, and every error in the one error
/// shape (the edge answers 404, 405, 414 and 415 for any route; limits and deadlines 429
/// and 503).
fn responses() -> Value {
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"type": "object"}}}});
    json!({
        "200": ok("成功"),
        "201": ok("已创建"),
        "202": ok("已受理（短信验证码已发送）"),
        "400": error("请求格式有误"),
        "401": error("未登录"),
        "403": error("无权操作"),
        "404": error("不存在"),
        "405": error("该地址不支持此请求方法"),
        "409": error("版本冲突或重复"),
        "413": error("请求超过64 KiB"),
        "414": error("请求地址过长"),
        "415": error("不支持的内容类型或字符集"),
        "422": error("不符合规则（violations 列出全部问题）"),
        "429": error("操作过于频繁（Retry-After 给出等待秒数）"),
        "503": error("系统繁忙或处理超时（Retry-After 给出等待秒数）")
    })
}

/// The whole document.
pub fn document<S: Store>() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for (job, routes) in crate::routes::table::<S>() {
        for (method, path) in routes {
            let (summary, auth) = describe(&method, path);
            let params: Vec<Value> = path
                .split('/')
                .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
                .collect();
            let mut op = json!({
                "summary": summary,
                "tags": [job],
                "operationId": format!("{}_{}", method.as_str().to_lowercase(), path.trim_start_matches("/api/").replace(['/', '{', '}', '-', '.'], "_")),
                "parameters": params,
                "responses": responses(),
            });
            if auth {
                op["security"] = json!([{"bearer": []}]);
            }
            if matches!(method, Method::POST | Method::PUT) {
                op["requestBody"] = json!({"content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/x-www-form-urlencoded": {"schema": {"type": "object"}}
                }});
            }
            let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
            entry[method.as_str().to_lowercase()] = op;
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "政府开放日 platform API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {"Error": error_schema()}
        }
    })
}
