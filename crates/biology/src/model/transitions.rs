//! The fates of a single cell outside the sites, as one table: for each
//! compartment, its fates in the order their clocks are drawn, where each
//! takes the cell and which funnel counter it adds to. The hazards are in
//! `CascadeState::hazard` (a child of `model`), one arm per fate.
//!
//! The table drives the pools' clocks (`fill_pool_channels`), the
//! handler (`CascadeState::transition`), the cohorts' chains
//! (`build_chain`, `condition_on_founding`, `book_move`) and the events
//! ([`CascadeEvent::from_pool`](super::CascadeEvent)): a fate added here
//! is added everywhere.
//!
//! Two of issue 21's events are not rows, because they are not a single
//! cell's fate with a clock of its own: `CellJoinedLesion` (reseeding) is
//! where an `Extravasated` cell may go instead of the solitary pool, drawn
//! at its extravasation from a stream of its own (`model/reseeding.rs`),
//! and `ClumpDissociated` is a clump's fate (`model/clumps.rs`), whose
//! clocks are drawn by the clump. A row for either would draw clocks for
//! every cell, changing every trajectory.

use super::{Compartment, PoolFate};
use crate::observables::Funnel;

/// Where a fate takes a cell.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// Another compartment of the same organ.
    Pool(Compartment),
    /// In transit to the next bed downstream (the organ it drains to, or
    /// one drawn by cardiac-output share from the arterial side).
    Downstream,
    /// It dies.
    Died,
    /// It divides, founding a metastasis in the organ.
    Founded,
}

/// One row of the table.
#[derive(Copy, Clone)]
pub(super) struct Transition {
    /// The fate.
    pub fate: PoolFate,
    /// The compartment whose cells face it.
    pub from: Compartment,
    /// Where it takes the cell.
    pub next: Target,
    /// The funnel counter it adds to, in the organ of the pool.
    pub counter: fn(&mut Funnel) -> &mut u64,
}

use Compartment::{Arrested, Dormant, InTransit, Solitary};

/// Every fate, in [`PoolFate`] order (so `TABLE[fate.index()]` is its
/// row), each compartment's fates together in the order their clocks are
/// drawn.
pub(super) const TABLE: [Transition; PoolFate::COUNT] = [
    Transition {
        fate: PoolFate::Arrested,
        from: InTransit,
        next: Target::Pool(Arrested),
        counter: |f| &mut f.arrested,
    },
    Transition {
        fate: PoolFate::Passed,
        from: InTransit,
        next: Target::Downstream,
        counter: |f| &mut f.passed,
    },
    Transition {
        fate: PoolFate::DiedInCirculation,
        from: InTransit,
        next: Target::Died,
        counter: |f| &mut f.died_in_circulation,
    },
    Transition {
        fate: PoolFate::Extravasated,
        from: Arrested,
        next: Target::Pool(Solitary),
        counter: |f| &mut f.extravasated,
    },
    Transition {
        fate: PoolFate::DiedInVessel,
        from: Arrested,
        next: Target::Died,
        counter: |f| &mut f.died_in_vessel,
    },
    Transition {
        fate: PoolFate::DiedInParenchyma,
        from: Solitary,
        next: Target::Died,
        counter: |f| &mut f.died_in_parenchyma,
    },
    Transition {
        fate: PoolFate::EnteredDormancy,
        from: Solitary,
        next: Target::Pool(Dormant),
        counter: |f| &mut f.entered_dormancy,
    },
    Transition {
        fate: PoolFate::Divided,
        from: Solitary,
        next: Target::Founded,
        counter: |f| &mut f.micrometastases,
    },
    Transition {
        fate: PoolFate::LeftDormancy,
        from: Dormant,
        next: Target::Pool(Solitary),
        counter: |f| &mut f.left_dormancy,
    },
    Transition {
        fate: PoolFate::DormantDied,
        from: Dormant,
        next: Target::Died,
        counter: |f| &mut f.died_dormant,
    },
];

impl PoolFate {
    /// Its row of the table.
    pub(super) fn transition(self) -> &'static Transition {
        &TABLE[self.index()]
    }

    /// The fates of a cell in `compartment`, in the order their clocks
    /// are drawn.
    pub(super) fn of(compartment: Compartment) -> &'static [Transition] {
        let (start, end) = match compartment {
            InTransit => (0, 3),
            Arrested => (3, 5),
            Solitary => (5, 8),
            Dormant => (8, 10),
        };
        &TABLE[start..end]
    }
}

/// The row of the fate by which a cell in `compartment` dies (a lookup,
/// not a search: cohort mode books doomed cells' deaths by it in bulk).
pub(super) fn death_in(compartment: Compartment) -> &'static Transition {
    &TABLE[match compartment {
        InTransit => PoolFate::DiedInCirculation,
        Arrested => PoolFate::DiedInVessel,
        Solitary => PoolFate::DiedInParenchyma,
        Dormant => PoolFate::DormantDied,
    }
    .index()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_is_its_fates_index_and_each_compartment_its_own_rows() {
        for (i, row) in TABLE.iter().enumerate() {
            assert_eq!(row.fate.index(), i);
        }
        for compartment in [InTransit, Arrested, Solitary, Dormant] {
            let rows = PoolFate::of(compartment);
            assert!(rows.iter().all(|t| t.from == compartment));
            let all = TABLE.iter().filter(|t| t.from == compartment).count();
            assert_eq!(rows.len(), all, "{compartment:?}");
        }
    }

    #[test]
    fn each_compartments_death_is_its_one_row_to_death() {
        for compartment in [InTransit, Arrested, Solitary, Dormant] {
            let deaths: Vec<PoolFate> = (PoolFate::of(compartment).iter())
                .filter(|t| t.next == Target::Died)
                .map(|t| t.fate)
                .collect();
            assert_eq!(deaths, vec![death_in(compartment).fate], "{compartment:?}");
        }
    }

    #[test]
    fn every_fate_adds_to_a_counter_of_its_own() {
        let mut seen = Vec::new();
        for row in &TABLE {
            let mut funnel = Funnel::default();
            *(row.counter)(&mut funnel) += 1;
            assert!(!seen.contains(&funnel), "{:?} shares a counter", row.fate);
            seen.push(funnel);
        }
    }
}
