//! The template fake over real HTTP, against the shapes of `shared/fixtures/whatsapp/template_*.json`
//! and `graph_errors/whatsapp_*.json`.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::FakePlatforms;

const WABA: &str = "100000000000001";
const PHONE_NUMBER_ID: &str = "200000000000002";
const REMINDER_TEXT: &str = "Hi {{1}}, a quick reminder of your reservation {{2}}. Will you make it?";

/// One HTTP/1.1 exchange on its own connection: the crate has no HTTP client, and the fake needs
/// no more than this.
async fn call(fake: &FakePlatforms, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut stream = TcpStream::connect(fake.addr).await.expect("connect to the fake");
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} /graph/v25.0/{path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer test-token\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        fake.addr,
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read the answer");
    let raw = String::from_utf8(raw).expect("a UTF-8 answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("headers, then a body");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    (status, serde_json::from_str(body).expect("a JSON body"))
}

/// `template_create_request.json`, under another name when asked.
fn reminder(name: &str, language: &str) -> Value {
    json!({
        "name": name,
        "language": language,
        "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Your table at Trattoria Esempio"},
            {"type": "BODY", "text": REMINDER_TEXT, "example": {"body_text": [["Alex", "tomorrow at 20:00"]]}},
            {"type": "FOOTER", "text": "Trattoria Esempio, Berlin"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Yes, I'll be there"}]}
        ]
    })
}

/// `send_template_request.json` with these body values.
fn send_reminder(to: &str, values: &[&str]) -> Value {
    let parameters: Vec<Value> = values.iter().map(|v| json!({"type": "text", "text": v})).collect();
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": "reservation_reminder",
            "language": {"policy": "deterministic", "code": "en_US"},
            "components": [
                {"type": "body", "parameters": parameters},
                {"type": "button", "sub_type": "quick_reply", "index": "0",
                 "parameters": [{"type": "payload", "payload": "REMINDER_CONFIRM_bk_0001"}]}
            ]
        }
    })
}

async fn create(fake: &FakePlatforms, body: &Value) -> (u16, Value) {
    call(fake, "POST", &format!("{WABA}/message_templates"), Some(body)).await
}

async fn send(fake: &FakePlatforms, body: &Value) -> (u16, Value) {
    call(fake, "POST", &format!("{PHONE_NUMBER_ID}/messages"), Some(body)).await
}

async fn approved_reminder(fake: &FakePlatforms) {
    assert_eq!(create(fake, &reminder("reservation_reminder", "en_US")).await.0, 200);
    fake.set_template_status(WABA, "reservation_reminder", "en_US", "APPROVED", None).expect("the template");
}

fn assert_error(answer: &(u16, Value), code: i64, message: &str, fbtrace_id: &str) {
    let (status, body) = answer;
    assert_eq!(*status, 400, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["message"], message);
    assert_eq!(body["error"]["type"], "OAuthException");
    assert_eq!(body["error"]["fbtrace_id"], fbtrace_id);
    assert_eq!(body["error"]["error_data"]["messaging_product"], "whatsapp");
    assert!(body["error"]["error_data"]["details"].is_string());
}

#[tokio::test]
async fn a_created_template_is_listed_as_pending() {
    let fake = FakePlatforms::start().await;
    let (status, created) = create(&fake, &reminder("reservation_reminder", "en_US")).await;
    assert_eq!(status, 200, "{created}");
    let id = created["id"].as_str().expect("a string id");
    assert!(id.len() == 16 && id.chars().all(|c| c.is_ascii_digit()), "{id}");
    assert_eq!(created, json!({"id": id, "status": "PENDING", "category": "UTILITY"}));

    let (status, list) = call(&fake, "GET", &format!("{WABA}/message_templates"), None).await;
    assert_eq!(status, 200);
    let expected = json!({
        "name": "reservation_reminder",
        "parameter_format": "POSITIONAL",
        "components": reminder("", "")["components"],
        "language": "en_US",
        "status": "PENDING",
        "category": "UTILITY",
        "id": id
    });
    assert_eq!(list["data"], json!([expected]));
    assert!(list["paging"]["cursors"]["after"].is_string() && list["paging"]["next"].is_null());
    assert_eq!(fake.templates(WABA), vec![expected]);
}

#[tokio::test]
async fn a_duplicate_name_and_language_is_refused() {
    let fake = FakePlatforms::start().await;
    assert_eq!(create(&fake, &reminder("reservation_reminder", "en_US")).await.0, 200);
    let (status, body) = create(&fake, &reminder("reservation_reminder", "en_US")).await;
    assert_eq!((status, body["error"]["code"].clone()), (400, json!(100)), "{body}");
    assert_eq!(
        create(&fake, &reminder("reservation_reminder", "de")).await.0,
        200,
        "another language is another template"
    );
}

#[tokio::test]
async fn templates_breaking_meta_rules_are_refused() {
    let fake = FakePlatforms::start().await;
    let mut no_examples = reminder("no_examples", "en_US");
    no_examples["components"][1] = json!({"type": "BODY", "text": REMINDER_TEXT});
    let mut short_examples = reminder("short_examples", "en_US");
    short_examples["components"][1]["example"]["body_text"] = json!([["Alex"]]);
    let named_without_examples = json!({
        "name": "weekend_offer", "language": "de", "category": "MARKETING", "parameter_format": "NAMED",
        "components": [{"type": "BODY", "text": "Hallo {{first_name}}!", "example": {"body_text": [["Alex"]]}}]
    });
    let mut upper_case = reminder("Reservation", "en_US");
    upper_case["name"] = json!("Reservation");
    let mut long_header = reminder("long_header", "en_US");
    long_header["components"][0]["text"] = json!("x".repeat(61));
    let mut long_footer = reminder("long_footer", "en_US");
    long_footer["components"][2]["text"] = json!("x".repeat(61));
    let mut bad_category = reminder("bad_category", "en_US");
    bad_category["category"] = json!("PROMOTION");
    let mut no_body = reminder("no_body", "en_US");
    no_body["components"].as_array_mut().expect("components").remove(1);
    let mut long_body = reminder("long_body", "en_US");
    long_body["components"][1] = json!({"type": "BODY", "text": "x".repeat(1025)});
    let refused = [
        no_examples,
        short_examples,
        named_without_examples,
        upper_case,
        long_header,
        long_footer,
        bad_category,
        no_body,
        long_body,
    ];
    for template in refused {
        let (status, body) = create(&fake, &template).await;
        assert_eq!((status, body["error"]["code"].clone()), (400, json!(100)), "{template} → {body}");
    }
    assert!(fake.templates(WABA).is_empty());
}

#[tokio::test]
async fn an_approved_template_is_sent_with_its_body_filled_in() {
    let fake = FakePlatforms::start().await;
    assert_eq!(create(&fake, &reminder("reservation_reminder", "en_US")).await.0, 200);
    let webhook = fake.set_template_status(WABA, "reservation_reminder", "en_US", "APPROVED", None).expect("found");
    let id: u64 = fake.templates(WABA)[0]["id"].as_str().and_then(|id| id.parse().ok()).expect("a numeric id");
    assert_eq!(webhook["object"], "whatsapp_business_account");
    assert_eq!(webhook["entry"][0]["id"], WABA);
    assert!(webhook["entry"][0]["time"].is_i64());
    let change = &webhook["entry"][0]["changes"][0];
    assert_eq!(change["field"], "message_template_status_update");
    assert_eq!(
        change["value"],
        json!({
            "event": "APPROVED",
            "message_template_id": id,
            "message_template_name": "reservation_reminder",
            "message_template_language": "en_US",
            "reason": "NONE",
            "message_template_category": "UTILITY"
        })
    );
    assert!(change["value"]["message_template_id"].is_u64());

    let (status, answer) = send(&fake, &send_reminder("+15550002222", &["Alex", "tomorrow at 20:00"])).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["contacts"][0]["wa_id"], "15550002222");
    let sent = fake.sent_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "Hi Alex, a quick reminder of your reservation tomorrow at 20:00. Will you make it?");
    assert_eq!(sent[0].message_id, answer["messages"][0]["id"].as_str().expect("a wamid"));
}

#[tokio::test]
async fn a_wrong_parameter_count_is_132000() {
    let fake = FakePlatforms::start().await;
    approved_reminder(&fake).await;
    let answer = send(&fake, &send_reminder("+15550002222", &["Alex"])).await;
    let message = "(#132000) Number of parameters does not match the expected number of params";
    assert_error(&answer, 132000, message, "AFakeTrace132000cnt001");
    assert_eq!(
        answer.1["error"]["error_data"]["details"],
        "body: number of localizable_params (1) does not match the expected number of params (2)"
    );
    assert!(fake.sent_messages().is_empty());
}

#[tokio::test]
async fn paused_disabled_pending_and_unknown_templates_are_refused() {
    let fake = FakePlatforms::start().await;
    let to_alex = send_reminder("+15550002222", &["Alex", "tomorrow at 20:00"]);
    let not_found = "(#132001) Template name does not exist in the translation";
    assert_error(&send(&fake, &to_alex).await, 132001, not_found, "AFakeTrace132001tpl001");
    assert_eq!(create(&fake, &reminder("reservation_reminder", "en_US")).await.0, 200);
    assert_error(&send(&fake, &to_alex).await, 132001, not_found, "AFakeTrace132001tpl001");

    let status = |event: &str| fake.set_template_status(WABA, "reservation_reminder", "en_US", event, None);
    let paused = status("PAUSED").expect("found");
    assert_eq!(paused["entry"][0]["changes"][0]["value"]["reason"], "NONE");
    assert_error(&send(&fake, &to_alex).await, 132015, "(#132015) Template is Paused", "AFakeTrace132015pau001");
    status("REINSTATED");
    assert_eq!(fake.templates(WABA)[0]["status"], "APPROVED");
    assert_eq!(send(&fake, &to_alex).await.0, 200);
    status("DISABLED");
    assert_error(&send(&fake, &to_alex).await, 132016, "(#132016) Template is Disabled", "AFakeTrace132016dis001");

    let rejected = fake.set_template_status(WABA, "reservation_reminder", "en_US", "REJECTED", Some("INVALID_FORMAT"));
    let value = &rejected.expect("found")["entry"][0]["changes"][0]["value"];
    assert_eq!(value["reason"], "INVALID_FORMAT");
    assert!(value["rejection_info"]["reason"].is_string() && value["rejection_info"]["recommendation"].is_string());
    assert!(fake.set_template_status(WABA, "no_such_template", "en_US", "APPROVED", None).is_none());
}

#[tokio::test]
async fn paging_follows_next_to_the_last_page() {
    let fake = FakePlatforms::start().await;
    for name in ["first_template", "second_template"] {
        assert_eq!(create(&fake, &reminder(name, "en_US")).await.0, 200);
    }
    let first = format!("{WABA}/message_templates?limit=1&fields=name,status");
    let (status, page) = call(&fake, "GET", &first, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
    let fields: Vec<&String> = page["data"][0].as_object().expect("a template").keys().collect();
    assert_eq!(fields, ["id", "name", "status"], "only the fields asked for, and the id");
    assert_eq!(page["data"][0]["name"], "first_template");
    let next = page["paging"]["next"].as_str().expect("a next page");
    let path = next.strip_prefix(&format!("{}/graph/v25.0/", fake.base_url())).expect("absolute, on the fake's host");
    assert!(path.contains("limit=1") && path.contains("fields=name%2Cstatus"), "{next}");

    let (status, page) = call(&fake, "GET", path, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["data"][0]["name"], "second_template");
    assert!(page["paging"]["next"].is_null(), "{page}");

    fake.set_template_status(WABA, "second_template", "en_US", "APPROVED", None);
    let (_, approved) = call(&fake, "GET", &format!("{WABA}/message_templates?status=APPROVED"), None).await;
    let names: Vec<&Value> = approved["data"].as_array().expect("data").iter().map(|t| &t["name"]).collect();
    assert_eq!(names, [&json!("second_template")]);
    let (_, named) =
        call(&fake, "GET", &format!("{WABA}/message_templates?name=first_template&language=de"), None).await;
    assert_eq!(named["data"], json!([]));
}

#[tokio::test]
async fn deleting_by_name_removes_every_language() {
    let fake = FakePlatforms::start().await;
    for (name, language) in
        [("reservation_reminder", "en_US"), ("reservation_reminder", "de"), ("table_ready", "en_US")]
    {
        assert_eq!(create(&fake, &reminder(name, language)).await.0, 200);
    }
    let path = format!("{WABA}/message_templates?name=reservation_reminder");
    assert_eq!(call(&fake, "DELETE", &path, None).await, (200, json!({"success": true})));
    let names: Vec<Value> = fake.templates(WABA).iter().map(|t| t["name"].clone()).collect();
    assert_eq!(names, [json!("table_ready")]);
    let (status, body) = call(&fake, "DELETE", &path, None).await;
    assert_eq!((status, body["error"]["code"].clone()), (400, json!(100)), "{body}");

    assert_eq!(create(&fake, &reminder("table_ready", "de")).await.0, 200);
    let german = fake.templates(WABA).into_iter().find(|t| t["language"] == "de").expect("the German one");
    let one = format!("{WABA}/message_templates?name=table_ready&hsm_id={}", german["id"].as_str().expect("id"));
    assert_eq!(call(&fake, "DELETE", &one, None).await.0, 200);
    let languages: Vec<Value> = fake.templates(WABA).iter().map(|t| t["language"].clone()).collect();
    assert_eq!(languages, [json!("en_US")]);
}

#[tokio::test]
async fn the_marketing_limit_fails_marketing_templates_later_and_only_them() {
    let fake = FakePlatforms::start().await;
    approved_reminder(&fake).await;
    fake.add_template(
        WABA,
        json!({
            "name": "weekend_offer", "language": "de", "category": "MARKETING", "parameter_format": "NAMED",
            "status": "APPROVED",
            "components": [{"type": "BODY", "text": "Hallo {{first_name}}! Gültig bis {{valid_until}}."}]
        }),
    );
    fake.marketing_limited("15550004444");
    assert_eq!(send(&fake, &send_reminder("+15550004444", &["Alex", "tomorrow at 20:00"])).await.0, 200);
    assert!(fake.take_failed_statuses().is_empty(), "a utility template is not limited");

    let offer = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+15550004444", "type": "template",
        "template": {"name": "weekend_offer", "language": {"code": "de"}, "components": [{"type": "body", "parameters": [
            {"type": "text", "parameter_name": "valid_until", "text": "Sonntag, 22 Uhr"},
            {"type": "text", "parameter_name": "first_name", "text": "Alex"}
        ]}]}
    });
    let (status, answer) = send(&fake, &offer).await;
    assert_eq!(status, 200, "{answer}");
    let wamid = answer["messages"][0]["id"].as_str().expect("a wamid");
    assert_eq!(fake.sent_messages()[1].text, "Hallo Alex! Gültig bis Sonntag, 22 Uhr.");

    let failed = fake.take_failed_statuses();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["object"], "whatsapp_business_account");
    assert_eq!(failed[0]["entry"][0]["id"], WABA);
    let value = &failed[0]["entry"][0]["changes"][0]["value"];
    assert_eq!(failed[0]["entry"][0]["changes"][0]["field"], "messages");
    assert_eq!(value["metadata"]["phone_number_id"], PHONE_NUMBER_ID);
    let status = &value["statuses"][0];
    assert_eq!(
        (&status["id"], &status["status"], &status["recipient_id"]),
        (&json!(wamid), &json!("failed"), &json!("15550004444"))
    );
    assert!(status["timestamp"].as_str().is_some_and(|t| t.parse::<i64>().is_ok()));
    assert_eq!(status["errors"][0]["code"], 131049);
    assert!(fake.take_failed_statuses().is_empty(), "taken once");
}

#[tokio::test]
async fn an_undeliverable_recipient_gets_131026() {
    let fake = FakePlatforms::start().await;
    approved_reminder(&fake).await;
    fake.undeliverable("+15550009999");
    let text =
        json!({"messaging_product": "whatsapp", "to": "+15550009999", "type": "text", "text": {"body": "Hello"}});
    let undeliverable = ("(#131026) Message Undeliverable", "AFakeTrace131026und001");
    assert_error(&send(&fake, &text).await, 131026, undeliverable.0, undeliverable.1);
    let template = send_reminder("+15550009999", &["Alex", "tomorrow at 20:00"]);
    assert_error(&send(&fake, &template).await, 131026, undeliverable.0, undeliverable.1);
    assert!(fake.sent_messages().is_empty());
    assert_eq!(send(&fake, &send_reminder("+15550002222", &["Alex", "tomorrow at 20:00"])).await.0, 200);
}

#[tokio::test]
async fn accepted_sends_leave_sent_statuses_that_echo_the_callback_data_once_asked() {
    let fake = FakePlatforms::start().await;
    let text = |to: &str, callback: Option<&str>| {
        let mut body = json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "Hallo"}});
        if let Some(c) = callback {
            body["biz_opaque_callback_data"] = json!(c);
        }
        body
    };
    assert_eq!(send(&fake, &text("+15550001001", Some("before"))).await.0, 200);
    assert!(fake.take_sent_statuses().is_empty(), "nothing kept until a test asks");
    fake.report_sent_statuses();
    let (_, answer) = send(&fake, &text("+15550001002", Some("0193a0d0-0000-7000-8000-000000000002"))).await;
    assert_eq!(send(&fake, &text("+15550001003", None)).await.0, 200);
    let bodies = fake.take_sent_statuses();
    assert_eq!(bodies.len(), 1, "one webhook for the one number");
    let value = &bodies[0]["entry"][0]["changes"][0]["value"];
    assert_eq!(value["metadata"]["phone_number_id"], PHONE_NUMBER_ID);
    let statuses = value["statuses"].as_array().unwrap();
    assert_eq!(statuses.len(), 2);
    assert_eq!(
        (&statuses[0]["id"], &statuses[0]["status"], &statuses[0]["recipient_id"]),
        (&answer["messages"][0]["id"], &json!("sent"), &json!("15550001002"))
    );
    assert_eq!(statuses[0]["biz_opaque_callback_data"], "0193a0d0-0000-7000-8000-000000000002");
    assert!(statuses[1].get("biz_opaque_callback_data").is_none(), "only what the send carried");
    assert!(fake.take_sent_statuses().is_empty(), "taken once");
}
