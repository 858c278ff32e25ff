//! Integration tests over real HTTP against a real database: SQLite by default, PostgreSQL when
//! MAITRE_TEST_DATABASE_URL points at a server (CI runs both).
mod api;
mod auth;
mod automation;
mod browser;
mod channel_claims;
mod channel_upkeep;
mod channels;
mod contacts;
mod contacts_api;
mod contacts_browser;
mod flows;
mod helpers;
mod http;
mod inbox;
mod inbox_browser;
mod inbox_nodes;
mod inbox_threads;
mod invites;
mod isolation;
mod notifications;
mod operations;
mod reservations;
mod roles;
mod webhooks;
