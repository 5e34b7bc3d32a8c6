import {
  describeBlockers,
  gpusAreTheBlocker,
  onlyPlacement,
  parseSchedulingMessage
} from '../scheduling';

// Messages as kube-scheduler writes them (the corpus under __tests__/corpus holds the real
// transcripts these shapes come from; SOURCES.md cites them).
const MIXED =
  '0/6 nodes are available: 2 Insufficient nvidia.com/gpu, 4 Insufficient memory. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod.';

describe('parseSchedulingMessage', () => {
  it('splits the histogram into node groups and drops the preemption tail', () => {
    expect(parseSchedulingMessage(MIXED)).toEqual({
      nodes: 6,
      blockers: [
        {
          kind: 'gpu',
          nodes: 2,
          reason: 'Insufficient nvidia.com/gpu',
          resource: 'nvidia.com/gpu'
        },
        {
          kind: 'memory',
          nodes: 4,
          reason: 'Insufficient memory',
          resource: 'memory'
        }
      ]
    });
  });

  it("stops at the end of the histogram before 1.34's post-filter messages", () => {
    // kube-scheduler v1.34.4 of the local test cluster (scripts/cluster), a pod asking for
    // 2Ti of memory on kwok nodes of 1Ti.
    const failure = parseSchedulingMessage(
      '0/4 nodes are available: 4 Insufficient memory. no new claims to deallocate, preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.'
    )!;
    expect(failure).toEqual({
      nodes: 4,
      blockers: [
        {
          kind: 'memory',
          nodes: 4,
          reason: 'Insufficient memory',
          resource: 'memory'
        }
      ]
    });
  });

  it('keeps a taint reason whole although it holds ", " (Kubernetes 1.22-1.24)', () => {
    const failure = parseSchedulingMessage(
      "0/7 nodes are available: 3 Insufficient cpu, 3 node(s) had taint {karpenter.sh/not-ready: }, that the pod didn't tolerate, 4 Insufficient memory."
    )!;
    expect(failure.blockers.map(b => [b.nodes, b.kind])).toEqual([
      [3, 'cpu'],
      [3, 'taint'],
      [4, 'memory']
    ]);
    expect(failure.blockers[1].taint).toBe('karpenter.sh/not-ready: ');
  });

  it('reads the 1.25+ taint, the node affinity and the cordon wordings', () => {
    const failure = parseSchedulingMessage(
      "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling."
    )!;
    expect(failure.blockers.map(b => b.kind)).toEqual([
      'taint',
      'node-selector',
      'unschedulable'
    ]);
    expect(onlyPlacement(failure)).toBe(true);
  });

  it('reads the pre-1.10 predicates wording with counts after the reasons', () => {
    const failure = parseSchedulingMessage(
      'No nodes are available that match all of the following predicates:: Insufficient cpu (9), Insufficient memory (15), MatchNodeSelector (18).'
    )!;
    expect(failure.blockers.map(b => [b.nodes, b.kind])).toEqual([
      [9, 'cpu'],
      [15, 'memory'],
      [18, 'node-selector']
    ]);
  });

  it('tells RDMA, MIG slices, huge pages and the pod count apart', () => {
    const failure = parseSchedulingMessage(
      '0/5 nodes are available: 1 Insufficient rdma/rdma_shared_device_a, 1 Insufficient nvidia.com/mig-1g.5gb, 1 Insufficient hugepages-2Mi, 1 Too many pods, 1 Insufficient example.com/foo.'
    )!;
    expect(failure.blockers.map(b => b.kind)).toEqual([
      'rdma',
      'gpu',
      'hugepages',
      'pods',
      'other-resource'
    ]);
  });

  it('takes a volume topology conflict for neither a placement rule nor a resource', () => {
    const failure = parseSchedulingMessage(
      '0/3 nodes are available: 3 node(s) had volume node affinity conflict.'
    )!;
    expect(failure.blockers[0].kind).toBe('other');
    expect(onlyPlacement(failure)).toBe(false);
  });

  it('reads a bare "Insufficient <resource>" without counts, and nothing else', () => {
    expect(
      parseSchedulingMessage(
        'Insufficient nvidia.com/gpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.'
      )
    ).toEqual({
      blockers: [
        {
          kind: 'gpu',
          reason: 'Insufficient nvidia.com/gpu',
          resource: 'nvidia.com/gpu'
        }
      ]
    });
    expect(parseSchedulingMessage('INFO Started server process')).toBe(
      undefined
    );
  });
});

describe('gpusAreTheBlocker', () => {
  it('is false when the nodes with free GPUs lack memory', () => {
    expect(gpusAreTheBlocker(parseSchedulingMessage(MIXED)!)).toBe(false);
  });

  it('is true when every node lacks GPUs, whatever else is short', () => {
    expect(
      gpusAreTheBlocker(
        parseSchedulingMessage(
          '0/6 nodes are available: 6 Insufficient nvidia.com/gpu, 4 Insufficient memory.'
        )!
      )
    ).toBe(true);
  });

  it('is true when only placement rules block the other nodes', () => {
    expect(
      gpusAreTheBlocker(
        parseSchedulingMessage(
          '0/36 nodes are available: 3 node(s) were unschedulable, 33 Insufficient nvidia.com/gpu.'
        )!
      )
    ).toBe(true);
  });
});

describe('describeBlockers', () => {
  it('names each node group in plain words', () => {
    expect(describeBlockers(parseSchedulingMessage(MIXED)!)).toBe(
      "2 of 6 nodes lack free GPUs (nvidia.com/gpu); 4 of 6 nodes lack free memory for the pod's memory request"
    );
  });

  it('names the taint', () => {
    expect(
      describeBlockers(
        parseSchedulingMessage(
          '0/1 nodes are available: 1 node(s) had untolerated taint {gpu: }.'
        )!
      )
    ).toBe('1 of 1 nodes have a taint the pod does not tolerate ({gpu: })');
  });
});
