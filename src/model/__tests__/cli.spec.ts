/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)
// The CLI (src/cli.ts) lives outside src/model but is tested with the model it wraps.

import { readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { COMMANDS, main } from '../../cli';
import type { ICliIo } from '../../cli';

const root = join(__dirname, '..', '..', '..');

async function run(
  argv: string[],
  files: Record<string, string> = {},
  stdin = ''
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: ICliIo = {
    readFile: path => {
      if (path in files) {
        return files[path];
      }
      return readFileSync(join(root, path), 'utf8');
    },
    readStdin: async () => stdin,
    stdout: text => {
      stdout += text;
    },
    stderr: text => {
      stderr += text;
    }
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const badSpec = 'name: Bad_Name\nengine: vllm\nmodel: ""\nnodes: 2\n';

describe('jupyterlab-lws render', () => {
  it('prints the manifests of a spec as multi-document YAML', async () => {
    const { code, stdout } = await run([
      'render',
      'examples/guide-sglang-70b.yaml'
    ]);
    expect(code).toBe(0);
    const kinds = parseAllDocuments(stdout).map(
      (document: any) => document.toJS().kind
    );
    expect(kinds).toEqual(['LeaderWorkerSet', 'Service']);
  });

  it('prints the warnings to stderr, keeping stdout pure YAML', async () => {
    const { stdout, stderr } = await run([
      'render',
      'examples/guide-vllm-70b.yaml'
    ]);
    expect(stderr).toContain('warning [fits-single-node]');
    expect(stdout.startsWith('apiVersion: leaderworkerset.x-k8s.io/v1\n')).toBe(
      true
    );
  });

  it('reads the spec from stdin with -', async () => {
    const spec = readFileSync(
      join(root, 'examples/guide-vllm-70b.yaml'),
      'utf8'
    );
    const { code, stdout } = await run(
      ['render', '-', '--namespace', 'ns-a'],
      {},
      spec
    );
    expect(code).toBe(0);
    expect(stdout).toContain('namespace: ns-a');
  });

  it('exits 1 with the validation messages on a bad spec', async () => {
    const { code, stdout, stderr } = await run(['render', 'bad.yaml'], {
      'bad.yaml': badSpec
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('error [invalid-name] name:');
    expect(stderr).toContain('error [empty-model] model:');
  });

  it('exits 1 with the line of a YAML syntax error', async () => {
    const { code, stderr } = await run(['render', 'broken.yaml'], {
      'broken.yaml': 'name: a\nnodes: [2\n'
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/error \[yaml-syntax\]: line \d+, column \d+/);
  });

  it('exits 1 when the file cannot be read', async () => {
    const { code, stderr } = await run(['render', 'no/such/spec.yaml']);
    expect(code).toBe(1);
    expect(stderr).toContain('Cannot read no/such/spec.yaml');
  });
});

describe('jupyterlab-lws plan', () => {
  it('prints the plan as JSON with the agreed keys', async () => {
    const { code, stdout } = await run([
      'plan',
      '--model',
      'meta-llama/Llama-3.1-405B-Instruct',
      '--gpu',
      'H100',
      '--gpus-per-node',
      '8',
      '--json'
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      nodes: 2,
      gpusPerNode: 8,
      tensorParallel: 8,
      pipelineParallel: 2,
      warnings: []
    });
  });

  it('warns that Llama-3.3-70B fits one node of L40S', async () => {
    const { stdout } = await run([
      'plan',
      '--model=meta-llama/Llama-3.3-70B-Instruct',
      '--gpu=L40S',
      '--gpus-per-node=8',
      '--json'
    ]);
    const plan = JSON.parse(stdout);
    expect(plan).toMatchObject({
      nodes: 1,
      gpusPerNode: 4,
      tensorParallel: 4,
      pipelineParallel: 1
    });
    expect(plan.warnings.map((warning: any) => Object.keys(warning))).toEqual([
      ['id', 'message']
    ]);
    expect(plan.warnings[0].id).toBe('fits-single-node');
  });

  it('prints a readable plan by default', async () => {
    const { stdout } = await run([
      'plan',
      '--model',
      'Qwen/Qwen3-32B',
      '--gpu',
      'L40S',
      '--gpus-per-node',
      '8'
    ]);
    expect(stdout).toContain('tensor parallel:   2');
    expect(stdout).toContain('warning [fits-single-node]');
  });

  it('plans a model outside the catalog from its config.json', async () => {
    const config = JSON.stringify({
      hidden_size: 8192,
      intermediate_size: 28672,
      num_attention_heads: 64,
      num_hidden_layers: 80,
      num_key_value_heads: 8,
      vocab_size: 128256,
      torch_dtype: 'bfloat16'
    });
    const { code, stdout } = await run(
      [
        'plan',
        '--model',
        'acme/my-70b',
        '--config',
        'config.json',
        '--gpu',
        'H100',
        '--gpus-per-node',
        '8',
        '--json'
      ],
      { 'config.json': config }
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ nodes: 1, tensorParallel: 4 });
  });

  it('exits 1 for a model it does not know, naming --config', async () => {
    const { code, stderr } = await run([
      'plan',
      '--model',
      'acme/x',
      '--gpu',
      'H100',
      '--gpus-per-node',
      '8'
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('--config');
  });

  it('exits 2 when a required option is missing', async () => {
    const { code, stderr } = await run([
      'plan',
      '--model',
      'Qwen/Qwen3-32B',
      '--gpu',
      'H100'
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--gpus-per-node is required');
  });
});

describe('jupyterlab-lws check', () => {
  it('prints [{id, severity, message}] with --json and exits 0 on warnings only', async () => {
    const { code, stdout } = await run([
      'check',
      'examples/guide-sglang-70b.yaml',
      '--json'
    ]);
    expect(code).toBe(0);
    const issues = JSON.parse(stdout);
    expect(issues.map((issue: any) => issue.id)).toEqual([
      'partial-node',
      'fits-single-node'
    ]);
    for (const issue of issues) {
      expect(Object.keys(issue)).toEqual(['id', 'severity', 'message']);
    }
  });

  it('exits 1 and lists errors first on a bad spec', async () => {
    const { code, stdout } = await run(['check', 'bad.yaml'], {
      'bad.yaml': badSpec
    });
    expect(code).toBe(1);
    expect(stdout.split('\n')[0]).toMatch(/^error \[/);
  });

  it('reports YAML syntax errors as issues', async () => {
    const { code, stdout } = await run(['check', 'x.yaml', '--json'], {
      'x.yaml': 'a: [\n'
    });
    expect(code).toBe(1);
    expect(JSON.parse(stdout)[0].id).toBe('yaml-syntax');
  });

  it('uses the chosen cluster profile', async () => {
    const { stdout } = await run([
      'check',
      'examples/guide-vllm-70b.yaml',
      '--profile',
      'pcai-gen2',
      '--json'
    ]);
    expect(JSON.parse(stdout).map((issue: any) => issue.id)).toContain(
      'partial-node'
    );
    const unknown = await run([
      'check',
      'examples/guide-vllm-70b.yaml',
      '--profile',
      'gen9'
    ]);
    expect(unknown.code).toBe(2);
  });
});

describe('jupyterlab-lws download', () => {
  it('prints the download Job of a model as YAML', async () => {
    const { code, stdout, stderr } = await run([
      'download',
      'meta-llama/Llama-3.3-70B-Instruct',
      '--token-secret',
      'hf-token',
      '--namespace',
      'project-user-alice'
    ]);
    expect([code, stderr]).toEqual([0, '']);
    const [document] = parseAllDocuments(stdout) as any[];
    const job = document.toJS();
    expect(job.kind).toBe('Job');
    expect(job.metadata.namespace).toBe('project-user-alice');
    const container = job.spec.template.spec.containers[0];
    expect(container.args[0]).toBe(
      readFileSync(join(root, 'jupyterlab_lws/jobs/download_model.py'), 'utf8')
    );
    expect(container.env[2]).toEqual({
      name: 'HF_TOKEN',
      valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } }
    });
  });

  it('takes a revision and repeated --include and --exclude', async () => {
    const { code, stdout } = await run([
      'download',
      'org/model',
      '--revision=v2',
      '--include',
      '*.json',
      '--include=*.safetensors',
      '--exclude',
      'original/*'
    ]);
    expect(code).toBe(0);
    const env = Object.fromEntries(
      (parseAllDocuments(stdout) as any[])[0]
        .toJS()
        .spec.template.spec.containers[0].env.map((variable: any) => [
          variable.name,
          variable.value
        ])
    );
    expect(env).toMatchObject({
      REVISION: 'v2',
      ALLOW_PATTERNS: '["*.json","*.safetensors"]',
      IGNORE_PATTERNS: '["original/*"]'
    });
  });

  it('exits 1 with the reason on a malformed model id or glob', async () => {
    const { code, stdout, stderr } = await run([
      'download',
      'https://huggingface.co/org/model',
      '--include',
      '/abs'
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error [download-repo-invalid] repo: Enter the model id, not its web address: org/model.\n' +
        'error [download-glob-invalid] include: The include pattern "/abs" starts with "/": file paths in a repository are relative (e.g. "*.safetensors").\n'
    );
  });

  it('needs exactly one model', async () => {
    const { code, stderr } = await run(['download']);
    expect(code).toBe(2);
    expect(stderr).toContain('Give exactly one MODEL id.');
  });
});

describe('the command table', () => {
  it('lists render, plan and check in the usage', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const name of Object.keys(COMMANDS)) {
      expect(stdout).toContain(`  ${name} `);
    }
    // Other subcommands join the table; these three are this module's contract.
    expect(Object.keys(COMMANDS)).toEqual(
      expect.arrayContaining(['render', 'plan', 'check'])
    );
  });

  it('rejects unknown commands and options with exit code 2', async () => {
    expect((await run(['deploy'])).code).toBe(2);
    expect(
      (await run(['check', 'examples/guide-vllm-70b.yaml', '--fast'])).code
    ).toBe(2);
    expect((await run([])).code).toBe(2);
  });
});
