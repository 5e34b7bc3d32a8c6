// The progress parser and failure mapping, fed with lines the real script printed
// (fixtures/download-logs/*.txt, captured by jupyterlab_lws/tests/test_download_script.py with
// LWS_UPDATE_FIXTURES=1 from real huggingface_hub runs against a local Hub server).

import { readFileSync } from 'fs';
import { join } from 'path';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { buildDownloadJob, downloadTarget } from '../download';
import {
  DOWNLOAD_FAILURES,
  downloadState,
  explainFailure,
  formatBytes,
  formatDuration,
  parseDownloadLine,
  podProblem,
  summarizeDownloadLog
} from '../downloadProgress';
import { PCAI_GEN1 } from '../profiles';

function captured(name: string): string[] {
  return readFileSync(
    join(__dirname, 'fixtures', 'download-logs', `${name}.txt`),
    'utf8'
  )
    .split('\n')
    .filter(line => line !== '');
}

function job(status: V1Job['status'] = {}): V1Job {
  const built = buildDownloadJob(
    { repo: 'org/sharded-model' },
    downloadTarget(PCAI_GEN1)
  );
  built.metadata = {
    ...built.metadata,
    uid: 'job-uid',
    creationTimestamp: '2026-01-01T00:00:00Z' as unknown as Date
  };
  built.status = status;
  return built;
}

function pod(name: string, status: V1Pod['status'] = {}, created = '1'): V1Pod {
  return {
    metadata: {
      name,
      creationTimestamp: `2026-01-01T00:00:0${created}Z` as unknown as Date,
      ownerReferences: [
        { uid: 'job-uid', apiVersion: 'batch/v1', kind: 'Job', name: 'j' }
      ]
    },
    status
  };
}

describe('parseDownloadLine', () => {
  it('reads every machine line the script printed and nothing else', () => {
    const lines = captured('success-hf-0.25.2');
    expect(lines.map(line => parseDownloadLine(line)?.event)).toEqual([
      'start',
      ...lines.slice(1, -1).map(() => 'progress'),
      'done'
    ]);
    expect(parseDownloadLine('Fetching 4 files: 100%')).toBeUndefined();
    expect(parseDownloadLine('LWS-DOWNLOAD {not json')).toBeUndefined();
    expect(
      parseDownloadLine('LWS-DOWNLOAD {"event": "progress"}')
    ).toBeUndefined();
  });
});

describe('summarizeDownloadLog', () => {
  it.each(['0.25.2', '2.4.0'])(
    'follows a slow download to the end (huggingface_hub %s)',
    version => {
      const lines = captured(`slow-hf-${version}`);
      const seen: number[] = [];
      for (let end = 2; end < lines.length; end++) {
        const summary = summarizeDownloadLog(lines.slice(0, end));
        expect(summary.bytesTotal).toBe(37748738);
        seen.push(summary.bytes);
      }
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(new Set(seen).size).toBeGreaterThanOrEqual(5);
      const done = summarizeDownloadLog(lines);
      expect(done.done?.commit).toBe(
        '5f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b'
      );
      expect(done.done?.sizeOnDisk).toBeGreaterThanOrEqual(37748738);
      expect(done.rate).toBeUndefined();
    }
  );

  it('gives a rate and the time left while downloading', () => {
    const lines = captured('slow-hf-0.25.2');
    const midway = summarizeDownloadLog(lines.slice(0, -3));
    expect(midway.done).toBeUndefined();
    expect(midway.rate).toBeGreaterThan(0);
    expect(midway.etaSeconds).toBeCloseTo(
      (midway.bytesTotal - midway.bytes) / (midway.rate as number)
    );
  });

  it('starts over when a retried pod starts over', () => {
    const summary = summarizeDownloadLog([
      ...captured('killed-first-run'),
      ...captured('resumed')
    ]);
    expect(summary.done?.event).toBe('done');
    expect(summary.bytes).toBe(summary.bytesTotal);
  });

  it.each([
    ['hf-auth', 'hf-auth'],
    ['hf-auth-bad-token', 'hf-auth'],
    ['model-not-found', 'model-not-found'],
    ['revision-not-found', 'model-not-found'],
    ['no-matching-files', 'no-matching-files']
  ])('reads the failure id of %s', (name, id) => {
    const summary = summarizeDownloadLog(captured(name));
    expect(summary.error?.id).toBe(id);
    expect(DOWNLOAD_FAILURES[id].permanent).toBe(true);
  });
});

describe('downloadState', () => {
  it('waits, downloads, then is done with the commit and size', () => {
    const lines = captured('slow-hf-2.4.0');
    expect(downloadState(job({ active: 1 }), [], [], []).phase).toBe('waiting');
    const running = downloadState(
      job({ active: 1 }),
      [pod('p1', { phase: 'Running' })],
      [],
      lines.slice(0, 4)
    );
    expect(running).toMatchObject({
      phase: 'downloading',
      podName: 'p1',
      repo: 'org/sharded-model',
      revision: 'main'
    });
    const done = downloadState(
      job({
        succeeded: 1,
        conditions: [{ type: 'Complete', status: 'True' }]
      }),
      [pod('p1', { phase: 'Succeeded' })],
      [],
      lines
    );
    expect(done.phase).toBe('done');
    expect(done.progress.done?.sizeOnDisk).toBeGreaterThan(0);
  });

  it('explains a failed Job by the last line of its log', () => {
    const state = downloadState(
      job({
        failed: 1,
        conditions: [
          { type: 'Failed', status: 'True', reason: 'PodFailurePolicy' }
        ]
      }),
      [pod('p1', { phase: 'Failed' })],
      [],
      captured('hf-auth')
    );
    expect(state.phase).toBe('failed');
    expect(state.failure?.id).toBe('hf-auth');
    expect(state.failure?.detail).toMatch(/gated/);
  });

  it('follows the newest pod of a retried Job', () => {
    const state = downloadState(
      job({ failed: 1, active: 1 }),
      [pod('old', { phase: 'Failed' }, '1'), pod('new', {}, '5')],
      [],
      []
    );
    expect([state.podName, state.attempts]).toEqual(['new', 2]);
  });

  it('says the Job failed when no log explains it', () => {
    const state = downloadState(
      job({
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit'
          }
        ]
      }),
      [],
      [],
      []
    );
    expect(state.failure).toEqual({
      id: 'job-failed',
      detail: 'Job has reached the specified backoff limit'
    });
  });
});

describe('podProblem', () => {
  it('recognises image pulls, evictions, OOM and an unbound volume', () => {
    expect(
      podProblem(
        pod('p', {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'model-downloader',
              image: 'x',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: {
                waiting: {
                  reason: 'ImagePullBackOff',
                  message: 'Back-off pulling image "x"'
                }
              }
            }
          ]
        })
      )?.id
    ).toBe('image-pull');
    expect(
      podProblem(
        pod('p', {
          phase: 'Failed',
          reason: 'Evicted',
          message: 'The node was low on resource: ephemeral-storage.'
        })
      )
    ).toEqual({
      id: 'pod-evicted',
      detail: 'The node was low on resource: ephemeral-storage.'
    });
    expect(
      podProblem(
        pod('p', {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message:
                '0/4 nodes are available: persistentvolumeclaim "models-pvc" not found.'
            }
          ]
        })
      )?.id
    ).toBe('pvc-not-bound');
    expect(podProblem(pod('p', { phase: 'Running' }))).toBeUndefined();
  });

  it('reads a FailedScheduling event about the volume of a pending pod', () => {
    const problem = podProblem(pod('p', { phase: 'Pending' }), [
      {
        metadata: {},
        involvedObject: { name: 'p', kind: 'Pod' },
        reason: 'FailedScheduling',
        message:
          '0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims.'
      }
    ]);
    expect(problem?.id).toBe('pvc-not-bound');
  });
});

describe('words for people', () => {
  it('explains every failure id the script can print, permanent as it says', () => {
    const script = readFileSync(
      join(
        __dirname,
        '..',
        '..',
        '..',
        'jupyterlab_lws',
        'jobs',
        'download_model.py'
      ),
      'utf8'
    );
    const ids = [...script.matchAll(/DownloadFailure\(\s*"([a-z-]+)"/g)].map(
      match => match[1]
    );
    expect(ids.length).toBeGreaterThanOrEqual(8);
    const permanent = [
      ...(/PERMANENT = \{([^}]*)\}/.exec(script)?.[1] ?? '').matchAll(
        /"([a-z-]+)"/g
      )
    ].map(match => match[1]);
    for (const id of new Set([...ids, ...permanent])) {
      expect([id, DOWNLOAD_FAILURES[id]?.permanent]).toEqual([
        id,
        permanent.includes(id)
      ]);
    }
    expect(explainFailure('something-new')).toBe(
      DOWNLOAD_FAILURES['download-failed']
    );
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(141e9)).toBe('141 GB');
    expect(formatBytes(3_250_000)).toBe('3.25 MB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatDuration(0.3)).toBe('< 1 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(720)).toBe('12 min');
    expect(formatDuration(7500)).toBe('2 h 05 min');
  });
});
