//! Test support shared by maitre's crates: a fresh database per test on either backend, an SMTP sink that
//! speaks real SMTP, a headless Chromium driven over WebDriver, and fake Graph and Telegram APIs.
#![forbid(unsafe_code)]

mod browser;
mod db;
mod fakes;
mod smtp;

pub use browser::Browser;
pub use db::{TestDb, backend_name};
pub use fakes::{
    AI_KEY, FakePlatforms, Fault, GRAPH_VERSION, IG_LONG_TOKEN, Observed, PAGE_TOKEN, REFRESHED_EXPIRES_IN,
    RecordedRequest, SentMessage, TokenInfo, sign_meta,
};
pub use smtp::{Received, SmtpSink};
