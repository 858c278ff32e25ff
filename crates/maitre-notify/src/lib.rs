//! Email. With an SMTP URL mail goes to that server; without one it is written as `.eml` files into an outbox
//! directory, so a fresh install can still reset passwords (the README says where to look).
#![forbid(unsafe_code)]

use std::path::PathBuf;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address {0:?}")]
    Address(String),
    #[error("invalid SMTP URL (expected smtp://host:port or smtps://user:pass@host)")]
    SmtpUrl,
    #[error("could not build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("SMTP delivery failed: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("writing to the outbox failed: {0}")]
    Outbox(#[from] lettre::transport::file::Error),
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Sends plain-text mail. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

/// A plain-text email.
pub struct Email<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: String,
}

impl Mailer {
    pub fn new(smtp_url: Option<&str>, from: &str, outbox_dir: PathBuf) -> Result<Self, MailError> {
        let from = from.parse().map_err(|_| MailError::Address(from.to_owned()))?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|_| MailError::SmtpUrl)?.build(),
            ),
            None => Transport::Outbox(AsyncFileTransport::new(&outbox_dir), outbox_dir),
        };
        Ok(Self { from, transport })
    }

    /// Where mail goes, for the start-up log line (never includes SMTP credentials).
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP server from mail.smtp_url".to_owned(),
            Transport::Outbox(_, dir) => {
                format!("files in {} (no SMTP server configured)", dir.display())
            }
        }
    }

    pub async fn send(&self, email: Email<'_>) -> Result<(), MailError> {
        let to: Mailbox = email.to.parse().map_err(|_| MailError::Address(email.to.to_owned()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(email.body)?;
        match &self.transport {
            Transport::Smtp(t) => {
                t.send(message).await?;
            }
            Transport::Outbox(t, dir) => {
                // The file transport does not create its directory; if this fails, the send reports why.
                let _ = tokio::fs::create_dir_all(dir).await;
                t.send(message).await?;
            }
        }
        tracing::info!(subject = email.subject, "mail sent");
        Ok(())
    }
}
