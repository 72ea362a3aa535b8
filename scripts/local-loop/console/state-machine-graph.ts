import { escapeHtml } from './html';

/** The parts of an ASL state the graph reads: where it can go next. */
interface GraphState {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly End?: boolean;
  readonly Choices?: readonly { readonly Next?: string }[];
  readonly Catch?: readonly { readonly Next?: string; readonly ErrorEquals?: readonly string[] }[];
}

export interface GraphDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, GraphState>>;
}

type EdgeKind = 'next' | 'choice' | 'default' | 'catch';
interface Edge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
}

const NODE_WIDTH = 176;
const NODE_HEIGHT = 30;
const GAP_X = 18;
const GAP_Y = 34;
const MARGIN = 24;

/**
 * The state machine as an SVG: states in layers by their distance from `StartAt` (breadth first),
 * edges for `Next`, `Choices`, `Default` and `Catch`. The states a run entered are filled, the edges
 * it took (consecutive states of its path) drawn bold; edges back up (loops) curve round the side.
 */
export function stateMachineSvg(definition: GraphDefinition, path: readonly string[]): string {
  const edges = edgesOf(definition);
  const layers = layered(definition, edges);
  const position = new Map<string, { x: number; y: number }>();
  const widest = Math.max(...layers.map((layer) => layer.length));
  const width = MARGIN * 2 + widest * NODE_WIDTH + (widest - 1) * GAP_X + 80;
  layers.forEach((layer, row) => {
    const rowWidth = layer.length * NODE_WIDTH + (layer.length - 1) * GAP_X;
    const left = (width - 80 - rowWidth) / 2;
    layer.forEach((name, column) => {
      position.set(name, {
        x: left + column * (NODE_WIDTH + GAP_X),
        y: MARGIN + row * (NODE_HEIGHT + GAP_Y),
      });
    });
  });
  const height = MARGIN * 2 + layers.length * (NODE_HEIGHT + GAP_Y) - GAP_Y;

  const entered = new Set(path);
  const taken = new Set(path.slice(1).map((to, index) => `${path[index]}\u0000${to}`));
  const edgeSvg = edges.map((edge) => {
    const from = position.get(edge.from);
    const to = position.get(edge.to);
    if (!from || !to) return '';
    const isTaken = taken.has(`${edge.from}\u0000${edge.to}`);
    const x1 = from.x + NODE_WIDTH / 2;
    const y1 = from.y + NODE_HEIGHT;
    const x2 = to.x + NODE_WIDTH / 2;
    const y2 = to.y;
    // Downwards: a smooth curve; back up (a loop): out of the right side, round, into the right side.
    const d =
      y2 > y1
        ? `M${x1},${y1} C${x1},${y1 + GAP_Y / 2} ${x2},${y2 - GAP_Y / 2} ${x2},${y2}`
        : `M${from.x + NODE_WIDTH},${from.y + NODE_HEIGHT / 2} C${from.x + NODE_WIDTH + 60},${from.y + NODE_HEIGHT / 2} ${to.x + NODE_WIDTH + 60},${to.y + NODE_HEIGHT / 2} ${to.x + NODE_WIDTH},${to.y + NODE_HEIGHT / 2}`;
    return `<path class="edge ${edge.kind}${isTaken ? ' taken' : ''}" d="${d}" marker-end="url(#${isTaken ? 'arrow-taken' : 'arrow'})"><title>${escapeHtml(`${edge.from} → ${edge.to} (${edge.kind})`)}</title></path>`;
  });
  const nodeSvg = [...position].map(([name, { x, y }]) => {
    const state = definition.States[name];
    const kind = state?.Type ?? 'Task';
    const label = name.length > 26 ? `${name.slice(0, 25)}…` : name;
    return `<g class="node ${kind.toLowerCase()}${entered.has(name) ? ' entered' : ''}"><title>${escapeHtml(`${name} (${kind})`)}</title><rect x="${x}" y="${y}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="${kind === 'Choice' ? 14 : 5}"/><text x="${x + NODE_WIDTH / 2}" y="${y + NODE_HEIGHT / 2 + 4}">${escapeHtml(label)}</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="state-machine" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="State machine graph">
<defs>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#9aa5b1"/></marker>
<marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#2457c5"/></marker>
</defs>
<style>
.edge{fill:none;stroke:#c1c9d2;stroke-width:1.2}.edge.catch{stroke-dasharray:4 3}.edge.taken{stroke:#2457c5;stroke-width:3}
.node rect{fill:#fff;stroke:#9aa5b1;stroke-width:1.2}.node text{font:11px system-ui,sans-serif;text-anchor:middle;fill:#3e4c59}
.node.choice rect{fill:#f5f7fa}.node.fail rect{stroke:#c62828}.node.succeed rect{stroke:#1b7f4c}
.node.entered rect{fill:#dbe7ff;stroke:#2457c5;stroke-width:2}.node.entered text{fill:#102a43;font-weight:600}
</style>
${edgeSvg.join('\n')}
${nodeSvg.join('\n')}
</svg>`;
}

function edgesOf(definition: GraphDefinition): Edge[] {
  const edges: Edge[] = [];
  for (const [from, state] of Object.entries(definition.States)) {
    if (state.Next) edges.push({ from, to: state.Next, kind: 'next' });
    for (const choice of state.Choices ?? []) {
      if (choice.Next) edges.push({ from, to: choice.Next, kind: 'choice' });
    }
    if (state.Default) edges.push({ from, to: state.Default, kind: 'default' });
    for (const catcher of state.Catch ?? []) {
      if (catcher.Next) edges.push({ from, to: catcher.Next, kind: 'catch' });
    }
  }
  return edges;
}

/** States by breadth-first distance from `StartAt`; states nothing reaches go last. */
function layered(definition: GraphDefinition, edges: readonly Edge[]): string[][] {
  const depth = new Map<string, number>([[definition.StartAt, 0]]);
  const queue = [definition.StartAt];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    for (const edge of edges) {
      if (edge.from === name && !depth.has(edge.to)) {
        depth.set(edge.to, (depth.get(name) ?? 0) + 1);
        queue.push(edge.to);
      }
    }
  }
  const deepest = Math.max(0, ...depth.values());
  for (const name of Object.keys(definition.States)) if (!depth.has(name)) depth.set(name, deepest + 1);
  const layers: string[][] = [];
  for (const [name, level] of depth) {
    const layer = layers[level] ?? [];
    layer.push(name);
    layers[level] = layer;
  }
  return layers.filter((layer) => layer.length > 0);
}
