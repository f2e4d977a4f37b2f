//! Integration tests, in one binary: the real app on a local port, a fresh database per test
//! (SQLite always, PostgreSQL too when `HEARD_TEST_POSTGRES_URL` is set), a real SMTP server.

mod helpers;
mod smtp;

mod admin;
mod brand;
mod browser;
mod caching;
mod cases;
mod cli;
mod csrf;
mod delivery;
mod durability;
mod emails;
mod faces;
mod featuring;
mod finding;
mod health;
mod html;
mod http;
mod idempotency;
mod intake;
mod json_api;
mod key_rotation;
mod mail;
mod managers;
mod migrations;
mod moderation;
mod openapi;
mod operations;
mod people_import;
mod permissions;
mod pg_restart;
mod privacy;
mod processes;
mod properties;
mod rate_limits;
mod recognition;
mod schedule;
mod scrubbing;
mod setup;
mod staff;
mod upgrades;
mod wall;
mod wall_about;
mod xss;
