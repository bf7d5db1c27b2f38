// Values that stress a crossing: built in the worker, returned to the caller.
// `shared`: 2^levels paths through levels+1 objects (x = { l: x, r: x }, levels times).
// `cyclic`: a graph of `size` nodes, each pointing back to the graph and to earlier nodes.
export function shared(levels) {
  let x = { leaf: 1 };
  for (let i = 0; i < levels; i++) x = { l: x, r: x };
  return x;
}

export function cyclic(size) {
  const graph = { name: "g", nodes: [] };
  for (let i = 0; i < size; i++) graph.nodes.push({ id: i, graph, prev: graph.nodes[i - 1], peer: graph.nodes[i >> 1] });
  return graph;
}
