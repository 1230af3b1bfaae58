//! The metastatic cascade as a model on the `cascade-kernel`.
//!
//! This crate turns the project's specification of the cascade (after
//! Fidler 1988, `docs/references.md#the-seed-paper-fidler-1988`) into a
//! kernel [`Model`](cascade_kernel::Model): organs and the
//! vascular graph ([`organs`]), clones with heritable, mutable phenotypes
//! ([`clones`]), sites that grow by a chosen law, and every step of the
//! cascade as an event ([`model::CascadeEvent`]). It is the exact mode: the
//! reference semantics that faster modes are tested against. `docs/model.md`
//! describes the model for a scientist who will not read the code.
//!
//! ```
//! use cascade_biology::{
//!     clones::MutationEffect,
//!     config::{default_phenotype, CascadeConfig, FoundingClone, Injection},
//!     organs::OrganSet,
//!     simulation, CloneId, NoExtension,
//! };
//! use cascade_kernel::{Seed, Time};
//!
//! // 1,000 B16-like cells into a mouse's tail vein; look at day 1.
//! let organs = OrganSet::mouse();
//! let lung = organs.id("lung").expect("the mouse set has a lung");
//! let clone = FoundingClone { name: "B16".into(), phenotype: default_phenotype(&organs) };
//! let entry = organs.vein("tail_vein").expect("the mouse set has a tail vein").clone();
//! let mut config = CascadeConfig::new(organs, vec![clone]);
//! config.injections.push(Injection {
//!     day: 0.0,
//!     entry,
//!     cells: vec![(CloneId(0), 1_000)],
//!     clump_size: None,
//! });
//! config.mutation_effect = MutationEffect::NONE;
//!
//! let mut sim = simulation(config, NoExtension, Seed::new(1))?;
//! sim.run_until(Time::new(1.0)?)?;
//! let state = sim.model().state();
//! state.check_conservation()?;
//! assert_eq!(state.funnel().total().injected, 1_000);
//! assert!(state.funnel().organ(lung).arrested > 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod angiogenesis;
pub mod clones;
mod clump_behaviour;
pub mod config;
pub mod model;
pub mod observables;
pub mod organs;
pub mod rates;
pub mod reseeding;
/// Random small scenarios for property tests (with the feature `strategies`).
#[cfg(feature = "strategies")]
pub mod strategies;
pub mod therapy;

pub use cascade_kernel as kernel;
pub use clones::CloneId;
pub use model::{
    Cascade, CascadeError, CascadeEvent, CascadeState, Extension, NoExtension, SiteId,
};
pub use organs::OrganId;

use cascade_kernel::{EventSetLayout, Seed, Simulation};

/// A simulation of `config` with `extension`, its first events scheduled,
/// ready to run.
///
/// # Errors
///
/// [`SetupError::Config`] names the first invalid field of `config`.
pub fn simulation<X: Extension>(
    config: config::CascadeConfig,
    extension: X,
    seed: Seed,
) -> Result<Simulation<Cascade<X>>, SetupError> {
    simulation_with_layout(config, extension, seed, EventSetLayout::default())
}

/// [`simulation`] with the kernel's event set in `layout` (which never
/// changes a trajectory: tests compare the layouts' digests).
///
/// # Errors
///
/// As [`simulation`].
pub fn simulation_with_layout<X: Extension>(
    config: config::CascadeConfig,
    extension: X,
    seed: Seed,
    layout: EventSetLayout,
) -> Result<Simulation<Cascade<X>>, SetupError> {
    let model = Cascade::new(config, extension).map_err(SetupError::Config)?;
    let mut sim = Simulation::with_layout(model, seed, layout);
    let (model, mut ctx) = sim.model_and_context();
    model.start(&mut ctx).map_err(SetupError::Start)?;
    Ok(sim)
}

/// Why a simulation could not be set up.
#[derive(Clone, Debug, PartialEq)]
pub enum SetupError {
    /// A field of the configuration is invalid.
    Config(config::ConfigError),
    /// The first events could not be scheduled (a validated configuration
    /// does not get this).
    Start(CascadeError),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::Config(error) => error.fmt(f),
            SetupError::Start(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for SetupError {}
