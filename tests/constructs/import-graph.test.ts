import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/**
 * The dependency direction of the construct library, checked on the source: constructs/ is the
 * package teams install, so it imports nothing from the app (stacks/, config/) or the Lambdas, and
 * has no import cycle; stacks/ load no AWS SDK or Powertools module at synth.
 */

const ROOT = path.resolve(__dirname, '../..');
const FOLDERS = ['constructs', 'stacks', 'config', 'dashboards'];

interface Edge {
  /** Repository-relative path of the imported file, or the bare module specifier. */
  readonly to: string;
  /** Relative specifier resolved to a file of the repository. */
  readonly local: boolean;
  /** Erased by the compiler: `import type`, or only `type` bindings. */
  readonly typeOnly: boolean;
}

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

function tsFilesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const full = path.join(folder, entry);
    if (statSync(full).isDirectory()) return tsFilesUnder(full);
    return entry.endsWith('.ts') && !entry.endsWith('.d.ts') ? [full] : [];
  });
}

function resolveRelative(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [base, `${base}.ts`, path.join(base, 'index.ts')];
  const found = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  if (!found) throw new Error(`${rel(from)}: cannot resolve ${specifier}`);
  return found;
}

/** Every import, export-from, `require()` and `import()` of one file. */
function importsOf(file: string): Edge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const onlyTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            bindings !== undefined &&
            ts.isNamedImports(bindings) &&
            bindings.elements.length > 0 &&
            bindings.elements.every((element) => element.isTypeOnly)));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: onlyTypes });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const onlyTypes =
        node.isTypeOnly ||
        (node.exportClause !== undefined &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every((element) => element.isTypeOnly));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: onlyTypes });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0] as ts.Node)
    ) {
      found.push({ specifier: (node.arguments[0] as ts.StringLiteral).text, typeOnly: false });
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal)) {
        found.push({ specifier: argument.literal.text, typeOnly: true });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.map(({ specifier, typeOnly }) =>
    specifier.startsWith('.')
      ? { to: rel(resolveRelative(file, specifier)), local: true, typeOnly }
      : { to: specifier, local: false, typeOnly },
  );
}

/** The graph of the four folders and every repository file they reach. */
function importGraph(): Map<string, Edge[]> {
  const graph = new Map<string, Edge[]>();
  const pending = FOLDERS.flatMap((folder) => tsFilesUnder(path.join(ROOT, folder))).map(rel);
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (graph.has(file)) continue;
    const edges = importsOf(path.join(ROOT, file));
    graph.set(file, edges);
    for (const edge of edges) if (edge.local && edge.to.endsWith('.ts')) pending.push(edge.to);
  }
  return graph;
}

/** Each elementary cycle's files once, via Tarjan's strongly connected components then one path per component. */
function cycles(files: readonly string[], next: (file: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const strongConnect = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const target of next(file)) {
      if (!index.has(target)) {
        strongConnect(target);
        low.set(file, Math.min(low.get(file) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) as number, index.get(target) as number));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      const selfLoop = next(file).includes(file);
      if (component.length > 1 || selfLoop) components.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) strongConnect(file);
  return components;
}

/** One cycle through the component, printed `a.ts → b.ts → a.ts`, for the failure message. */
function describeCycle(component: readonly string[], next: (file: string) => readonly string[]): string {
  const members = new Set(component);
  const start = component[0] as string;
  // Breadth-first from start back to start, staying inside the component.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const target of next(file)) {
      if (!members.has(target)) continue;
      if (target === start) {
        const cyclePath = [start];
        for (let at = file; at !== start; at = previous.get(at) as string) cyclePath.splice(1, 0, at);
        return `${[...cyclePath, start].join(' → ')} (${component.length} files in the tangle)`;
      }
      if (!previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  return component.join(', ');
}

const graph = importGraph();
const inFolder = (folder: string) => (file: string) => file.startsWith(`${folder}/`);

describe('import graph', () => {
  it('reads every folder', () => {
    for (const folder of FOLDERS) expect([...graph.keys()].some(inFolder(folder))).toBe(true);
  });

  it('has no import cycle in constructs/, type-only imports included', () => {
    const files = [...graph.keys()].filter(inFolder('constructs'));
    const next = (file: string) =>
      (graph.get(file) ?? [])
        .filter((edge) => edge.local && inFolder('constructs')(edge.to))
        .map((edge) => edge.to);
    const found = cycles(files, next).map((component) => describeCycle(component, next));
    expect(found).toEqual([]);
  });

  it('constructs/ imports nothing from lambda/, config/ or stacks/, type-only imports included', () => {
    const outside = [...graph.entries()]
      .filter(([file]) => inFolder('constructs')(file))
      .flatMap(([file, edges]) =>
        edges
          .filter(
            (edge) =>
              edge.local && ['lambda', 'config', 'stacks'].some((folder) => inFolder(folder)(edge.to)),
          )
          .map((edge) => `${file} → ${edge.to}`),
      );
    expect(outside).toEqual([]);
  });

  it('stacks/ load no AWS SDK or Powertools module at synth, directly or through repository files', () => {
    const runtimeSdk = (specifier: string) =>
      specifier.startsWith('@aws-sdk/') || specifier.startsWith('@aws-lambda-powertools/');
    const loads: string[] = [];
    for (const stackFile of [...graph.keys()].filter(inFolder('stacks'))) {
      // Breadth-first over runtime imports, remembering how each file was reached.
      const via = new Map<string, string | undefined>([[stackFile, undefined]]);
      const queue = [stackFile];
      while (queue.length > 0) {
        const file = queue.shift() as string;
        for (const edge of graph.get(file) ?? []) {
          if (edge.typeOnly) continue;
          if (!edge.local && runtimeSdk(edge.to)) {
            const chain = [file];
            for (let at = via.get(file); at !== undefined; at = via.get(at)) chain.unshift(at);
            loads.push(`${[...chain, edge.to].join(' → ')}`);
          } else if (edge.local && !inFolder('stacks')(edge.to) && !via.has(edge.to)) {
            // Another stack file is checked on its own.
            via.set(edge.to, file);
            queue.push(edge.to);
          }
        }
      }
    }
    expect(loads).toEqual([]);
  });
});
