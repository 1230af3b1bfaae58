//! The hold model, on the kernel and on a plain `BinaryHeap`, shared by the
//! `hold` example and the `hold` benchmark.
//!
//! The hold model (Vaucher & Duval 1975) is the classic event-set benchmark:
//! `pending` entities each have one pending event; dispatching an entity's
//! event schedules its next one at `now + Exp(1)`. So the queue size stays
//! constant and each hold is one pop and one push.
//!
//! The *reschedule* variant: every event has a handle, and each hold also
//! moves one other entity, picked at random, to `now + Exp(1)`. The baseline
//! heap does that the usual way for a heap without handles: it pushes a new
//! entry and skips the old one when it surfaces (lazy deletion, with a
//! version number per entity).
//!
//! Both sides draw from the same kind of stream with the same sampler, so
//! the difference is the event-set and dispatch machinery alone.

#![allow(dead_code)]

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use cascade_kernel::distributions::{Distribution, Exponential, UniformInt};
use cascade_kernel::{
    Context, EventHandle, EventSetLayout, Model, Purpose, RandomStream, RunLimits, ScheduleError,
    Seed, Simulation, StopReason, Time,
};

const HOLD: Purpose = Purpose::new("hold");

fn unit_exponential() -> Exponential {
    Exponential::new(1.0).expect("rate 1 is valid")
}

/// Hold on the kernel: the event is the entity's index.
pub struct KernelHold {
    wait: Exponential,
}

impl Model for KernelHold {
    type Event = u32;
    type Error = ScheduleError;

    #[inline]
    fn handle(&mut self, entity: u32, ctx: &mut Context<'_, u32>) -> Result<(), ScheduleError> {
        let delay = self.wait.sample(ctx.rng(HOLD));
        ctx.schedule_after(delay, entity)
    }
}

/// A kernel simulation with `pending` entities, each with one event.
pub fn kernel_hold(pending: u32, seed: u64) -> Simulation<KernelHold> {
    let wait = unit_exponential();
    let mut sim = Simulation::new(KernelHold { wait }, Seed::new(seed));
    let mut ctx = sim.context();
    for entity in 0..pending {
        let delay = wait.sample(ctx.rng(HOLD));
        ctx.schedule_after(delay, entity).expect("finite delay");
    }
    sim
}

/// Runs `holds` holds; returns the time reached (to keep the work observable).
pub fn run_kernel_hold(sim: &mut Simulation<KernelHold>, holds: u64) -> Time {
    let stop = sim
        .run(RunLimits::events(holds), &mut ())
        .expect("hold schedules only finite delays");
    assert_eq!(stop, StopReason::EventLimitReached);
    sim.now()
}

/// Hold with handles on the kernel: each hold also moves one random entity.
pub struct KernelReschedule {
    wait: Exponential,
    pick: UniformInt,
    handles: Vec<EventHandle>,
}

impl Model for KernelReschedule {
    type Event = u32;
    type Error = ScheduleError;

    #[inline]
    fn handle(&mut self, entity: u32, ctx: &mut Context<'_, u32>) -> Result<(), ScheduleError> {
        let rng = ctx.rng(HOLD);
        let delay = self.wait.sample(rng);
        let other = self.pick.sample(rng) as usize;
        let other_delay = self.wait.sample(rng);
        self.handles[entity as usize] = ctx.schedule_cancellable_after(delay, entity)?;
        ctx.reschedule_after(self.handles[other], other_delay)
    }
}

/// A kernel simulation of the reschedule variant, in the default layout.
pub fn kernel_reschedule(pending: u32, seed: u64) -> Simulation<KernelReschedule> {
    kernel_reschedule_with(pending, seed, EventSetLayout::default())
}

/// [`kernel_reschedule`] with the event set's layout chosen.
pub fn kernel_reschedule_with(
    pending: u32,
    seed: u64,
    layout: EventSetLayout,
) -> Simulation<KernelReschedule> {
    let wait = unit_exponential();
    let pick = UniformInt::new(u64::from(pending)).expect("at least one entity");
    let model = KernelReschedule {
        wait,
        pick,
        handles: Vec::with_capacity(pending as usize),
    };
    let mut sim = Simulation::with_layout(model, Seed::new(seed), layout);
    let mut handles = Vec::with_capacity(pending as usize);
    let mut ctx = sim.context();
    for entity in 0..pending {
        let delay = wait.sample(ctx.rng(HOLD));
        handles.push(
            ctx.schedule_cancellable_after(delay, entity)
                .expect("finite delay"),
        );
    }
    sim.model_mut().handles = handles;
    sim
}

/// Runs `holds` holds of the reschedule variant.
pub fn run_kernel_reschedule(sim: &mut Simulation<KernelReschedule>, holds: u64) -> Time {
    let stop = sim
        .run(RunLimits::events(holds), &mut ())
        .expect("hold schedules only finite delays");
    assert_eq!(stop, StopReason::EventLimitReached);
    sim.now()
}

/// A baseline heap entry: `(f64 time, sequence)` keys, as a hand-written
/// simulation loop would have them.
struct Entry {
    time: f64,
    seq: u64,
    entity: u32,
    version: u32,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` is a max-heap.
        other
            .time
            .partial_cmp(&self.time)
            .expect("times are not NaN")
            .then(other.seq.cmp(&self.seq))
    }
}

/// The baseline: a plain `BinaryHeap` loop with no kernel around it.
pub struct BaselineHold {
    heap: BinaryHeap<Entry>,
    now: f64,
    seq: u64,
    rng: RandomStream,
    wait: Exponential,
    pick: UniformInt,
    versions: Vec<u32>,
}

impl BaselineHold {
    /// `pending` entities, each with one event.
    pub fn new(pending: u32, seed: u64) -> Self {
        let mut baseline = BaselineHold {
            heap: BinaryHeap::with_capacity(pending as usize),
            now: 0.0,
            seq: 0,
            rng: Seed::new(seed).stream(HOLD),
            wait: unit_exponential(),
            pick: UniformInt::new(u64::from(pending)).expect("at least one entity"),
            versions: vec![0; pending as usize],
        };
        for entity in 0..pending {
            baseline.push(entity);
        }
        baseline
    }

    #[inline]
    fn push(&mut self, entity: u32) {
        let time = self.now + self.wait.sample(&mut self.rng);
        self.heap.push(Entry {
            time,
            seq: self.seq,
            entity,
            version: self.versions[entity as usize],
        });
        self.seq += 1;
    }

    /// Runs `holds` holds; returns the time reached.
    pub fn run_hold(&mut self, holds: u64) -> f64 {
        for _ in 0..holds {
            let entry = self.heap.pop().expect("the hold keeps the heap full");
            self.now = entry.time;
            self.push(entry.entity);
        }
        self.now
    }

    /// Runs `holds` holds of the reschedule variant (lazy deletion).
    pub fn run_reschedule(&mut self, holds: u64) -> f64 {
        let mut done = 0;
        while done < holds {
            let entry = self.heap.pop().expect("the hold keeps the heap full");
            if entry.version != self.versions[entry.entity as usize] {
                continue; // moved since: stale
            }
            self.now = entry.time;
            self.push(entry.entity);
            let other = self.pick.sample(&mut self.rng) as u32;
            self.versions[other as usize] = self.versions[other as usize].wrapping_add(1);
            self.push(other);
            done += 1;
        }
        self.now
    }
}
