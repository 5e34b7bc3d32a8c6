// The Kubernetes scheduler's FailedScheduling message, read as data: which reasons keep how
// many nodes from taking the pod. Pure, so diagnose's rules and their tests share it.
//
// Formats, from kubernetes/kubernetes pkg/scheduler (1.17 through 1.34):
// - framework/types.go FitError.Error(): "0/<all> nodes are available: " + the reasons'
//   histogram, sorted, each "<count> <reason>", joined with ", ", then "."; since 1.22 the
//   DefaultPreemption post-filter appends " preemption: 0/<all> nodes are available: ...";
//   1.34 puts the DynamicResources post-filter's "no new claims to deallocate, " before it.
// - plugins/noderesources/fit.go: "Insufficient <resource name>" and "Too many pods".
// - plugins/tainttoleration: "node(s) had taints that the pod didn't tolerate" (to 1.21),
//   "node(s) had taint {<key>: <value>}, that the pod didn't tolerate" (1.22-1.24),
//   "node(s) had untolerated taint {<key>: <value>}" (1.25 on), "untolerated taint(s)" (1.32 on).
// - plugins/nodeaffinity: "node(s) didn't match node selector" (to 1.20), "node(s) didn't
//   match Pod's node affinity/selector" (1.21 on), "... scheduler-enforced node affinity".
// - plugins/nodeunschedulable: "node(s) were unschedulable" (cordoned nodes).
// - Before 1.10 (generic_scheduler.go): "No nodes are available that match all of the
//   following predicates:: Insufficient cpu (9), MatchNodeSelector (18)."

/** What keeps a node from taking the pod. */
export type BlockerKind =
  | 'gpu'
  | 'rdma'
  | 'memory'
  | 'cpu'
  | 'ephemeral-storage'
  | 'hugepages'
  | 'pods'
  | 'other-resource'
  | 'taint'
  | 'node-selector'
  | 'unschedulable'
  | 'pod-affinity'
  | 'other';

/** One reason of the scheduler's histogram. */
export interface IBlocker {
  kind: BlockerKind;
  /** How many nodes it keeps out; unknown when the message names no count. */
  nodes?: number;
  /** The reason as the scheduler wrote it. */
  reason: string;
  /** The resource named by "Insufficient <resource>". */
  resource?: string;
  /** The taint named by the taint plugin, "{key: value}". */
  taint?: string;
}

/** A scheduler message, split into its reasons. */
export interface ISchedulingFailure {
  /** All nodes the scheduler looked at ("0/<all> nodes are available"). */
  nodes?: number;
  blockers: IBlocker[];
}

/** Resource shortages that a smaller request fixes (not GPUs or RDMA devices). */
export const RESOURCE_KINDS: readonly BlockerKind[] = [
  'memory',
  'cpu',
  'ephemeral-storage',
  'hugepages',
  'pods',
  'other-resource'
];

/** Reasons that say where the pod may go, not how much room a node has. */
export const PLACEMENT_KINDS: readonly BlockerKind[] = [
  'taint',
  'node-selector',
  'unschedulable',
  'pod-affinity'
];

const HEADER =
  /(?:\b0\/(?<all>\d+) nodes are (?:available|unavailable)|No nodes are available that match all of the following predicates:?):\s*(?<reasons>.*)$/;

// A reason the histogram names; the old predicates format puts the count after it.
const COUNTED = /^(?<count>\d+) (?<reason>.+)$/;
const COUNTED_AFTER = /^(?<reason>.+?) \((?<count>\d+)\)$/;

/**
 * The reasons of a scheduler message in a line, or undefined when the line holds none.
 * A bare "Insufficient <resource>" (a quoted title, an event cut short) counts too, without
 * node counts.
 */
export function parseSchedulingMessage(
  line: string
): ISchedulingFailure | undefined {
  // The histogram ends with ". "; post-filter messages follow (1.34: "no new claims to
  // deallocate, preemption: 0/4 nodes are available: ..."), and repeat the header.
  const head = line.replace(/\.?\s*preemption:.*$/, '').replace(/\. .*$/, '');
  const header = HEADER.exec(head);
  if (!header) {
    const bare = [
      ...head.matchAll(/\b(?:Insufficient [\w./-]+|Too many pods)/gi)
    ];
    return bare.length > 0
      ? { blockers: bare.map(match => classify(match[0])) }
      : undefined;
  }
  const failure: ISchedulingFailure = { blockers: [] };
  if (header.groups!.all !== undefined) {
    failure.nodes = Number(header.groups!.all);
  }
  const parts = cut(header.groups!.reasons).split(', ');
  for (const raw of parts) {
    const part = raw.replace(/^[.\s]+|[.\s]+$/g, '');
    if (part === '') {
      continue;
    }
    const counted = COUNTED.exec(part) ?? COUNTED_AFTER.exec(part);
    if (counted) {
      failure.blockers.push({
        ...classify(counted.groups!.reason),
        nodes: Number(counted.groups!.count)
      });
    } else if (failure.blockers.length > 0) {
      // A reason with ", " inside ("had taint {k: v}, that the pod didn't tolerate").
      const last = failure.blockers[failure.blockers.length - 1];
      failure.blockers[failure.blockers.length - 1] = {
        ...classify(`${last.reason}, ${part}`),
        ...(last.nodes !== undefined ? { nodes: last.nodes } : {})
      };
    } else {
      failure.blockers.push(classify(part));
    }
  }
  return failure;
}

/** The reasons without the closing period. */
function cut(reasons: string): string {
  return reasons.replace(/[.\s]+$/, '');
}

function classify(reason: string): IBlocker {
  const text = reason.replace(/^[.\s]+|[.\s]+$/g, '');
  const insufficient = /^Insufficient (?<resource>\S+)$/i.exec(text);
  if (insufficient) {
    const resource = insufficient.groups!.resource;
    return { kind: resourceKind(resource), reason: text, resource };
  }
  if (/^Too many pods$/i.test(text)) {
    return { kind: 'pods', reason: text, resource: 'pods' };
  }
  const taint = /\{(?<taint>[^}]*)\}/.exec(text)?.groups?.taint;
  if (/\btaints?\b|untolerated taint/i.test(text)) {
    return { kind: 'taint', reason: text, ...(taint ? { taint } : {}) };
  }
  // Volume topology ("volume node affinity conflict") is about the volume, not the pod.
  if (/volume|PersistentVolume/i.test(text)) {
    return { kind: 'other', reason: text };
  }
  if (
    /didn't match (?:Pod's )?node (?:affinity|selector)|scheduler-enforced node affinity|MatchNodeSelector/i.test(
      text
    )
  ) {
    return { kind: 'node-selector', reason: text };
  }
  if (/were unschedulable|NodeUnschedulable/i.test(text)) {
    return { kind: 'unschedulable', reason: text };
  }
  if (/pod (?:anti-)?affinity|anti-affinity|topology spread/i.test(text)) {
    return { kind: 'pod-affinity', reason: text };
  }
  return { kind: 'other', reason: text };
}

function resourceKind(resource: string): BlockerKind {
  const name = resource.toLowerCase();
  if (/rdma/.test(name)) {
    return 'rdma';
  }
  // nvidia.com/gpu, amd.com/gpu, MIG slices (nvidia.com/mig-1g.5gb), virtual GPUs.
  if (/gpu|\/mig-/.test(name)) {
    return 'gpu';
  }
  if (name === 'memory' || name === 'cpu' || name === 'ephemeral-storage') {
    return name;
  }
  if (name.startsWith('hugepages-')) {
    return 'hugepages';
  }
  if (name === 'pods') {
    return 'pods';
  }
  return 'other-resource';
}

/** The reasons of the given kinds. */
export function blockersOf(
  failure: ISchedulingFailure,
  kinds: readonly BlockerKind[]
): IBlocker[] {
  return failure.blockers.filter(blocker => kinds.includes(blocker.kind));
}

/**
 * True when missing GPUs are what keeps the pod out: no other resource is short, or every
 * node lacks GPUs (so a smaller memory or CPU request alone would not help).
 */
export function gpusAreTheBlocker(failure: ISchedulingFailure): boolean {
  const gpu = blockersOf(failure, ['gpu']);
  if (gpu.length === 0) {
    return false;
  }
  if (blockersOf(failure, RESOURCE_KINDS).length === 0) {
    return true;
  }
  const short = Math.max(...gpu.map(blocker => blocker.nodes ?? 0));
  return failure.nodes !== undefined && short >= failure.nodes;
}

/** True when only placement rules (taints, selectors, cordons, affinity) keep the pod out. */
export function onlyPlacement(failure: ISchedulingFailure): boolean {
  return (
    failure.blockers.length > 0 &&
    failure.blockers.every(blocker => PLACEMENT_KINDS.includes(blocker.kind))
  );
}

const PLAIN: Record<BlockerKind, (blocker: IBlocker) => string> = {
  gpu: b => `lack free GPUs (${b.resource})`,
  rdma: b => `lack a free RDMA device (${b.resource})`,
  memory: () => "lack free memory for the pod's memory request",
  cpu: () => "lack free CPU for the pod's CPU request",
  'ephemeral-storage': () =>
    "lack free local disk for the pod's ephemeral-storage request",
  hugepages: b => `lack free huge pages (${b.resource})`,
  pods: () => 'already run as many pods as they may',
  'other-resource': b => `lack ${b.resource}`,
  taint: b =>
    b.taint !== undefined
      ? `have a taint the pod does not tolerate ({${b.taint}})`
      : 'have taints the pod does not tolerate',
  'node-selector': () =>
    "do not match the pod's node selector or node affinity",
  unschedulable: () => 'are cordoned (marked unschedulable)',
  'pod-affinity': () =>
    "are ruled out by the pod's affinity, anti-affinity or topology spread rules",
  other: b => `: ${b.reason}`
};

/**
 * The reasons in plain words, one clause per node group, e.g. "4 of 6 nodes lack free
 * memory for the pod's memory request; 2 of 6 nodes lack free GPUs (nvidia.com/gpu)".
 */
export function describeBlockers(failure: ISchedulingFailure): string {
  return failure.blockers
    .map(blocker => {
      const count =
        blocker.nodes === undefined
          ? 'Nodes'
          : failure.nodes !== undefined
            ? `${blocker.nodes} of ${failure.nodes} nodes`
            : `${blocker.nodes} ${blocker.nodes === 1 ? 'node' : 'nodes'}`;
      const words = PLAIN[blocker.kind](blocker);
      return blocker.kind === 'other'
        ? `${count}${words}`
        : `${count} ${words}`;
    })
    .join('; ');
}
