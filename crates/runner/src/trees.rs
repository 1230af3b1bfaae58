//! The clone tree and the site tree in Newick (`trees.csv`) and each
//! site's clonal prevalence (`prevalence.csv`): the ground truth that
//! migration-history inference from sequencing (MACHINA, Metient) takes as
//! its input, read from a replicate's final state. `docs/trees.md` gives
//! the grammar.
//!
//! Both trees are standard Newick: a label is written bare when it holds
//! none of Newick's punctuation, blanks or underscores (an unquoted `_`
//! reads as a blank), and quoted otherwise (`'…'`, a quote doubled);
//! branch lengths are in days; everything else a node says is in one
//! New Hampshire eXtended comment, `[&&NHX:key=value:…]`, which Newick
//! readers that do not know NHX skip as a comment. Values are integers,
//! days, or names with every character but `A–Z a–z 0–9 . _ -`
//! percent-encoded (`%20` for a blank), so no value holds the `:`, `=`,
//! `|` or `]` that delimit them; a list is its items joined by `|`.
//!
//! The trees are written without recursion, so a lineage as deep as a
//! long run makes it is no risk to the stack.

use cascade_biology::model::{ArrivalKind, Source};
use cascade_biology::{CascadeState, CloneId};

use crate::scenario::sequencing::{ExtinctLeaves, Sampling};
use crate::schema::{self, Row, Value};

#[cfg(test)]
mod tests;

/// A node of a tree being written.
#[derive(Clone, Debug, Default)]
struct Node {
    /// Its label (none for a root that only joins several trees).
    label: Option<String>,
    /// The length of the branch to its parent, in days.
    length: Option<f64>,
    /// Its NHX attributes, in order.
    attributes: Vec<(&'static str, String)>,
    /// Its children, in order.
    children: Vec<usize>,
}

/// Nodes by index, the tree's root being the one that joins the tops
/// (`tops`): the only top itself, or an unlabelled node above several.
struct Forest {
    nodes: Vec<Node>,
    tops: Vec<usize>,
}

impl Forest {
    fn newick(mut self) -> String {
        let root = match self.tops.as_slice() {
            [] => return ";".to_string(),
            [only] => *only,
            _ => {
                self.nodes.push(Node {
                    children: std::mem::take(&mut self.tops),
                    ..Node::default()
                });
                self.nodes.len() - 1
            }
        };
        write_newick(&self.nodes, root)
    }
}

/// The Newick text of the tree under `root`, ending in `;`.
fn write_newick(nodes: &[Node], root: usize) -> String {
    enum Step {
        Enter(usize),
        Leave(usize),
        Comma,
    }
    let mut out = String::new();
    let mut steps = vec![Step::Enter(root)];
    while let Some(step) = steps.pop() {
        match step {
            Step::Enter(n) if nodes[n].children.is_empty() => write_node(&nodes[n], &mut out),
            Step::Enter(n) => {
                out.push('(');
                steps.push(Step::Leave(n));
                for (k, &child) in nodes[n].children.iter().enumerate().rev() {
                    steps.push(Step::Enter(child));
                    if k > 0 {
                        steps.push(Step::Comma);
                    }
                }
            }
            Step::Leave(n) => {
                out.push(')');
                write_node(&nodes[n], &mut out);
            }
            Step::Comma => out.push(','),
        }
    }
    out.push(';');
    out
}

/// A node's label, branch length and NHX comment.
fn write_node(node: &Node, out: &mut String) {
    if let Some(label) = &node.label {
        out.push_str(&newick_label(label));
    }
    if let Some(length) = node.length {
        out.push(':');
        out.push_str(&length.to_string());
    }
    if !node.attributes.is_empty() {
        out.push_str("[&&NHX");
        for (key, value) in &node.attributes {
            out.push(':');
            out.push_str(key);
            out.push('=');
            out.push_str(value);
        }
        out.push(']');
    }
}

/// `text` as a Newick label: bare if it is not empty and holds no
/// punctuation of Newick's, no blank and no underscore; else quoted, its
/// quotes doubled.
pub fn newick_label(text: &str) -> String {
    let bare = !text.is_empty()
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "()[]':;,_".contains(c));
    if bare {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// `text` as an NHX value: every byte of a character outside `A–Z a–z
/// 0–9 . _ -` percent-encoded.
pub fn nhx_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "._-".contains(c) {
            out.push(c);
        } else {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// Items joined by `|`, an NHX list.
fn nhx_list<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    items.join("|")
}

/// The clone tree: the lineage, every clone a node labelled with its name
/// under its parent, its branch the days from its parent's birth to its
/// own; a founder is the root, or several hang from an unlabelled root.
/// Its NHX comment: `clone` (its id), `alive` (its cells alive at the end,
/// everywhere) and, if sites hold it at the end, `sites` (their ids),
/// `organs` and `site_cells` (its cells in each). With
/// [`ExtinctLeaves::Pruned`], a clone with no living cell and no living
/// descendant is left out.
pub fn clone_tree(state: &CascadeState, extinct_leaves: ExtinctLeaves) -> String {
    let lineage = state.lineage();
    let organs = &state.config().organs;
    let alive = state.alive_by_clone();
    let mut in_sites: Vec<Vec<(u32, &str, u64)>> = vec![Vec::new(); lineage.len()];
    for site in state.sites() {
        for &(clone, cells) in site.cells.iter().filter(|&&(_, n)| n > 0) {
            let organ = organs.organ(site.organ).name.as_str();
            in_sites[clone.index()].push((site.id.0, organ, cells));
        }
    }
    let kept = kept_clones(state, &alive, extinct_leaves);
    let mut node_of: Vec<Option<usize>> = vec![None; lineage.len()];
    let mut forest = Forest {
        nodes: Vec::new(),
        tops: Vec::new(),
    };
    for clone in lineage.iter().filter(|c| kept[c.id.index()]) {
        let index = clone.id.index();
        let mut attributes = vec![
            ("clone", clone.id.0.to_string()),
            ("alive", alive[index].to_string()),
        ];
        let sites = &in_sites[index];
        if !sites.is_empty() {
            attributes.push(("sites", nhx_list(sites.iter().map(|s| s.0))));
            attributes.push(("organs", nhx_list(sites.iter().map(|s| nhx_value(s.1)))));
            attributes.push(("site_cells", nhx_list(sites.iter().map(|s| s.2))));
        }
        let parent = clone.parent.map(|p| lineage.clone_of(p));
        let length = match parent {
            Some(p) => clone.born_at.days() - p.born_at.days(),
            None => clone.born_at.days(),
        };
        forest.nodes.push(Node {
            label: Some(lineage.name(clone.id)),
            length: Some(length),
            attributes,
            children: Vec::new(),
        });
        let node = forest.nodes.len() - 1;
        node_of[index] = Some(node);
        match clone.parent.and_then(|p| node_of[p.index()]) {
            Some(p) => forest.nodes[p].children.push(node),
            None => forest.tops.push(node),
        }
    }
    if let [only] = forest.tops.as_slice() {
        forest.nodes[*only].length = None;
    }
    forest.newick()
}

/// Which clones the clone tree holds: all, or with `Pruned` those with
/// living cells and their ancestors (a parent's id is below its mutants',
/// so one pass from the last clone back marks every ancestor).
fn kept_clones(state: &CascadeState, alive: &[u64], extinct_leaves: ExtinctLeaves) -> Vec<bool> {
    let lineage = state.lineage();
    if extinct_leaves == ExtinctLeaves::Kept {
        return vec![true; lineage.len()];
    }
    let mut kept: Vec<bool> = alive.iter().map(|&n| n > 0).collect();
    for clone in (0..lineage.len()).rev() {
        let id = CloneId(clone as u32);
        if let (true, Some(parent)) = (kept[clone], lineage.clone_of(id).parent) {
            kept[parent.index()] = true;
        }
    }
    kept
}

/// What put a site's founding cells into the blood, as the site tree
/// names it: a site, an injection, or a source cohort mode did not keep.
type FoundingSource = Option<Source>;

/// The site tree: which site's cells founded which site. Every site ever
/// founded (the primary and every metastasis, extinct ones too) is a node
/// labelled `<organ>.<site id>`, under the source of its founding cells:
/// the site that shed them, a node `injection.<index>` for an injection's
/// cells, or a node `unknown` for cells whose source cohort mode does not
/// keep. A site founded by cells of several sources (a clump's cells come
/// from one) hangs from the source of most of them, the earliest site at
/// a tie, and says how many sources it had (`founding_sources`). Cells
/// that later joined a lesion (reseeding) make no edge: the tree is of
/// foundings, and `arrivals.csv` holds every arrival. A branch is the
/// days from the parent's founding (or injection) to the site's.
pub fn site_tree(state: &CascadeState) -> String {
    let organs = &state.config().organs;
    let sites = state.sites();
    let mut sources: Vec<Vec<(FoundingSource, u64)>> = vec![Vec::new(); sites.len()];
    for arrival in state.arrivals() {
        if arrival.kind != ArrivalKind::Founded {
            continue;
        }
        let source = arrival.origin.map(|o| o.source);
        let counts = &mut sources[arrival.site.index()];
        match counts.iter_mut().find(|(s, _)| *s == source) {
            Some((_, cells)) => *cells += arrival.cells,
            None => counts.push((source, arrival.cells)),
        }
    }
    let mut forest = Forest {
        nodes: Vec::new(),
        tops: Vec::new(),
    };
    for site in sites {
        let organ = &organs.organ(site.organ).name;
        let mut attributes = vec![
            ("site", site.id.0.to_string()),
            ("organ", nhx_value(organ)),
            ("kind", site_kind(site).to_string()),
            ("cells", site.size.to_string()),
            ("founded", site.founded_at.days().to_string()),
        ];
        if let Some(extinct) = site.extinct_at {
            attributes.push(("extinct", extinct.days().to_string()));
        }
        if sources[site.id.index()].len() > 1 {
            let n = sources[site.id.index()].len();
            attributes.push(("founding_sources", n.to_string()));
        }
        forest.nodes.push(Node {
            label: Some(format!("{organ}.{}", site.id.0)),
            length: None,
            attributes,
            children: Vec::new(),
        });
    }
    let mut source_nodes: Vec<(FoundingSource, usize)> = Vec::new();
    for (site, founding) in sites.iter().zip(&sources) {
        let node = site.id.index();
        let Some(source) = main_source(founding) else {
            forest.tops.push(node);
            continue;
        };
        let (parent, parent_day) = match source {
            Some(Source::Site(s)) => (s.index(), Some(sites[s.index()].founded_at.days())),
            _ => {
                let day = source_day(state, source);
                let parent = match source_nodes.iter().find(|(s, _)| *s == source) {
                    Some(&(_, n)) => n,
                    None => {
                        forest.nodes.push(source_node(state, source));
                        let n = forest.nodes.len() - 1;
                        source_nodes.push((source, n));
                        forest.tops.push(n);
                        n
                    }
                };
                (parent, day)
            }
        };
        forest.nodes[node].length = parent_day.map(|day| site.founded_at.days() - day);
        forest.nodes[parent].children.push(node);
    }
    forest.newick()
}

/// The source of most of a site's founding cells (the first listed at a
/// tie: arrivals come in order of time, so the earliest); `None` for a
/// site no cells founded (the primary).
fn main_source(founding: &[(FoundingSource, u64)]) -> Option<FoundingSource> {
    let mut best: Option<(FoundingSource, u64)> = None;
    for &(source, cells) in founding {
        if best.is_none_or(|(_, most)| cells > most) {
            best = Some((source, cells));
        }
    }
    best.map(|(source, _)| source)
}

/// The day an injection's cells entered the blood; none for an unknown
/// source.
fn source_day(state: &CascadeState, source: FoundingSource) -> Option<f64> {
    match source {
        Some(Source::Injection(i)) => Some(state.config().injections[i as usize].day),
        _ => None,
    }
}

/// The node of an injection, or of the unknown source.
fn source_node(state: &CascadeState, source: FoundingSource) -> Node {
    let (label, attributes) = match source {
        Some(Source::Injection(i)) => {
            let day = state.config().injections[i as usize].day;
            let attributes = vec![
                ("injection", i.to_string()),
                ("kind", "injection".to_string()),
                ("day", day.to_string()),
            ];
            (format!("injection.{i}"), attributes)
        }
        _ => ("unknown".to_string(), vec![("kind", "unknown".to_string())]),
    };
    Node {
        label: Some(label),
        attributes,
        ..Node::default()
    }
}

fn site_kind(site: &cascade_biology::model::Site) -> &'static str {
    match site.kind {
        cascade_biology::model::SiteKind::Primary => "primary",
        cascade_biology::model::SiteKind::Metastasis => "metastasis",
    }
}

/// The rows of `trees.csv` and `prevalence.csv` for the replicate whose
/// final state is `state`, ended at `end_day`.
pub(crate) fn tree_rows(
    state: &CascadeState,
    (sampling, extinct_leaves): (Option<Sampling>, ExtinctLeaves),
    (r, end_day): (&Value, f64),
    tables: &mut [Vec<Row>],
) {
    for (kind, newick) in [
        ("clones", clone_tree(state, extinct_leaves)),
        ("sites", site_tree(state)),
    ] {
        let row = vec![r.clone(), Value::text(kind), Value::Text(newick)];
        tables[schema::TREES].push(row);
    }
    let mut prevalence = |day: f64, occasion: &str, site: u32, clones: &[(CloneId, u64)]| {
        let site_cells: u64 = clones.iter().map(|&(_, n)| n).sum();
        let organs = &state.config().organs;
        let organ = organs.organ(state.sites()[site as usize].organ);
        for &(clone, cells) in clones.iter().filter(|&&(_, n)| n > 0) {
            let fraction = cells as f64 / site_cells as f64;
            tables[schema::PREVALENCE].push(vec![
                r.clone(),
                Value::Day(day),
                Value::text(occasion),
                Value::Count(u64::from(site)),
                Value::text(&organ.name),
                Value::text(&state.lineage().name(clone)),
                Value::Count(u64::from(clone.0)),
                Value::Count(cells),
                Value::Float(fraction),
                sampling.map_or(Value::Null, |s| Value::Boolean(s.detects(fraction))),
            ]);
        }
    };
    for harvest in state.harvests() {
        for group in harvest.site_clones.chunk_by(|a, b| a.site == b.site) {
            let clones: Vec<(CloneId, u64)> = group.iter().map(|c| (c.clone, c.cells)).collect();
            prevalence(harvest.day, "harvest", group[0].site, &clones);
        }
    }
    for site in state.sites() {
        prevalence(end_day, "end", site.id.0, &site.cells);
    }
}
