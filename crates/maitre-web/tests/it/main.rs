//! Integration tests over real HTTP against a real database: SQLite by default, PostgreSQL when
//! MAITRE_TEST_DATABASE_URL points at a server (CI runs both).
mod api;
mod auth;
mod browser;
mod channels;
mod contacts;
mod helpers;
mod http;
mod invites;
mod isolation;
mod operations;
mod reservations;
mod roles;
mod webhooks;
