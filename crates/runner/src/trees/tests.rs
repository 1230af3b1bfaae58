use super::*;

#[test]
fn labels_are_bare_unless_newick_needs_quotes() {
    assert_eq!(newick_label("B16F10.1.2"), "B16F10.1.2");
    assert_eq!(newick_label("lung.3"), "lung.3");
    // An unquoted underscore reads as a blank in standard Newick.
    assert_eq!(newick_label("other_tissues.4"), "'other_tissues.4'");
    assert_eq!(newick_label("bone marrow"), "'bone marrow'");
    assert_eq!(newick_label("a:b"), "'a:b'");
    assert_eq!(newick_label("(x),[y];"), "'(x),[y];'");
    assert_eq!(newick_label("O'Brien"), "'O''Brien'");
    assert_eq!(newick_label(""), "''");
}

#[test]
fn nhx_values_hold_no_delimiter() {
    assert_eq!(nhx_value("lung"), "lung");
    assert_eq!(nhx_value("other_tissues"), "other_tissues");
    assert_eq!(nhx_value("bone marrow"), "bone%20marrow");
    assert_eq!(nhx_value("a:b=c|d]"), "a%3Ab%3Dc%7Cd%5D");
    assert_eq!(nhx_value("é"), "%C3%A9");
    for c in [":", "=", "|", "]", "[", ",", ";", "(", ")", " "] {
        assert!(!nhx_value(&format!("x{c}y")).contains(c), "{c}");
    }
}

fn leaf(label: &str, length: f64) -> Node {
    Node {
        label: Some(label.to_string()),
        length: Some(length),
        ..Node::default()
    }
}

#[test]
fn a_tree_is_written_children_in_order_with_lengths_and_comments() {
    let mut root = leaf("A", 0.0);
    root.length = None;
    root.attributes = vec![("clone", "0".to_string()), ("alive", "12".to_string())];
    root.children = vec![1, 2];
    let mut b = leaf("A.1", 2.5);
    b.children = vec![3];
    let nodes = vec![root, b, leaf("A.2", 4.0), leaf("A.1.1", 0.125)];
    assert_eq!(
        write_newick(&nodes, 0),
        "((A.1.1:0.125)A.1:2.5,A.2:4)A[&&NHX:clone=0:alive=12];"
    );
    let forest = Forest {
        nodes: vec![leaf("x", 0.0), leaf("y", 0.0)],
        tops: vec![0, 1],
    };
    assert_eq!(forest.newick(), "(x:0,y:0);");
    let empty = Forest {
        nodes: Vec::new(),
        tops: Vec::new(),
    };
    assert_eq!(empty.newick(), ";");
}

/// A lineage as deep as a long run makes (each mutant the parent of the
/// next) is written without recursion: no stack overflow, and every
/// parenthesis closed.
#[test]
fn a_deep_chain_is_written_without_recursion() {
    let depth = 200_000;
    let nodes: Vec<Node> = (0..depth)
        .map(|k| Node {
            label: Some(format!("c{k}")),
            children: if k + 1 < depth {
                vec![k + 1]
            } else {
                Vec::new()
            },
            ..Node::default()
        })
        .collect();
    let text = write_newick(&nodes, 0);
    assert_eq!(text.matches('(').count(), depth - 1);
    assert_eq!(text.matches(')').count(), depth - 1);
    assert!(text.starts_with("((((") && text.ends_with(")c1)c0;"));
}
