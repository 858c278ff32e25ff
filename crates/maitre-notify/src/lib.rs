//! Email and web push. With an SMTP URL mail goes to that server; without one it is written as `.eml` files into
//! an outbox directory, so a fresh install can still reset passwords (the README says where to look). Pushes go to
//! the push service of each member's browser ([`push`]).
#![forbid(unsafe_code)]

pub mod push;

use std::path::PathBuf;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address {0:?}")]
    Address(String),
    #[error(
        "invalid SMTP URL (expected smtps://user:pass@host, smtp://user:pass@host?tls=required or smtp://localhost:port)"
    )]
    SmtpUrl,
    #[error(
        "refusing to send mail in plain text to {0}: use smtps:// (TLS from the start) or smtp://...?tls=required \
         (STARTTLS), or set mail.allow_plaintext = true if the network to it is private"
    )]
    Plaintext(String),
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
    /// `allow_plaintext` lets `smtp_url` name a server beyond this machine without TLS (see [`plaintext_host`]).
    pub fn new(
        smtp_url: Option<&str>,
        allow_plaintext: bool,
        from: &str,
        outbox_dir: PathBuf,
    ) -> Result<Self, MailError> {
        let from = from.parse().map_err(|_| MailError::Address(from.to_owned()))?;
        let transport = match smtp_url {
            Some(url) => {
                match plaintext_host(url)? {
                    Some(host) if !allow_plaintext => return Err(MailError::Plaintext(host)),
                    _ => {}
                }
                Transport::Smtp(
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|_| MailError::SmtpUrl)?.build(),
                )
            }
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

/// The host an SMTP URL would reach without certain encryption, when that host is not this machine: `smtp://`
/// without `tls=required` sends credentials and mail in the clear (`tls=opportunistic` too, to anyone who can
/// strip the STARTTLS offer). `smtps://` is TLS from the first byte; `?tls=required` is STARTTLS or nothing.
pub fn plaintext_host(smtp_url: &str) -> Result<Option<String>, MailError> {
    let url = url::Url::parse(smtp_url).map_err(|_| MailError::SmtpUrl)?;
    let host = url.host().ok_or(MailError::SmtpUrl)?;
    let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    let encrypted = url.scheme() == "smtps" || tls.as_deref() == Some("required");
    let local = match &host {
        // `smtp` is no scheme the URL standard knows, so an IPv4 address arrives as a name.
        url::Host::Domain(name) => {
            name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    Ok((!encrypted && !local).then(|| host.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_only_to_this_machine() {
        let host = |url| plaintext_host(url).unwrap();
        assert_eq!(host("smtps://u:p@smtp.example.com"), None, "implicit TLS");
        assert_eq!(host("smtp://u:p@smtp.example.com:587?tls=required"), None, "STARTTLS required");
        assert_eq!(host("smtp://localhost:2525"), None);
        assert_eq!(host("smtp://127.0.0.1:25"), None);
        assert_eq!(host("smtp://[::1]:25"), None);
        assert_eq!(host("smtp://u:p@smtp.example.com:25").as_deref(), Some("smtp.example.com"));
        assert_eq!(host("smtp://mail.example.com?tls=opportunistic").as_deref(), Some("mail.example.com"));
        assert_eq!(host("smtp://10.0.0.5:25").as_deref(), Some("10.0.0.5"));
        assert!(matches!(plaintext_host("not a url"), Err(MailError::SmtpUrl)));
    }

    #[test]
    fn a_plaintext_server_elsewhere_is_refused_unless_allowed() {
        let outbox = std::env::temp_dir();
        let refused = Mailer::new(Some("smtp://u:secret@smtp.example.com"), false, "a@example.com", outbox.clone());
        let message = refused.err().expect("refused").to_string();
        assert!(message.contains("smtp.example.com") && message.contains("mail.allow_plaintext"), "{message}");
        assert!(!message.contains("secret"), "no password in the message");
        assert!(Mailer::new(Some("smtp://u:secret@smtp.example.com"), true, "a@example.com", outbox.clone()).is_ok());
        assert!(Mailer::new(Some("smtps://u:secret@smtp.example.com"), false, "a@example.com", outbox).is_ok());
    }
}
