/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)

import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import {
  buildDownloadJob,
  cacheFolder,
  downloadJobName,
  downloadSelector,
  downloadTarget,
  MODEL_LABEL,
  modelLabelValue,
  pvcIssues,
  repoIdProblem,
  validateDownload
} from '../download';
import type { IDownloadTarget } from '../download';
import { DOWNLOAD_SCRIPT } from '../jobScripts.generated';
import { isDns1035Label } from '../dns1123';
import { buildManifests } from '../manifests';
import { PCAI_GEN1 } from '../profiles';
import type { IDeploymentSpec } from '../spec';
import { resolveSettings } from '../profileSettings';

const root = join(__dirname, '..', '..', '..');
const GUIDE_MODEL = 'meta-llama/Llama-3.3-70B-Instruct';
const target = downloadTarget(PCAI_GEN1);

function guideJob(): any {
  return parse(
    readFileSync(join(__dirname, 'fixtures', 'guide-download.job.yaml'), 'utf8')
  );
}

describe('buildDownloadJob', () => {
  it("is the guide's download Job with only the documented differences", () => {
    const ours: any = buildDownloadJob(
      { repo: GUIDE_MODEL, tokenSecret: 'hf-token' },
      target
    );
    const guide = guideJob();
    const name = downloadJobName(GUIDE_MODEL);

    // 4. a name and labels that tie the Job to its model, the request in annotations.
    guide.metadata.name = name;
    guide.metadata.labels = {
      'app.kubernetes.io/name': 'huggingface-hub',
      'app.kubernetes.io/instance': 'meta-llama--Llama-3.3-70B-Instruct',
      'app.kubernetes.io/component': 'model-download',
      'app.kubernetes.io/managed-by': 'jupyterlab-lws',
      [MODEL_LABEL]: 'meta-llama--Llama-3.3-70B-Instruct'
    };
    guide.metadata.annotations = {
      'jupyterlab-lws/model': GUIDE_MODEL,
      'jupyterlab-lws/revision': 'main'
    };
    guide.spec.template.metadata.labels = {
      app: 'hf-model-downloader',
      ...guide.metadata.labels
    };
    // 4. finished Jobs clean themselves up after a week.
    guide.spec.ttlSecondsAfterFinished = 604800;
    // 3. failed pods stay for their log; a failure retrying cannot fix ends the Job.
    guide.spec.template.spec.restartPolicy = 'Never';
    guide.spec.podFailurePolicy = {
      rules: [
        {
          action: 'FailJob',
          onExitCodes: {
            containerName: 'model-downloader',
            operator: 'In',
            values: [3]
          }
        }
      ]
    };
    const container = guide.spec.template.spec.containers[0];
    // 2. an image with huggingface_hub (the profile's engine image), our tested script.
    container.image = 'vllm/vllm-openai:v0.10.2';
    container.command = ['python3', '-c'];
    container.args = [DOWNLOAD_SCRIPT];
    // 1. the token from a Secret; 4. the revision, and no progress-bar noise in the log.
    container.env = [
      container.env[0],
      container.env[1],
      {
        name: 'HF_TOKEN',
        valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } }
      },
      { name: 'REVISION', value: 'main' },
      { name: 'HF_HUB_DISABLE_PROGRESS_BARS', value: '1' },
      { name: 'HF_HUB_DISABLE_TELEMETRY', value: '1' }
    ];

    expect(JSON.parse(JSON.stringify(ours))).toEqual(guide);
  });

  it('embeds the very script pytest runs, not a copy', () => {
    const script = readFileSync(
      join(root, 'jupyterlab_lws', 'jobs', 'download_model.py'),
      'utf8'
    );
    const job = buildDownloadJob({ repo: GUIDE_MODEL }, target);
    expect(job.spec?.template.spec?.containers[0].args).toEqual([script]);
  });

  it('never puts a token in the manifest', () => {
    const job = buildDownloadJob({ repo: GUIDE_MODEL }, target);
    const env = job.spec?.template.spec?.containers[0].env ?? [];
    expect(env.find(variable => variable.name === 'HF_TOKEN')).toBeUndefined();
  });

  it('passes revision, globs and the mirror to the script', () => {
    const job = buildDownloadJob(
      {
        repo: ' org/model ',
        revision: 'v1.0',
        include: ['*.json', '*.safetensors'],
        exclude: ['original/*']
      },
      { ...target, hfEndpoint: 'https://hf-mirror.example.com' }
    );
    const env = Object.fromEntries(
      (job.spec?.template.spec?.containers[0].env ?? []).map(variable => [
        variable.name,
        variable.value
      ])
    );
    expect(env).toMatchObject({
      MODEL_ID: 'org/model',
      REVISION: 'v1.0',
      ALLOW_PATTERNS: '["*.json","*.safetensors"]',
      IGNORE_PATTERNS: '["original/*"]',
      HF_ENDPOINT: 'https://hf-mirror.example.com'
    });
    expect(job.metadata?.annotations).toMatchObject({
      'jupyterlab-lws/revision': 'v1.0',
      'jupyterlab-lws/include': '["*.json","*.safetensors"]'
    });
  });

  it('mounts the profile PVC where the deployments read HF_HOME', () => {
    const custom: IDownloadTarget = {
      image: 'registry.local/hf:1',
      pvc: 'shared-models',
      mountPath: '/data/'
    };
    const job = buildDownloadJob({ repo: 'org/model' }, custom);
    const pod = job.spec?.template.spec;
    expect(pod?.volumes?.[0].persistentVolumeClaim?.claimName).toBe(
      'shared-models'
    );
    expect(pod?.containers[0].volumeMounts?.[0].mountPath).toBe('/data/');
    expect(pod?.containers[0].env?.[1]).toEqual({
      name: 'CACHE_DIR',
      value: '/data/hub'
    });
    expect(cacheFolder('org/model', '/data/')).toBe(
      '/data/hub/models--org--model'
    );
  });
});

describe('names and labels', () => {
  it('keeps short repo ids readable in the label', () => {
    expect(modelLabelValue('meta-llama/Llama-3.3-70B-Instruct')).toBe(
      'meta-llama--Llama-3.3-70B-Instruct'
    );
    expect(modelLabelValue('gpt2')).toBe('gpt2');
  });

  it('cuts long repo ids to a valid, distinct label value', () => {
    const long = `some-organisation-with-a-long-name/${'x'.repeat(60)}`;
    const other = `some-organisation-with-a-long-name/${'x'.repeat(59)}y`;
    const value = modelLabelValue(long);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).toMatch(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/);
    expect(value).not.toBe(modelLabelValue(other));
  });

  it('names the Job with a DNS label that leaves room for pod names', () => {
    for (const repo of [
      GUIDE_MODEL,
      'gpt2',
      'Org/___',
      `org/${'Very_Long.Name-'.repeat(8)}`
    ]) {
      const name = downloadJobName(repo);
      expect(isDns1035Label(name)).toBe(true);
      expect(name.length).toBeLessThanOrEqual(57);
    }
    expect(downloadJobName(GUIDE_MODEL)).toMatch(
      /^download-llama-3-3-70b-instruct-[0-9a-f]{8}$/
    );
    expect(downloadJobName('a/model')).not.toBe(downloadJobName('b/model'));
  });

  it('selects the download Jobs of one model', () => {
    expect(downloadSelector('org/m')).toBe(
      'app.kubernetes.io/component=model-download,app.kubernetes.io/managed-by=jupyterlab-lws,jupyterlab-lws/model=org--m'
    );
  });
});

describe('validateDownload', () => {
  const ids = (request: Parameters<typeof validateDownload>[0]) =>
    validateDownload(request, target).map(issue => issue.id);

  it('accepts a plain request', () => {
    expect(ids({ repo: GUIDE_MODEL, include: ['*.safetensors'] })).toEqual([]);
  });

  it('explains empty and malformed repo ids', () => {
    expect(repoIdProblem('')).toMatch(/Enter a model id/);
    expect(
      repoIdProblem('https://huggingface.co/meta-llama/Llama-3.1-8B')
    ).toBe('Enter the model id, not its web address: meta-llama/Llama-3.1-8B.');
    expect(repoIdProblem('org/name/extra')).toMatch(/org\/name/);
    expect(repoIdProblem('org/na me')).toMatch(/not a model id/);
    expect(repoIdProblem('org--x/name')).toMatch(/"--"/);
    expect(repoIdProblem(`org/${'a'.repeat(100)}`)).toMatch(/96/);
    expect(ids({ repo: ' ' })).toEqual(['download-repo-invalid']);
  });

  it('rejects globs that cannot match a repository file', () => {
    const issues = validateDownload(
      { repo: 'org/m', include: ['/abs/*.json', ''], exclude: ['[ab'] },
      target
    );
    expect(issues.map(issue => [issue.field, issue.message])).toEqual([
      [
        'include',
        'The include pattern "/abs/*.json" starts with "/": file paths in a repository are relative (e.g. "*.safetensors").'
      ],
      ['include', 'The include pattern "" is empty.'],
      ['exclude', 'The exclude pattern "[ab" has a "[" without its "]".']
    ]);
  });

  it('rejects a bad revision and Secret name', () => {
    expect(
      ids({ repo: 'org/m', revision: 'a b', tokenSecret: 'Bad_Name' })
    ).toEqual(['download-revision-invalid', 'download-secret-invalid']);
    expect(ids({ repo: 'org/m', revision: 'refs/pr/1' })).toEqual([]);
  });

  it('needs a PVC and an image from the profile', () => {
    expect(
      validateDownload(
        { repo: 'org/m' },
        { image: '', pvc: '', mountPath: '/m' }
      ).map(issue => issue.id)
    ).toEqual(['download-no-pvc', 'download-no-image']);
  });
});

describe('pvcIssues', () => {
  it('refuses a missing or lost claim and warns while it is pending', () => {
    expect(pvcIssues({ name: 'models-pvc' })).toEqual([
      expect.objectContaining({ id: 'pvc-not-found', severity: 'error' })
    ]);
    expect(pvcIssues({ name: 'models-pvc', phase: 'Lost' })[0].severity).toBe(
      'error'
    );
    expect(pvcIssues({ name: 'models-pvc', phase: 'Pending' })).toEqual([
      expect.objectContaining({ id: 'pvc-not-bound', severity: 'warning' })
    ]);
    expect(pvcIssues({ name: 'models-pvc', phase: 'Bound' })).toEqual([]);
  });
});

describe('download settings in the profile', () => {
  it('uses the download image and mirror of a settings profile', () => {
    const { profile, problems } = resolveSettings({
      profile: 'air-gapped',
      profiles: [
        {
          ...PCAI_GEN1,
          id: 'air-gapped',
          downloadImage: 'registry.local/hf-hub:0.25',
          hfEndpoint: 'https://hf-mirror.local'
        }
      ]
    });
    expect(problems).toEqual([]);
    expect(downloadTarget(profile)).toEqual({
      image: 'registry.local/hf-hub:0.25',
      pvc: 'models-pvc',
      mountPath: '/models',
      hfEndpoint: 'https://hf-mirror.local'
    });
  });

  it("sets the profile's mirror in deployments too, unless the spec sets its own", () => {
    const profile = { ...PCAI_GEN1, hfEndpoint: 'https://hf-mirror.local' };
    const env = (spec: Partial<IDeploymentSpec>) =>
      buildManifests(
        { name: 'm', engine: 'vllm', model: 'org/m', nodes: 1, ...spec },
        { profile }
      ).leaderWorkerSet.spec.leaderWorkerTemplate.leaderTemplate?.spec?.containers[0].env?.filter(
        variable => variable.name === 'HF_ENDPOINT'
      );
    expect(env({})).toEqual([
      { name: 'HF_ENDPOINT', value: 'https://hf-mirror.local' }
    ]);
    expect(env({ env: { HF_ENDPOINT: 'https://other.local' } })).toEqual([
      { name: 'HF_ENDPOINT', value: 'https://other.local' }
    ]);
    expect(
      buildManifests({
        name: 'm',
        engine: 'vllm',
        model: 'org/m',
        nodes: 1
      }).leaderWorkerSet.spec.leaderWorkerTemplate.leaderTemplate?.spec?.containers[0].env?.map(
        variable => variable.name
      )
    ).not.toContain('HF_ENDPOINT');
  });

  it('ignores a profile whose mirror is not an address', () => {
    const { problems } = resolveSettings({
      profiles: [{ ...PCAI_GEN1, id: 'x', hfEndpoint: 'hf-mirror.local' }]
    });
    expect(problems).toEqual([
      'Cluster profile 1 is ignored: "x" has an "hfEndpoint" that is not an http(s) address.'
    ]);
  });
});
