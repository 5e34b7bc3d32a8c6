/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)

import { readFileSync } from 'fs';
import { join } from 'path';
import { parse, parseAllDocuments } from 'yaml';
import {
  buildManifests,
  describeLws,
  listManifests,
  manifestsToYaml,
  PCAI_GEN2,
  resolveSpec,
  SPEC_ANNOTATION,
  validateSpec
} from '..';
import type { IDeploymentSpec, ILeaderWorkerSet } from '..';

const base: IDeploymentSpec = {
  name: 'llama-70b',
  engine: 'vllm',
  model: 'meta-llama/Llama-3.3-70B-Instruct',
  nodes: 2,
  gpusPerNode: 8,
  rdma: true,
  hfTokenSecret: 'hf-token'
};

function leader(lws: ILeaderWorkerSet) {
  return lws.spec.leaderWorkerTemplate.leaderTemplate!.spec!.containers[0];
}

function worker(lws: ILeaderWorkerSet) {
  return lws.spec.leaderWorkerTemplate.workerTemplate.spec!.containers[0];
}

// A strict structural-schema check, as the API server does with fieldValidation=Strict:
// unknown fields, wrong types and values outside an enum are errors.
const lwsSchema = parse(
  readFileSync(join(__dirname, 'fixtures', 'lws-v0.7.0-schema.yaml'), 'utf8')
);

function schemaErrors(value: any, schema: any, path = ''): string[] {
  if (schema['x-kubernetes-int-or-string']) {
    return Number.isInteger(value) || typeof value === 'string'
      ? []
      : [`${path}: not an int or string`];
  }
  if (schema['x-kubernetes-preserve-unknown-fields']) {
    return [];
  }
  if (schema.enum && !schema.enum.includes(value)) {
    return [`${path}: ${JSON.stringify(value)} not in ${schema.enum}`];
  }
  switch (schema.type) {
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return [`${path}: not an object`];
      }
      const errors: string[] = [];
      for (const field of schema.required ?? []) {
        if (!(field in value)) {
          errors.push(`${path}.${field}: required`);
        }
      }
      for (const [key, child] of Object.entries(value)) {
        const childSchema =
          schema.properties?.[key] ?? schema.additionalProperties;
        if (childSchema === undefined || childSchema === false) {
          errors.push(`${path}.${key}: unknown field`);
        } else if (childSchema !== true) {
          errors.push(...schemaErrors(child, childSchema, `${path}.${key}`));
        }
      }
      return errors;
    }
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, index) =>
            schemaErrors(item, schema.items, `${path}[${index}]`)
          )
        : [`${path}: not an array`];
    case 'string':
      return typeof value === 'string' ? [] : [`${path}: not a string`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: not an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: not a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
    default:
      return [];
  }
}

function lwsSchemaErrors(lws: object): string[] {
  // The API server validates metadata as ObjectMeta, not through the CRD schema.
  const { metadata, ...rest } = JSON.parse(JSON.stringify(lws));
  expect(typeof metadata.name).toBe('string');
  return schemaErrors(rest, {
    ...lwsSchema,
    properties: { ...lwsSchema.properties, metadata: true }
  });
}

describe('buildManifests', () => {
  it('derives a Service name that differs from the LWS name', () => {
    const { leaderWorkerSet, service } = buildManifests(base);
    expect(service.metadata?.name).toBe('llama-70b-leader');
    expect(service.metadata?.name).not.toBe(leaderWorkerSet.metadata.name);
  });

  it('selects each group leader through the labels LWS sets, not a hand-made role label', () => {
    const { service, leaderWorkerSet } = buildManifests(base);
    expect(service.spec?.selector).toEqual({
      'leaderworkerset.sigs.k8s.io/name': 'llama-70b',
      'leaderworkerset.sigs.k8s.io/worker-index': '0'
    });
    expect(
      leaderWorkerSet.spec.leaderWorkerTemplate.leaderTemplate?.metadata?.labels
    ).not.toHaveProperty('role');
  });

  it('labels every object as managed by jupyterlab-lws', () => {
    const manifests = buildManifests(base, { hfToken: 'hf_secret' });
    for (const object of listManifests(manifests)) {
      expect(object.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe(
        'jupyterlab-lws'
      );
    }
    expect(manifests.leaderWorkerSet.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'vllm',
      'app.kubernetes.io/instance': 'llama-70b',
      'app.kubernetes.io/component': 'model-server',
      'app.kubernetes.io/managed-by': 'jupyterlab-lws'
    });
  });

  it('turns on all five RDMA settings together', () => {
    const { leaderWorkerSet } = buildManifests(base);
    for (const container of [
      leader(leaderWorkerSet),
      worker(leaderWorkerSet)
    ]) {
      expect(container.securityContext?.capabilities?.add).toEqual([
        'IPC_LOCK'
      ]);
      expect(container.env).toContainEqual({
        name: 'NCCL_IB_ADDR_FAMILY',
        value: 'AF_INET6'
      });
      expect(container.resources?.limits).toEqual({
        'nvidia.com/gpu': '8',
        'rdma/rdma_shared_device_a': '1',
        'rdma/rdma_shared_device_b': '1'
      });
      expect(container.volumeMounts).toContainEqual({
        mountPath: '/dev/shm',
        name: 'dshm'
      });
    }
    const template = leaderWorkerSet.spec.leaderWorkerTemplate.workerTemplate;
    expect(
      template.metadata?.annotations?.['k8s.v1.cni.cncf.io/networks']
    ).toBe(
      'nvidia-network-operator/nv-ipam-macvlannetwork-a, nvidia-network-operator/nv-ipam-macvlannetwork-b'
    );
  });

  it('leaves out every RDMA setting when RDMA is off, but keeps /dev/shm and the sidecar switch', () => {
    const { leaderWorkerSet } = buildManifests({ ...base, rdma: false });
    const container = leader(leaderWorkerSet);
    expect(container.securityContext).toBeUndefined();
    expect(container.env?.map(variable => variable.name)).not.toContain(
      'NCCL_IB_ADDR_FAMILY'
    );
    expect(Object.keys(container.resources?.limits ?? {})).toEqual([
      'nvidia.com/gpu'
    ]);
    const annotations =
      leaderWorkerSet.spec.leaderWorkerTemplate.leaderTemplate?.metadata
        ?.annotations;
    expect(annotations).toEqual({ 'sidecar.istio.io/inject': 'false' });
    expect(container.volumeMounts).toContainEqual({
      mountPath: '/dev/shm',
      name: 'dshm'
    });
    expect(
      leaderWorkerSet.spec.leaderWorkerTemplate.leaderTemplate?.spec?.volumes
    ).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory' } });
  });

  it('takes the RDMA networks and devices of the cluster profile', () => {
    const { leaderWorkerSet } = buildManifests(base, { profile: PCAI_GEN2 });
    expect(
      Object.keys(leader(leaderWorkerSet).resources?.limits ?? {})
    ).toEqual([
      'nvidia.com/gpu',
      'rdma/rdma_shared_device_a',
      'rdma/rdma_shared_device_b',
      'rdma/rdma_shared_device_c',
      'rdma/rdma_shared_device_d'
    ]);
  });

  it('sets NCCL_DEBUG only when asked', () => {
    const names = (spec: IDeploymentSpec) =>
      leader(buildManifests(spec).leaderWorkerSet).env?.map(
        variable => variable.name
      );
    expect(names(base)).not.toContain('NCCL_DEBUG');
    expect(
      leader(buildManifests({ ...base, ncclDebug: true }).leaderWorkerSet).env
    ).toContainEqual({
      name: 'NCCL_DEBUG',
      value: 'INFO'
    });
  });

  it('mounts models-pvc at HF_HOME by default and nothing when storage is off', () => {
    const on = buildManifests(base).leaderWorkerSet;
    expect(leader(on).env).toContainEqual({
      name: 'HF_HOME',
      value: '/models'
    });
    expect(
      on.spec.leaderWorkerTemplate.workerTemplate.spec?.volumes
    ).toContainEqual({
      name: 'model-storage',
      persistentVolumeClaim: { claimName: 'models-pvc' }
    });
    const off = buildManifests({ ...base, storage: false }).leaderWorkerSet;
    expect(leader(off).env?.map(variable => variable.name)).not.toContain(
      'HF_HOME'
    );
    expect(off.spec.leaderWorkerTemplate.workerTemplate.spec?.volumes).toEqual([
      { name: 'dshm', emptyDir: { medium: 'Memory' } }
    ]);
  });

  it('gives both engines a start-up budget long enough for a 70B load, then a quick readiness probe', () => {
    for (const engine of ['vllm', 'sglang'] as const) {
      const container = leader(
        buildManifests({ ...base, engine }).leaderWorkerSet
      );
      const port = engine === 'vllm' ? 8080 : 31000;
      const startup = container.startupProbe;
      expect(startup).toEqual({
        tcpSocket: { port },
        initialDelaySeconds: 15,
        periodSeconds: 30,
        failureThreshold: 300
      });
      // 300 checks 30 s apart: 2.5 hours to load.
      expect(
        (startup!.failureThreshold! * startup!.periodSeconds!) / 3600
      ).toBe(2.5);
      const readiness = container.readinessProbe;
      expect(readiness).toEqual({
        httpGet: { path: '/health', port },
        periodSeconds: 10,
        timeoutSeconds: 5,
        failureThreshold: 3
      });
      // A server that dies after loading leaves the Service within 30 s, not 2.5 hours.
      expect(
        readiness!.failureThreshold! * readiness!.periodSeconds!
      ).toBeLessThanOrEqual(30);
    }
  });

  it('recreates the whole group when a pod restarts', () => {
    expect(
      buildManifests(base).leaderWorkerSet.spec.leaderWorkerTemplate
        .restartPolicy
    ).toBe('RecreateGroupOnPodRestart');
  });

  it('replaces a generated variable with a user env value instead of duplicating it', () => {
    const env = leader(
      buildManifests({
        ...base,
        ncclDebug: 'INFO',
        env: { NCCL_DEBUG: 'WARN', FOO: 'bar' }
      }).leaderWorkerSet
    ).env!;
    expect(env.filter(variable => variable.name === 'NCCL_DEBUG')).toEqual([
      { name: 'NCCL_DEBUG', value: 'WARN' }
    ]);
    expect(env[env.length - 1]).toEqual({ name: 'FOO', value: 'bar' });
  });

  it('sets the namespace on every object when given one', () => {
    const manifests = buildManifests(base, {
      namespace: 'project-user-a',
      hfToken: 't'
    });
    expect(
      listManifests(manifests).map(object => object.metadata?.namespace)
    ).toEqual(['project-user-a', 'project-user-a', 'project-user-a']);
  });
});

describe('the HF token', () => {
  const token = 'hf_NotAReal_TokenButUnique_1234567890';

  it('reaches the pods only through secretKeyRef', () => {
    const { leaderWorkerSet } = buildManifests(base, { hfToken: token });
    for (const container of [
      leader(leaderWorkerSet),
      worker(leaderWorkerSet)
    ]) {
      expect(container.env).toContainEqual({
        name: 'HF_TOKEN',
        valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } }
      });
    }
  });

  it('appears in the Secret and nowhere else', () => {
    const manifests = buildManifests(base, { hfToken: token });
    expect(manifests.secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'hf-token',
        labels: {
          'app.kubernetes.io/component': 'hf-token',
          'app.kubernetes.io/managed-by': 'jupyterlab-lws'
        }
      },
      type: 'Opaque',
      stringData: { token }
    });
    const elsewhere = JSON.stringify([
      manifests.leaderWorkerSet,
      manifests.service
    ]);
    expect(elsewhere).not.toContain(token);
    const { stringData, ...secretWithoutData } = manifests.secret!;
    expect(stringData).toEqual({ token });
    expect(JSON.stringify(secretWithoutData)).not.toContain(token);
  });

  it('names the Secret after the deployment when the spec names none', () => {
    const { hfTokenSecret, ...spec } = base;
    expect(hfTokenSecret).toBe('hf-token');
    const manifests = buildManifests(spec, { hfToken: token });
    expect(manifests.secret?.metadata?.name).toBe('llama-70b-hf-token');
    expect(leader(manifests.leaderWorkerSet).env).toContainEqual({
      name: 'HF_TOKEN',
      valueFrom: { secretKeyRef: { name: 'llama-70b-hf-token', key: 'token' } }
    });
    expect(describeLws(manifests.leaderWorkerSet).spec?.hfTokenSecret).toBe(
      'llama-70b-hf-token'
    );
  });

  it('produces no Secret and no HF_TOKEN without a token or a Secret name', () => {
    const { hfTokenSecret, ...spec } = base;
    expect(hfTokenSecret).toBeDefined();
    const manifests = buildManifests(spec);
    expect(manifests.secret).toBeUndefined();
    expect(
      leader(manifests.leaderWorkerSet).env?.map(variable => variable.name)
    ).not.toContain('HF_TOKEN');
  });
});

describe('SGLang', () => {
  it('starts every pod with the LWS rendezvous flags and serves HTTP on the leader only', () => {
    const { leaderWorkerSet } = buildManifests({
      ...base,
      engine: 'sglang',
      nodes: 2,
      gpusPerNode: 8
    });
    const leaderCommand = leader(leaderWorkerSet).command!;
    expect(leaderCommand.slice(0, 19)).toEqual([
      'python3',
      '-m',
      'sglang.launch_server',
      '--model-path',
      'meta-llama/Llama-3.3-70B-Instruct',
      '--tp-size',
      '8',
      '--pipeline-parallel-size',
      '2',
      '--dist-init-addr',
      '$(LWS_LEADER_ADDRESS):31001',
      '--nnodes',
      '$(LWS_GROUP_SIZE)',
      '--node-rank',
      '$(LWS_WORKER_INDEX)',
      '--host',
      '0.0.0.0',
      '--port',
      '31000'
    ]);
    expect(worker(leaderWorkerSet).command).toEqual(leaderCommand.slice(0, 15));
  });

  it('leaves out --pipeline-parallel-size without pipeline stages', () => {
    const { leaderWorkerSet } = buildManifests({
      ...base,
      engine: 'sglang',
      nodes: 2,
      tensorParallel: 16
    });
    const command = leader(leaderWorkerSet).command!;
    expect(command).not.toContain('--pipeline-parallel-size');
    expect(command[command.indexOf('--tp-size') + 1]).toBe('16');
  });
});

describe('vLLM', () => {
  const native = { ...base, image: 'vllm/vllm-openai:v0.12.0' };

  it('starts images up to v0.11.0 through Ray, like the guide, naming the Ray backend', () => {
    const { leaderWorkerSet } = buildManifests({
      ...base,
      image: 'vllm/vllm-openai:v0.11.0'
    });
    const findScript =
      'SCRIPT=/vllm-workspace/examples/online_serving/multi-node-serving.sh; ' +
      '[ -f "$SCRIPT" ] || SCRIPT=/vllm-workspace/examples/ray_serving/multi-node-serving.sh; ';
    expect(leader(leaderWorkerSet).command?.slice(0, 2)).toEqual(['sh', '-c']);
    expect(leader(leaderWorkerSet).command?.[2]).toBe(
      findScript +
        'bash "$SCRIPT" leader --ray_cluster_size=$(LWS_GROUP_SIZE); python3 -m vllm.entrypoints.openai.api_server ' +
        '--port 8080 --model meta-llama/Llama-3.3-70B-Instruct --tensor-parallel-size 8 --pipeline_parallel_size 2 ' +
        '--distributed-executor-backend ray'
    );
    expect(worker(leaderWorkerSet).command?.[2]).toBe(
      findScript + 'bash "$SCRIPT" worker --ray_address=$(LWS_LEADER_ADDRESS)'
    );
  });

  it('starts v0.11.1 and later natively by default, and accepts native on v0.11.1 and v0.11.2', () => {
    for (const tag of ['v0.11.1', 'v0.11.2']) {
      const image = `vllm/vllm-openai:${tag}`;
      expect(
        leader(
          buildManifests({ ...base, image }).leaderWorkerSet
        ).command?.slice(0, 2)
      ).toEqual(['vllm', 'serve']);
      expect(
        validateSpec({ ...base, image, vllmMode: 'native' }).map(
          issue => issue.id
        )
      ).not.toContain('vllm-native-unsupported');
    }
  });

  it('starts newer images natively with vllm serve, headless on the workers', () => {
    const { leaderWorkerSet } = buildManifests(native);
    const expected = [
      'vllm',
      'serve',
      'meta-llama/Llama-3.3-70B-Instruct',
      '--tensor-parallel-size',
      '8',
      '--pipeline-parallel-size',
      '2',
      '--nnodes',
      '$(LWS_GROUP_SIZE)',
      '--node-rank',
      '$(LWS_WORKER_INDEX)',
      '--master-addr',
      '$(LWS_LEADER_ADDRESS)',
      '--master-port',
      '29501',
      '--port',
      '8080'
    ];
    expect(leader(leaderWorkerSet).command).toEqual(expected);
    expect(worker(leaderWorkerSet).command).toEqual([
      ...expected,
      '--headless'
    ]);
  });

  it('lets the spec force Ray mode on a new image', () => {
    const { leaderWorkerSet } = buildManifests({ ...native, vllmMode: 'ray' });
    expect(leader(leaderWorkerSet).command?.[0]).toBe('sh');
  });

  it('shell-quotes extra arguments inside the Ray script', () => {
    const { leaderWorkerSet } = buildManifests({
      ...base,
      engineArgs: ['--chat-template', "{{ it's }}"]
    });
    expect(leader(leaderWorkerSet).command?.[2]).toMatch(
      / --chat-template '\{\{ it'\\''s \}\}'$/
    );
  });
});

describe('valid on LWS v0.7.0', () => {
  const specs: [string, IDeploymentSpec][] = [
    ['vLLM Ray with RDMA', base],
    ['vLLM native', { ...base, image: 'vllm/vllm-openai:v0.12.0' }],
    [
      'SGLang without RDMA or storage',
      { ...base, engine: 'sglang', rdma: false, storage: false }
    ],
    [
      'one node, two replicas',
      { ...base, nodes: 1, replicas: 2, ncclDebug: 'INFO' }
    ]
  ];

  it.each(specs)('%s passes the v0.7.0 CRD schema strictly', (_, spec) => {
    expect(lwsSchemaErrors(buildManifests(spec).leaderWorkerSet)).toEqual([]);
  });

  it('would catch fields v0.7.0 does not have', () => {
    const lws: any = JSON.parse(
      JSON.stringify(buildManifests(base).leaderWorkerSet)
    );
    lws.spec.leaderWorkerTemplate.restartPolicy = 'RecreateGroupAfterStart';
    lws.spec.leaderWorkerTemplate.volumeClaimTemplates = [];
    expect(lwsSchemaErrors(lws)).toEqual([
      '.spec.leaderWorkerTemplate.restartPolicy: "RecreateGroupAfterStart" not in Default,RecreateGroupOnPodRestart,None',
      '.spec.leaderWorkerTemplate.volumeClaimTemplates: unknown field'
    ]);
  });
});

describe('the spec annotation', () => {
  it('round-trips: the described spec renders the same manifests', () => {
    const first = buildManifests({
      ...base,
      engine: 'sglang',
      ncclDebug: 'INFO'
    });
    const summary = describeLws(first.leaderWorkerSet);
    expect(summary.managed).toBe(true);
    expect(summary.spec).toEqual(
      resolveSpec({ ...base, engine: 'sglang', ncclDebug: 'INFO' })
    );
    expect(buildManifests(summary.spec!)).toEqual(first);
  });

  it('holds the resolved spec as JSON', () => {
    const annotation =
      buildManifests(base).leaderWorkerSet.metadata.annotations![
        SPEC_ANNOTATION
      ];
    expect(JSON.parse(annotation)).toMatchObject({
      name: 'llama-70b',
      engine: 'vllm',
      image: 'vllm/vllm-openai:v0.10.2',
      vllmMode: 'ray',
      tensorParallel: 8,
      pipelineParallel: 2
    });
  });
});

describe('manifestsToYaml', () => {
  it('writes a multi-document stream that parses back to the same objects', () => {
    const manifests = buildManifests(base, { hfToken: 'x' });
    const objects = listManifests(manifests);
    const documents = parseAllDocuments(manifestsToYaml(objects)) as any[];
    expect(documents.map(document => document.toJS())).toEqual(
      JSON.parse(JSON.stringify(objects))
    );
    expect(documents.map(document => document.toJS().kind)).toEqual([
      'Secret',
      'LeaderWorkerSet',
      'Service'
    ]);
  });
});
