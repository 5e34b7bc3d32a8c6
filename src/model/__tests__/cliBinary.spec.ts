// The built command line (`node bin/jupyterlab-lws.js`, compiled by `npm run build:cli`) on a
// sample of the bad-input corpus: a clear message and exit code 1, never a stack trace, and
// `render` prints no manifest. cli.spec.ts tests the same commands in-process; this runs what
// users run, in its own process.

import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..', '..', '..');
const bin = join(root, 'bin', 'jupyterlab-lws.js');
const corpus = join(__dirname, 'badInput');

/** One file of each kind of bad input, and the error each must report. */
const SAMPLE: [file: string, id: string][] = [
  ['type-storage-number.yaml', 'invalid-type'],
  ['unknown-field-typo.yaml', 'invalid-number'],
  ['huge-nodes-1e308.yaml', 'invalid-number'],
  ['count-nan.yaml', 'invalid-number'],
  ['lookalike-name-cyrillic.yaml', 'invalid-name'],
  ['invisible-name-bidi.yaml', 'invalid-name'],
  ['duplicate-nodes.yaml', 'yaml-syntax'],
  ['yaml-billion-laughs.yaml', 'yaml-syntax'],
  ['traversal-model.yaml', 'invalid-model'],
  ['model-empty.yaml', 'empty-model'],
  ['shell-image.yaml', 'invalid-image'],
  ['token-in-env.yaml', 'token-in-spec']
];

function run(args: string[]): {
  status: number | null;
  out: string;
  err: string;
} {
  // The timeout only keeps a hanging CLI from hanging the suite; nothing is timed.
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf-8',
    timeout: 60_000
  });
  return { status: result.status, out: result.stdout, err: result.stderr };
}

describe('the built CLI on bad input', () => {
  it('is built (npm run build:cli)', () => {
    expect(existsSync(join(root, 'cli', 'cli.js'))).toBe(true);
  });

  it.each(SAMPLE)('check %s exits 1 with %s', (file, id) => {
    const { status, out, err } = run(['check', join(corpus, file)]);
    expect(status).toBe(1);
    expect(out).toMatch(new RegExp(`^error \\[${id}\\]`, 'm'));
    expect(err).not.toMatch(/^\s+at /m);
    expect(out).not.toContain('hf_abcdefghijNOTREAL0000000');
  });

  it.each(SAMPLE)('render %s prints no manifest', (file, id) => {
    const { status, out, err } = run(['render', join(corpus, file)]);
    expect(status).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(new RegExp(`^error \\[${id}\\]`, 'm'));
    expect(err).not.toMatch(/^\s+at /m);
  });

  it('check --json of a 10 MB spec on stdin names its longest line', () => {
    const huge = `name: llama-8b\nengine: vllm\nmodel: ${'x'.repeat(10_000_000)}\nnodes: 1\n`;
    const result = spawnSync(process.execPath, [bin, 'check', '-', '--json'], {
      cwd: root,
      input: huge,
      encoding: 'utf-8',
      maxBuffer: 1 << 20,
      timeout: 60_000
    });
    expect(result.status).toBe(1);
    const issues = JSON.parse(result.stdout);
    expect(issues).toEqual([
      expect.objectContaining({ id: 'spec-too-long', severity: 'error' })
    ]);
    expect(issues[0].message).toContain('line 3 alone has 10000007');
  });
});
