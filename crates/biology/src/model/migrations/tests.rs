use super::*;
use crate::model::provenance::Origin;

const LUNG: OrganId = OrganId(0);
const LIVER: OrganId = OrganId(1);
const PRIMARY: SiteId = SiteId(0);

/// `cells` of `clone` from `source` into `site` (in `organ`) at `day`.
fn arrival(
    source: Option<Source>,
    site: u32,
    organ: OrganId,
    clone: u32,
    cells: u64,
    day: f64,
    kind: ArrivalKind,
) -> CellArrival {
    CellArrival {
        site: SiteId(site),
        organ,
        clone: CloneId(clone),
        cells,
        origin: source.map(|source| Origin {
            source,
            shed_day: day - 0.5,
        }),
        day,
        kind,
    }
}

fn founded(source: Source, site: u32, clone: u32, day: f64) -> CellArrival {
    arrival(
        Some(source),
        site,
        LUNG,
        clone,
        1,
        day,
        ArrivalKind::Founded,
    )
}

fn joined(source: Source, site: u32, clone: u32, day: f64) -> CellArrival {
    arrival(Some(source), site, LUNG, clone, 1, day, ArrivalKind::Joined)
}

fn from_site(site: u32) -> Source {
    Source::Site(SiteId(site))
}

#[test]
fn edges_group_arrivals_by_source_target_and_clone_and_keep_every_cell() {
    let arrivals = [
        arrival(
            Some(Source::Injection(0)),
            1,
            LIVER,
            0,
            5,
            3.0,
            ArrivalKind::Founded,
        ),
        arrival(
            Some(Source::Injection(0)),
            1,
            LIVER,
            0,
            2,
            7.0,
            ArrivalKind::Joined,
        ),
        arrival(
            Some(Source::Injection(0)),
            1,
            LIVER,
            1,
            1,
            4.0,
            ArrivalKind::Joined,
        ),
        arrival(None, 2, LUNG, 0, 1, 2.0, ArrivalKind::Founded),
        arrival(Some(from_site(1)), 1, LIVER, 0, 1, 9.0, ArrivalKind::Joined),
    ];
    let edges = migrations(&arrivals);
    let sources: Vec<_> = edges
        .iter()
        .map(|e| (e.source, e.target.0, e.clone.0))
        .collect();
    assert_eq!(
        sources,
        [
            (None, 2, 0),
            (Some(from_site(1)), 1, 0),
            (Some(Source::Injection(0)), 1, 0),
            (Some(Source::Injection(0)), 1, 1),
        ]
    );
    let injected = &edges[2];
    assert_eq!((injected.founding_cells, injected.joining_cells), (5, 2));
    assert_eq!((injected.first_day, injected.last_day), (3.0, 7.0));
    assert_eq!(injected.target_organ, LIVER);
    assert!(edges[1].is_self_seeding());
    let on_edges: u64 = edges.iter().map(Migration::cells).sum();
    let arrived: u64 = arrivals.iter().map(|a| a.cells).sum();
    assert_eq!(on_edges, arrived);
    assert_eq!(migrations(&[]), []);
}

#[test]
fn one_injection_founding_one_clone_each_is_monoclonal_single_source() {
    let arrivals: Vec<_> = (1..4)
        .map(|site| founded(Source::Injection(0), site, 0, 1.0))
        .collect();
    let seeding = classify(&migrations(&arrivals), None);
    assert_eq!(seeding.sites.len(), 3);
    assert!(seeding.sites.iter().all(|s| s.sources == 1
        && s.clonality == Some(Clonality::Monoclonal)
        && !s.reseeded
        && !s.seeded_by_metastasis));
    assert_eq!(seeding.topology, Some(Topology::SingleSource));
    assert_eq!(seeding.pattern().as_deref(), Some("mS"));
    assert!(!seeding.metastasis_to_metastasis);
}

#[test]
fn two_clones_into_one_site_make_it_and_the_replicate_polyclonal() {
    let arrivals = [
        founded(from_site(0), 1, 0, 1.0),
        joined(from_site(0), 1, 1, 2.0),
        founded(from_site(0), 2, 0, 1.0),
    ];
    let seeding = classify(&migrations(&arrivals), Some(PRIMARY));
    assert_eq!(seeding.sites[0].clonality, Some(Clonality::Polyclonal));
    assert_eq!(seeding.sites[0].clones, 2);
    assert_eq!(seeding.sites[1].clonality, Some(Clonality::Monoclonal));
    assert_eq!(seeding.pattern().as_deref(), Some("pS"));
    assert_eq!(seeding.clones, 2);
}

/// Site 2 seeded by the primary and by metastasis 1: multi-source and
/// metastasis-to-metastasis, with one clone (monoclonal sites).
#[test]
fn a_metastasis_seeded_from_two_sites_is_multi_source() {
    let arrivals = [
        founded(from_site(0), 1, 0, 1.0),
        founded(from_site(0), 2, 0, 2.0),
        joined(from_site(1), 2, 0, 3.0),
    ];
    let seeding = classify(&migrations(&arrivals), Some(PRIMARY));
    let second = &seeding.sites[1];
    assert_eq!((second.site, second.sources), (SiteId(2), 2));
    assert!(second.seeded_by_metastasis && !second.reseeded);
    assert!(seeding.metastasis_to_metastasis);
    assert_eq!(seeding.pattern().as_deref(), Some("mM"));
    assert_eq!(seeding.sources, 2);
}

#[test]
fn a_metastasis_seeding_the_primary_is_reseeding_and_not_metastasis_to_metastasis() {
    let arrivals = [
        founded(from_site(0), 1, 0, 1.0),
        joined(from_site(1), 0, 0, 4.0),
    ];
    let seeding = classify(&migrations(&arrivals), Some(PRIMARY));
    let primary = &seeding.sites[0];
    assert_eq!(primary.site, PRIMARY);
    assert!(primary.reseeded && !primary.seeded_by_metastasis);
    assert!(seeding.sites[1].reseeded, "the metastasis is on the cycle");
    assert!(!seeding.metastasis_to_metastasis);
    assert_eq!(seeding.topology, Some(Topology::Reseeding));
    // Without a primary, the same graph is a cycle of two metastases.
    let seeding = classify(&migrations(&arrivals), None);
    assert!(
        seeding
            .sites
            .iter()
            .all(|s| s.reseeded && s.seeded_by_metastasis)
    );
    assert_eq!(seeding.pattern().as_deref(), Some("mR"));
}

/// A cycle through three metastases marks the three, not the one
/// downstream of it.
#[test]
fn the_sites_of_a_cycle_are_reseeded_and_the_others_not() {
    let arrivals = [
        founded(Source::Injection(0), 1, 0, 1.0),
        founded(from_site(1), 2, 0, 2.0),
        founded(from_site(2), 3, 0, 3.0),
        joined(from_site(3), 1, 1, 4.0),
        founded(from_site(3), 4, 0, 5.0),
    ];
    let seeding = classify(&migrations(&arrivals), None);
    let reseeded: Vec<u32> = (seeding.sites.iter())
        .filter(|s| s.reseeded)
        .map(|s| s.site.0)
        .collect();
    assert_eq!(reseeded, [1, 2, 3]);
    assert_eq!(seeding.pattern().as_deref(), Some("pR"));
}

/// The primary's own cells joining it again are self-seeding: no source,
/// no clone of its seeding, no reseeding.
#[test]
fn self_seeding_is_counted_apart() {
    let arrivals = [
        joined(from_site(0), 0, 0, 1.0),
        joined(from_site(0), 0, 0, 2.0),
        founded(from_site(0), 1, 0, 2.0),
    ];
    let seeding = classify(&migrations(&arrivals), Some(PRIMARY));
    let primary = &seeding.sites[0];
    assert_eq!(primary.self_seeding_cells, 2);
    assert_eq!((primary.sources, primary.clones), (0, 0));
    assert_eq!(primary.clonality, None);
    assert!(!primary.reseeded);
    assert_eq!(seeding.pattern().as_deref(), Some("mS"));
}

#[test]
fn cells_of_unknown_source_are_counted_and_add_no_source() {
    let arrivals = [
        arrival(None, 1, LUNG, 0, 1, 1.0, ArrivalKind::Founded),
        arrival(None, 1, LUNG, 1, 1, 2.0, ArrivalKind::Founded),
    ];
    let seeding = classify(&migrations(&arrivals), None);
    let site = &seeding.sites[0];
    assert_eq!((site.unknown_source_cells, site.sources), (2, 0));
    assert_eq!(site.clonality, Some(Clonality::Polyclonal));
    assert_eq!(seeding.topology, None);
    assert_eq!(seeding.pattern(), None);
    let nothing = classify(&[], None);
    assert_eq!((nothing.clonality, nothing.topology), (None, None));
    assert!(nothing.sites.is_empty());
}
