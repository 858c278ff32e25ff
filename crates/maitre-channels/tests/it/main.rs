//! Integration tests for maitre-channels, run against the shared fixtures copied byte for byte
//! into `tests/fixtures/`. One test binary for the crate keeps link time down.

mod egress;
mod hostile;
mod instagram;
mod messenger;
mod outbound_bodies;
mod outbound_errors;
mod outbound_limits;
mod outbound_tokens;
mod send_errors;
mod signatures;
mod support;
mod telegram;
mod whatsapp;
