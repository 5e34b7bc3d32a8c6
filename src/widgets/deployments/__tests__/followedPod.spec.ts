import type { V1Pod } from '@kubernetes/client-node';

import { lwsPod } from '../../../model/__tests__/deploymentObjects';
import type { FollowAction, IFollowState, IPodLife } from '../followedPod';
import { followPod, podLife, UNSEEN } from '../followedPod';

const life = (uid: string, restarts = 0, started = true): IPodLife => ({
  uid,
  restarts,
  started
});

/** Feeds the pod's lives one after another and returns the actions taken. */
function actions(lives: (IPodLife | null)[]): {
  actions: FollowAction[];
  state: IFollowState;
} {
  let state = UNSEEN;
  const taken: FollowAction[] = [];
  for (const next of lives) {
    const step = followPod(state, next);
    state = step.state;
    taken.push(step.action);
  }
  return { actions: taken, state };
}

describe('podLife', () => {
  it('reads the uid, restarts and whether the container ran', () => {
    expect(podLife(lwsPod('llama', 0, 0, { uid: 'a', restarts: 2 }))).toEqual({
      uid: 'a',
      restarts: 2,
      started: true
    });
    // Not yet on a node: no container status, no log yet.
    expect(podLife(lwsPod('llama', 0, 0, { uid: 'b', node: null }))).toEqual({
      uid: 'b',
      restarts: 0,
      started: false
    });
    expect(
      podLife(lwsPod('llama', 0, 0, { uid: 'c', waiting: 'ContainerCreating' }))
        ?.started
    ).toBe(false);
  });

  it('takes a pod being deleted, or none, for gone', () => {
    const deleting: V1Pod = lwsPod('llama', 0, 0);
    deleting.metadata!.deletionTimestamp = new Date();
    expect(podLife(deleting)).toBeNull();
    expect(podLife(undefined)).toBeNull();
  });
});

describe('followPod', () => {
  it('reads a running pod once, and nothing more while it runs on', () => {
    expect(actions([life('a'), life('a'), life('a')]).actions).toEqual([
      'read',
      'none',
      'none'
    ]);
  });

  it('waits for a container that has not started, then reads it', () => {
    expect(actions([life('a', 0, false), life('a')]).actions).toEqual([
      'none',
      'read'
    ]);
  });

  it('keeps the lines when the pod goes, and says so once', () => {
    const { actions: taken, state } = actions([life('a'), null, null]);
    expect(taken).toEqual(['read', 'gone', 'none']);
    expect(state.phase).toBe('gone');
    // The lines on screen are still known to be the old pod's.
    expect(state.read?.uid).toBe('a');
  });

  it('follows a recreated pod of the same name once its container runs', () => {
    // RecreateGroupOnPodRestart: the pod goes, a new one is created, scheduled, started.
    expect(
      actions([life('a'), null, life('b', 0, false), life('b')]).actions
    ).toEqual(['read', 'gone', 'none', 'recreated']);
  });

  it('ends the old log when a new pod replaces it without a gap', () => {
    // The watch may never show the name absent: the old uid is simply replaced.
    expect(
      actions([life('a'), life('b', 0, false), life('b')]).actions
    ).toEqual(['read', 'gone', 'recreated']);
    expect(actions([life('a'), life('b')]).actions).toEqual([
      'read',
      'recreated'
    ]);
  });

  it('reads the new container after a restart of the same pod', () => {
    const { actions: taken, state } = actions([
      life('a'),
      life('a', 1),
      life('a', 1),
      life('a', 2)
    ]);
    expect(taken).toEqual(['read', 'restarted', 'none', 'restarted']);
    expect(state.read).toEqual(life('a', 2));
  });

  it('shows a pod that was never there as gone', () => {
    expect(actions([null]).actions).toEqual(['gone']);
  });
});
