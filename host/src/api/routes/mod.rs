//! One module per resource. Each exposes `router()`, whose handlers carry their OpenAPI description.

pub mod account;
pub mod capabilities;
pub mod catalog;
pub mod config;
pub mod controls;
pub mod events;
pub mod exec;
pub mod followups;
pub mod health;
pub mod hosts;
pub mod jobs;
pub mod login;
pub mod limits;
pub mod notes;
pub mod plugins;
pub mod projects;
pub mod requests;
pub mod routines;
pub mod sessions;
pub mod settings;
pub mod stream;
pub mod thread_ops;
pub mod turns;

#[cfg(test)]
mod reply_types;
