/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// `yaml` resolves to its CommonJS build under Node's export conditions (its browser build is
// ESM, which jest does not transform).

import { readFileSync } from 'fs';
import { join } from 'path';

import { joinArgs, splitArgs } from '../engines/commandLine';
import {
  applySpecFix,
  formFieldOf,
  formFromSpec,
  initialValues,
  parseEnv,
  parseNumber,
  parseResources,
  specFromForm,
  suggestName,
  switchProfile,
  updateValues,
  visibleIssues
} from '../formState';
import { selfContainedSpec, withTokenSecret } from '../resolve';
import { buildManifests } from '../manifests';
import { PCAI_GEN1, PCAI_GEN2 } from '../profiles';
import type { IClusterProfile } from '../profiles';
import { parseSpec } from '../specYaml';
import { validateSpec } from '../validate';

const examples = join(__dirname, '..', '..', '..', 'examples');

function guideSpec(file: string) {
  const { spec } = parseSpec(readFileSync(join(examples, file), 'utf-8'));
  if (!spec) {
    throw new Error(`cannot read ${file}`);
  }
  return spec;
}

describe('initialValues', () => {
  it('starts from the profile: one node of its GPUs, its RDMA, the models PVC, NCCL INFO', () => {
    const values = initialValues(PCAI_GEN1);
    expect(values.profileId).toBe('pcai-gen1');
    expect(values.nodes).toBe('1');
    expect(values.gpusPerNode).toBe('8');
    expect(values.rdma).toBe(true);
    expect(values.storage).toBe(true);
    expect(values.ncclDebug).toBe('INFO');
  });

  it('leaves NCCL_DEBUG off when the setting says so', () => {
    expect(initialValues(PCAI_GEN1, { ncclDebug: false }).ncclDebug).toBe('');
  });

  it('turns RDMA off for a profile without RDMA', () => {
    const plain: IClusterProfile = { id: 'plain', label: 'x', gpusPerNode: 4 };
    expect(initialValues(plain).rdma).toBe(false);
  });
});

describe('specFromForm', () => {
  it('writes only what the user chose; empty advanced fields stay defaults', () => {
    const values = {
      ...initialValues(PCAI_GEN1),
      name: 'llama-70b',
      engine: 'sglang' as const,
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      nodes: '2',
      gpusPerNode: '4'
    };
    const { spec, issues } = specFromForm(values);
    expect(issues).toEqual([]);
    expect(spec).toEqual({
      name: 'llama-70b',
      engine: 'sglang',
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      nodes: 2,
      gpusPerNode: 4,
      rdma: true,
      ncclDebug: 'INFO'
    });
  });

  it('reports text that is not a number on its field and leaves the field out', () => {
    const values = { ...initialValues(PCAI_GEN1), nodes: 'two', port: '80a' };
    const { spec, issues } = specFromForm(values);
    expect(spec.nodes).toBeUndefined();
    expect(spec.port).toBeUndefined();
    expect(issues.map(issue => [issue.id, issue.field])).toEqual([
      ['form-not-a-number', 'nodes'],
      ['form-not-a-number', 'port']
    ]);
  });

  it('keeps a fractional number for validation to explain', () => {
    const values = { ...initialValues(PCAI_GEN1), nodes: '1.5' };
    const { spec } = specFromForm(values);
    expect(spec.nodes).toBe(1.5);
    expect(
      validateSpec({ ...spec, name: 'x', model: 'm/m' }).map(i => i.id)
    ).toContain('invalid-number');
  });

  it('writes explicit RDMA settings and turns RDMA and storage off', () => {
    const on = specFromForm({
      ...initialValues(PCAI_GEN1),
      rdmaNetworks: 'ns/net-a, ns/net-b',
      rdmaResources: 'rdma/dev_a: 1\nrdma/dev_b=2',
      rdmaAddrFamily: 'AF_INET'
    }).spec;
    expect(on.rdma).toEqual({
      networks: ['ns/net-a', 'ns/net-b'],
      resources: { 'rdma/dev_a': 1, 'rdma/dev_b': 2 },
      addrFamily: 'AF_INET'
    });
    const off = specFromForm({
      ...initialValues(PCAI_GEN1),
      rdma: false,
      storage: false
    }).spec;
    expect(off.rdma).toBe(false);
    expect(off.storage).toBe(false);
  });

  it('splits engine arguments like a shell and reads env lines', () => {
    const { spec, issues } = specFromForm({
      ...initialValues(PCAI_GEN1),
      engineArgs: '--max-running-requests 500 --chat-template "a b"',
      env: 'NCCL_SOCKET_IFNAME=eth0\n# comment\n\nA=b=c'
    });
    expect(issues).toEqual([]);
    expect(spec.engineArgs).toEqual([
      '--max-running-requests',
      '500',
      '--chat-template',
      'a b'
    ]);
    expect(spec.env).toEqual({ NCCL_SOCKET_IFNAME: 'eth0', A: 'b=c' });
  });

  it('reports an open quote and an env line without "="', () => {
    const { issues } = specFromForm({
      ...initialValues(PCAI_GEN1),
      workerArgs: '--x "open',
      env: 'JUSTANAME'
    });
    expect(issues.map(issue => [issue.id, issue.field])).toEqual([
      ['form-args', 'workerArgs'],
      ['form-env', 'env']
    ]);
  });

  it('sets vllmMode only for vLLM', () => {
    const base = { ...initialValues(PCAI_GEN1), vllmMode: 'ray' as const };
    expect(specFromForm({ ...base, engine: 'vllm' }).spec.vllmMode).toBe('ray');
    expect(
      specFromForm({ ...base, engine: 'sglang' }).spec.vllmMode
    ).toBeUndefined();
  });
});

describe('formFromSpec', () => {
  it.each(['guide-sglang-70b.yaml', 'guide-vllm-70b.yaml'])(
    'round-trips the guide example %s without losing a field',
    file => {
      const spec = guideSpec(file);
      const values = formFromSpec(spec, {
        profileId: 'pcai-gen1',
        nameEdited: false,
        name: ''
      });
      const { spec: back, issues } = specFromForm(values);
      expect(issues).toEqual([]);
      expect(back).toEqual(spec);
      // The manifests are what matters: identical too.
      expect(buildManifests(back)).toEqual(buildManifests(spec));
    }
  );

  it('keeps fields the form has no input for in `extra`', () => {
    const spec = {
      name: 'x',
      engine: 'vllm' as const,
      model: 'org/custom',
      nodes: 1,
      modelConfig: { layers: 40, attentionHeads: 40, parametersB: 13 }
    };
    const values = formFromSpec(spec, initialValues(PCAI_GEN1));
    expect(values.extra).toEqual({ modelConfig: spec.modelConfig });
    expect(specFromForm(values).spec.modelConfig).toEqual(spec.modelConfig);
  });

  it('marks a name that differs from the suggestion as typed by the user', () => {
    const base = { profileId: 'p', nameEdited: false, name: '' };
    const spec = {
      name: 'mine',
      engine: 'vllm' as const,
      model: 'org/Model-7B',
      nodes: 1
    };
    expect(formFromSpec(spec, base).nameEdited).toBe(true);
    expect(formFromSpec({ ...spec, name: 'model-7b' }, base).nameEdited).toBe(
      false
    );
  });

  it('reads ncclDebug: true as INFO', () => {
    const values = formFromSpec(
      { name: 'x', engine: 'vllm', model: 'm', nodes: 1, ncclDebug: true },
      initialValues(PCAI_GEN1)
    );
    expect(values.ncclDebug).toBe('INFO');
  });
});

describe('updateValues', () => {
  it('names the deployment after the model until the user types a name', () => {
    let values = initialValues(PCAI_GEN1);
    values = updateValues(values, {
      model: 'meta-llama/Llama-3.3-70B-Instruct'
    });
    expect(values.name).toBe('llama-3-3-70b-instruct');
    values = updateValues(values, { name: 'llama-70b' });
    values = updateValues(values, { model: 'Qwen/Qwen3-8B' });
    expect(values.name).toBe('llama-70b');
    values = updateValues(values, { name: '' });
    expect(values.name).toBe('qwen3-8b');
    expect(values.nameEdited).toBe(false);
  });
});

describe('suggestName', () => {
  it('derives a valid, short LWS name from a model id', () => {
    expect(suggestName('meta-llama/Llama-3.3-70B-Instruct')).toBe(
      'llama-3-3-70b-instruct'
    );
    expect(suggestName('/models/7b-chat/')).toBe('lws-7b-chat');
    expect(suggestName('')).toBe('');
    expect(suggestName('org/' + 'A'.repeat(80)).length).toBeLessThanOrEqual(51);
  });
});

describe('applySpecFix', () => {
  it('applies an issue fix (the single-node plan) to the values', () => {
    const values = {
      ...initialValues(PCAI_GEN1),
      name: 'llama',
      nameEdited: true,
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      nodes: '2',
      gpusPerNode: '4'
    };
    const fixed = applySpecFix(values, {
      nodes: 1,
      gpusPerNode: 4,
      tensorParallel: 4,
      pipelineParallel: 1
    });
    expect(fixed.nodes).toBe('1');
    expect(fixed.tensorParallel).toBe('4');
    expect(fixed.pipelineParallel).toBe('1');
    expect(fixed.name).toBe('llama');
    expect(fixed.profileId).toBe('pcai-gen1');
  });
});

describe('switchProfile', () => {
  it('takes the new profile’s GPUs per node and RDMA switch', () => {
    const plain: IClusterProfile = { id: 'plain', label: 'x', gpusPerNode: 4 };
    const values = switchProfile(initialValues(PCAI_GEN1), plain);
    expect(values.profileId).toBe('plain');
    expect(values.gpusPerNode).toBe('4');
    expect(values.rdma).toBe(false);
  });
});

describe('selfContainedSpec', () => {
  it('renders the same manifests under any default profile', () => {
    const gen2: IClusterProfile = {
      ...PCAI_GEN2,
      gpuType: 'H100',
      images: { vllm: 'vllm/vllm-openai:v0.11.0' }
    };
    const spec = specFromForm({
      ...initialValues(gen2),
      name: 'llama',
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      nodes: '2'
    }).spec;
    const written = selfContainedSpec(spec, gen2);
    expect(written.rdma).toEqual(PCAI_GEN2.rdma);
    expect(written.image).toBe('vllm/vllm-openai:v0.11.0');
    expect(written.gpuType).toBe('H100');
    // Rendered with the CLI's default profile (Gen1), it gives the Gen2 manifests.
    expect(buildManifests(written, { profile: PCAI_GEN1 })).toEqual(
      buildManifests(spec, { profile: gen2 })
    );
  });

  it('keeps storage and RDMA off when they are off', () => {
    const spec = {
      name: 'x',
      engine: 'vllm' as const,
      model: 'm',
      nodes: 1,
      rdma: false,
      storage: false as const
    };
    const written = selfContainedSpec(spec, PCAI_GEN1);
    expect(written.rdma).toBe(false);
    expect(written.storage).toBe(false);
  });
});

describe('formFieldOf', () => {
  it('maps issue fields to the inputs that show them', () => {
    expect(formFieldOf('rdma.networks')).toBe('rdmaNetworks');
    expect(formFieldOf('storage.mountPath')).toBe('storageMountPath');
    expect(formFieldOf('env.HF_TOKEN')).toBe('env');
    expect(formFieldOf('nodes')).toBe('nodes');
    expect(formFieldOf('modelConfig')).toBeUndefined();
    expect(formFieldOf(undefined)).toBeUndefined();
  });
});

describe('text helpers', () => {
  it('splitArgs and joinArgs round-trip awkward arguments', () => {
    const args = ['--a', 'with space', "it's", '', '--json={"k": 1}'];
    expect(splitArgs(joinArgs(args)).value).toEqual(args);
  });

  it('parseNumber tells empty from not-a-number', () => {
    expect(parseNumber(' ')).toBeUndefined();
    expect(parseNumber('12')).toBe(12);
    expect(parseNumber('0.5')).toBe(0.5);
    expect(parseNumber('1e3')).toBeNull();
    expect(parseNumber('x')).toBeNull();
  });

  it('parseResources counts a bare resource as 1 and rejects a bad count', () => {
    expect(parseResources('rdma/a\nrdma/b: 2').value).toEqual({
      'rdma/a': 1,
      'rdma/b': 2
    });
    expect(parseResources('rdma/a: lots').problem).toMatch(/resource: count/);
  });

  it('parseEnv reports the line that is not NAME=value', () => {
    expect(parseEnv('A=1\n=2').problem).toMatch(/Line 2/);
  });
});

describe('withTokenSecret', () => {
  const spec = { name: 'llama', engine: 'vllm' as const, model: 'm', nodes: 1 };

  it('names the Secret after the deployment when a token is typed', () => {
    const withToken = withTokenSecret(spec, true);
    expect(withToken.hfTokenSecret).toBe('llama-hf-token');
    // The same name buildManifests gives the Secret it creates.
    expect(
      buildManifests(spec, { hfToken: 'hf_x' }).secret?.metadata?.name
    ).toBe(withToken.hfTokenSecret);
  });

  it('keeps a named Secret, and adds none without a token', () => {
    expect(
      withTokenSecret({ ...spec, hfTokenSecret: 'hf' }, true).hfTokenSecret
    ).toBe('hf');
    expect(withTokenSecret(spec, false)).toBe(spec);
  });
});

describe('visibleIssues', () => {
  const fresh = initialValues(PCAI_GEN1);
  const issues = validateSpec(specFromForm(fresh).spec);

  it('does not greet a fresh form with errors for fields not visited yet', () => {
    const ids = issues.map(issue => issue.id);
    expect(ids).toEqual(
      expect.arrayContaining(['empty-model', 'invalid-name'])
    );
    expect(visibleIssues(issues, fresh, new Set(), false)).toEqual([]);
  });

  it('shows them once the field was visited, or when deploying', () => {
    const visited = visibleIssues(issues, fresh, new Set(['model']), false);
    expect(visited.map(issue => issue.id)).toEqual(['empty-model']);
    expect(visibleIssues(issues, fresh, new Set(), true)).toEqual(issues);
  });

  it('keeps every other error', () => {
    const values = { ...fresh, name: 'Bad_Name', model: 'm/m' };
    const shown = visibleIssues(
      validateSpec(specFromForm(values).spec),
      values,
      new Set(),
      false
    );
    expect(shown.map(issue => issue.id)).toContain('invalid-name');
  });
});
