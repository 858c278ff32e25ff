//! Test support shared by maitre's crates: a fresh database per test on either backend, an SMTP sink that
//! speaks real SMTP, a headless Chromium driven over WebDriver (feature `browser`), and the fake platform APIs
//! of `maitre-fakes`, re-exported so tests need one import path.
#![forbid(unsafe_code)]

#[cfg(feature = "browser")]
mod browser;
mod db;
mod smtp;

#[cfg(feature = "browser")]
pub use browser::{Browser, LAPTOP, PHONE};
pub use db::{TestDb, backend_name};
pub use maitre_fakes::{
    AI_KEY, FakePlatforms, Fault, GRAPH_VERSION, IG_LONG_TOKEN, Observed, PAGE_TOKEN, REFRESHED_EXPIRES_IN,
    RecordedRequest, SentMessage, TokenInfo, sign_meta, sign_stripe,
};
pub use smtp::{Received, SmtpSink};
