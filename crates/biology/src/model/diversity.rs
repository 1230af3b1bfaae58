//! Clonal diversity of a site: what heterogeneity looks like from the
//! counts of its clones.
//!
//! For a site holding n cells in clones of n₁, n₂, … cells, with shares
//! pᵢ = nᵢ / n:
//!
//! - **clones alive**: the clones with at least one cell; **clones ever**:
//!   the clones that have had cells in the site (its founders and the
//!   mutants born in it, [`Site::clones_ever`]);
//! - **the largest clone's share**: maxᵢ pᵢ;
//! - **Shannon's index** H = −Σ pᵢ ln pᵢ, in nats (0 for one clone; ln k
//!   for k clones of equal size; Shannon 1948);
//! - **Simpson's index** D = Σ pᵢ², the probability that two cells drawn at
//!   random, with replacement, belong to one clone (1 for one clone, 1/k
//!   for k equal clones; Simpson 1949). 1 − D is the Gini–Simpson index.
//!
//! and, for a Muller plot, the cells of every clone holding at least a
//! given share of the site ([`CloneShare`]); the rest of the site is the
//! difference between its cells and theirs. All of it is computed from a
//! site's counts when the model observes the burden (a day of
//! `observation_days`), without a draw, so recording it changes no
//! trajectory.

use serde::{Deserialize, Serialize};

use super::site::{Site, SiteId};
use crate::clones::CloneId;

/// A site's diversity at one observation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteDiversity {
    /// The site.
    pub site: SiteId,
    /// Its cells.
    pub cells: u64,
    /// Clones with cells in it.
    pub clones_alive: u64,
    /// Clones that have ever had cells in it.
    pub clones_ever: u64,
    /// The largest clone's share of its cells (0 for an empty site).
    pub largest_share: f64,
    /// Shannon's index, in nats (0 for an empty site).
    pub shannon: f64,
    /// Simpson's index Σ pᵢ² (0 for an empty site).
    pub simpson: f64,
}

/// A clone's cells in a site at one observation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloneShare {
    /// The site.
    pub site: SiteId,
    /// The clone.
    pub clone: CloneId,
    /// Its cells in the site.
    pub cells: u64,
}

/// The clonal composition of every site holding cells, on one day of the
/// observation grid.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompositionSample {
    /// The day.
    pub day: f64,
    /// Each site with cells, in site order.
    pub sites: Vec<SiteDiversity>,
    /// The clones holding at least the observed share of their site, by
    /// site, then clone.
    pub clones: Vec<CloneShare>,
}

impl SiteDiversity {
    /// The diversity of `site` now.
    pub fn of(site: &Site) -> Self {
        let (largest_share, shannon, simpson) = indices(&site.cells, site.size);
        SiteDiversity {
            site: site.id,
            cells: site.size,
            clones_alive: site.cells.len() as u64,
            clones_ever: u64::from(site.clones_ever),
            largest_share,
            shannon,
            simpson,
        }
    }
}

/// The largest share, Shannon's and Simpson's indices of `cells` (per
/// clone) out of `total` cells; all 0 for no cell.
pub fn indices(cells: &[(CloneId, u64)], total: u64) -> (f64, f64, f64) {
    if total == 0 {
        return (0.0, 0.0, 0.0);
    }
    let n = total as f64;
    let (mut largest, mut shannon, mut simpson) = (0u64, 0.0, 0.0);
    for &(_, count) in cells {
        if count == 0 {
            continue;
        }
        let p = count as f64 / n;
        largest = largest.max(count);
        shannon -= p * libm::log(p);
        simpson += p * p;
    }
    // −Σ p ln p of one clone is −1·0 = 0, never −0.
    (largest as f64 / n, shannon.max(0.0), simpson)
}

/// The composition of `sites` on `day`: every site with cells, and its
/// clones holding at least `share` of it.
pub fn composition<'a>(
    day: f64,
    sites: impl IntoIterator<Item = &'a Site>,
    share: f64,
) -> CompositionSample {
    let mut sample = CompositionSample {
        day,
        ..CompositionSample::default()
    };
    for site in sites.into_iter().filter(|s| s.size > 0) {
        sample.sites.push(SiteDiversity::of(site));
        let listed = site
            .cells
            .iter()
            .filter(|&&(_, n)| n as f64 >= share * site.size as f64)
            .map(|&(clone, cells)| CloneShare {
                site: site.id,
                clone,
                cells,
            });
        sample.clones.extend(listed);
    }
    sample
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(counts: &[u64]) -> Vec<(CloneId, u64)> {
        (counts.iter().enumerate())
            .map(|(i, &n)| (CloneId(i as u32), n))
            .collect()
    }

    #[test]
    fn one_clone_has_no_diversity() {
        assert_eq!(indices(&cells(&[7]), 7), (1.0, 0.0, 1.0));
    }

    #[test]
    fn k_equal_clones_give_ln_k_and_one_over_k() {
        for k in [2u64, 3, 10, 1000] {
            let counts = vec![5; k as usize];
            let (largest, shannon, simpson) = indices(&cells(&counts), 5 * k);
            let k = k as f64;
            assert!((largest - 1.0 / k).abs() < 1e-15);
            assert!((shannon - libm::log(k)).abs() < 1e-12 * libm::log(k));
            assert!((simpson - 1.0 / k).abs() < 1e-12);
        }
    }

    #[test]
    fn unequal_clones_match_the_definitions() {
        // Shares 1/2, 1/4, 1/4: H = (1/2) ln 2 + 2 (1/4) ln 4 = 1.5 ln 2,
        // D = 1/4 + 2/16 = 3/8.
        let (largest, shannon, simpson) = indices(&cells(&[2, 1, 1]), 4);
        assert_eq!(largest, 0.5);
        assert!((shannon - 1.5 * core::f64::consts::LN_2).abs() < 1e-15);
        assert!((simpson - 0.375).abs() < 1e-15);
    }

    #[test]
    fn an_empty_site_is_all_zero() {
        assert_eq!(indices(&[], 0), (0.0, 0.0, 0.0));
    }
}
