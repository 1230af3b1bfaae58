//! A small, generic, deterministic discrete-event simulation kernel.
//!
//! This crate is for people writing simulation models: it runs any model
//! that implements [`Model`], and knows nothing of what the model is about.
//! `cascade-biology` (the metastatic cascade) is one client; an M/M/1 queue
//! and a birth–death process in `examples/` are two others.
//!
//! A run is a pure function of the model, its inputs and the [`Seed`]: the
//! same inputs give the same sequence of events, bit for bit, on every
//! platform, build profile and thread count, and the [`TraceDigest`] of that
//! sequence is what regression tests pin.
//!
//! # Writing a model
//!
//! A model has its own event type and a handler. The handler acts through a
//! [`Context`]: the current time, scheduling (at a time or after a delay),
//! cancelling and moving events by handle, stopping the run, and random
//! streams.
//!
//! ```
//! use cascade_kernel::{Context, Model, Purpose, ScheduleError, Seed, Simulation, Time};
//! use cascade_kernel::distributions::{Distribution, Exponential};
//!
//! /// Cells that each divide at rate 1 per day.
//! struct Culture { cells: u64 }
//! struct CellDivided;
//!
//! const DIVISION: Purpose = Purpose::new("division");
//!
//! impl Model for Culture {
//!     type Event = CellDivided;
//!     type Error = ScheduleError;
//!     fn handle(&mut self, _: CellDivided, ctx: &mut Context<'_, CellDivided>) -> Result<(), ScheduleError> {
//!         self.cells += 1;
//!         let wait = Exponential::new(1.0).expect("rate is positive");
//!         for _ in 0..2 {
//!             let delay = wait.sample(ctx.rng(DIVISION));
//!             ctx.schedule_after(delay, CellDivided)?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let mut sim = Simulation::new(Culture { cells: 1 }, Seed::new(42));
//! sim.context().schedule_at(Time::ZERO, CellDivided)?;
//! sim.run_until(Time::new(3.0)?)?;
//! assert!(sim.model().cells > 1);
//! assert_eq!(sim.now(), Time::new(3.0)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The ordering contract
//!
//! Every pending event has a key `(time, sequence number)`. The sequence
//! number is given when the event is scheduled (and given anew when it is
//! rescheduled) from a counter that only increases, so no two events share a
//! key. Events are dispatched in increasing key order:
//!
//! * time never decreases: [`Context::now`] during a handler is the time of
//!   the event handled, and no event can be scheduled before it
//!   ([`TimeError::InThePast`]);
//! * events at the same instant run in the order they were scheduled
//!   (first in, first out);
//! * a rescheduled event runs after the events already scheduled at its new
//!   time;
//! * a cancelled event never runs.
//!
//! Nothing else enters the order: not the layout of the queues, not hash
//! values, not the wall clock. How the pending events are stored is
//! explained in [`EventSetLayout`]: plain events and events with a handle
//! live in two structures, and the kernel pops the smaller key of the two.
//!
//! # Randomness
//!
//! Random numbers come from [`RandomStream`]s keyed by (seed, replicate,
//! [`Purpose`]), see [`random`]. The samplers in [`distributions`] give the
//! same bits on every platform: they never call the platform's maths
//! library (clippy's `disallowed-methods` forbids `f64::ln`, `exp`, `powf`
//! and the like in this workspace).
//!
//! # Running
//!
//! [`Simulation::run`] dispatches events until a time, a number of events
//! ([`RunLimits`]), a [`Context::stop`] from the model, or an empty queue,
//! and says which ([`StopReason`]). An [`Observer`] sees every dispatched
//! event and cannot change the trajectory.
//!
//! # Checkpoints
//!
//! A [`Simulation`] whose model and events implement serde's traits
//! serialises whole: clock, sequence counter, pending events, random
//! streams' positions and the model. Restoring it and running on gives the
//! same events, and so the same digest, as the run that never stopped.
//!
//! # What the kernel does not do
//!
//! No IO, no threads, no wall clock, no logging. Replicates in parallel,
//! scenario files and output belong to the runner.

#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod clock;
pub mod distributions;
mod event_set;
mod observer;
pub mod random;
mod simulation;
mod time;

pub use event_set::EventSetLayout;
pub use observer::{Observer, TraceDigest, TraceEvent};
pub use random::{Purpose, RandomStream, Seed};
pub use simulation::{
    Context, EventHandle, Model, RunLimits, ScheduleError, Simulation, StopReason,
};
pub use time::{Time, TimeError};
