//! The dependency graph: what each relevance condition, calculation, default and
//! repeat count reads, in an order where everything comes after what it reads.
//!
//! Each field has four nodes: its relevance, its value, its default and its repeat
//! count. An edge `a → b` means `b` reads `a`; `keep` says how many of `a`'s row indices
//! pick the rows of `b` to recompute when `a` changes (see [`crate::session`]).

use super::id::FieldId;

/// The four nodes of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum NodeKind {
    /// Effective relevance.
    Rel = 0,
    /// Value (answer, calculation, meta value; for a repeat, its rows).
    Val = 1,
    /// Default, applied when a row is created.
    Def = 2,
    /// Repeat count.
    Cnt = 3,
}

impl NodeKind {
    const ALL: [NodeKind; 4] = [NodeKind::Rel, NodeKind::Val, NodeKind::Def, NodeKind::Cnt];

    /// The property the node stands for, in messages.
    pub(crate) fn property(self) -> &'static str {
        match self {
            NodeKind::Rel => "relevant",
            NodeKind::Val => "calculation",
            NodeKind::Def => "default",
            NodeKind::Cnt => "repeat_count",
        }
    }
}

/// A graph node: a field and one of its four aspects.
pub(crate) fn node(field: FieldId, kind: NodeKind) -> usize {
    field.index() * 4 + kind as usize
}

/// The field and aspect of a graph node.
pub(crate) fn split(node: usize) -> (FieldId, NodeKind) {
    (FieldId((node / 4) as u32), NodeKind::ALL[node % 4])
}

/// An edge to a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edge {
    /// The reading node.
    pub(crate) to: u32,
    /// Row indices of the changed node to keep when scheduling the reader.
    pub(crate) keep: u8,
    /// Whether a change flows along the edge at run time (edges into defaults and from
    /// repeat counts to rows exist only to find cycles).
    pub(crate) propagate: bool,
}

/// The graph in evaluation order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Graph {
    /// Every node, readers after what they read.
    pub(crate) order: Vec<u32>,
    /// `rank[node]`: the node's place in `order`.
    pub(crate) rank: Vec<u32>,
    /// `edges[starts[node]..starts[node + 1]]`: the edges out of `node`.
    starts: Vec<u32>,
    edges: Vec<Edge>,
}

impl Graph {
    /// Sorts the graph with `edges` (from, edge) over `fields` fields; on a cycle, the
    /// nodes of one cycle in order.
    pub(crate) fn build(fields: usize, edges: Vec<(usize, Edge)>) -> Result<Graph, Vec<usize>> {
        let n = fields * 4;
        let mut readers: Vec<Vec<Edge>> = vec![Vec::new(); n];
        let mut indegree = vec![0u32; n];
        for (from, edge) in edges {
            if !readers[from].contains(&edge) {
                indegree[edge.to as usize] += 1;
                readers[from].push(edge);
            }
        }
        // Kahn's algorithm, taking nodes in field order where there is a choice, so the
        // order stays close to the questionnaire's.
        let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> =
            (0..n).filter(|&i| indegree[i] == 0).map(std::cmp::Reverse).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(std::cmp::Reverse(i)) = ready.pop() {
            order.push(i as u32);
            for e in &readers[i] {
                let t = e.to as usize;
                indegree[t] -= 1;
                if indegree[t] == 0 {
                    ready.push(std::cmp::Reverse(t));
                }
            }
        }
        if order.len() < n {
            return Err(find_cycle(&readers, &indegree));
        }
        let mut rank = vec![0u32; n];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        let mut starts = Vec::with_capacity(n + 1);
        let mut flat = Vec::with_capacity(readers.iter().map(Vec::len).sum());
        for edges in readers {
            starts.push(flat.len() as u32);
            flat.extend(edges);
        }
        starts.push(flat.len() as u32);
        Ok(Graph { order, rank, starts, edges: flat })
    }

    /// The edges out of `node`: who reads it.
    pub(crate) fn readers(&self, node: usize) -> &[Edge] {
        &self.edges[self.starts[node] as usize..self.starts[node + 1] as usize]
    }
}

/// One cycle among the nodes Kahn's algorithm could not place, in reading order.
///
/// Every unplaced node has an unplaced node it reads, so walking backwards through
/// them must come round to a node already seen.
fn find_cycle(readers: &[Vec<Edge>], indegree: &[u32]) -> Vec<usize> {
    let stuck = |i: usize| indegree[i] > 0;
    let mut reads: Vec<Vec<usize>> = vec![Vec::new(); readers.len()];
    for (from, edges) in readers.iter().enumerate() {
        if stuck(from) {
            for e in edges {
                reads[e.to as usize].push(from);
            }
        }
    }
    let Some(start) = (0..readers.len()).find(|&i| stuck(i)) else { return Vec::new() };
    let mut seen = vec![usize::MAX; readers.len()];
    let mut path = Vec::new();
    let mut at = start;
    loop {
        if seen[at] != usize::MAX {
            let mut cycle = path[seen[at]..].to_vec();
            cycle.reverse();
            return cycle;
        }
        seen[at] = path.len();
        path.push(at);
        match reads[at].first() {
            Some(&prev) => at = prev,
            None => return path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(to: usize) -> Edge {
        Edge { to: to as u32, keep: 0, propagate: true }
    }

    #[test]
    fn orders_readers_after_what_they_read_and_finds_cycles() {
        // field 0 value → field 1 relevance → field 1 value
        let g = Graph::build(2, vec![(1, edge(4)), (4, edge(5))]).unwrap();
        assert!(g.rank[1] < g.rank[4] && g.rank[4] < g.rank[5]);
        // field 0 value ↔ field 1 value
        let cycle = Graph::build(2, vec![(1, edge(5)), (5, edge(1))]).unwrap_err();
        let mut sorted = cycle.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![1, 5]);
    }
}
