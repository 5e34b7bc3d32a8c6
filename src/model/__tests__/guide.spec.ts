/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// `yaml` resolves to its CommonJS build under Node's export conditions; its browser build
// is ESM, which jest.config.js does not transform yet.

// The two specs that describe the guide's examples must render the guide's manifests
// field for field. The guide's objects are taken verbatim (fixtures/*.manifests.yaml);
// each documented improvement is applied to them explicitly below, and everything else
// must be equal.

import { readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import {
  buildManifests,
  describeLws,
  parseSpec,
  READINESS_PROBE,
  SPEC_ANNOTATION,
  STARTUP_PROBE
} from '..';
import type { IDeploymentSpec } from '..';

const root = join(__dirname, '..', '..', '..');

function guideObjects(name: string): any[] {
  const text = readFileSync(
    join(__dirname, 'fixtures', `${name}.manifests.yaml`),
    'utf8'
  );
  return parseAllDocuments(text as string).map((document: any) =>
    document.toJS()
  );
}

function exampleSpec(name: string): IDeploymentSpec {
  const parsed = parseSpec(
    readFileSync(join(root, 'examples', `${name}.yaml`), 'utf8')
  );
  expect(parsed.issues).toEqual([]);
  return parsed.spec as IDeploymentSpec;
}

/** Kubernetes stores quantities as strings: `1` and `"1"` are the same limit. */
function quantitiesAsStrings(lws: any): void {
  for (const template of [
    lws.spec.leaderWorkerTemplate.leaderTemplate,
    lws.spec.leaderWorkerTemplate.workerTemplate
  ]) {
    for (const container of template.spec.containers) {
      const limits = container.resources.limits;
      for (const key of Object.keys(limits)) {
        limits[key] = String(limits[key]);
      }
    }
  }
}

function templates(lws: any): any[] {
  return [
    lws.spec.leaderWorkerTemplate.leaderTemplate,
    lws.spec.leaderWorkerTemplate.workerTemplate
  ];
}

const tokenFromSecret = {
  name: 'HF_TOKEN',
  valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } }
};

/**
 * The documented improvements, applied to the guide's objects. Each line is one
 * difference between the guide and our output; nothing else may differ.
 */
function applyDocumentedImprovements(
  guide: { lws: any; service: any },
  ours: { lws: any; service: any },
  engine: 'sglang' | 'vllm'
): void {
  const { lws, service } = guide;
  const instance = lws.metadata.name;
  const labels = (component: string) => ({
    'app.kubernetes.io/name': engine,
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': 'jupyterlab-lws'
  });
  // 1. Recommended labels on everything, the spec as an annotation on the LWS.
  lws.metadata.labels = labels('model-server');
  lws.metadata.annotations = {
    [SPEC_ANNOTATION]: ours.lws.metadata.annotations[SPEC_ANNOTATION]
  };
  service.metadata.labels = labels('api');
  // 2. The guide's hand-made `role` label is replaced by the recommended labels.
  templates(lws)[0].metadata.labels = labels('leader');
  templates(lws)[1].metadata.labels = labels('worker');
  // 3. The HF token comes from the Secret instead of a literal in the manifest.
  for (const template of templates(lws)) {
    const env = template.spec.containers[0].env;
    env[env.findIndex((variable: any) => variable.name === 'HF_TOKEN')] =
      tokenFromSecret;
  }
  // 4. Container names without the guide's RDMA suffixes (`-ib`, `-2rdma`).
  templates(lws)[0].spec.containers[0].name = `${engine}-leader`;
  templates(lws)[1].spec.containers[0].name = `${engine}-worker`;
  // 5. The Service selects each group's leader by the labels LWS sets.
  service.spec.selector = {
    'leaderworkerset.sigs.k8s.io/name': instance,
    'leaderworkerset.sigs.k8s.io/worker-index': '0'
  };
  // 6. Both engines' Services: a named http port, type ClusterIP (the default).
  service.spec.type = 'ClusterIP';
  service.spec.ports = service.spec.ports.map((port: any) => ({
    ...port,
    name: 'http'
  }));
  // 7. The guide's SGLang load budget (300 x 30 s) becomes a startupProbe on both
  //    engines, and a normal readinessProbe on /health follows it.
  const leader = templates(lws)[0].spec.containers[0];
  const port = leader.ports[0].containerPort;
  leader.startupProbe = { tcpSocket: { port }, ...STARTUP_PROBE };
  leader.readinessProbe = {
    httpGet: { path: '/health', port },
    ...READINESS_PROBE
  };
  // 8. The commands, fixed for the engine releases (engines/releases.ts).
  for (const template of templates(lws)) {
    const container = template.spec.containers[0];
    container.command = fixedGuideCommand(container.command, engine);
  }
  // 9. No service-link variables in the pods (a Service named "vllm" sets VLLM_PORT).
  for (const template of templates(lws)) {
    template.spec.enableServiceLinks = false;
  }
  quantitiesAsStrings(lws);
}

/** The guide's command with the release fixes, spelled out on the guide's own words. */
function fixedGuideCommand(
  command: string[],
  engine: 'sglang' | 'vllm'
): string[] {
  if (engine === 'sglang') {
    // `--tp` is only argparse's abbreviation of `--tp-size`; the leader (the one with
    // `--port`) also serves /metrics, which SGLang does only with `--enable-metrics`.
    const fixed = command.map(word => (word === '--tp' ? '--tp-size' : word));
    const port = fixed.indexOf('--port');
    if (port >= 0) {
      fixed.splice(port + 2, 0, '--enable-metrics');
    }
    return fixed;
  }
  // vLLM Ray mode: the bootstrap script is looked up in both examples folders, and the
  // leader names the Ray backend, which v0.11.1+ no longer picks by itself.
  const script =
    '/vllm-workspace/examples/online_serving/multi-node-serving.sh';
  const lookup =
    `SCRIPT=${script}; ` +
    '[ -f "$SCRIPT" ] || SCRIPT=/vllm-workspace/examples/ray_serving/multi-node-serving.sh; ' +
    'bash "$SCRIPT"';
  return command.map(word =>
    word
      .replace(`bash ${script}`, lookup)
      .replace(
        /--pipeline_parallel_size (\d+)/,
        '--pipeline_parallel_size $1 --distributed-executor-backend ray'
      )
  );
}

describe.each([
  ['sglang', 'guide-sglang-70b'],
  ['vllm', 'guide-vllm-70b']
] as const)('the guide %s example', (engine, name) => {
  // The guide's objects, read afresh by every test (the improvements mutate them).
  const guide = () => {
    const [lws, service] = guideObjects(name);
    return { lws, service };
  };
  const manifests = buildManifests(exampleSpec(name));
  const ours = JSON.parse(
    JSON.stringify({
      lws: manifests.leaderWorkerSet,
      service: manifests.service
    })
  );

  it('renders the guide LeaderWorkerSet field for field, but for the documented improvements', () => {
    const expected = guide();
    applyDocumentedImprovements(expected, ours, engine);
    expect(ours.lws).toEqual(expected.lws);
  });

  it('renders the guide Service field for field, but for its selector and labels', () => {
    const expected = guide();
    applyDocumentedImprovements(expected, ours, engine);
    expect(ours.service).toEqual(expected.service);
  });

  it('keeps the guide commands word for word, but for the release fixes', () => {
    const [leader, worker] = templates(guide().lws).map(template =>
      fixedGuideCommand(template.spec.containers[0].command, engine)
    );
    const lws = manifests.leaderWorkerSet.spec.leaderWorkerTemplate;
    expect(lws.leaderTemplate?.spec?.containers[0].command).toEqual(leader);
    expect(lws.workerTemplate.spec?.containers[0].command).toEqual(worker);
  });

  it('keeps the guide Service name, which differs from the LWS name', () => {
    expect(manifests.service.metadata?.name).toBe(
      guide().service.metadata.name
    );
    expect(manifests.service.metadata?.name).not.toBe(
      manifests.leaderWorkerSet.metadata.name
    );
  });

  it('reads the guide own manifest back as the same engine, model and GPUs', () => {
    const { lws } = guide();
    const summary = describeLws(lws);
    expect(summary).toMatchObject({
      name: lws.metadata.name,
      engine,
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      nodes: 2,
      gpusPerNode: 4,
      tensorParallel: 4,
      pipelineParallel: 2,
      managed: false
    });
    expect(summary.spec).toBeUndefined();
  });
});
