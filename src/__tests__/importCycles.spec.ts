// No import circle in src/: a module graph without cycles can be read (and loaded) leaf
// first. The imports are read with the TypeScript parser, type-only ones included, since a
// circle of types is still a circle for the reader.

import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';
import * as ts from 'typescript';

const SRC = resolve(__dirname, '..');

/** Every .ts/.tsx source file under `dir`, tests excluded. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(entry => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      return entry === '__tests__' ? [] : sourceFiles(path);
    }
    return /\.tsx?$/.test(entry) && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

/** The file a relative module specifier names, or undefined for a package. */
function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) {
    return undefined;
  }
  const base = resolve(dirname(from), specifier);
  return [
    `${base}.ts`,
    `${base}.tsx`,
    join(base, 'index.ts'),
    join(base, 'index.tsx')
  ].find(candidate => existsSync(candidate));
}

/** The modules `file` imports or re-exports from, within src/. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(
    readFileSync(file, 'utf8'),
    true,
    false
  );
  return importedFiles
    .map(entry => resolveImport(file, entry.fileName))
    .filter((target): target is string => target !== undefined);
}

/** The import circles of the graph, each as the path of files that closes it. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(next)), next]);
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      visit(node);
    }
  }
  return cycles;
}

describe('imports in src/', () => {
  const graph = new Map(
    sourceFiles(SRC).map(file => [file, importsOf(file)] as const)
  );

  it('reads the imports (the model imports its spec types)', () => {
    expect(graph.get(join(SRC, 'model', 'validate.ts'))).toContain(
      join(SRC, 'model', 'spec.ts')
    );
  });

  it('finds a circle when there is one', () => {
    expect(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']]
        ])
      )
    ).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('has no import circle', () => {
    const cycles = findCycles(graph).map(cycle =>
      cycle.map(file => relative(SRC, file)).join(' -> ')
    );
    expect(cycles).toEqual([]);
  });
});
