//! Venous routes: an organ whose venous blood drains to several beds, each
//! with a share.
//!
//! By default an organ's venous blood goes to one bed, its
//! [`Organ::drains_to`](super::Organ::drains_to) (the main drainage). Some
//! organs have other routes: the prostate and the breast drain in part
//! through the vertebral venous plexus to the spine, bypassing the lung
//! (Batson 1940, Ann Surg 112:138; `docs/references.md`). An organ's
//! [`OrganSpec::venous_routes`] lists every bed its venous blood reaches,
//! with the share of it that goes there: the shares sum to 1 within
//! [`SHARE_SUM_TOLERANCE`], each bed is given once, and the main drainage is
//! one of them. A cell leaving the organ's bed (passing through it, or shed
//! by a lesion there) goes to a route picked with probability equal to its
//! share, independently of every other cell.
//!
//! An organ without routes (an empty list, the default) drains as before to
//! its main drainage alone, and the model draws no random number to route
//! it: scenarios without routes run exactly as they did before routes
//! existed.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::{Drain, DrainSpec, GraphError, OrganSpec, SHARE_SUM_TOLERANCE, organ_id};

/// One venous route of an organ, validated: the bed a share of its venous
/// blood goes to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// Where this share of the blood goes.
    pub to: Drain,
    /// The share of the organ's venous blood, in [0, 1]; an organ's shares
    /// sum to 1.
    pub share: f64,
}

/// One venous route of an organ as given, with the bed given by name: the
/// unvalidated form of [`Route`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RouteSpec {
    /// Where this share of the blood goes: an organ by name, or the
    /// arterial side.
    pub to: DrainSpec,
    /// The share of the organ's venous blood, in [0, 1].
    pub share: f64,
}

/// Why an organ's venous routes were refused.
#[derive(Clone, Debug, PartialEq)]
pub enum RouteError {
    /// A share is not a number in [0, 1].
    InvalidShare {
        /// The organ.
        organ: String,
        /// The index of the route in the organ's list.
        route: usize,
        /// The value refused.
        value: f64,
    },
    /// A route leads to an organ that is not in the set.
    UnknownBed {
        /// The organ.
        organ: String,
        /// The index of the route.
        route: usize,
        /// The name given.
        target: String,
        /// The organs' names (the arterial side is valid too).
        valid: Vec<String>,
    },
    /// Two routes of an organ lead to the same bed.
    BedGivenTwice {
        /// The organ.
        organ: String,
        /// The index of the second route to the bed.
        route: usize,
        /// The bed's name (`Arterial` for the arterial side).
        target: String,
    },
    /// The shares of an organ's routes do not sum to 1 within
    /// [`SHARE_SUM_TOLERANCE`].
    SharesDoNotSumToOne {
        /// The organ.
        organ: String,
        /// Their sum.
        sum: f64,
    },
    /// The organ's main drainage ([`OrganSpec::drains_to`]) is not one of
    /// its routes.
    MainDrainageMissing {
        /// The organ.
        organ: String,
        /// The main drainage's name (`Arterial` for the arterial side).
        drains_to: String,
    },
}

impl RouteError {
    /// The organ whose routes were refused.
    pub fn organ(&self) -> &str {
        match self {
            RouteError::InvalidShare { organ, .. }
            | RouteError::UnknownBed { organ, .. }
            | RouteError::BedGivenTwice { organ, .. }
            | RouteError::SharesDoNotSumToOne { organ, .. }
            | RouteError::MainDrainageMissing { organ, .. } => organ,
        }
    }

    /// The index of the route at fault, when one route is.
    pub fn route(&self) -> Option<usize> {
        match self {
            RouteError::InvalidShare { route, .. }
            | RouteError::UnknownBed { route, .. }
            | RouteError::BedGivenTwice { route, .. } => Some(*route),
            RouteError::SharesDoNotSumToOne { .. } | RouteError::MainDrainageMissing { .. } => None,
        }
    }
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::InvalidShare {
                organ,
                route,
                value,
            } => write!(
                f,
                "organ \"{organ}\": venous route {route} has share {value}, expected a \
                 fraction in [0, 1]"
            ),
            RouteError::UnknownBed {
                organ,
                route,
                target,
                valid,
            } => {
                write!(
                    f,
                    "organ \"{organ}\": venous route {route} leads to unknown organ \"{target}\""
                )?;
                super::write_unknown_target(f, target, valid)
            }
            RouteError::BedGivenTwice {
                organ,
                route,
                target,
            } => write!(
                f,
                "organ \"{organ}\": venous route {route} leads to {target} again, expected \
                 each bed once (add the shares together)"
            ),
            RouteError::SharesDoNotSumToOne { organ, sum } => write!(
                f,
                "organ \"{organ}\": the venous routes' shares sum to {sum}, expected 1 (within \
                 {SHARE_SUM_TOLERANCE})"
            ),
            RouteError::MainDrainageMissing { organ, drains_to } => write!(
                f,
                "organ \"{organ}\": its main drainage ({drains_to}) is not among its venous \
                 routes, expected a route to it (the main drainage is one of the routes)"
            ),
        }
    }
}

fn drain_name(drain: &DrainSpec) -> String {
    match drain {
        DrainSpec::Organ(name) => format!("\"{name}\""),
        DrainSpec::Arterial => "Arterial".to_string(),
    }
}

/// Every organ's routes: its [`OrganSpec::venous_routes`] validated, or its
/// main drainage with share 1 when it has none.
pub(super) fn resolve(
    specs: &[OrganSpec],
    names: &[&str],
    drains: &[Drain],
) -> Result<Vec<Vec<Route>>, GraphError> {
    specs
        .iter()
        .zip(drains)
        .map(|(spec, drain)| {
            if spec.venous_routes.is_empty() {
                Ok(vec![Route {
                    to: drain.clone(),
                    share: 1.0,
                }])
            } else {
                resolve_one(spec, names).map_err(GraphError::Route)
            }
        })
        .collect()
}

fn resolve_one(spec: &OrganSpec, names: &[&str]) -> Result<Vec<Route>, RouteError> {
    let organ = || spec.name.clone();
    let mut routes: Vec<Route> = Vec::with_capacity(spec.venous_routes.len());
    for (index, given) in spec.venous_routes.iter().enumerate() {
        if !(0.0..=1.0).contains(&given.share) {
            return Err(RouteError::InvalidShare {
                organ: organ(),
                route: index,
                value: given.share,
            });
        }
        let to = match &given.to {
            DrainSpec::Arterial => Drain::Arterial,
            DrainSpec::Organ(name) => match names.iter().position(|n| n == name) {
                Some(i) => Drain::Organ(organ_id(i)),
                None => {
                    return Err(RouteError::UnknownBed {
                        organ: organ(),
                        route: index,
                        target: name.clone(),
                        valid: names.iter().map(|n| n.to_string()).collect(),
                    });
                }
            },
        };
        if routes.iter().any(|r| r.to == to) {
            return Err(RouteError::BedGivenTwice {
                organ: organ(),
                route: index,
                target: drain_name(&given.to),
            });
        }
        routes.push(Route {
            to,
            share: given.share,
        });
    }
    let sum: f64 = routes.iter().map(|r| r.share).sum();
    if (sum - 1.0).abs() > SHARE_SUM_TOLERANCE {
        return Err(RouteError::SharesDoNotSumToOne {
            organ: organ(),
            sum,
        });
    }
    if !spec.venous_routes.iter().any(|r| r.to == spec.drains_to) {
        return Err(RouteError::MainDrainageMissing {
            organ: organ(),
            drains_to: drain_name(&spec.drains_to),
        });
    }
    for route in &mut routes {
        route.share /= sum;
    }
    Ok(routes)
}

/// Refuses routes that, followed from some organ, can revisit an organ
/// (every route with a positive share is an edge): a cell must reach the
/// arterial side after finitely many beds.
pub(super) fn check_acyclic(names: &[&str], routes: &[Vec<Route>]) -> Result<(), GraphError> {
    #[derive(Copy, Clone, PartialEq)]
    enum Mark {
        Unknown,
        OnPath,
        Done,
    }
    let mut marks = vec![Mark::Unknown; routes.len()];
    for start in 0..routes.len() {
        if marks[start] != Mark::Unknown {
            continue;
        }
        // Depth-first, with an explicit stack of (organ, next route index).
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        marks[start] = Mark::OnPath;
        while let Some(&mut (at, ref mut next)) = stack.last_mut() {
            let Some(route) = routes[at].get(*next) else {
                marks[at] = Mark::Done;
                stack.pop();
                continue;
            };
            *next += 1;
            let Drain::Organ(to) = route.to else {
                continue;
            };
            if route.share <= 0.0 {
                continue;
            }
            let to = to.index();
            match marks[to] {
                Mark::Done => {}
                Mark::Unknown => {
                    marks[to] = Mark::OnPath;
                    stack.push((to, 0));
                }
                Mark::OnPath => {
                    let first = stack.iter().position(|&(i, _)| i == to).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[first..]
                        .iter()
                        .map(|&(i, _)| names[i].to_string())
                        .collect();
                    cycle.push(names[to].to_string());
                    return Err(GraphError::DrainCycle {
                        organ: names[start].to_string(),
                        cycle,
                    });
                }
            }
        }
    }
    Ok(())
}

/// The route of `routes` that the uniform number `u` in [0, 1) picks, each
/// with probability equal to its share: the first whose cumulative share
/// exceeds `u`, or the last with a positive share.
pub fn pick(routes: &[Route], u: f64) -> &Drain {
    let mut cumulative = 0.0;
    for route in routes {
        cumulative += route.share;
        if u < cumulative && route.share > 0.0 {
            return &route.to;
        }
    }
    let last = routes
        .iter()
        .rposition(|r| r.share > 0.0)
        .unwrap_or(routes.len().saturating_sub(1));
    &routes[last].to
}
