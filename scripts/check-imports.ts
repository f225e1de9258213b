// `npm run check` step: no import cycles between the folders of src/ (data flows one way:
// camera → landmarks → challenges → embedding → seal → endpoint → store), and no path from
// browser code to a Node-only folder. Reads relative imports of the non-test modules, builds the
// folder graph and fails on any cycle not listed in KNOWN below and on any edge from a browser
// folder into NODE_ONLY. Prints the folder graph with --graph.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

const ROOT = 'src';

/** Cycles that exist today and have an owner; each entry is the sorted folder names. */
const KNOWN = new Set<string>([]);

/** Node-only folders (tsconfig.node.json and the QA kit); browser folders never import them. */
const NODE_ONLY = new Set(['server', 'cli', 'vite', 'assets', 'testing']);

const IMPORT =
  /(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function* modules(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* modules(p);
    else if (/\.(ts|js)$/.test(e.name) && !/\.(test|pw)\.ts$/.test(e.name)) yield p;
  }
}

/** Top-level folder of a path under src/ ('.' for src/*.ts itself). */
const folderOf = (path: string): string => {
  const parts = relative(ROOT, path).split(sep);
  return parts.length > 1 ? parts[0]! : '.';
};

const edges = new Map<string, Map<string, string>>(); // from -> to -> an example file
for (const file of modules(ROOT)) {
  const from = folderOf(file);
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const target = normalize(join(dirname(file), (m[1] ?? m[2])!));
    if (relative(ROOT, target).startsWith('..')) continue;
    const to = folderOf(target);
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, file);
  }
}

// Tarjan's strongly connected components: every component of more than one folder is a cycle.
const index = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const cycles: string[][] = [];
let next = 0;
function visit(v: string): void {
  index.set(v, next);
  low.set(v, next++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v)!, low.get(w)!));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
  }
  if (low.get(v) === index.get(v)) {
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component.sort());
  }
}
for (const v of edges.keys()) if (!index.has(v)) visit(v);

if (process.argv.includes('--graph')) {
  for (const [from, tos] of [...edges].sort())
    console.log(`${from} -> ${[...tos.keys()].sort().join(', ')}`);
}
const fresh = cycles.filter((c) => !KNOWN.has(c.join(',')));
for (const c of fresh) {
  console.error(`import cycle between folders: ${c.join(' ⇄ ')}`);
  for (const a of c)
    for (const [b, file] of edges.get(a) ?? [])
      if (c.includes(b)) console.error(`  ${a} -> ${b} (e.g. ${file})`);
}
const stale = [...KNOWN].filter((k) => !cycles.some((c) => c.join(',') === k));
for (const k of stale)
  console.error(`KNOWN cycle ${k} is gone: remove it from scripts/check-imports.ts`);
const intoNode = [...edges].flatMap(([from, tos]) =>
  NODE_ONLY.has(from)
    ? []
    : [...tos].filter(([to]) => NODE_ONLY.has(to)).map(([to, file]) => ({ from, to, file })),
);
for (const e of intoNode)
  console.error(`browser folder ${e.from} imports Node-only ${e.to} (e.g. ${e.file})`);
if (fresh.length > 0 || stale.length > 0 || intoNode.length > 0) process.exit(1);
console.log(
  `no new import cycles between the folders of ${ROOT}/ and no browser folder imports a Node-only one (${edges.size} folders import others)`,
);
