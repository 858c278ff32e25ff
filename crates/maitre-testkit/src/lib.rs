//! Test support shared by maitre's crates: a fresh database per test on either backend, an SMTP sink that
//! speaks real SMTP, and a headless Chromium driven over WebDriver.
#![forbid(unsafe_code)]

mod browser;
mod db;
mod smtp;

pub use browser::Browser;
pub use db::{TestDb, backend_name};
pub use smtp::{Received, SmtpSink};
