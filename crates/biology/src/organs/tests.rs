use super::*;

/// A valid spec with neutral values, draining to `drains_to`.
fn spec(name: &str, share: f64, drains_to: DrainSpec) -> OrganSpec {
    default_spec(name, share, drains_to, 0.5, 1.0, 1e6)
}

fn to(name: &str) -> DrainSpec {
    DrainSpec::Organ(name.into())
}

/// lung → arterial, liver → lung, spleen → liver; a vein into each bed and
/// one to the arterial side.
fn small() -> (Vec<OrganSpec>, Vec<VeinSpec>) {
    (
        vec![
            spec("lung", 0.2, DrainSpec::Arterial),
            spec("liver", 0.5, to("lung")),
            spec("spleen", 0.3, to("liver")),
        ],
        vec![
            vein("tail_vein", to("lung")),
            vein("portal_vein", to("liver")),
            vein("left_ventricle", DrainSpec::Arterial),
        ],
    )
}

fn error_of(organs: Vec<OrganSpec>, veins: Vec<VeinSpec>) -> GraphError {
    OrganSet::new(organs, veins).expect_err("the graph is invalid")
}

fn share_sum(set: &OrganSet) -> f64 {
    set.organs().map(|(_, o)| o.cardiac_output_share).sum()
}

#[test]
fn the_defaults_are_valid_and_their_shares_sum_to_one() {
    for set in [OrganSet::human(), OrganSet::mouse()] {
        assert!((share_sum(&set) - 1.0).abs() < 1e-12, "{}", share_sum(&set));
        assert!(!set.is_empty());
        assert_eq!(set.len(), set.names().len());
        for (id, organ) in set.organs() {
            assert_eq!(set.id(&organ.name), Some(id));
        }
    }
    assert_eq!(OrganSet::human().len(), 19);
    assert_eq!(OrganSet::mouse().len(), 11);
}

#[test]
fn the_specs_rebuild_the_same_set() {
    for set in [OrganSet::human(), OrganSet::mouse()] {
        let (organs, veins) = set.specs();
        assert_eq!(OrganSet::new(organs, veins).unwrap(), set);
    }
}

#[test]
fn mouse_veins_enter_the_right_beds() {
    let set = OrganSet::mouse();
    let lung = set.id("lung").unwrap();
    let liver = set.id("liver").unwrap();
    assert_eq!(set.vein("tail_vein"), Some(&Entry::Bed(lung)));
    assert_eq!(set.vein("mesenteric_vein"), Some(&Entry::Bed(liver)));
    assert_eq!(set.vein("portal_vein"), Some(&Entry::Bed(liver)));
    assert_eq!(set.vein("left_ventricle"), Some(&Entry::Arterial));
    assert_eq!(set.vein("jugular_vein"), None);
    assert_eq!(
        set.vein_names(),
        [
            "tail_vein",
            "mesenteric_vein",
            "portal_vein",
            "left_ventricle"
        ]
    );
}

#[test]
fn human_veins_enter_the_right_beds() {
    let set = OrganSet::human();
    let lung = set.id("lung").unwrap();
    let liver = set.id("liver").unwrap();
    assert_eq!(set.vein("peripheral_vein"), Some(&Entry::Bed(lung)));
    assert_eq!(set.vein("portal_vein"), Some(&Entry::Bed(liver)));
    assert_eq!(set.vein("left_ventricle"), Some(&Entry::Arterial));
}

#[test]
fn portal_organs_drain_to_the_liver_the_liver_to_the_lung_the_lung_to_arterial() {
    let portal_human = [
        "stomach",
        "small_intestine",
        "large_intestine",
        "pancreas",
        "spleen",
    ];
    for (set, portal) in [
        (OrganSet::human(), &portal_human[..]),
        (OrganSet::mouse(), &["spleen", "intestine"][..]),
    ] {
        let lung = set.id("lung").unwrap();
        let liver = set.id("liver").unwrap();
        assert_eq!(set.drain(lung), &Drain::Arterial);
        assert_eq!(set.drain(liver), &Drain::Organ(lung));
        for (id, organ) in set.organs() {
            let expected = if portal.contains(&organ.name.as_str()) {
                Drain::Organ(liver)
            } else if id == lung {
                Drain::Arterial
            } else {
                Drain::Organ(lung)
            };
            assert_eq!(set.drain(id), &expected, "{}", organ.name);
        }
    }
}

#[test]
fn human_shares_are_those_of_the_table() {
    let set = OrganSet::human();
    let share = |name: &str| set.organ(set.id(name).unwrap()).cardiac_output_share;
    assert_eq!(share("liver"), 0.065);
    assert_eq!(share("kidneys"), 0.19);
    assert_eq!(share("skeleton"), 0.075);
    assert_eq!(share("adrenals"), 0.003);
    assert_eq!(share("prostate"), 0.0);
    assert_eq!(share("breast"), 0.0);
    let portal: f64 = [
        "stomach",
        "small_intestine",
        "large_intestine",
        "pancreas",
        "spleen",
    ]
    .iter()
    .map(|n| share(n))
    .sum();
    assert!((portal - 0.19).abs() < 1e-12, "portal share {portal}");
}

#[test]
fn every_default_parameter_is_in_range() {
    for set in [OrganSet::human(), OrganSet::mouse()] {
        for (_, o) in set.organs() {
            assert!((0.0..=1.0).contains(&o.arrest_probability));
            assert!(o.carrying_capacity > 1.0 && o.carrying_capacity.is_finite());
            // Most arrested cells extravasate (Koop et al. 1995: > 80%).
            let extravasating =
                o.extravasation_rate / (o.extravasation_rate + o.arrested_death_rate);
            assert!(extravasating > 0.8, "{}: {extravasating}", o.name);
        }
    }
}

#[test]
fn an_empty_set_is_refused() {
    let error = error_of(vec![], vec![]);
    assert_eq!(error, GraphError::Empty);
    assert_eq!(
        error.to_string(),
        "the organ set is empty, expected at least one organ"
    );
}

#[test]
fn a_duplicate_organ_is_refused() {
    let (mut organs, veins) = small();
    organs.push(spec("liver", 0.0, to("lung")));
    let error = error_of(organs, veins);
    assert_eq!(
        error,
        GraphError::DuplicateOrgan {
            name: "liver".into()
        }
    );
    assert!(error.to_string().contains("organ \"liver\" is given twice"));
}

#[test]
fn a_drain_to_an_unknown_organ_is_refused_with_a_hint() {
    let (mut organs, veins) = small();
    organs.push(spec("kidneys", 0.0, to("lnug")));
    let error = error_of(organs, veins);
    assert_eq!(
        error,
        GraphError::UnknownDrain {
            organ: "kidneys".into(),
            target: "lnug".into(),
            valid: vec![
                "lung".into(),
                "liver".into(),
                "spleen".into(),
                "kidneys".into()
            ],
        }
    );
    assert_eq!(
        error.to_string(),
        "organ \"kidneys\" drains to unknown organ \"lnug\" (did you mean \"lung\"?), expected \
         Arterial or one of the organs: \"lung\", \"liver\", \"spleen\", \"kidneys\""
    );
}

#[test]
fn a_drain_far_from_every_organ_gets_no_hint() {
    let (mut organs, veins) = small();
    organs.push(spec("kidneys", 0.0, to("")));
    let text = error_of(organs, veins).to_string();
    assert!(text.starts_with("organ \"kidneys\" drains to unknown organ \"\""));
    assert!(!text.contains("did you mean"), "{text}");
}

#[test]
fn a_cycle_liver_spleen_liver_is_refused() {
    let (mut organs, veins) = small();
    organs[1].drains_to = to("spleen");
    let error = error_of(organs, veins);
    assert_eq!(
        error,
        GraphError::DrainCycle {
            organ: "liver".into(),
            cycle: vec!["liver".into(), "spleen".into(), "liver".into()],
        }
    );
    let text = error.to_string();
    assert!(text.contains("organ \"liver\""), "{text}");
    assert!(text.contains("liver -> spleen -> liver"), "{text}");
}

#[test]
fn a_cycle_downstream_names_the_first_organ_that_reaches_it() {
    let organs = vec![
        spec("kidneys", 0.5, to("liver")),
        spec("liver", 0.25, to("spleen")),
        spec("spleen", 0.25, to("liver")),
    ];
    let error = error_of(organs, vec![]);
    assert_eq!(
        error,
        GraphError::DrainCycle {
            organ: "kidneys".into(),
            cycle: vec!["liver".into(), "spleen".into(), "liver".into()],
        }
    );
}

#[test]
fn an_organ_draining_to_itself_is_a_cycle() {
    let organs = vec![spec("lung", 1.0, to("lung"))];
    assert_eq!(
        error_of(organs, vec![]),
        GraphError::DrainCycle {
            organ: "lung".into(),
            cycle: vec!["lung".into(), "lung".into()],
        }
    );
}

#[test]
fn shares_that_do_not_sum_to_one_are_refused() {
    let (mut organs, veins) = small();
    organs[0].cardiac_output_share = 0.25;
    let error = error_of(organs, veins);
    let GraphError::SharesDoNotSumToOne { sum } = error else {
        panic!("{error:?}");
    };
    assert!((sum - 1.05).abs() < 1e-12);
    assert!(
        error
            .to_string()
            .starts_with("the cardiac output shares sum to 1.05")
    );
    // Within the tolerance is accepted.
    let (mut organs, veins) = small();
    organs[0].cardiac_output_share += 5e-7;
    assert!(OrganSet::new(organs, veins).is_ok());
}

#[test]
fn invalid_parameters_are_refused_naming_the_organ() {
    type Edit = fn(&mut OrganSpec);
    let cases: [(Edit, &str); 12] = [
        (|o| o.cardiac_output_share = -0.1, "cardiac_output_share"),
        (|o| o.arrest_probability = 1.5, "arrest_probability"),
        (|o| o.extravasation_rate = f64::NAN, "extravasation_rate"),
        (|o| o.arrested_death_rate = -1.0, "arrested_death_rate"),
        (
            |o| o.solitary_death_rate = f64::INFINITY,
            "solitary_death_rate",
        ),
        (|o| o.dormancy_entry_rate = -0.0001, "dormancy_entry_rate"),
        (|o| o.dormancy_exit_rate = f64::NAN, "dormancy_exit_rate"),
        (|o| o.dormant_death_rate = -2.0, "dormant_death_rate"),
        (|o| o.growth_multiplier = -1.0, "growth_multiplier"),
        (
            |o| o.solitary_division_multiplier = -0.5,
            "solitary_division_multiplier",
        ),
        (
            |o| o.solitary_division_multiplier = f64::INFINITY,
            "solitary_division_multiplier",
        ),
        (|o| o.carrying_capacity = 1.0, "carrying_capacity"),
    ];
    for (edit, name) in cases {
        let (mut organs, veins) = small();
        edit(&mut organs[2]);
        match error_of(organs, veins) {
            GraphError::InvalidParameter {
                organ, parameter, ..
            } => {
                assert_eq!(organ, "spleen");
                assert_eq!(parameter, name);
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    let (mut organs, veins) = small();
    organs[1].arrest_probability = 1.5;
    assert_eq!(
        error_of(organs, veins).to_string(),
        "organ \"liver\": arrest_probability = 1.5 is invalid, expected a probability in [0, 1]"
    );
    let (mut organs, veins) = small();
    organs[1].carrying_capacity = f64::INFINITY;
    assert!(
        error_of(organs, veins)
            .to_string()
            .contains("carrying_capacity = inf is invalid")
    );
}

#[test]
fn all_shares_zero_is_refused() {
    let (mut organs, veins) = small();
    for organ in &mut organs {
        organ.cardiac_output_share = 0.0;
    }
    let error = error_of(organs, veins);
    assert_eq!(error, GraphError::NoArterialDestination);
    assert!(error.to_string().contains("share is 0"));
}

#[test]
fn a_duplicate_vein_is_refused() {
    let (organs, mut veins) = small();
    veins.push(vein("tail_vein", to("liver")));
    let error = error_of(organs, veins);
    assert_eq!(
        error,
        GraphError::DuplicateVein {
            name: "tail_vein".into()
        }
    );
    assert!(
        error
            .to_string()
            .contains("vein \"tail_vein\" is given twice")
    );
}

#[test]
fn a_vein_to_an_unknown_organ_is_refused_with_a_hint() {
    let (organs, mut veins) = small();
    veins.push(vein("mesenteric_vein", to("Livr")));
    let error = error_of(organs, veins);
    assert!(matches!(
        &error,
        GraphError::UnknownVeinTarget { vein, target, .. }
            if vein == "mesenteric_vein" && target == "Livr"
    ));
    let text = error.to_string();
    assert!(
        text.starts_with("vein \"mesenteric_vein\" leads to unknown organ \"Livr\""),
        "{text}"
    );
    assert!(text.contains("did you mean \"liver\"?"), "{text}");
    assert!(text.contains("\"lung\", \"liver\", \"spleen\""), "{text}");
}

#[test]
fn error_messages_are_lowercase_without_a_trailing_period() {
    let (mut organs, veins) = small();
    organs[0].cardiac_output_share = 0.0;
    let errors = [
        GraphError::Empty,
        GraphError::TooManyOrgans { count: 70_000 },
        error_of(organs, veins),
        GraphError::NoArterialDestination,
    ];
    for error in errors {
        let text = error.to_string();
        assert!(!text.ends_with('.'), "{text}");
        assert!(text.starts_with(|c: char| !c.is_uppercase()), "{text}");
    }
}

#[test]
fn arterial_destinations_follow_the_shares() {
    for set in [OrganSet::human(), OrganSet::mouse()] {
        const N: usize = 100_000;
        let mut counts = vec![0usize; set.len()];
        for i in 0..N {
            let u = (i as f64 + 0.5) / N as f64;
            counts[set.arterial_destination(u).index()] += 1;
        }
        for (id, organ) in set.organs() {
            let frequency = counts[id.index()] as f64 / N as f64;
            assert!(
                (frequency - organ.cardiac_output_share).abs() <= 1.0 / N as f64 + 1e-12,
                "{}: {frequency} vs {}",
                organ.name,
                organ.cardiac_output_share
            );
            if organ.cardiac_output_share == 0.0 {
                assert_eq!(counts[id.index()], 0, "{}", organ.name);
            }
        }
    }
}

#[test]
fn zero_share_organs_are_never_chosen_even_at_the_ends() {
    let organs = vec![
        spec("a", 0.0, DrainSpec::Arterial),
        spec("b", 0.5, DrainSpec::Arterial),
        spec("c", 0.0, DrainSpec::Arterial),
        spec("d", 0.5, DrainSpec::Arterial),
        spec("e", 0.0, DrainSpec::Arterial),
    ];
    let set = OrganSet::new(organs, vec![]).unwrap();
    let (b, d) = (OrganId(1), OrganId(3));
    assert_eq!(set.arterial_destination(0.0), b);
    assert_eq!(set.arterial_destination(0.4999), b);
    assert_eq!(set.arterial_destination(0.5), d);
    assert_eq!(set.arterial_destination(1.0 - f64::EPSILON / 2.0), d);
    assert_eq!(set.arterial_destination(1.0), d);
    assert_eq!(set.arterial_destination(-1.0), b);
    assert_eq!(set.arterial_destination(f64::NAN), b);
}

#[test]
fn u_close_to_one_goes_to_an_organ_with_a_positive_share() {
    // Shares that sum to slightly less than 1 (within the tolerance).
    let organs = vec![
        spec("a", 0.6, DrainSpec::Arterial),
        spec("b", 0.3999995, DrainSpec::Arterial),
        spec("c", 0.0, DrainSpec::Arterial),
    ];
    let set = OrganSet::new(organs, vec![]).unwrap();
    for u in [0.9999990, 0.9999999, 1.0 - f64::EPSILON / 2.0] {
        assert_eq!(set.arterial_destination(u), OrganId(1), "u = {u}");
    }
    for set in [OrganSet::human(), OrganSet::mouse()] {
        let id = set.arterial_destination(1.0 - f64::EPSILON / 2.0);
        assert!(set.organ(id).cardiac_output_share > 0.0);
    }
}

#[test]
fn nearest_finds_close_names_case_insensitively() {
    let candidates = ["lung", "liver", "kidneys", "skeletal_muscle"];
    assert_eq!(nearest("lnug", &candidates), Some("lung"));
    assert_eq!(nearest("LUNG", &candidates), Some("lung"));
    assert_eq!(nearest("lung", &candidates), Some("lung"));
    assert_eq!(nearest("livers", &candidates), Some("liver"));
    assert_eq!(nearest("kidney", &candidates), Some("kidneys"));
    assert_eq!(
        nearest("skeletal muscle", &candidates),
        Some("skeletal_muscle")
    );
    assert_eq!(nearest("brain", &candidates), None);
    assert_eq!(nearest("lung", &[]), None);
    // A tie goes to the first candidate.
    assert_eq!(nearest("lxxer", &["loser", "lover"]), Some("loser"));
    // Distance counts characters, not bytes.
    assert_eq!(nearest("Ölung", &["lung"]), Some("lung"));
}

#[test]
fn levenshtein_distances_within_a_limit() {
    let d = |a: &str, b: &str, limit: usize| {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        levenshtein_within(&a, &b, limit)
    };
    assert_eq!(d("", "", 2), Some(0));
    assert_eq!(d("abc", "", 3), Some(3));
    assert_eq!(d("abc", "", 2), None);
    assert_eq!(d("", "abc", 3), Some(3));
    assert_eq!(d("kitten", "sitting", 3), Some(3));
    assert_eq!(d("kitten", "sitting", 2), None);
    assert_eq!(d("lnug", "lung", 2), Some(2));
    assert_eq!(d("flaw", "lawn", 2), Some(2));
    assert_eq!(d("flaw", "lawn", 1), None);
    assert_eq!(d("lung", "lung", 0), Some(0));
}

/// The banded distance agrees with the full dynamic programme wherever the
/// full distance is within the limit, and says `None` exactly where it is
/// not.
#[test]
fn the_banded_distance_is_the_full_distance_within_the_limit() {
    fn full(a: &[char], b: &[char]) -> usize {
        let mut previous: Vec<usize> = (0..=b.len()).collect();
        let mut current = vec![0; b.len() + 1];
        for (i, ca) in a.iter().enumerate() {
            current[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let substitution = previous[j] + usize::from(ca != cb);
                current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            }
            std::mem::swap(&mut previous, &mut current);
        }
        previous[b.len()]
    }
    let words: Vec<Vec<char>> = [
        "", "a", "ab", "ba", "abc", "acb", "lung", "lnug", "lungs", "liver", "livre", "kidney",
        "kidneys", "aaaa", "aaab", "baaa", "abab", "xyz",
    ]
    .iter()
    .map(|w| w.chars().collect())
    .collect();
    for a in &words {
        for b in &words {
            let exact = full(a, b);
            for limit in 0..4 {
                let expected = (exact <= limit).then_some(exact);
                assert_eq!(
                    levenshtein_within(a, b, limit),
                    expected,
                    "{a:?} {b:?} {limit}"
                );
            }
        }
    }
}

/// Issue 16's reproducer: two names of 60,000 characters took 14 s in
/// `check`; the banded distance makes the work linear in the length.
#[test]
fn a_very_long_unknown_name_is_compared_in_linear_work() {
    let long: String = "x".repeat(60_000);
    let other: String = "y".repeat(60_000);
    assert_eq!(nearest(&long, &[other.as_str(), "lung"]), None);
    let almost: String = format!("{}z", "x".repeat(59_999));
    assert_eq!(nearest(&long, &[almost.as_str()]), Some(almost.as_str()));
}

#[test]
fn an_organ_set_round_trips_through_serde_and_is_validated_on_the_way_in() {
    let set = OrganSet::mouse();
    let json = serde_json::to_string(&set).unwrap();
    assert!(json.contains("\"tail_vein\""));
    let back: OrganSet = serde_json::from_str(&json).unwrap();
    assert_eq!(back, set);
    let broken = json.replacen("\"Arterial\"", "{\"Organ\":\"lnug\"}", 1);
    let error = serde_json::from_str::<OrganSet>(&broken).unwrap_err();
    assert!(
        error.to_string().contains("did you mean \"lung\"?"),
        "{error}"
    );
}

#[test]
fn organ_id_indexes() {
    assert_eq!(OrganId(7).index(), 7);
    assert_eq!(organ_id(usize::from(u16::MAX)), OrganId(u16::MAX));
}

/// A spec serialised before `solitary_division_multiplier` existed (the
/// field absent) reads back as neutral, 1; every preset organ is neutral.
#[test]
fn the_solitary_division_multiplier_defaults_to_one() {
    let set = OrganSet::mouse();
    assert!(
        set.organs()
            .all(|(_, o)| o.solitary_division_multiplier == 1.0)
    );
    assert!(
        OrganSet::human()
            .organs()
            .all(|(_, o)| o.solitary_division_multiplier == 1.0)
    );
    let json = serde_json::to_string(&set).unwrap();
    let old = json.replace(",\"solitary_division_multiplier\":1.0", "");
    assert!(!old.contains("solitary_division_multiplier"), "{old}");
    let back: OrganSet = serde_json::from_str(&old).unwrap();
    assert_eq!(back, set);
}
