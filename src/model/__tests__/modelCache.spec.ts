// The cache Job and its report, read from a line the real script printed
// (fixtures/download-logs/cache-list.txt, captured by test_download_script.py).

import { readFileSync } from 'fs';
import { join } from 'path';
import { buildManifests } from '../manifests';
import { downloadTarget } from '../download';
import {
  buildCacheJob,
  cacheJobName,
  deploymentsUsingModel,
  findCachedModel,
  findCacheReport,
  modelAvailability,
  parseCacheLine
} from '../modelCache';
import { MODEL_CACHE_SCRIPT } from '../jobScripts.generated';
import { PCAI_GEN1 } from '../profiles';

const target = downloadTarget(PCAI_GEN1);

describe('the cache report', () => {
  it('reads the models, sizes and free space the script printed', () => {
    const text = readFileSync(
      join(__dirname, 'fixtures', 'download-logs', 'cache-list.txt'),
      'utf8'
    );
    const report = findCacheReport(['some other line', ...text.split('\n')]);
    expect(report?.event).toBe('cache');
    if (report?.event !== 'cache') {
      return;
    }
    expect(report.freeBytes).toBeGreaterThan(0);
    const model = findCachedModel(report.models, 'Org/Tiny-Model');
    expect(model?.repo).toBe('org/tiny-model');
    expect(model?.sizeOnDisk).toBeGreaterThan(5 * 1024 * 1024);
    expect(model?.revisions[0].refs).toEqual(['main']);
    expect(findCachedModel(report.models, 'org/other')).toBeUndefined();
  });

  it('ignores lines that are not reports', () => {
    expect(parseCacheLine('LWS-CACHE {"event": "cache"}')).toBeUndefined();
    expect(parseCacheLine('LWS-CACHE nope')).toBeUndefined();
    expect(
      parseCacheLine(
        'LWS-CACHE {"event": "deleted", "repo": "a/b", "freedBytes": 1}'
      )
    ).toEqual({ event: 'deleted', repo: 'a/b', freedBytes: 1 });
  });
});

describe('buildCacheJob', () => {
  it('lists with the volume read-only and deletes one model by id', () => {
    const list = buildCacheJob({ action: 'list' }, target);
    const container = list.spec?.template.spec?.containers[0];
    expect(list.metadata?.name).toBe('model-cache-list');
    expect(container?.args).toEqual([MODEL_CACHE_SCRIPT]);
    expect(container?.volumeMounts?.[0]).toEqual({
      name: 'model-storage',
      mountPath: '/models',
      readOnly: true
    });
    expect(list.spec?.template.metadata?.annotations).toEqual({
      'sidecar.istio.io/inject': 'false'
    });

    const remove = buildCacheJob({ action: 'delete', repo: 'org/m' }, target);
    expect(remove.metadata?.name).toBe(
      cacheJobName({ action: 'delete', repo: 'org/m' })
    );
    expect(remove.spec?.template.spec?.containers[0].env).toEqual([
      { name: 'ACTION', value: 'delete' },
      { name: 'CACHE_DIR', value: '/models/hub' },
      { name: 'MODEL_ID', value: 'org/m' }
    ]);
    expect(
      remove.spec?.template.spec?.containers[0].volumeMounts?.[0].readOnly
    ).toBe(false);
  });
});

describe('deploymentsUsingModel', () => {
  it('names the deployments whose spec reads the model', () => {
    const lws = (name: string, model: string) =>
      buildManifests(
        { name, engine: 'vllm', model, nodes: 1, gpusPerNode: 8 },
        { profile: PCAI_GEN1 }
      ).leaderWorkerSet;
    const deployments = [
      lws('a', 'org/m'),
      lws('b', 'org/other'),
      lws('c', 'ORG/M')
    ];
    expect(deploymentsUsingModel(deployments, 'org/m')).toEqual(['a', 'c']);
  });
});

describe('modelAvailability', () => {
  const cached = [
    { repo: 'org/m', sizeOnDisk: 141e9, revisions: [], incomplete: false }
  ];
  const progress = (bytes: number, done?: { sizeOnDisk: number }) => ({
    bytes,
    bytesTotal: 200,
    ...(done ? { done } : {})
  });

  it('is unknown until the volume is listed', () => {
    expect(modelAvailability('org/m', null)).toEqual({ kind: 'unknown' });
  });

  it('says cached with the size, or not cached', () => {
    expect(modelAvailability('ORG/M', cached)).toEqual({
      kind: 'cached',
      sizeOnDisk: 141e9,
      incomplete: false
    });
    expect(modelAvailability('org/x', cached)).toEqual({ kind: 'not-cached' });
  });

  it('prefers a running or finished download to an older listing', () => {
    expect(
      modelAvailability('org/x', cached, {
        phase: 'downloading',
        progress: progress(50)
      })
    ).toEqual({ kind: 'downloading', percent: 25 });
    expect(
      modelAvailability('org/x', null, {
        phase: 'done',
        progress: progress(200, { sizeOnDisk: 210 })
      })
    ).toEqual({ kind: 'cached', sizeOnDisk: 210, incomplete: false });
    expect(
      modelAvailability('org/x', cached, {
        phase: 'failed',
        progress: progress(10)
      })
    ).toEqual({ kind: 'not-cached' });
  });
});
