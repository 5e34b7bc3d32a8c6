/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)

import { describeLws, SPEC_ANNOTATION } from '..';
import type { ILeaderWorkerSet } from '..';

function foreignLws(
  command: string[],
  image: string,
  annotations = {}
): ILeaderWorkerSet {
  return {
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name: 'by-hand', namespace: 'team-a', annotations },
    spec: {
      replicas: 2,
      leaderWorkerTemplate: {
        size: 4,
        workerTemplate: {
          spec: {
            containers: [
              {
                name: 'worker',
                image,
                command,
                resources: { limits: { 'nvidia.com/gpu': '8' } }
              }
            ]
          }
        }
      }
    }
  };
}

describe('describeLws', () => {
  it('reads a native vLLM deployment made by hand', () => {
    const summary = describeLws(
      foreignLws(
        [
          'vllm',
          'serve',
          'deepseek-ai/DeepSeek-V3',
          '--tensor-parallel-size=8',
          '--pipeline-parallel-size',
          '4',
          '--headless'
        ],
        'vllm/vllm-openai:v0.12.0'
      )
    );
    expect(summary).toEqual({
      name: 'by-hand',
      namespace: 'team-a',
      nodes: 4,
      replicas: 2,
      managed: false,
      image: 'vllm/vllm-openai:v0.12.0',
      gpusPerNode: 8,
      engine: 'vllm',
      model: 'deepseek-ai/DeepSeek-V3',
      tensorParallel: 8,
      pipelineParallel: 4
    });
  });

  it('recognises SGLang from its command in a custom image', () => {
    const summary = describeLws(
      foreignLws(
        [
          'bash',
          '-c',
          'python3 -m sglang.launch_server --model-path "/models/my model" --tp 16 --port 30000'
        ],
        'registry.local/inference:1.0'
      )
    );
    expect(summary).toMatchObject({
      engine: 'sglang',
      model: '/models/my model',
      tensorParallel: 16,
      pipelineParallel: 1,
      port: 30000
    });
  });

  it('falls back to the command line when the spec annotation is unreadable', () => {
    const summary = describeLws(
      foreignLws(['vllm', 'serve', 'm/x'], 'vllm/vllm-openai:v0.12.0', {
        [SPEC_ANNOTATION]: '{not json'
      })
    );
    expect(summary.spec).toBeUndefined();
    expect(summary.model).toBe('m/x');
  });

  it('tells what it can from an LWS without containers', () => {
    const lws = foreignLws([], 'x');
    lws.spec.leaderWorkerTemplate.workerTemplate = {};
    expect(describeLws(lws)).toEqual({
      name: 'by-hand',
      namespace: 'team-a',
      nodes: 4,
      replicas: 2,
      managed: false
    });
  });
});
