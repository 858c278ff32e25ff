//! WhatsApp message templates through the dashboard, over real HTTP with the fake Graph API: written with
//! placeholders, submitted, approved by webhook, sent from a thread after the 24-hour window closed, refused once
//! paused, and carrying the reminder of a booking made three days before.
use chrono::TimeDelta;
use maitre_app::flows::install_published;
use maitre_store::{ReservationQuery, TenantStore};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp};
use crate::webhooks::WA;

const WABA: &str = "100000000000001";
const GUEST: &str = "4917155566677";

pub(crate) struct Setup {
    pub(crate) app: TestApp,
    pub(crate) owner: Client,
    pub(crate) account: String,
    pub(crate) tenant: TenantStore,
}

/// A German restaurant in Berlin with a WhatsApp number whose business account is named on the templates page.
pub(crate) async fn restaurant() -> Setup {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.set_time_zone(&account, "Europe/Berlin").await;
    let mut settings = tenant.account().await.unwrap().settings;
    settings.locale = maitre_domain::Locale::De;
    tenant.update_settings(&settings).await.unwrap();
    let channel = app.connect(&account, "whatsapp", WA, "wa-token").await;
    let page = format!("/a/{account}/templates");
    let form = [("channel", channel.id.to_string()), ("waba", WABA.to_owned())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = owner.submit(&page, &format!("{page}/waba"), &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    Setup { app, owner, account, tenant }
}

impl Setup {
    pub(crate) fn page(&self) -> String {
        format!("/a/{}/templates", self.account)
    }

    pub(crate) async fn channel(&self) -> String {
        self.tenant.channels().list().await.unwrap().remove(0).id.to_string()
    }

    /// Writes the reminder template on the page and submits it for review.
    pub(crate) async fn submit_reminder(&self) -> Value {
        let channel = self.channel().await;
        let body =
            "Hallo {{contact.first_name}}, wir erwarten Sie am {{reservation.date}} um {{reservation.time}}. Bis bald!";
        let fields = [
            ("channel", channel.as_str()),
            ("name", "tisch_erinnerung"),
            ("language", "de"),
            ("category", "UTILITY"),
            ("header", ""),
            ("body", body),
            ("footer", "Trattoria Roma"),
            ("button1", "Ich komme"),
            ("action1", "confirm"),
            ("button2", "Absagen"),
            ("action2", "cancel"),
        ];
        let preview: Vec<_> = fields.iter().copied().chain([("preview", "1")]).collect();
        let shown = self.owner.submit(&self.page(), &self.page(), &preview).await;
        assert_eq!(shown.status, StatusCode::OK, "a preview submits nothing");
        assert!(self.app.fakes.templates(WABA).is_empty());
        assert!(
            shown.body.contains("Hallo Alex, wir erwarten Sie am Do., 24.12.2026 um 19:30. Bis bald!"),
            "the preview fills sample values: {}",
            shown.body
        );
        let submitted = self.owner.submit(&self.page(), &self.page(), &fields).await;
        assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);
        let mut at_meta = self.app.fakes.templates(WABA);
        assert_eq!(at_meta.len(), 1);
        at_meta.remove(0)
    }

    /// Meta's verdict, as its webhook (signed) reaches maitre.
    pub(crate) async fn verdict(&self, event: &str) {
        let body = self.app.fakes.set_template_status(WABA, "tisch_erinnerung", "de", event, None).unwrap();
        let (status, answer) = self.app.post_meta(&serde_json::to_vec(&body).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        self.app.drain().await;
    }

    pub(crate) async fn whatsapp(&self, n: u32, text: &str) {
        let ts = self.app.clock.now().timestamp() + i64::from(n);
        let body = crate::webhooks::wa_text(&format!("wamid.GUEST_{n}"), GUEST, text, ts);
        let (status, answer) = self.app.post_meta(&body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        self.app.drain().await;
    }

    pub(crate) fn template_sends(&self) -> Vec<Value> {
        let sends = self.app.fakes.requests().into_iter().filter(|r| r.is_send() && r.body["type"] == "template");
        sends.map(|r| r.body).collect()
    }

    /// The path of the guest's conversation, as the inbox links it.
    pub(crate) async fn thread(&self) -> String {
        let list = self.owner.get(&format!("/a/{}/inbox", self.account)).await.body;
        let prefix = format!("/a/{}/inbox/", self.account);
        let id = list
            .match_indices(&prefix)
            .filter_map(|(at, _)| list.get(at + prefix.len()..at + prefix.len() + 36))
            .find(|id| id.parse::<uuid::Uuid>().is_ok())
            .expect("a conversation is listed");
        format!("{prefix}{id}")
    }
}

pub(crate) fn template_id(body: &str) -> String {
    let at = body.find("id=\"template-").expect("a template is listed") + "id=\"template-".len();
    body[at..at + body[at..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_template_written_here_is_approved_by_webhook_and_reaches_a_guest_after_the_window_closed() {
    let s = restaurant().await;
    let created = s.submit_reminder().await;
    assert_eq!(created["category"], "UTILITY");
    let components = created["components"].as_array().unwrap();
    let body = components.iter().find(|c| c["type"] == "BODY").unwrap();
    assert_eq!(body["text"], "Hallo {{1}}, wir erwarten Sie am {{2}} um {{3}}. Bis bald!");
    assert_eq!(body["example"]["body_text"], json!([["Alex", "Do., 24.12.2026", "19:30"]]));
    let page = s.owner.get(&s.page()).await.body;
    assert!(page.contains("tisch_erinnerung") && page.contains("in review"), "{page}");

    s.verdict("APPROVED").await;
    let page = s.owner.get(&s.page()).await.body;
    assert!(page.contains(">approved<"), "the webhook approved it: {page}");

    s.whatsapp(1, "Hallo, habt ihr am Samstag offen?").await;
    s.app.clock.advance(TimeDelta::days(3));
    let thread = s.thread().await;
    let shown = s.owner.get(&thread).await.body;
    assert!(shown.contains("outside the 24 h window"), "{shown}");
    assert!(shown.contains("id=\"template-composer\" open"), "the closed window opens the template composer");
    let refused = s.owner.submit(&thread, &format!("{thread}/reply"), &[("text", "Ja!"), ("canned", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "free text cannot go out any more");

    let id = template_id(&page);
    let chosen = s.owner.get(&format!("{thread}?template={id}")).await.body;
    // The guest has no booking: the date and time are typed by hand, the name is filled in.
    assert!(chosen.contains("name=\"v1\" value=\"Guest\""), "{chosen}");
    assert!(chosen.contains("name=\"v2\" value=\"\""), "{chosen}");
    let fields = [("template", id.as_str()), ("v1", "Guest"), ("v2", "Samstag, 12.12."), ("v3", "19 Uhr")];
    let sent = s.owner.submit(&thread, &format!("{thread}/template"), &fields).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    s.app.drain().await;
    let sends = s.template_sends();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0]["template"]["name"], "tisch_erinnerung");
    assert_eq!(sends[0]["template"]["language"]["code"], "de");
    let params = &sends[0]["template"]["components"][0]["parameters"];
    assert_eq!(
        params,
        &json!([{"type": "text", "text": "Guest"}, {"type": "text", "text": "Samstag, 12.12."}, {"type": "text", "text": "19 Uhr"}])
    );
    let got = s.app.fakes.sent_messages().pop().unwrap();
    assert_eq!(got.text, "Hallo Guest, wir erwarten Sie am Samstag, 12.12. um 19 Uhr. Bis bald!");
    let thread_now = s.owner.get(&thread).await.body;
    assert!(thread_now.contains("wir erwarten Sie am Samstag, 12.12. um 19 Uhr"), "the thread shows what was sent");
}

#[tokio::test]
async fn a_paused_template_is_refused_with_what_to_do_and_the_owner_hears_of_it() {
    let s = restaurant().await;
    s.submit_reminder().await;
    s.verdict("APPROVED").await;
    s.whatsapp(1, "Hallo").await;
    s.app.clock.advance(TimeDelta::days(2));
    let thread = s.thread().await;
    let id = template_id(&s.owner.get(&s.page()).await.body);
    s.verdict("PAUSED").await;
    let page = s.owner.get(&s.page()).await.body;
    assert!(page.contains(">paused<") && page.contains("FIRST_PAUSE"), "{page}");
    let notes = s.owner.get(&format!("/a/{}/notifications", s.account)).await.body;
    assert!(notes.contains("tisch_erinnerung (de): PAUSED"), "{notes}");

    let fields = [("template", id.as_str()), ("v1", "Guest"), ("v2", "Samstag"), ("v3", "19 Uhr")];
    let refused = s.owner.submit(&thread, &format!("{thread}/template"), &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("This template is paused and cannot be sent."), "{}", refused.body);
    assert!(refused.body.contains("Use another template meanwhile."), "says what to do");
    s.app.drain().await;
    assert!(s.template_sends().is_empty(), "nothing reached WhatsApp");
}

#[tokio::test]
async fn the_reminder_of_a_booking_made_three_days_ahead_goes_out_as_the_chosen_template() {
    let s = restaurant().await;
    s.submit_reminder().await;
    s.verdict("APPROVED").await;
    let id = template_id(&s.owner.get(&s.page()).await.body);
    let chosen = s.owner.submit(&s.page(), &format!("{}/uses", s.page()), &[("reminder", id.as_str())]).await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    install_published(&s.tenant, "restaurant_de", "test").await.unwrap();

    // Monday 16:15 in Berlin: a table on Friday at 20:00, so the reminder (a day before) is due Thursday 20:00.
    s.whatsapp(1, "Tisch für 2 am Freitag um 20 Uhr").await;
    s.whatsapp(2, "Lena Vogel").await;
    let booked = s.tenant.reservations().list(&ReservationQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(booked.items.len(), 1, "the flow booked the table");
    let before = s.app.fakes.sent_messages().len();
    s.app.clock.advance(TimeDelta::days(3) + TimeDelta::hours(4));
    s.app.drain().await;
    let sends = s.template_sends();
    assert_eq!(sends.len(), 1, "the window closed long ago: the reminder is the template");
    assert_eq!(s.app.fakes.sent_messages().len(), before + 1);
    let text = s.app.fakes.sent_messages().pop().unwrap().text;
    assert_eq!(text, "Hallo Lena, wir erwarten Sie am Fr., 25.09.2026 um 20:00. Bis bald!");
    let buttons: Vec<&Value> =
        sends[0]["template"]["components"].as_array().unwrap().iter().filter(|c| c["type"] == "button").collect();
    assert_eq!(buttons.len(), 2, "each quick reply carries the booking: {buttons:?}");
    let payload = buttons[0]["parameters"][0]["payload"].as_str().unwrap();
    assert_eq!(payload, format!("reminder:{}:confirm", booked.items[0].id));
    s.app.clock.advance(TimeDelta::hours(2));
    s.app.drain().await;
    assert_eq!(s.template_sends().len(), 1, "reminded once");
}

#[tokio::test]
async fn templates_made_in_whatsapp_manager_are_loaded_and_typed_by_hand() {
    let s = restaurant().await;
    s.app.fakes.add_template(
        WABA,
        json!({"name": "tisch_bereit", "language": "de", "components": [
            {"type": "BODY", "text": "Hallo {{1}}, Ihr Tisch ist bereit."}
        ]}),
    );
    let channel = s.channel().await;
    let fields = [("channel", channel.as_str()), ("waba", WABA), ("sync", "1")];
    let loaded = s.owner.submit(&s.page(), &format!("{}/waba", s.page()), &fields).await;
    assert_eq!(loaded.status, StatusCode::SEE_OTHER, "{}", loaded.body);
    let page = s.owner.get(&s.page()).await.body;
    assert!(page.contains("Templates loaded from WhatsApp: 1"), "the flash says what came: {page}");
    assert!(page.contains("Hallo …, Ihr Tisch ist bereit.") && page.contains("your team types its values"), "{page}");
    // Not bound to the guest's details, so it cannot carry the reminder.
    assert!(!page.contains("tisch_bereit (de)</option>"), "{page}");
}
