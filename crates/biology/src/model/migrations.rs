//! Who seeded whom (issue 23): the migration graph of a replicate, made
//! from its arrivals alone ([`CellArrival`], `arrivals.csv`), and its
//! classification in the vocabulary of MACHINA (El-Kebir, Satas & Raphael
//! 2018; `docs/migrations.md` defines each term). Plain data and pure
//! functions, below `Places` and `Records`: it imports only the
//! provenance's and the site's data.
//!
//! An edge ([`Migration`]) is a (source, target site, clone) with the
//! cells that founded and joined the target from that source. A source is
//! a site (the primary or a metastasis) or an injection: an injection is a
//! source of its own, as a site is. Cells whose source cohort mode did not
//! keep have no source (`None`); they are counted, never guessed.
//!
//! A site's seeding ([`SiteSeeding`]) is made of the cells that arrived
//! from elsewhere (another site, an injection, or an unknown source);
//! cells a site shed that came back into it (self-seeding) are counted
//! apart and take no part in its clonality or its sources.

use std::collections::{BTreeMap, BTreeSet};

use super::provenance::{ArrivalKind, CellArrival, Source};
use super::site::SiteId;
use crate::clones::CloneId;
use crate::organs::OrganId;

/// One edge of the migration graph: the cells of one clone that came from
/// one source into one site (one row of `migrations.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct Migration {
    /// Where the cells came from (`None`: a source cohort mode did not
    /// keep).
    pub source: Option<Source>,
    /// The site they founded or joined.
    pub target: SiteId,
    /// The target's organ.
    pub target_organ: OrganId,
    /// The cells' clone.
    pub clone: CloneId,
    /// Cells that founded the target.
    pub founding_cells: u64,
    /// Cells that joined it once it was there.
    pub joining_cells: u64,
    /// The first day a cell of the edge founded or joined the target.
    pub first_day: f64,
    /// The last such day.
    pub last_day: f64,
}

impl Migration {
    /// Its cells, founding and joining.
    pub fn cells(&self) -> u64 {
        self.founding_cells + self.joining_cells
    }

    /// Whether the cells came from the target itself (self-seeding).
    pub fn is_self_seeding(&self) -> bool {
        self.source == Some(Source::Site(self.target))
    }
}

/// The migration graph of `arrivals`: one edge per (source, target,
/// clone), in the order of source (unknown first, then sites by id, then
/// injections by index), target and clone.
pub fn migrations(arrivals: &[CellArrival]) -> Vec<Migration> {
    let mut edges: BTreeMap<(Option<Source>, SiteId, CloneId), Migration> = BTreeMap::new();
    for arrival in arrivals {
        let source = arrival.origin.map(|o| o.source);
        let edge = edges
            .entry((source, arrival.site, arrival.clone))
            .or_insert(Migration {
                source,
                target: arrival.site,
                target_organ: arrival.organ,
                clone: arrival.clone,
                founding_cells: 0,
                joining_cells: 0,
                first_day: arrival.day,
                last_day: arrival.day,
            });
        match arrival.kind {
            ArrivalKind::Founded => edge.founding_cells += arrival.cells,
            ArrivalKind::Joined => edge.joining_cells += arrival.cells,
        }
        edge.first_day = edge.first_day.min(arrival.day);
        edge.last_day = edge.last_day.max(arrival.day);
    }
    edges.into_values().collect()
}

/// Whether the cells that seeded a site (or every seeded site of a
/// replicate) were of one clone.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Clonality {
    /// One clone.
    Monoclonal,
    /// More than one.
    Polyclonal,
}

impl Clonality {
    fn of(clones: usize) -> Self {
        if clones > 1 {
            Clonality::Polyclonal
        } else {
            Clonality::Monoclonal
        }
    }
}

/// The shape of a replicate's migration graph among its sources and
/// sites (MACHINA's S, M and R), the first that holds of reseeding,
/// multi-source and single-source.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Topology {
    /// Every metastasis was seeded from one source, and no site was
    /// reseeded.
    SingleSource,
    /// A metastasis was seeded from more than one source, and no site was
    /// reseeded.
    MultiSource,
    /// A metastasis seeded the primary, or sites seeded each other in a
    /// cycle.
    Reseeding,
}

/// How one site was seeded (a row of `seeding.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct SiteSeeding {
    /// The site.
    pub site: SiteId,
    /// Its organ.
    pub organ: OrganId,
    /// Cells from elsewhere that founded it.
    pub founding_cells: u64,
    /// Cells from elsewhere that joined it.
    pub joining_cells: u64,
    /// Cells it shed that joined it again (self-seeding).
    pub self_seeding_cells: u64,
    /// Cells from elsewhere whose source is not kept (cohort mode).
    pub unknown_source_cells: u64,
    /// Clones among the cells from elsewhere.
    pub clones: usize,
    /// Known sources (other sites, injections) of the cells from
    /// elsewhere.
    pub sources: usize,
    /// One clone or several; `None` if no cell came from elsewhere.
    pub clonality: Option<Clonality>,
    /// Whether another metastasis seeded this metastasis (never for the
    /// primary).
    pub seeded_by_metastasis: bool,
    /// Whether it is the primary and a metastasis seeded it, or it seeded
    /// (directly or through other sites) a site that seeded it.
    pub reseeded: bool,
}

/// A replicate's migration graph classified.
#[derive(Clone, Debug, PartialEq)]
pub struct Seeding {
    /// Every site that a cell founded or joined, in order of id.
    pub sites: Vec<SiteSeeding>,
    /// Clones among every cell that came into a site from elsewhere.
    pub clones: usize,
    /// Known sources of those cells.
    pub sources: usize,
    /// Monoclonal if every site seeded from elsewhere was; `None` if no
    /// site was.
    pub clonality: Option<Clonality>,
    /// `None` if no site was seeded from a known source.
    pub topology: Option<Topology>,
    /// Whether a metastasis seeded another metastasis.
    pub metastasis_to_metastasis: bool,
}

impl Seeding {
    /// MACHINA's label of the pattern: `m` or `p` (monoclonal,
    /// polyclonal), then `S`, `M` or `R` (single-source, multi-source,
    /// reseeding), as `pM`; `None` without both.
    pub fn pattern(&self) -> Option<String> {
        let clonality = match self.clonality? {
            Clonality::Monoclonal => 'm',
            Clonality::Polyclonal => 'p',
        };
        let topology = match self.topology? {
            Topology::SingleSource => 'S',
            Topology::MultiSource => 'M',
            Topology::Reseeding => 'R',
        };
        Some(format!("{clonality}{topology}"))
    }
}

/// What one site's cells from elsewhere are, while they are counted.
struct Incoming {
    organ: OrganId,
    founding: u64,
    joining: u64,
    self_seeding: u64,
    unknown: u64,
    clones: BTreeSet<CloneId>,
    sources: BTreeSet<Source>,
}

/// The classification of the migration graph `edges` ([`migrations`]) of
/// a replicate whose primary, if any, is `primary`.
pub fn classify(edges: &[Migration], primary: Option<SiteId>) -> Seeding {
    let mut incoming: BTreeMap<SiteId, Incoming> = BTreeMap::new();
    for edge in edges {
        let site = (incoming.entry(edge.target)).or_insert_with(|| Incoming {
            organ: edge.target_organ,
            founding: 0,
            joining: 0,
            self_seeding: 0,
            unknown: 0,
            clones: BTreeSet::new(),
            sources: BTreeSet::new(),
        });
        if edge.is_self_seeding() {
            site.self_seeding += edge.cells();
            continue;
        }
        site.founding += edge.founding_cells;
        site.joining += edge.joining_cells;
        site.clones.insert(edge.clone);
        match edge.source {
            Some(source) => {
                site.sources.insert(source);
            }
            None => site.unknown += edge.cells(),
        }
    }
    let is_metastasis = |site: SiteId| Some(site) != primary;
    let cyclic = sites_on_cycles(edges);
    let sites: Vec<SiteSeeding> = (incoming.iter())
        .map(|(&site, counted)| {
            let from_metastasis = counted.sources.iter().any(|source| match *source {
                Source::Site(from) => is_metastasis(from),
                Source::Injection(_) => false,
            });
            let arrived = counted.founding + counted.joining;
            SiteSeeding {
                site,
                organ: counted.organ,
                founding_cells: counted.founding,
                joining_cells: counted.joining,
                self_seeding_cells: counted.self_seeding,
                unknown_source_cells: counted.unknown,
                clones: counted.clones.len(),
                sources: counted.sources.len(),
                clonality: (arrived > 0).then(|| Clonality::of(counted.clones.len())),
                seeded_by_metastasis: is_metastasis(site) && from_metastasis,
                reseeded: cyclic.contains(&site) || (!is_metastasis(site) && from_metastasis),
            }
        })
        .collect();
    let clones: BTreeSet<CloneId> = incoming.values().flat_map(|s| s.clones.clone()).collect();
    let sources: BTreeSet<Source> = incoming.values().flat_map(|s| s.sources.clone()).collect();
    let seeded: Vec<&SiteSeeding> = sites.iter().filter(|s| s.clonality.is_some()).collect();
    let clonality = (!seeded.is_empty()).then(|| {
        if seeded
            .iter()
            .any(|s| s.clonality == Some(Clonality::Polyclonal))
        {
            Clonality::Polyclonal
        } else {
            Clonality::Monoclonal
        }
    });
    let topology = (!sources.is_empty()).then(|| {
        if sites.iter().any(|s| s.reseeded) {
            Topology::Reseeding
        } else if sites.iter().any(|s| is_metastasis(s.site) && s.sources > 1) {
            Topology::MultiSource
        } else {
            Topology::SingleSource
        }
    });
    Seeding {
        metastasis_to_metastasis: sites.iter().any(|s| s.seeded_by_metastasis),
        sites,
        clones: clones.len(),
        sources: sources.len(),
        clonality,
        topology,
    }
}

/// The sites on a directed cycle of the graph of sites (edges between two
/// different sites): its strongly connected components of more than one
/// site, by Kosaraju's two passes, iteratively.
fn sites_on_cycles(edges: &[Migration]) -> BTreeSet<SiteId> {
    let mut forward: BTreeMap<SiteId, BTreeSet<SiteId>> = BTreeMap::new();
    let mut backward: BTreeMap<SiteId, BTreeSet<SiteId>> = BTreeMap::new();
    for edge in edges {
        if let Some(Source::Site(from)) = edge.source
            && from != edge.target
        {
            forward.entry(from).or_default().insert(edge.target);
            backward.entry(edge.target).or_default().insert(from);
        }
    }
    let nodes: BTreeSet<SiteId> = forward.keys().chain(backward.keys()).copied().collect();
    // First pass: the nodes in order of finishing a depth-first search.
    let mut finished = Vec::with_capacity(nodes.len());
    let mut seen = BTreeSet::new();
    let empty = BTreeSet::new();
    for &start in &nodes {
        if !seen.insert(start) {
            continue;
        }
        let mut stack = vec![(start, forward.get(&start).unwrap_or(&empty).iter())];
        while let Some((node, next)) = stack.last_mut() {
            match next.find(|n| !seen.contains(*n)) {
                Some(&child) => {
                    seen.insert(child);
                    stack.push((child, forward.get(&child).unwrap_or(&empty).iter()));
                }
                None => {
                    finished.push(*node);
                    stack.pop();
                }
            }
        }
    }
    // Second pass: components on the reversed graph, latest finished first.
    let mut assigned = BTreeSet::new();
    let mut on_cycles = BTreeSet::new();
    for &start in finished.iter().rev() {
        if !assigned.insert(start) {
            continue;
        }
        let mut component = vec![start];
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for &from in backward.get(&node).unwrap_or(&empty) {
                if assigned.insert(from) {
                    component.push(from);
                    stack.push(from);
                }
            }
        }
        if component.len() > 1 {
            on_cycles.extend(component);
        }
    }
    on_cycles
}

#[cfg(test)]
mod tests;
