//! Where each cell outside the sites came from, and where each cell that
//! founded or joined a lesion came from (issue 23's provenance): plain
//! data, below `Places` and `Records`, importing nothing of the model's
//! features.
//!
//! A cell in a pool carries its [`Origin`]: the site that shed it (or the
//! injection that put it in the blood) and the day it entered the blood.
//! A pool keeps its cells' origins as runs of equal origins
//! ([`Origins`]), so an injection's cells, which share one origin, cost
//! one run however many they are, and a shed cell costs one. The cell a
//! fate takes from a pool is any of its cells with the same chance (the
//! cells of a pool are alike, so which one met the fate is uniform among
//! them): the model draws it from its own stream, `cascade.provenance`,
//! and only when the pool holds more than one origin, so no other stream
//! moves and no trajectory changes.
//!
//! In cohort mode (`PoolMode::Cohorts`) the doomed cells are counts
//! without origins; the cells the pools follow keep theirs, but a cell
//! made a founding one again by `split_again` (after new rates) came
//! from the counts and has none: its [`CellArrival`] has no source.

use cascade_kernel::Time;
use serde::{Deserialize, Serialize};

use super::site::SiteId;
use crate::clones::CloneId;
use crate::organs::OrganId;

/// What put a cell into the blood.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Source {
    /// A site (the primary or a metastasis) shed it.
    Site(SiteId),
    /// The protocol's injection (its index in the configuration) put it
    /// there.
    Injection(u32),
}

/// Where a cell came from and when it entered the blood.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    /// The site that shed it, or the injection.
    pub source: Source,
    /// The day it entered the blood (shed, or injected). A cell shed by a
    /// site in counted steps carries the day of the step's end.
    pub shed_day: f64,
}

impl Origin {
    /// A cell shed by `site` at `now`.
    pub fn shed(site: SiteId, now: Time) -> Self {
        Origin {
            source: Source::Site(site),
            shed_day: now.days(),
        }
    }

    /// A cell of injection `injection`, given at `now`.
    pub fn injected(injection: u32, now: Time) -> Self {
        Origin {
            source: Source::Injection(injection),
            shed_day: now.days(),
        }
    }
}

/// How a cell became part of a lesion.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArrivalKind {
    /// It founded a metastasis (a solitary cell's first division, or a
    /// cell of a clump that extravasated).
    Founded,
    /// It joined an existing lesion (reseeding, `CellJoinedLesion`).
    Joined,
}

/// Cells of one clone and one origin that founded or joined a lesion at
/// one instant: one row of `arrivals.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellArrival {
    /// The lesion.
    pub site: SiteId,
    /// Its organ.
    pub organ: OrganId,
    /// The cells' clone.
    pub clone: CloneId,
    /// How many cells (1 for a single cell, a clone's cells in a clump).
    pub cells: u64,
    /// Where they came from (`None`: a cell of cohort mode made a
    /// founding one from the doomed counts, which keep no origins).
    pub origin: Option<Origin>,
    /// When they founded or joined the lesion.
    pub day: f64,
    /// Founded or joined.
    pub kind: ArrivalKind,
}

/// The origins of a pool's cells, as runs of equal origins. It may hold
/// fewer cells than its pool (cohort mode: cells with no origin), never
/// more.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Origins(Vec<(Origin, u64)>);

impl Origins {
    /// Whether it holds no origin.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Cells with an origin.
    fn known(&self) -> u64 {
        self.0.iter().map(|&(_, n)| n).sum()
    }

    /// Adds `count` cells of `origin` (merged into the last run if equal).
    pub(super) fn add(&mut self, origin: Origin, count: u64) {
        if count == 0 {
            return;
        }
        match self.0.last_mut() {
            Some((last, n)) if *last == origin => *n += count,
            _ => self.0.push((origin, count)),
        }
    }

    /// How many cells a choice among a pool of `cells` cells is drawn
    /// from, or `None` when every cell has the same origin, or none has
    /// one (no draw needed).
    pub(super) fn choice_among(&self, cells: u64) -> Option<u64> {
        let alike = match self.0.as_slice() {
            [] => true,
            [(_, n)] => *n == cells,
            _ => false,
        };
        (!alike && cells > 1).then_some(cells)
    }

    /// Takes the cell at position `pick` (in run order, the cells without
    /// an origin last) from a pool of `cells`: its origin, or `None` for
    /// a cell without one. `pick` is ignored when
    /// [`choice_among`](Self::choice_among) needed no draw.
    pub(super) fn take(&mut self, cells: u64, pick: Option<u64>) -> Option<Origin> {
        let mut pick = match pick {
            Some(pick) => pick,
            // Every cell alike: the first run's, if any.
            None if self.0.is_empty() => return None,
            None => 0,
        };
        debug_assert!(pick < cells.max(1) && self.known() <= cells);
        if self.0.len() as u64 == cells {
            // One cell a run (shed cells, each of its own day): the pick
            // is the run, found at once.
            let at = pick as usize;
            return Some(self.0.swap_remove(at).0);
        }
        for i in 0..self.0.len() {
            let (origin, n) = self.0[i];
            if pick < n {
                if n == 1 {
                    self.0.swap_remove(i);
                } else {
                    self.0[i].1 -= 1;
                }
                return Some(origin);
            }
            pick -= n;
        }
        None
    }

    /// Keeps at most `cells` origins (cohort mode's split again), taking
    /// the others at the positions `pick` draws.
    pub(super) fn keep_at_most(&mut self, cells: u64, mut pick: impl FnMut(u64) -> u64) {
        let mut known = self.known();
        while known > cells {
            let at = pick(known);
            self.take(known, Some(at));
            known -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(site: u32, day: f64) -> Origin {
        Origin {
            source: Source::Site(SiteId(site)),
            shed_day: day,
        }
    }

    #[test]
    fn equal_origins_share_a_run_and_need_no_draw() {
        let mut origins = Origins::default();
        origins.add(Origin::injected(0, Time::ZERO), 1000);
        origins.add(Origin::injected(0, Time::ZERO), 5);
        assert_eq!(origins.0.len(), 1);
        assert_eq!(origins.choice_among(1005), None);
        let taken = origins.take(1005, None);
        assert_eq!(taken, Some(Origin::injected(0, Time::ZERO)));
        assert_eq!(origins.known(), 1004);
    }

    #[test]
    fn a_pick_takes_the_cell_at_its_position_and_unknown_cells_come_last() {
        let mut origins = Origins::default();
        origins.add(origin(0, 1.0), 2);
        origins.add(origin(1, 2.0), 1);
        // 3 with origins and 1 without.
        assert_eq!(origins.choice_among(4), Some(4));
        assert_eq!(origins.take(4, Some(3)), None);
        assert_eq!(origins.take(3, Some(2)), Some(origin(1, 2.0)));
        assert_eq!(origins.take(2, Some(1)), Some(origin(0, 1.0)));
        assert_eq!(origins.take(1, None), Some(origin(0, 1.0)));
        assert!(origins.is_empty());
        assert_eq!(origins.take(0, None), None);
    }

    #[test]
    fn with_one_cell_a_run_the_pick_is_the_run() {
        let mut origins = Origins::default();
        for site in 0..3 {
            origins.add(origin(site, f64::from(site)), 1);
        }
        assert_eq!(origins.take(3, Some(1)), Some(origin(1, 1.0)));
        assert_eq!(origins.take(2, Some(1)), Some(origin(2, 2.0)));
        assert_eq!(origins.take(1, None), Some(origin(0, 0.0)));
    }

    #[test]
    fn keeping_fewer_takes_the_surplus() {
        let mut origins = Origins::default();
        origins.add(origin(0, 1.0), 3);
        origins.add(origin(1, 1.5), 2);
        origins.keep_at_most(2, |n| n - 1);
        assert_eq!(origins.known(), 2);
        origins.keep_at_most(5, |_| unreachable!("nothing to drop"));
        assert_eq!(origins.known(), 2);
    }
}
