//! Meta's side of status webhooks: the fake Graph API leaves a `sent` status for each accepted WhatsApp send, and
//! this posts them to maitre, signed, as Meta does. A body maitre does not answer with 200 (it is down, being
//! killed and restarted) waits for the next turn, since Meta retries a webhook until it is answered.
use std::time::Duration;

use maitre_testkit::sign_meta;

use crate::Result;
use crate::server::Server;

pub struct StatusPoster {
    http: reqwest::Client,
    /// Bodies not yet answered with 200.
    waiting: Vec<Vec<u8>>,
}

impl StatusPoster {
    /// Asks the server's fake Graph API for a `sent` status per accepted send from now on.
    pub fn new(server: &Server) -> Result<Self> {
        server.fakes.report_sent_statuses();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
        Ok(Self { http, waiting: Vec::new() })
    }

    /// Posts the statuses of sends accepted since the last turn and those still waiting; stops at the first one
    /// refused (the server is likely down) and keeps the rest for the next turn.
    pub async fn deliver(&mut self, server: &Server) {
        for body in server.fakes.take_sent_statuses() {
            self.waiting.push(serde_json::to_vec(&body).unwrap_or_default());
        }
        let url = format!("{}/webhooks/meta", server.base_url());
        let mut posted = 0;
        for body in &self.waiting {
            let answer = self
                .http
                .post(&url)
                .header("x-hub-signature-256", sign_meta(&server.app_secret, body))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await;
            if !answer.is_ok_and(|a| a.status() == reqwest::StatusCode::OK) {
                break;
            }
            posted += 1;
        }
        self.waiting.drain(..posted);
    }
}
