//! Therapy with a known answer: a dose every cell resists changes nothing,
//! a certain kill leaves exactly the resistant cells, surgery removes the
//! primary and its shedding, and the probability that a tumour grown to N
//! cells holds no resistant cell matches the mutation model's exact law.
//! (Conservation through every therapy event, over random scenarios, is a
//! property test in `cascade.rs`.)

use cascade_biology::clones::{GrowthRates, Phenotype};
use cascade_biology::config::{
    CascadeConfig, FoundingClone, GrowthLaw, PrimaryTumour, default_phenotype,
};
use cascade_biology::model::{Cascade, Compartment, SiteKind};
use cascade_biology::organs::OrganSet;
use cascade_biology::therapy::{Drug, DrugId, Regimen, RegimenStart, Surgery, SurgeryAt, Therapy};
use cascade_biology::{CascadeEvent, CascadeState, CloneId, NoExtension, simulation};
use cascade_kernel::{Observer, RunLimits, Seed, Simulation, StopReason, Time, TraceDigest};

const A: DrugId = DrugId(0);

fn drug(log_kill: f64, resistance_probability: f64) -> Drug {
    Drug {
        name: "A".into(),
        log_kill,
        cycle_specific: false,
        resistance_probability,
        resistant_sensitivity: 0.0,
    }
}

fn clone(name: &str, organs: &OrganSet, edit: impl FnOnce(&mut Phenotype)) -> FoundingClone {
    let mut phenotype = default_phenotype(organs);
    phenotype.in_primary.mutation_probability = 0.0;
    phenotype.in_metastases.mutation_probability = 0.0;
    edit(&mut phenotype);
    FoundingClone {
        name: name.into(),
        phenotype,
    }
}

/// A shedding primary in the skin with two clones, `S` (sensitive to A)
/// and `R` (sensitivity 0 to A), seeding every compartment within days.
fn two_clone_primary(sensitivity_of_s: f64) -> CascadeConfig {
    let (mut specs, veins) = OrganSet::mouse_specs();
    for spec in &mut specs {
        spec.extravasation_rate = 2.0;
        spec.dormancy_entry_rate = 0.5;
        spec.dormancy_exit_rate = 0.5;
        spec.solitary_death_rate = 0.5;
    }
    let organs = OrganSet::new(specs, veins).unwrap();
    let shedding = |p: &mut Phenotype| {
        p.shedding_rate = 0.05;
        p.circulation_death_rate = 1.0;
    };
    let clones = vec![
        clone("S", &organs, |p| {
            shedding(p);
            p.set_sensitivity(A, sensitivity_of_s);
        }),
        clone("R", &organs, |p| {
            shedding(p);
            p.set_sensitivity(A, 0.0);
        }),
    ];
    let skin = organs.id("skin").unwrap();
    let mut config = CascadeConfig::new(organs, clones);
    config.primary = Some(PrimaryTumour {
        organ: skin,
        cells: vec![(CloneId(0), 300), (CloneId(1), 100)],
        growth_law: GrowthLaw::Logistic,
        carrying_capacity: 2000.0,
    });
    config.detection_size = 50;
    config.macrometastasis_size = 20;
    config.transit_time = 0.01;
    config.therapy.drugs = vec![drug(1000.0, 0.0)];
    config
}

fn every(start: f64, step: f64, doses: u32) -> Regimen {
    Regimen {
        start: RegimenStart::Day(start),
        delay: 0.0,
        offsets: (0..doses).map(|k| f64::from(k) * step).collect(),
        cycle: vec![vec![A]],
    }
}

fn run(config: CascadeConfig, seed: u64, days: f64) -> (Simulation<Cascade>, TraceDigest) {
    let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
    let mut digest = TraceDigest::new();
    sim.run(RunLimits::until(Time::new(days).unwrap()), &mut digest)
        .unwrap();
    sim.model().state().check_conservation().unwrap();
    (sim, digest)
}

/// Cells alive per clone.

#[test]
fn a_dose_of_a_drug_every_cell_resists_changes_nothing() {
    for seed in 0..4 {
        // Both clones resist A (sensitivity 0), and nothing mutates to
        // resistance: the doses must leave the trajectory as it was.
        let without = two_clone_primary(0.0);
        let mut with = without.clone();
        with.therapy.regimens = vec![every(1.0, 0.5, 8)];
        let (a, digest_a) = run(without, seed, 6.0);
        let (b, digest_b) = run(with, seed, 6.0);
        let (a, b) = (a.model().state(), b.model().state());
        assert_eq!(a.alive_by_clone(), b.alive_by_clone(), "seed {seed}");
        assert_eq!(a.lineage(), b.lineage());
        assert_eq!(a.funnel(), b.funnel());
        let cells = |s: &CascadeState| -> Vec<_> {
            s.sites()
                .iter()
                .map(|site| (site.id, site.founded_at, site.cells.clone()))
                .collect()
        };
        assert_eq!(cells(a), cells(b));
        assert_eq!(a.pools().collect::<Vec<_>>(), b.pools().collect::<Vec<_>>());
        for clone in a.lineage().iter() {
            assert_eq!(b.ledger(clone.id).killed, 0);
        }
        // The doses (and nothing else) are extra events.
        assert_eq!(digest_b.events(), digest_a.events() + 8 + 1);
        assert!(a.funnel().total().shed > 0 && a.metastases().count() > 0);
    }
}

/// Remembers the last event's kind.
#[derive(Default)]
struct LastEvent(String);

impl<U: cascade_kernel::TraceEvent> Observer<CascadeEvent<U>> for LastEvent {
    fn observe(&mut self, _: Time, event: &CascadeEvent<U>) {
        use cascade_kernel::TraceEvent as _;
        self.0 = event.kind().to_string();
    }
}

/// Runs `sim` one event at a time up to `horizon`: `before` reads the
/// state ahead of each event, and `after` gets that reading, the kind of
/// the event just run and the simulation; it returns `false` to stop.
/// Returns whether `after` stopped the run (rather than the horizon).
fn each_event<T>(
    sim: &mut Simulation<Cascade>,
    horizon: Time,
    mut before: impl FnMut(&CascadeState) -> T,
    mut after: impl FnMut(T, &str, &Simulation<Cascade>) -> bool,
) -> bool {
    let mut last = LastEvent::default();
    loop {
        let seen = before(sim.model().state());
        let stop = sim
            .run(RunLimits::until(horizon).with_max_events(1), &mut last)
            .unwrap();
        if stop != StopReason::EventLimitReached {
            return false;
        }
        if !after(seen, &last.0, sim) {
            return true;
        }
    }
}

#[test]
fn a_certain_kill_leaves_exactly_the_resistant_cells() {
    for seed in 0..4 {
        let mut config = two_clone_primary(1.0);
        config.therapy.regimens = vec![every(3.0, 1.0, 1)];
        let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
        let horizon = Time::new(5.0).unwrap();
        let mut dosed = false;
        each_event(
            &mut sim,
            horizon,
            CascadeState::alive_by_clone,
            |before, kind, sim| {
                if kind == "DoseGiven" {
                    let state = sim.model().state();
                    let after = state.alive_by_clone();
                    // Every cell of S died, wherever it was; every cell of R
                    // is still there.
                    assert_eq!(after[0], 0, "seed {seed}");
                    assert_eq!(after[1], before[1], "seed {seed}");
                    assert_eq!(state.ledger(CloneId(0)).killed, before[0]);
                    assert_eq!(state.resistant_cells(A), before[1]);
                    assert!(before[0] > 300, "the primary grew before the dose");
                    state.check_conservation().unwrap();
                    dosed = true;
                }
                true
            },
        );
        assert!(dosed);
    }
}

#[test]
fn surgery_removes_the_primary_and_stops_its_shedding() {
    for (seed, left_behind) in [(0, 0.0), (1, 0.3), (2, 1.0)] {
        let mut config = two_clone_primary(1.0);
        config.therapy.surgery = Some(Surgery {
            at: SurgeryAt::PrimarySize(700),
            left_behind,
        });
        let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
        struct Sheds {
            resected: bool,
            shed_after: u64,
        }
        impl<U> Observer<CascadeEvent<U>> for Sheds {
            fn observe(&mut self, _: Time, event: &CascadeEvent<U>) {
                match event {
                    CascadeEvent::PrimaryResected { .. } => self.resected = true,
                    CascadeEvent::CellShed { site, .. } if site.0 == 0 && self.resected => {
                        self.shed_after += 1
                    }
                    _ => {}
                }
            }
        }
        let mut sheds = Sheds {
            resected: false,
            shed_after: 0,
        };
        sim.run(RunLimits::until(Time::new(20.0).unwrap()), &mut sheds)
            .unwrap();
        let state = sim.model().state();
        state.check_conservation().unwrap();
        assert!(sheds.resected);
        assert_eq!(sheds.shed_after, 0, "a resected primary sheds nothing");
        let primary = &state.sites()[0];
        assert_eq!(primary.kind, SiteKind::Primary);
        assert!(primary.resected_at.is_some());
        let removed: u64 = (0..2).map(|c| state.ledger(CloneId(c)).removed).sum();
        match left_behind {
            0.0 => {
                assert_eq!(primary.size, 0);
                assert_eq!(primary.extinct_at, primary.resected_at);
                assert!(removed >= 700);
            }
            1.0 => assert_eq!(removed, 0),
            _ => assert!(removed > 300 && removed < 700, "removed {removed}"),
        }
    }
}

/// A pure-birth primary (birth 1, death 0) grows from one sensitive cell;
/// each division gives a daughter resistant to A with probability μ. When
/// the primary first holds N cells there have been exactly N − 1 divisions,
/// all of sensitive cells unless a resistant one exists, so the primary
/// holds no resistant cell with probability exactly (1 − μ)^(N − 1)
/// (Luria & Delbrück 1943; Goldie & Coldman 1979 give exp(−μ(N − 1))). A
/// dose at that moment that kills every sensitive cell for certain leaves
/// nothing exactly then.
///
/// N = 400, μ = 2.5×10⁻³: p = 0.9975^399 = 0.3682. Over 3000 replicates
/// (seeds 0..3000) the standard error is 0.0088; the test accepts 4
/// standard errors (a false alarm about once in 16,000 runs, but the seeds
/// are fixed, so the outcome is reproducible).
#[test]
fn the_chance_of_no_resistant_cell_at_n_cells_is_exact() {
    let (n, mu, replicates) = (400u64, 2.5e-3, 3000u64);
    let organs = OrganSet::mouse();
    let skin = organs.id("skin").unwrap();
    let founder = clone("S", &organs, |p| {
        p.in_primary = GrowthRates {
            birth_rate: 1.0,
            death_rate: 0.0,
            mutation_probability: 0.0,
        };
        p.shedding_rate = 0.0;
    });
    let mut config = CascadeConfig::new(organs, vec![founder]);
    config.primary = Some(PrimaryTumour {
        organ: skin,
        cells: vec![(CloneId(0), 1)],
        growth_law: GrowthLaw::Exponential,
        carrying_capacity: 1e9,
    });
    config.therapy = Therapy {
        drugs: vec![drug(1000.0, mu)],
        regimens: vec![Regimen {
            start: RegimenStart::PrimarySize(n),
            delay: 0.0,
            offsets: vec![0.0],
            cycle: vec![vec![A]],
        }],
        ..Therapy::default()
    };
    let mut none_resistant = 0u64;
    for seed in 0..replicates {
        let mut sim = simulation(config.clone(), NoExtension, Seed::new(seed)).unwrap();
        let horizon = Time::new(100.0).unwrap();
        // Run in small steps until the dose; after it only resistant cells
        // are left, and they never die (death 0), so one check suffices.
        let dosed = each_event(&mut sim, horizon, |_| (), |(), kind, _| kind != "DoseGiven");
        assert!(dosed, "seed {seed}: no dose");
        let state = sim.model().state();
        let primary = &state.sites()[0];
        assert_eq!(primary.size, state.resistant_cells(A));
        if primary.size == 0 {
            none_resistant += 1;
        }
    }
    let p = libm::pow(1.0 - mu, (n - 1) as f64);
    let observed = none_resistant as f64 / replicates as f64;
    let se = libm::sqrt(p * (1.0 - p) / replicates as f64);
    eprintln!(
        "no resistant cell in {none_resistant} of {replicates} ({observed:.4}); exact {p:.4}"
    );
    assert!(
        (observed - p).abs() < 4.0 * se,
        "no resistant cell in {none_resistant} of {replicates} ({observed:.4}), expected {p:.4} ± {:.4}",
        4.0 * se
    );
}

/// Dose k gives the k-th group of the cycle, in turn: with A and B
/// alternating and both clones resistant to A and sensitive to B, the first
/// dose (A) kills nothing and the second (B) kills every cell.
#[test]
fn drugs_in_turn_give_each_dose_its_group() {
    let mut config = two_clone_primary(0.0);
    config.therapy.drugs.push(Drug {
        name: "B".into(),
        ..drug(1000.0, 0.0)
    });
    config.therapy.regimens = vec![Regimen {
        start: RegimenStart::Day(2.0),
        delay: 0.0,
        offsets: vec![0.0, 1.0],
        cycle: vec![vec![A], vec![DrugId(1)]],
    }];
    let mut sim = simulation(config, NoExtension, Seed::new(3)).unwrap();
    let horizon = Time::new(4.0).unwrap();
    let mut doses = Vec::new();
    let total = |state: &CascadeState| -> u64 { state.alive_by_clone().iter().sum() };
    each_event(&mut sim, horizon, total, |before, kind, sim| {
        if kind == "DoseGiven" {
            doses.push((before, total(sim.model().state())));
        }
        true
    });
    assert_eq!(doses.len(), 2);
    assert_eq!(doses[0].0, doses[0].1, "A kills nothing");
    assert!(doses[1].0 > 0);
    assert_eq!(doses[1].1, 0, "B kills every cell");
}

/// A cycle-specific drug reaches only cells that can divide: with a
/// certain kill, the sites and the solitary cells are emptied and the
/// dormant, arrested and circulating cells are left as they were.
#[test]
fn dormant_cells_escape_a_cycle_specific_drug() {
    for seed in 0..4 {
        let mut config = two_clone_primary(1.0);
        config.therapy.drugs[0].cycle_specific = true;
        // Both clones fully sensitive.
        for clone in &mut config.clones {
            clone.phenotype.set_sensitivity(A, 1.0);
        }
        config.therapy.regimens = vec![every(4.0, 1.0, 1)];
        let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
        let horizon = Time::new(5.0).unwrap();
        let pools = |state: &CascadeState, c: Compartment| -> u64 {
            state
                .pools()
                .filter(|(k, _)| k.compartment == c)
                .map(|(_, n)| n)
                .sum()
        };
        let before = |state: &CascadeState| {
            [
                pools(state, Compartment::Dormant),
                pools(state, Compartment::Arrested),
                pools(state, Compartment::InTransit),
            ]
        };
        let dosed = each_event(&mut sim, horizon, before, |before, kind, sim| {
            if kind != "DoseGiven" {
                return true;
            }
            let state = sim.model().state();
            assert!(before[0] > 0, "seed {seed}: some cells are dormant");
            assert_eq!(pools(state, Compartment::Dormant), before[0]);
            assert_eq!(pools(state, Compartment::Arrested), before[1]);
            assert_eq!(pools(state, Compartment::InTransit), before[2]);
            assert_eq!(pools(state, Compartment::Solitary), 0);
            assert!(state.sites().iter().all(|s| s.size == 0));
            state.check_conservation().unwrap();
            false
        });
        assert!(dosed, "seed {seed}: no dose");
    }
}

/// A primary already past a `PrimarySize` trigger at day 0 starts the
/// regimen at day 0; one below it starts it when it first holds that many
/// cells, at a birth.
#[test]
fn a_size_trigger_fires_at_day_0_or_at_the_birth_that_reaches_it() {
    for (size, at_zero) in [(300, true), (450, false)] {
        let mut config = two_clone_primary(1.0);
        config.therapy.regimens = vec![Regimen {
            start: RegimenStart::PrimarySize(size),
            delay: 0.0,
            offsets: vec![0.0],
            cycle: vec![vec![A]],
        }];
        let mut sim = simulation(config, NoExtension, Seed::new(5)).unwrap();
        let horizon = Time::new(10.0).unwrap();
        let primary = |state: &CascadeState| state.sites()[0].size;
        let started = each_event(&mut sim, horizon, primary, |primary, kind, sim| {
            if kind != "RegimenStarted" {
                return true;
            }
            if at_zero {
                assert_eq!(sim.now(), Time::ZERO);
            } else {
                assert_eq!(primary, size, "started when the primary first held {size}");
            }
            false
        });
        assert!(started, "no start");
    }
}

/// With `stop_at_relapse`, a relapse after surgery but before a later
/// regimen's first dose neither counts nor ends the run: it ends at a
/// relapse after the dose, or not at all. Without the regimen the same
/// replicate relapses (and stops) before that day, so the case is real.
#[test]
fn a_relapse_before_the_first_dose_does_not_end_the_run() {
    for seed in 0..4 {
        let mut config = two_clone_primary(1.0);
        config.detection_size = 40;
        config.therapy.surgery = Some(Surgery {
            at: SurgeryAt::Day(2.0),
            left_behind: 0.02,
        });
        config.therapy.stop_at_relapse = true;
        let mut treated = config.clone();
        treated.therapy.regimens = vec![every(8.0, 1.0, 1)];

        let (sim, _) = run(config, seed, 12.0);
        let untreated = sim.model().state();
        let relapse = untreated
            .relapse()
            .expect("the cells left behind grow back");
        assert!(
            relapse.days() > 2.0 && relapse.days() < 8.0,
            "seed {seed}: {relapse:?}"
        );
        assert!(untreated.stopped_at_relapse());

        let (sim, _) = run(treated, seed, 12.0);
        let state = sim.model().state();
        assert!(
            sim.now().days() >= 8.0,
            "seed {seed}: the run ended before the dose"
        );
        if let Some(relapse) = state.relapse() {
            assert!(relapse.days() >= 8.0, "seed {seed}: relapse at {relapse:?}");
        }
    }
}

/// With `stop_at_relapse`, a metastasis too small to detect at the surgery
/// that grows to the detection size both is detected and relapses at that
/// instant: the detection is recorded (the first detection day, the
/// funnel's `detected`) before the relapse ends the run.
#[test]
fn the_detection_that_ends_a_run_at_a_relapse_is_recorded() {
    let mut relapsed = 0;
    for seed in 0..6 {
        let mut config = two_clone_primary(1.0);
        config.therapy.surgery = Some(Surgery {
            at: SurgeryAt::Day(3.0),
            left_behind: 0.0,
        });
        config.therapy.stop_at_relapse = true;
        let (sim, _) = run(config, seed, 40.0);
        let state = sim.model().state();
        let Some(relapse) = state.relapse() else {
            continue;
        };
        assert!(state.stopped_at_relapse(), "seed {seed}");
        let site = (state.sites().iter())
            .find(|s| s.relapsed_at == Some(relapse))
            .expect("a relapsed site");
        if site.kind != SiteKind::Metastasis || site.detected_at != Some(relapse) {
            continue;
        }
        relapsed += 1;
        assert_eq!(state.first_detection(), Some(relapse), "seed {seed}");
        assert!(state.funnel().total().detected >= 1, "seed {seed}");
    }
    assert!(
        relapsed > 0,
        "no metastasis relapsed at its first detection"
    );
}

/// The two definitions of relapse. The model's relapse counts from a
/// replicate's first dose; a surgery records how many metastases were
/// detectable at it and the first detection after it. With a
/// `FirstDetection` regimen after a surgery that found nothing
/// detectable, the detection that starts the regimen is the detection
/// after resection (it is the first detection) but not a relapse, which
/// comes later if at all.
#[test]
fn a_surgery_records_what_was_detectable_at_it_and_the_first_detection_after_it() {
    let (mut clear, mut detected_after) = (0, 0);
    for seed in 0..8 {
        let mut config = two_clone_primary(1.0);
        config.therapy.surgery = Some(Surgery {
            at: SurgeryAt::Day(3.0),
            left_behind: 0.0,
        });
        config.therapy.regimens = vec![Regimen {
            start: RegimenStart::FirstDetection,
            delay: 0.0,
            offsets: vec![1.0],
            cycle: vec![vec![A]],
        }];
        let (sim, _) = run(config, seed, 30.0);
        let state = sim.model().state();
        let detectable = state
            .detectable_at_surgery()
            .expect("the surgery counted the detectable metastases");
        if detectable > 0 {
            let first = state.first_detection().expect("a detection before surgery");
            assert!(first.days() <= 3.0, "seed {seed}: {first:?}");
            continue;
        }
        clear += 1;
        assert!(state.first_detection().is_none_or(|t| t.days() > 3.0));
        let Some(after) = state.detected_after_surgery() else {
            assert_eq!(state.first_detection(), None, "seed {seed}");
            continue;
        };
        detected_after += 1;
        assert_eq!(state.first_detection(), Some(after), "seed {seed}");
        if let Some(relapse) = state.relapse() {
            assert!(relapse > after, "seed {seed}: {relapse:?} {after:?}");
        }
    }
    assert!(clear > 0 && detected_after > 0, "{clear} {detected_after}");
}

/// The solitary and dormant cells per organ, read from the pools.
fn solitary_and_dormant(state: &CascadeState) -> (Vec<u64>, Vec<u64>) {
    let organs = state.config().organs.len();
    let (mut solitary, mut dormant) = (vec![0; organs], vec![0; organs]);
    for (key, n) in state.pools() {
        match key.compartment {
            Compartment::Solitary => solitary[key.organ.index()] += n,
            Compartment::Dormant => dormant[key.organ.index()] += n,
            _ => {}
        }
    }
    (solitary, dormant)
}

/// The census of solitary and dormant cells is taken at the surgery and
/// at each dose, just before it acts: per organ, the cells the pools held
/// at that instant; and `census_now` is the same reading at any time.
#[test]
fn solitary_and_dormant_cells_are_counted_at_the_surgery_and_each_dose() {
    use cascade_biology::observables::Occasion;
    for seed in 0..3 {
        let mut config = two_clone_primary(1.0);
        config.therapy.surgery = Some(Surgery {
            at: SurgeryAt::Day(2.0),
            left_behind: 0.0,
        });
        config.therapy.regimens = vec![every(3.0, 1.0, 3)];
        let mut sim = simulation(config, NoExtension, Seed::new(seed)).unwrap();
        let horizon = Time::new(8.0).unwrap();
        let mut seen = 0;
        each_event(
            &mut sim,
            horizon,
            solitary_and_dormant,
            |before, kind, sim| {
                if kind == "PrimaryResected" || kind == "DoseGiven" {
                    let census = sim.model().state().solitary_census();
                    assert_eq!(census.len(), seen + 1, "seed {seed}");
                    let last = &census[seen];
                    assert_eq!(last.day, sim.now().days());
                    let occasion = if seen == 0 {
                        Occasion::Surgery
                    } else {
                        Occasion::Dose {
                            regimen: 0,
                            dose: seen as u32 - 1,
                        }
                    };
                    assert_eq!(last.occasion, occasion);
                    assert_eq!(
                        (&last.solitary_cells, &last.dormant_cells),
                        (&before.0, &before.1)
                    );
                    seen += 1;
                }
                true
            },
        );
        assert_eq!(seen, 4, "seed {seed}");
        let state = sim.model().state();
        let now = state.census_now(Occasion::End, sim.now().days());
        assert_eq!(
            (now.solitary_cells, now.dormant_cells),
            solitary_and_dormant(state)
        );
        let solitary: u64 = state
            .solitary_census()
            .iter()
            .flat_map(|c| &c.solitary_cells)
            .sum();
        assert!(solitary > 0, "seed {seed}: no solitary cell to count");
    }
}
