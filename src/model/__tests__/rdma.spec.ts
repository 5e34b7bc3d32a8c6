import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

import { RULES } from '../diagnose';
import { PCAI_GEN1 } from '../profiles';
import {
  NETWORKS_ANNOTATION,
  RDMA_PARTS,
  RDMA_PARTS_TEXT,
  rdmaPodParts
} from '../rdma';
import { validateSpec } from '../validate';

/** True when `text` names every RDMA part, in the table's order. */
function namesPartsInOrder(text: string): boolean {
  const lower = text.toLowerCase();
  let from = 0;
  for (const part of RDMA_PARTS) {
    const at = lower.indexOf(part.toLowerCase(), from);
    if (at < 0) {
      return false;
    }
    from = at + part.length;
  }
  return true;
}

/** The translated strings of the new-deployment form's views that mention IPC_LOCK. */
function formLabels(): string[] {
  const folder = join(__dirname, '..', '..', 'widgets', 'newDeployment');
  const sources = readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter(file => file.endsWith('.tsx'))
    .map(file => readFileSync(join(folder, file), 'utf8'));
  return sources.flatMap(source =>
    [...source.matchAll(/trans\.__\(\s*'([^']*IPC_LOCK[^']*)'/g)].map(
      match => match[1]
    )
  );
}

describe('the RDMA table', () => {
  it('puts all of its parts into a pod, or none', () => {
    expect(rdmaPodParts(undefined)).toBeUndefined();
    const parts = rdmaPodParts(PCAI_GEN1.rdma);
    expect(parts).toEqual({
      annotations: {
        [NETWORKS_ANNOTATION]:
          'nvidia-network-operator/nv-ipam-macvlannetwork-a, nvidia-network-operator/nv-ipam-macvlannetwork-b'
      },
      limits: {
        'rdma/rdma_shared_device_a': '1',
        'rdma/rdma_shared_device_b': '1'
      },
      securityContext: { capabilities: { add: ['IPC_LOCK'] } },
      env: [{ name: 'NCCL_IB_ADDR_FAMILY', value: 'AF_INET6' }]
    });
  });

  it('reads as one sentence', () => {
    expect(RDMA_PARTS_TEXT).toBe(
      'the network annotation, the RDMA devices, IPC_LOCK and NCCL_IB_ADDR_FAMILY'
    );
    expect(namesPartsInOrder('IPC_LOCK and the network annotation')).toBe(
      false
    );
  });

  it('is named the same way by the form, the rdma-off warning and the diagnosis', () => {
    const labels = formLabels();
    expect(labels).toHaveLength(1);
    expect(namesPartsInOrder(labels[0])).toBe(true);
    // /dev/shm is mounted with or without RDMA, so the switch does not name it.
    expect(labels[0]).not.toContain('/dev/shm');

    const rdmaOff = validateSpec({
      name: 'llama',
      engine: 'vllm',
      model: 'meta-llama/Llama-3.1-405B-Instruct',
      nodes: 2,
      rdma: false
    }).find(issue => issue.id === 'rdma-off');
    expect(namesPartsInOrder(rdmaOff?.message ?? '')).toBe(true);

    const noIb = RULES.find(rule => rule.id === 'nccl-no-ib');
    expect(typeof noIb?.fix).toBe('string');
    expect(namesPartsInOrder(String(noIb?.fix))).toBe(true);
  });
});
