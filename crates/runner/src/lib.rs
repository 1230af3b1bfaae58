//! The `cascade` command as a library: scenario files ([`scenario`]), one
//! replicate's run and tables ([`run`]; its clone and site trees and
//! clonal prevalence, [`trees`]), the output directory ([`output`]),
//! the summary over replicates ([`summary`]), running replicates and
//! finishing a run ([`execute`]), the exports rewritten from a run's store
//! ([`export`]), the validation suite against published experiments
//! ([`validation`]), a run's report and figures ([`report`]) and the
//! command line ([`cli`]).
//!
//! Its modules are in layers that import only downwards: the scenario
//! format, execution and the store, sweeps, shards and Slurm, reports, and
//! a thin command line on top (`docs/ARCHITECTURE.md`).
//!
//! A lab with its own events implements
//! [`ScenarioExtension`] for its
//! [`Extension`](cascade_biology::Extension) and calls [`cli::main`] from a
//! binary of its own; see `examples/custom_events.rs`.

pub mod cli;
pub mod execute;
pub mod export;
pub mod files;
pub mod golden;
pub mod hash;
pub mod locate;
pub mod output;
#[cfg(feature = "parquet")]
pub mod parquet_tables;
pub mod progress;
pub mod report;
/// The `parquet` crate this build writes with, for reading the files back.
#[cfg(feature = "parquet")]
pub use parquet;
pub mod run;
pub mod scenario;
pub mod schema;
pub mod shards;
pub mod slurm;
pub mod store;
pub mod summary;
/// The sweep section of a scenario file (a child of [`scenario`], whose
/// types it is built on).
pub use scenario::sweep;
pub mod therapy_report;
pub mod trees;
pub mod validation;

pub use scenario::{Scenario, ScenarioError, ScenarioExtension, load, parse};
