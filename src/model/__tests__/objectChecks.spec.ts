import type { V1Service } from '@kubernetes/client-node';

import {
  objectFindings,
  SERVICE_LINK_CLASH,
  SERVICE_NAME_CLASH,
  TOKEN_PLACEHOLDER
} from '../objectChecks';
import { guideDeployment, managedDeployment } from './deploymentObjects';

function service(
  name: string,
  options: { headless?: boolean; ownerUid?: string } = {}
): V1Service {
  return {
    metadata: {
      name,
      ...(options.ownerUid
        ? {
            ownerReferences: [
              {
                apiVersion: 'leaderworkerset.x-k8s.io/v1',
                kind: 'LeaderWorkerSet',
                name: 'llama',
                uid: options.ownerUid,
                controller: true
              }
            ]
          }
        : {})
    },
    spec: {
      clusterIP: options.headless ? 'None' : '10.96.0.12',
      selector: { 'leaderworkerset.sigs.k8s.io/name': 'llama', role: 'leader' },
      ports: [{ port: 8080 }]
    }
  };
}

describe('objectFindings', () => {
  const { lws } = managedDeployment({ name: 'llama' });
  lws.metadata!.uid = 'llama-uid';

  it('flags a Service named like the LWS (the guide’s classic mistake), naming it and the fix', () => {
    const [found, ...rest] = objectFindings(lws, [service('llama')]);
    expect(rest).toEqual([]);
    expect(found.id).toBe(SERVICE_NAME_CLASH);
    expect(found.severity).toBe('error');
    expect(found.title).toContain('"llama"');
    expect(found.cause).toContain('cluster IP');
    expect(found.fix).toContain('llama-leader');
    expect(found.fix).toContain('kubectl delete service llama');
  });

  it('flags a headless one that someone else made too, but not the controller’s own', () => {
    expect(
      objectFindings(lws, [service('llama', { headless: true })]).map(f => f.id)
    ).toEqual([SERVICE_NAME_CLASH]);
    expect(
      objectFindings(lws, [
        service('llama', { headless: true, ownerUid: 'llama-uid' }),
        service('llama-leader')
      ])
    ).toEqual([]);
    // Owned by an earlier LWS of the same name: not this one's.
    expect(
      objectFindings(lws, [
        service('llama', { headless: true, ownerUid: 'old-uid' })
      ]).map(f => f.id)
    ).toEqual([SERVICE_NAME_CLASH]);
  });

  it('flags an HF token variable holding "$HF_TOKEN", and never shows a real token', () => {
    const copy = JSON.parse(JSON.stringify(lws));
    const leader =
      copy.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0];
    leader.env = [
      ...(leader.env ?? []).filter(
        (v: { name: string }) => v.name !== 'HF_TOKEN'
      ),
      { name: 'HF_TOKEN', value: '$HF_TOKEN' }
    ];
    const worker =
      copy.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0];
    worker.env = [
      {
        name: 'HUGGING_FACE_HUB_TOKEN',
        value: 'hf_abcdefghijNOTREAL00002'
      }
    ];
    const found = objectFindings(copy, []);
    expect(found.map(f => f.id)).toEqual([TOKEN_PLACEHOLDER]);
    expect(found[0].evidence).toBe('env HF_TOKEN: "$HF_TOKEN"');
    expect(found[0].fix).toContain('secretKeyRef');
    expect(JSON.stringify(found)).not.toContain('hf_abcdefghij');
  });

  it('finds nothing in the deployments the form makes', () => {
    expect(objectFindings(lws, [service('llama-leader')])).toEqual([]);
  });
});

describe('objectFindings: service links', () => {
  it('warns that a Service named vllm sets VLLM_PORT in the pods of a hand-written vLLM deployment', () => {
    const { lws } = guideDeployment();
    const found = objectFindings(lws, [service('vllm'), service('vllm-api')]);
    expect(found.map(f => f.id)).toEqual([SERVICE_LINK_CLASH]);
    expect(found[0].severity).toBe('warning');
    expect(found[0].title).toContain('"vllm" sets VLLM_PORT');
    expect(found[0].fix).toContain('enableServiceLinks: false');
  });

  it("says nothing for the form's deployments, which turn service links off", () => {
    const { lws } = managedDeployment({ name: 'llama' });
    expect(objectFindings(lws, [service('vllm')])).toEqual([]);
  });
});
