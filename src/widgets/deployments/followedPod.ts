import type { V1Pod } from '@kubernetes/client-node';

/**
 * One life of a pod name as a log tab sees it: the pod object (its uid) and its container.
 * Under LWS a name outlives its pods: RecreateGroupOnPodRestart, a group restart or a rolling
 * update delete the pod and create another with the same name and a new uid.
 */
export interface IPodLife {
  uid: string;
  /** Restarts of the container whose log is shown. */
  restarts: number;
  /** The container has run (running now, or terminated, or restarted): it has a log. */
  started: boolean;
}

/** Where a log tab is with its pod name. */
export interface IFollowState {
  /**
   * `live`: the pod exists and its container has a log; `waiting`: the pod exists, its
   * container has not started; `gone`: no pod of that name, or it is being deleted.
   */
  phase: 'live' | 'waiting' | 'gone';
  /** The pod life seen last (kept while gone). */
  seen: IPodLife | null;
  /** The pod life and restart whose log was read last: the lines on screen are from it. */
  read: IPodLife | null;
}

/**
 * What a log tab does after a change: `read` its first log; stop at `gone` keeping the lines;
 * after `restarted` (same pod, new container) or `recreated` (new pod, same name) read the new
 * log below a separator line, keeping the earlier lines.
 */
export type FollowAction = 'none' | 'read' | 'gone' | 'restarted' | 'recreated';

/** The state of a tab that has not seen its pod yet. */
export const UNSEEN: IFollowState = {
  phase: 'waiting',
  seen: null,
  read: null
};

/** The life of a pod's container (by name, else the first), or null without a pod or while it is deleted. */
export function podLife(
  pod: V1Pod | undefined,
  container?: string
): IPodLife | null {
  if (!pod || pod.metadata?.deletionTimestamp) {
    return null;
  }
  const statuses = pod.status?.containerStatuses ?? [];
  const status =
    statuses.find(candidate => candidate.name === container) ?? statuses[0];
  const restarts = status?.restartCount ?? 0;
  return {
    uid: pod.metadata?.uid ?? '',
    restarts,
    started: Boolean(
      status?.state?.running || status?.state?.terminated || restarts > 0
    )
  };
}

/** The next state of a log tab, and what it does, given its pod's life now (null: gone). */
export function followPod(
  state: IFollowState,
  life: IPodLife | null
): { state: IFollowState; action: FollowAction } {
  if (!life) {
    return state.phase === 'gone'
      ? { state, action: 'none' }
      : { state: { ...state, phase: 'gone' }, action: 'gone' };
  }
  if (!life.started) {
    // A new pod that has not run yet ends the old one's log; its own log comes once it runs.
    const replaced = state.phase === 'live' && state.read?.uid !== life.uid;
    return {
      state: { ...state, phase: 'waiting', seen: life },
      action: replaced ? 'gone' : 'none'
    };
  }
  const next: IFollowState = { phase: 'live', seen: life, read: life };
  const read = state.read;
  if (!read) {
    return { state: next, action: 'read' };
  }
  if (read.uid !== life.uid) {
    return { state: next, action: 'recreated' };
  }
  if (life.restarts > read.restarts) {
    return { state: next, action: 'restarted' };
  }
  return { state: { ...next, read }, action: 'none' };
}
