//! Workspace integration tests: one binary (wired from the runner crate's
//! manifest), run by `cargo test --workspace`. Tests that run the real
//! `cascade` command go in `cli`; scenario-file tests join them with the
//! runner (issue 4).

mod broken;
mod cli;
mod clumps;
mod colonisation;
mod diversity;
mod dormancy;
mod export;
mod extension;
mod fields;
mod figures;
mod limits;
mod mechanisms;
mod migrations;
mod options;
mod organs;
mod patterns;
mod report;
mod reseeding;
mod routes;
mod run;
mod sources;
mod store;
mod summary;
mod sweep;
mod therapy;
mod trees;
