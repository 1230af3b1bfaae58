//! The metastatic cascade as a model on the `cascade-kernel`.
//!
//! Not built yet: this crate is where issue 3 (the per-cell exact model of
//! `MODEL.md`: organs and the vascular graph, clones, sites, the cascade's
//! events and observables) lands. It depends on the kernel and nothing else
//! of ours, like any user's model would.

pub use cascade_kernel as kernel;
