//! Models, the context they act through, and the dispatch loop.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::event_set::{EventId, EventSet, EventSetLayout, Key};
use crate::observer::Observer;
use crate::random::{Purpose, RandomStream, Seed};
use crate::time::{Time, TimeError};

/// A simulation model: its own event type and what happens when one occurs.
///
/// The kernel owns the pending events and hands each to
/// [`handle`](Model::handle) at its time, in the order of the
/// [crate-level contract](crate#the-ordering-contract). The handler changes
/// the model's state and schedules, cancels or moves events through the
/// [`Context`]. Any crate can implement `Model`: the kernel needs no change
/// to run a new kind of model.
///
/// # Implementing
///
/// * Keep every random draw on a stream from [`Context::rng`] (or one made
///   from [`Context::seed`]) so that the run stays a pure function of the
///   model, its inputs and the seed.
/// * Do not read the wall clock, and do not let `HashMap` iteration order
///   decide what to schedule.
/// * `Error` is what makes a run stop with an error; use
///   [`ScheduleError`] if scheduling is all that can fail, or
///   [`core::convert::Infallible`] if nothing can.
pub trait Model {
    /// The events of this model. Often a closed `enum` of facts in the past
    /// tense (`CustomerArrived`, `CellDivided`).
    type Event;
    /// Why handling an event can fail.
    type Error;

    /// Handles `event`, which occurs now ([`Context::now`]).
    ///
    /// # Errors
    ///
    /// Whatever the model decides; the run stops and returns the error. The
    /// event has been consumed, and the state is what the handler left.
    fn handle(
        &mut self,
        event: Self::Event,
        context: &mut Context<'_, Self::Event>,
    ) -> Result<(), Self::Error>;
}

/// A handle to a pending event that can be cancelled or rescheduled.
///
/// Returned by [`Context::schedule_cancellable_at`] and
/// [`Context::schedule_cancellable_after`]. It stays the same when the event
/// is rescheduled, and becomes stale (every operation on it reports
/// "not pending") once the event has run or been cancelled, also after the
/// kernel has reused the event's storage for another event.
///
/// A handle is the event's slot in the kernel's storage (reused once the
/// event has gone) and the sequence number the event got when first
/// scheduled (never reused in a run), which is the number its `Display`
/// shows. Handles are ordered by that number: the order in which their
/// events were first scheduled.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventHandle(EventId);

/// Why an event could not be scheduled or rescheduled.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum ScheduleError {
    /// The time or delay was refused: not finite, negative, or in the past.
    Time(TimeError),
    /// The handle's event has already run or been cancelled.
    NotPending(EventHandle),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::Time(error) => error.fmt(f),
            ScheduleError::NotPending(handle) => {
                write!(f, "event {} is not pending", handle.0.seq())
            }
        }
    }
}

impl std::error::Error for ScheduleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScheduleError::Time(error) => Some(error),
            ScheduleError::NotPending(_) => None,
        }
    }
}

impl From<TimeError> for ScheduleError {
    fn from(error: TimeError) -> Self {
        ScheduleError::Time(error)
    }
}

/// The kernel's state apart from the model: clock, pending events, streams.
#[derive(Serialize, Deserialize)]
#[serde(bound(serialize = "E: Serialize", deserialize = "E: Deserialize<'de>"))]
struct Core<E> {
    now: Time,
    next_sequence: u64,
    events: EventSet<E>,
    seed: Seed,
    /// Streams created so far, sorted by purpose.
    streams: Vec<RandomStream>,
    /// The index in `streams` of the stream used last (a handler draws
    /// from one purpose many times in a row): looked at before the search.
    /// Changes only the speed of a look-up, never which stream is found.
    #[serde(skip)]
    last_stream: usize,
    dispatched: u64,
    #[serde(skip)]
    stop_requested: bool,
}

impl<E> Core<E> {
    #[inline]
    fn next_key(&mut self, at: Time) -> Result<Key, ScheduleError> {
        if at < self.now {
            return Err(TimeError::InThePast { at, now: self.now }.into());
        }
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        Ok(Key::new(at, sequence))
    }
}

/// What a model can do while it handles an event (and what a user can do to
/// set a simulation up, through [`Simulation::context`]).
pub struct Context<'a, E> {
    core: &'a mut Core<E>,
}

impl<E> Context<'_, E> {
    /// The current time: the time of the event being handled.
    #[inline]
    pub fn now(&self) -> Time {
        self.core.now
    }

    /// Schedules `event` at time `at`.
    ///
    /// # Errors
    ///
    /// [`TimeError::InThePast`] (as [`ScheduleError::Time`]) if `at` is
    /// before [`now`](Self::now).
    #[inline]
    pub fn schedule_at(&mut self, at: Time, event: E) -> Result<(), ScheduleError> {
        let key = self.core.next_key(at)?;
        self.core.events.push_plain(key, event);
        Ok(())
    }

    /// Schedules `event` `delay` days from now.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::Time`] if the delay is negative or NaN, or the time
    /// it gives is not finite.
    #[inline]
    pub fn schedule_after(&mut self, delay: f64, event: E) -> Result<(), ScheduleError> {
        let at = self.core.now.after(delay)?;
        self.schedule_at(at, event)
    }

    /// Schedules `event` at `at` and returns a handle that can cancel or move
    /// it.
    ///
    /// # Errors
    ///
    /// As [`schedule_at`](Self::schedule_at).
    ///
    /// # Panics
    ///
    /// If 2³² − 1 events with a handle are pending already.
    #[inline]
    pub fn schedule_cancellable_at(
        &mut self,
        at: Time,
        event: E,
    ) -> Result<EventHandle, ScheduleError> {
        let key = self.core.next_key(at)?;
        Ok(EventHandle(self.core.events.push_handled(key, event)))
    }

    /// Schedules `event` `delay` days from now and returns a handle that can
    /// cancel or move it.
    ///
    /// # Errors
    ///
    /// As [`schedule_after`](Self::schedule_after).
    ///
    /// # Panics
    ///
    /// As [`schedule_cancellable_at`](Self::schedule_cancellable_at).
    #[inline]
    pub fn schedule_cancellable_after(
        &mut self,
        delay: f64,
        event: E,
    ) -> Result<EventHandle, ScheduleError> {
        let at = self.core.now.after(delay)?;
        self.schedule_cancellable_at(at, event)
    }

    /// Cancels the event of `handle` and gives it back; `None` if it has
    /// already run or been cancelled. A cancelled event never runs.
    pub fn cancel(&mut self, handle: EventHandle) -> Option<E> {
        self.core.events.remove(handle.0)
    }

    /// Moves the event of `handle` to time `at`.
    ///
    /// The event gets a new sequence number, as if it had been cancelled and
    /// scheduled again now: among events at time `at` it runs after those
    /// already scheduled there.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::Time`] if `at` is in the past,
    /// [`ScheduleError::NotPending`] if the event has run or been cancelled.
    #[inline]
    pub fn reschedule_at(&mut self, handle: EventHandle, at: Time) -> Result<(), ScheduleError> {
        let id: EventId = handle.0;
        if at < self.core.now {
            // "Not pending" takes precedence over a time in the past.
            if self.core.events.key_of(id).is_none() {
                return Err(ScheduleError::NotPending(handle));
            }
            return Err(TimeError::InThePast {
                at,
                now: self.core.now,
            }
            .into());
        }
        // One look-up: the sequence number is only used up if the event is
        // pending.
        let key = Key::new(at, self.core.next_sequence);
        if !self.core.events.change_key(id, key) {
            return Err(ScheduleError::NotPending(handle));
        }
        self.core.next_sequence += 1;
        Ok(())
    }

    /// Moves the event of `handle` to `delay` days from now.
    ///
    /// # Errors
    ///
    /// As [`reschedule_at`](Self::reschedule_at).
    #[inline]
    pub fn reschedule_after(
        &mut self,
        handle: EventHandle,
        delay: f64,
    ) -> Result<(), ScheduleError> {
        let at = self.core.now.after(delay)?;
        self.reschedule_at(handle, at)
    }

    /// When the event of `handle` is due; `None` if it is not pending.
    pub fn scheduled_time(&self, handle: EventHandle) -> Option<Time> {
        self.core.events.key_of(handle.0).map(Key::time)
    }

    /// Ends the current run after this event: [`Simulation::run`] returns
    /// [`StopReason::StoppedByModel`]. Pending events stay pending, and a
    /// later run goes on from them.
    pub fn stop(&mut self) {
        self.core.stop_requested = true;
    }

    /// The random stream for `purpose`, created on first use from the run's
    /// seed. The same purpose always gives the same stream, whichever order
    /// streams are first used in.
    pub fn rng(&mut self, purpose: Purpose) -> &mut RandomStream {
        let core = &mut self.core;
        let last = core.last_stream;
        let index = if (core.streams.get(last)).is_some_and(|s| s.purpose() == purpose) {
            last
        } else {
            match (core.streams).binary_search_by_key(&purpose, RandomStream::purpose) {
                Ok(index) => index,
                Err(index) => {
                    core.streams.insert(index, core.seed.stream(purpose));
                    index
                }
            }
        };
        core.last_stream = index;
        &mut core.streams[index]
    }

    /// The run's seed, to make streams a model keeps itself.
    pub fn seed(&self) -> Seed {
        self.core.seed
    }

    /// How many events are pending.
    pub fn pending(&self) -> usize {
        self.core.events.len()
    }
}

/// When [`Simulation::run`] stops, apart from a model's
/// [`Context::stop`] and an empty queue.
///
/// ```
/// use cascade_kernel::{RunLimits, Time};
/// // Stop at day 14, or after a million events if that comes first.
/// let limits = RunLimits::until(Time::new(14.0)?).with_max_events(1_000_000);
/// assert_ne!(limits, RunLimits::none());
/// # Ok::<(), cascade_kernel::TimeError>(())
/// ```
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct RunLimits {
    until: Option<Time>,
    max_events: Option<u64>,
    stall: Option<u64>,
}

impl RunLimits {
    /// No limit: run until the queue is empty or the model stops.
    pub const fn none() -> Self {
        RunLimits {
            until: None,
            max_events: None,
            stall: None,
        }
    }

    /// Run every event due at or before `horizon`, then set the clock to
    /// `horizon`.
    pub const fn until(horizon: Time) -> Self {
        RunLimits {
            until: Some(horizon),
            max_events: None,
            stall: None,
        }
    }

    /// Dispatch at most `count` events in this run.
    pub const fn events(count: u64) -> Self {
        RunLimits {
            until: None,
            max_events: Some(count),
            stall: None,
        }
    }

    /// These limits, and at most `count` events.
    pub const fn with_max_events(self, count: u64) -> Self {
        RunLimits {
            max_events: Some(count),
            ..self
        }
    }

    /// These limits, and a stop ([`StopReason::TimeStalled`]) before an
    /// event that would be the `count + 1`-th in a row at one instant: the
    /// guard against a model
    /// whose waits vanish against the clock (`t + wait == t` in double
    /// precision, a Zeno run that would never reach its horizon). Events
    /// that share an instant by design (a batch scheduled for one day)
    /// count too, so `count` must be above the largest such batch.
    pub const fn with_stall_limit(self, count: u64) -> Self {
        RunLimits {
            stall: Some(count),
            ..self
        }
    }
}

/// Why [`Simulation::run`] returned.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// No event is pending (and no time limit was set).
    QueueEmpty,
    /// No event is pending at or before the time limit; the clock is at the
    /// limit.
    TimeLimitReached,
    /// The run dispatched its maximum number of events.
    EventLimitReached,
    /// The model called [`Context::stop`].
    StoppedByModel,
    /// The stall limit ([`RunLimits::with_stall_limit`]): that many events
    /// in a row ran at the current time, and the next one is due at it
    /// too (it has not run).
    TimeStalled,
}

/// A model and the kernel that runs it.
///
/// Create it with [`Simulation::new`], schedule the first events through
/// [`context`](Simulation::context), then [`run`](Simulation::run). With
/// `serde`, the whole simulation (clock, pending events, random streams'
/// positions and the model) serialises: a checkpoint. A restored simulation
/// continues exactly as the original would have.
#[derive(Serialize, Deserialize)]
#[serde(bound(
    serialize = "M: Serialize, M::Event: Serialize",
    deserialize = "M: Deserialize<'de>, M::Event: Deserialize<'de>"
))]
pub struct Simulation<M: Model> {
    core: Core<M::Event>,
    model: M,
}

impl<M: Model> Simulation<M> {
    /// A simulation of `model` at time zero with no pending events, its
    /// random streams keyed by `seed`.
    pub fn new(model: M, seed: Seed) -> Self {
        Self::with_layout(model, seed, EventSetLayout::default())
    }

    /// As [`new`](Self::new), choosing how pending events are stored (this
    /// never changes a trajectory; see [`EventSetLayout`]).
    pub fn with_layout(model: M, seed: Seed, layout: EventSetLayout) -> Self {
        Simulation {
            core: Core {
                now: Time::ZERO,
                next_sequence: 0,
                events: EventSet::new(layout),
                seed,
                streams: Vec::new(),
                last_stream: 0,
                dispatched: 0,
                stop_requested: false,
            },
            model,
        }
    }

    /// A context for setting up: schedule the first events, draw initial
    /// random values.
    pub fn context(&mut self) -> Context<'_, M::Event> {
        Context {
            core: &mut self.core,
        }
    }

    /// The model and a context at once, for setting up a model that
    /// schedules its own first events.
    pub fn model_and_context(&mut self) -> (&mut M, Context<'_, M::Event>) {
        (
            &mut self.model,
            Context {
                core: &mut self.core,
            },
        )
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The model, mutably (between runs).
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// The model, ending the simulation.
    pub fn into_model(self) -> M {
        self.model
    }

    /// The current time.
    pub fn now(&self) -> Time {
        self.core.now
    }

    /// How many events are pending.
    pub fn pending(&self) -> usize {
        self.core.events.len()
    }

    /// How many events have been dispatched since time zero.
    pub fn dispatched(&self) -> u64 {
        self.core.dispatched
    }

    /// The time of the next pending event.
    pub fn next_event_time(&self) -> Option<Time> {
        self.core.events.peek_key().map(Key::time)
    }

    /// The run's seed.
    pub fn seed(&self) -> Seed {
        self.core.seed
    }

    /// How pending events are stored.
    pub fn layout(&self) -> EventSetLayout {
        self.core.events.layout()
    }

    /// Dispatches events in order until a limit, a stop from the model or an
    /// empty queue; `observer` sees each event before the model handles it.
    ///
    /// # Errors
    ///
    /// The first error a handler returns; the run stops there.
    pub fn run<O: Observer<M::Event> + ?Sized>(
        &mut self,
        limits: RunLimits,
        observer: &mut O,
    ) -> Result<StopReason, M::Error> {
        self.core.stop_requested = false;
        let horizon = limits.until.map_or(u64::MAX, Time::order_bits);
        let mut budget = limits.max_events.unwrap_or(u64::MAX);
        let stall = limits.stall.unwrap_or(u64::MAX);
        // Events in a row at the current time, this one included.
        let mut at_one_instant = 0u64;
        loop {
            if budget == 0 {
                return Ok(StopReason::EventLimitReached);
            }
            if at_one_instant >= stall
                && self
                    .core
                    .events
                    .peek_key()
                    .is_some_and(|key| key.time() == self.core.now)
            {
                return Ok(StopReason::TimeStalled);
            }
            let Some((key, event)) = self.core.events.pop_until(horizon) else {
                return Ok(match limits.until {
                    Some(until) => {
                        self.core.now = self.core.now.max(until);
                        StopReason::TimeLimitReached
                    }
                    None => StopReason::QueueEmpty,
                });
            };
            budget -= 1;
            if key.time() == self.core.now {
                at_one_instant += 1;
            } else {
                at_one_instant = 1;
            }
            self.core.now = key.time();
            self.core.dispatched += 1;
            observer.observe(self.core.now, &event);
            let handled = self.model.handle(
                event,
                &mut Context {
                    core: &mut self.core,
                },
            );
            self.core.events.settle();
            handled?;
            if self.core.stop_requested {
                return Ok(StopReason::StoppedByModel);
            }
        }
    }

    /// Runs, unobserved, every event due at or before `horizon`.
    ///
    /// # Errors
    ///
    /// As [`run`](Self::run).
    pub fn run_until(&mut self, horizon: Time) -> Result<StopReason, M::Error> {
        self.run(RunLimits::until(horizon), &mut ())
    }

    /// Dispatches the next event, if any; `Ok(false)` when none is pending.
    ///
    /// # Errors
    ///
    /// As [`run`](Self::run).
    pub fn step<O: Observer<M::Event> + ?Sized>(
        &mut self,
        observer: &mut O,
    ) -> Result<bool, M::Error> {
        let reason = self.run(RunLimits::events(1), observer)?;
        Ok(reason != StopReason::QueueEmpty)
    }
}

impl<M: Model + fmt::Debug> fmt::Debug for Simulation<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulation")
            .field("now", &self.core.now)
            .field("pending", &self.core.events.len())
            .field("dispatched", &self.core.dispatched)
            .field("seed", &self.core.seed)
            .field("model", &self.model)
            .finish()
    }
}
