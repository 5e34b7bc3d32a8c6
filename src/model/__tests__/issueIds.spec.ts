// One home per rule: every issue id is raised (error(...) / warning(...) of issues.ts) in
// one source file, so searching for an id finds its rule, its message and its fix once.

import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';

const SRC = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === '__tests__' ? [] : sourceFiles(path);
    }
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/**
 * The ids each file raises: the first argument of error(), warning() (and sizing's `make`,
 * one of the two), a string literal or a constant of the same file.
 */
function raisedIds(source: string): string[] {
  const constants = new Map(
    [...source.matchAll(/const ([A-Z_]+) = '([a-z0-9-]+)'/g)].map(
      match => [match[1], match[2]] as const
    )
  );
  return [
    ...source.matchAll(
      /\b(?:error|warning|make)\(\s*(?:'([a-z0-9-]+)'|([A-Z][A-Z_]+))\s*,/g
    )
  ].map(match => match[1] ?? constants.get(match[2]) ?? match[2]);
}

describe('issue ids', () => {
  const homes = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    for (const id of raisedIds(readFileSync(file, 'utf8'))) {
      homes.set(id, (homes.get(id) ?? new Set()).add(relative(SRC, file)));
    }
  }

  it('reads the ids from the sources', () => {
    expect(homes.get('rdma-off')).toEqual(new Set(['model/validate.ts']));
    expect(homes.size).toBeGreaterThan(50);
  });

  it('raises the shared sizing rules in sizing.ts only', () => {
    for (const id of [
      'heads-not-divisible',
      'not-power-of-two',
      'fits-single-node',
      'pp-exceeds-layers'
    ]) {
      expect([id, [...(homes.get(id) ?? [])]]).toEqual([
        id,
        ['model/sizing.ts']
      ]);
    }
  });

  it('raises every id in one file', () => {
    const shared = [...homes]
      .filter(([, files]) => files.size > 1)
      .map(([id, files]) => `${id}: ${[...files].join(', ')}`);
    expect(shared).toEqual([]);
  });
});
