/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)
// Bad input, hand-picked and generated: every bad spec, YAML edit and name gets issues that
// say which field (or YAML line) is wrong, nothing throws, no message carries a huge value,
// an invisible character or an HF token whole, and a spec with errors is never rendered.
// The hand-picked corpus is badInput/*.yaml (each file's header names its kind and the
// issues it must get) and badInput/names.json; the generated inputs come from fast-check.

import { spawnSync } from 'child_process';
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';

import { main } from '../../cli';
import type { ICliIo } from '../../cli';
import { adviseSpec } from '../advice';
import type { IFormValues } from '../formState';
import { formFromSpec, initialValues, specFromForm } from '../formState';
import type { IIssue } from '../issues';
import { manifestsOf } from '../manifests';
import { PCAI_GEN1 } from '../profiles';
import { SHOWN_MAX_LENGTH, shown } from '../shownText';
import type { IDeploymentSpec } from '../spec';
import { SPEC_FIELDS } from '../spec';
import { parseSpec, readSpec, SPEC_MAX_ALIAS_COUNT } from '../specYaml';
import { inspectSpec } from '../validate';

const CORPUS = join(__dirname, 'badInput');

/** Errors about the whole document, which has no field to name. */
const DOCUMENT_ERRORS = new Set(['invalid-spec']);

/** Characters that must never reach a message raw (controls, bidi, zero-width). */
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const INVISIBLE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

/** Longer than any message of ours (the longest explain a rule in a few sentences). */
const MESSAGE_MAX_LENGTH = 1500;

const TOKEN = 'hf_abcdefghijNOTREAL0000000';

interface ICase {
  file: string;
  kind: string;
  expect: { id: string; field?: string }[];
  text: string;
}

function loadCorpus(): ICase[] {
  return readdirSync(CORPUS)
    .filter(file => file.endsWith('.yaml'))
    .sort()
    .map(file => {
      const text = readFileSync(join(CORPUS, file), 'utf-8');
      const kind = /^# kind: (.+)$/m.exec(text)?.[1] ?? '';
      const expectLine = /^# expect: (.+)$/m.exec(text)?.[1] ?? '';
      const expect = expectLine.split(', ').map(item => {
        const at = item.indexOf('@');
        return at === -1
          ? { id: item }
          : { id: item.slice(0, at), field: item.slice(at + 1) };
      });
      return { file, kind, expect, text };
    });
}

const corpus = loadCorpus();
const names: { name: string; expect: string }[] = JSON.parse(
  readFileSync(join(CORPUS, 'names.json'), 'utf-8')
);

/**
 * Every issue the model finds in `text`, along every path the form and the CLI take: parse,
 * validate, the form's values of the spec (YAML edit) and the spec of those values.
 */
function everyIssue(text: string): IIssue[] {
  const parsed = parseSpec(text);
  if (!parsed.spec) {
    return parsed.issues;
  }
  return [...parsed.issues, ...issuesOfSpec(parsed.spec)];
}

/** Validation of a spec object, plus the form's round trip through its values. */
function issuesOfSpec(spec: IDeploymentSpec): IIssue[] {
  const inspection = inspectSpec(spec, PCAI_GEN1);
  const values = formFromSpec(spec, {
    profileId: PCAI_GEN1.id,
    nameEdited: false,
    name: ''
  });
  const fromForm = specFromForm(values);
  const advice = adviseSpec(fromForm.spec, PCAI_GEN1, fromForm.issues);
  return [...inspection.issues, ...advice.issues];
}

/** What must hold of every issue: a field or a line, a short visible message, no token. */
function expectReadable(issues: readonly IIssue[], secrets: string[] = []) {
  for (const issue of issues) {
    if (issue.severity === 'error' && !DOCUMENT_ERRORS.has(issue.id)) {
      expect({
        issue: issue.id,
        locatable:
          (issue.field !== undefined && issue.field !== '') ||
          /\bline \d+/.test(issue.message)
      }).toEqual({ issue: issue.id, locatable: true });
    }
    expect(issue.message.length).toBeLessThanOrEqual(MESSAGE_MAX_LENGTH);
    expect(issue.message).not.toMatch(INVISIBLE);
    for (const secret of [TOKEN, ...secrets]) {
      expect(issue.message).not.toContain(secret);
    }
  }
}

async function render(
  text: string
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: ICliIo = {
    readFile: () => text,
    readStdin: async () => text,
    stdout: chunk => {
      stdout += chunk;
    },
    stderr: chunk => {
      stderr += chunk;
    }
  };
  const code = await main(['render', 'spec.yaml'], io);
  return { code, stdout, stderr };
}

describe('the hand-picked bad-input corpus', () => {
  it('holds at least 100 bad specs and names, of every kind the issue lists', () => {
    expect(corpus.length + names.length).toBeGreaterThanOrEqual(100);
    const kinds = new Set(corpus.map(entry => entry.kind));
    for (const kind of [
      'wrong type',
      'unknown field',
      'huge number',
      'unicode look-alike',
      'anchors and aliases',
      'duplicate key',
      'NaN/Infinity',
      'bad count',
      'path traversal',
      'empty model',
      'shell and options'
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  it.each(corpus.map(entry => [entry.file, entry] as const))(
    '%s gets its issues, each naming a field or a line',
    (_file, entry) => {
      const issues = everyIssue(entry.text);
      for (const expected of entry.expect) {
        expect(issues).toContainEqual(expect.objectContaining(expected));
      }
      expect(issues.some(issue => issue.severity === 'error')).toBe(true);
      expectReadable(issues);
    }
  );

  it.each(corpus.map(entry => [entry.file, entry] as const))(
    'render refuses %s and prints no manifest',
    async (_file, entry) => {
      const { code, stdout, stderr } = await render(entry.text);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      // Unknown fields are warnings; each such file also has an error.
      const firstError = entry.expect.find(({ id }) => id !== 'unknown-field');
      expect(stderr).toContain(`error [${firstError?.id}]`);
    }
  );

  it.each(names.map(entry => [shown(entry.name), entry] as const))(
    'the name %s is refused on the name field',
    (_shown, entry) => {
      const issues = issuesOfSpec({
        name: entry.name,
        engine: 'vllm',
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        nodes: 1
      });
      expect(issues).toContainEqual(
        expect.objectContaining({ id: entry.expect, field: 'name' })
      );
      expectReadable(issues);
    }
  );

  it('says which character of a look-alike name is not ASCII', () => {
    const issues = issuesOfSpec({
      name: 'llаma', // Cyrillic а
      engine: 'vllm',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      nodes: 1
    });
    expect(issues[0].message).toContain('"а" (U+0430)');
  });

  it('shows a bidi override in a name as its code, not as a direction change', () => {
    const issues = everyIssue(
      readFileSync(join(CORPUS, 'invisible-name-bidi.yaml'), 'utf-8')
    );
    expect(issues[0].message).toContain('"llama-\\u{202E}b8"');
  });

  it('names NaN and Infinity as such (JSON would say null)', () => {
    const nan = everyIssue(
      readFileSync(join(CORPUS, 'count-nan.yaml'), 'utf-8')
    );
    expect(nan[0].message).toMatch(/got NaN\.$/);
    const inf = everyIssue(
      readFileSync(join(CORPUS, 'count-infinity.yaml'), 'utf-8')
    );
    expect(inf[0].message).toMatch(/got Infinity\.$/);
  });

  it('refuses a "billion laughs" bomb at its first alias, with the reason', () => {
    const issues = everyIssue(
      readFileSync(join(CORPUS, 'yaml-billion-laughs.yaml'), 'utf-8')
    );
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toMatch(
      /^line 4, column 8: the aliases \(\*name\) expand more than 100 times, as a "billion laughs"/
    );
  });
});

describe('10 MB strings', () => {
  const huge = 'x'.repeat(10_000_000);

  it('a 10 MB spec file is refused before parsing, naming its longest line', () => {
    const issues = everyIssue(
      `name: llama-8b\nengine: vllm\nmodel: ${huge}\nnodes: 1\n`
    );
    expect(issues).toEqual([
      expect.objectContaining({
        id: 'spec-too-long',
        message: expect.stringContaining(
          'line 3 alone has 10000007'
        ) as unknown as string
      })
    ]);
  });

  it.each([
    ['name', { name: huge }],
    ['model', { model: huge }],
    ['image', { image: huge }],
    ['serviceName', { serviceName: huge }],
    ['gpuType', { gpuType: huge }],
    ['engine', { engine: huge }],
    ['ncclDebug', { ncclDebug: huge }],
    ['hfTokenSecret', { hfTokenSecret: huge }],
    ['storage.pvc', { storage: { pvc: huge } }],
    ['env name', { env: { [huge]: 'x' } }],
    ['env value', { env: { [`A${'B'.repeat(10)}`]: huge } }],
    ['rdma network', { rdma: { networks: [huge] } }],
    ['engineArgs', { engineArgs: [huge] }],
    ['unknown field', { [huge]: 1 }]
  ])('in %s are quoted cut short', (_field, fields) => {
    const raw = {
      name: 'llama-8b',
      engine: 'vllm',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      nodes: 1,
      ...fields
    };
    const read = readSpec(raw);
    const issues = [...read.issues, ...issuesOfSpec(read.spec!)];
    expectReadable(issues);
    for (const issue of issues) {
      expect(issue.message).not.toContain('x'.repeat(SHOWN_MAX_LENGTH + 1));
    }
  });
});

// ---- Generated input (fast-check) ----

/** Values a hand-written spec can hold where a field is: YAML's and JSON's, and worse. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(
    NaN,
    Infinity,
    -Infinity,
    -0,
    1e308,
    2 ** 31,
    2 ** 53 + 1,
    '',
    ' ',
    '..',
    '../../etc',
    '--help',
    '$(id)',
    '<img src=x onerror=alert(1)>',
    '\u202e\u200b\u001b[31m',
    'ｖｌｌｍ',
    '２',
    TOKEN
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue(), { maxKeys: 3 })
);

/** A spec with any subset of the known fields, each holding any value, and odd keys. */
const anySpec: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(Object.fromEntries(SPEC_FIELDS.map(field => [field, anyValue])), {
      requiredKeys: []
    }),
    fc.dictionary(fc.string({ maxLength: 12 }), anyValue, { maxKeys: 2 })
  )
  .map(([known, unknown]) => ({ ...unknown, ...known }));

/** A spec that starts valid, with one to three fields broken: deeper rules run too. */
const nearlyValidSpec: fc.Arbitrary<Record<string, unknown>> = fc
  .record(Object.fromEntries(SPEC_FIELDS.map(field => [field, anyValue])), {
    requiredKeys: []
  })
  .chain(broken =>
    fc
      .shuffledSubarray(Object.keys(broken), { minLength: 1, maxLength: 3 })
      .map(keys => ({
        name: 'llama-8b',
        engine: 'vllm',
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        nodes: 2,
        gpusPerNode: 8,
        ...Object.fromEntries(keys.map(key => [key, broken[key]]))
      }))
  );

/**
 * A fixed seed: every run tries the same inputs, so CI never fails on a new draw (no flaky
 * tests). Change it locally to explore further; several seeds were tried when this was written.
 */
const SEED = 16;
const RUNS = { numRuns: 400, seed: SEED };

describe('generated bad input (fast-check)', () => {
  it('validation never throws; every error names a field; messages are short and visible', () => {
    fc.assert(
      fc.property(fc.oneof(anySpec, nearlyValidSpec), raw => {
        const read = readSpec(raw);
        const issues = [...read.issues, ...issuesOfSpec(read.spec!)];
        expectReadable(issues);
      }),
      RUNS
    );
  });

  it('a spec with errors is refused by render; one without renders', async () => {
    await fc.assert(
      fc.asyncProperty(nearlyValidSpec, async raw => {
        const text = stringify(raw);
        const parsed = parseSpec(text);
        const errors = [
          ...parsed.issues,
          ...(parsed.spec ? inspectSpec(parsed.spec, PCAI_GEN1).issues : [])
        ].filter(issue => issue.severity === 'error');
        const { code, stdout } = await render(text);
        if (errors.length > 0) {
          expect(code).toBe(1);
          expect(stdout).toBe('');
        } else {
          expect(code).toBe(0);
          expect(stdout).toContain('kind: LeaderWorkerSet');
        }
      }),
      { numRuns: 150, seed: SEED }
    );
  });

  it('any text parses to issues, never an exception; syntax errors name their line', () => {
    const yamlish = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            'name: llama-8b',
            'engine: vllm',
            'nodes: 1',
            '  - a',
            '- b',
            '&a [x, y]',
            '*a',
            'k: &a [*a]',
            '<<: *a',
            '!!binary abc',
            '!!python/object:os.system',
            '? complex',
            '{',
            ']',
            '"unterminated',
            '\t- tab',
            '---',
            '...',
            '%YAML 1.1',
            'nodes: 1\nnodes: 2'
          ),
          fc.string({ unit: 'binary', maxLength: 30 })
        ),
        { maxLength: 8 }
      )
      .map(lines => lines.join('\n'));
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.string({ unit: 'binary' })), text => {
        const issues = everyIssue(text);
        expectReadable(issues);
        for (const issue of issues.filter(i => i.id === 'yaml-syntax')) {
          expect(issue.message).toMatch(/^line \d+, column \d+: /);
        }
      }),
      RUNS
    );
  });

  it('alias bombs of any shape are refused with the reason', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 3, max: 9 }),
        (width, depth) => {
          fc.pre(width ** depth > SPEC_MAX_ALIAS_COUNT * 10);
          const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
          for (let level = 1; level < depth; level++) {
            lines.push(
              `l${level}: &l${level} [${Array(width)
                .fill(`*l${level - 1}`)
                .join(', ')}]`
            );
          }
          lines.push(`name: *l${depth - 1}`, 'engine: vllm', 'nodes: 1');
          const issues = everyIssue(lines.join('\n'));
          expect(issues).toEqual([
            expect.objectContaining({
              id: 'yaml-syntax',
              message: expect.stringContaining(
                'billion laughs'
              ) as unknown as string
            })
          ]);
        }
      ),
      { numRuns: 60, seed: SEED }
    );
  });

  it('an HF token anywhere in a spec is in no message', () => {
    const token = fc
      .stringMatching(/^[A-Za-z0-9]{30,40}$/)
      .map(tail => `hf_${tail}`);
    fc.assert(
      fc.property(
        nearlyValidSpec,
        token,
        fc.constantFrom(...SPEC_FIELDS, 'env', 'extra'),
        fc.constantFrom('value', 'key', 'list', 'prefixed'),
        (raw, secret, field, where) => {
          const planted: unknown =
            where === 'value'
              ? secret
              : where === 'key'
                ? { [secret]: 1 }
                : where === 'list'
                  ? [secret]
                  : `x ${secret} y`;
          const spec =
            field === 'env'
              ? { ...raw, env: { HF_TOKEN: secret, OTHER: planted } }
              : { ...raw, [field]: planted };
          const read = readSpec(spec);
          const issues = [...read.issues, ...issuesOfSpec(read.spec!)];
          expectReadable(issues, [secret]);
        }
      ),
      RUNS
    );
  });

  it('whatever the form inputs hold, the form reads them into issues on their field', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom('２', '1e309', 'NaN', '-1', '0x10', '1.5', '$(id)', "'")
    );
    const textFields = [
      'name',
      'model',
      'nodes',
      'gpusPerNode',
      'image',
      'gpuType',
      'tensorParallel',
      'pipelineParallel',
      'replicas',
      'port',
      'distPort',
      'serviceName',
      'rdmaNetworks',
      'rdmaResources',
      'rdmaAddrFamily',
      'ncclDebug',
      'storagePvc',
      'storageMountPath',
      'hfTokenSecret',
      'engineArgs',
      'leaderArgs',
      'workerArgs',
      'env'
    ] as const;
    fc.assert(
      fc.property(
        fc.record(Object.fromEntries(textFields.map(field => [field, text])), {
          requiredKeys: []
        }),
        fc.boolean(),
        (inputs, rdma) => {
          const values: IFormValues = {
            ...initialValues(PCAI_GEN1),
            ...(inputs as Partial<IFormValues>),
            rdma
          };
          const fromForm = specFromForm(values);
          const advice = adviseSpec(fromForm.spec, PCAI_GEN1, fromForm.issues);
          expectReadable([...fromForm.issues, ...advice.issues]);
          if (advice.canDeploy && advice.resolved) {
            // What the form would deploy can be built.
            expect(manifestsOf(advice.resolved).leaderWorkerSet.kind).toBe(
              'LeaderWorkerSet'
            );
          }
        }
      ),
      RUNS
    );
  });
});

describe('shell metacharacters', () => {
  const marker = join(tmpdir(), `jupyterlab-lws-pwned-${process.pid}`);
  const hostile = [
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `; touch ${marker}`,
    `' ; touch ${marker}; echo '`,
    `"$HOME" && touch ${marker}`,
    'a\nb',
    '*',
    '--x=$((1+1))|&>'
  ];

  it("stay literal arguments in the Ray leader's sh -c script, run by a real sh", () => {
    const inspection = inspectSpec(
      {
        name: 'llama-8b',
        engine: 'vllm',
        image: 'vllm/vllm-openai:v0.10.2',
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        nodes: 2,
        gpusPerNode: 8,
        rdma: false,
        engineArgs: ['--served-model-name', ...hostile],
        env: { EXTRA: `$(touch ${marker})` }
      },
      PCAI_GEN1
    );
    expect(inspection.issues.filter(i => i.severity === 'error')).toEqual([]);
    const leader = manifestsOf(inspection.resolved!).leaderWorkerSet.spec!
      .leaderWorkerTemplate.leaderTemplate!.spec!.containers[0];
    const [shell, dashC, script] = leader.command!;
    expect([shell, dashC]).toEqual(['sh', '-c']);
    // Only the engine's start, with python3 replaced by a function printing its arguments.
    const start = script.slice(script.indexOf('python3 -m vllm'));
    const result = spawnSync(
      'sh',
      ['-c', `python3() { printf '%s\\0' "$@"; }; ${start}`],
      { encoding: 'utf-8', env: { PATH: process.env.PATH } }
    );
    expect(result.status).toBe(0);
    const args = result.stdout.split('\0');
    expect(args.slice(args.indexOf('--served-model-name') + 1, -1)).toEqual(
      hostile
    );
    expect(existsSync(marker)).toBe(false);
    // The environment is the container's, not a shell's: the value is passed as written.
    expect(leader.env).toContainEqual({
      name: 'EXTRA',
      value: `$(touch ${marker})`
    });
  });
});
