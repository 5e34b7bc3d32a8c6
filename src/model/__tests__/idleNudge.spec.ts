import {
  durationParts,
  REPLICAS_BEFORE_IDLE,
  replicasBeforeIdle,
  scaleBackPatch,
  scaleToZeroPatch
} from '../idle';

describe('idle nudge: scale to 0 and back', () => {
  it('remembers the groups in an annotation when scaling to 0', () => {
    expect(scaleToZeroPatch(3)).toEqual({
      metadata: { annotations: { [REPLICAS_BEFORE_IDLE]: '3' } },
      spec: { replicas: 0 }
    });
  });

  it('restores the groups and removes the annotation', () => {
    expect(scaleBackPatch(3)).toEqual({
      metadata: { annotations: { [REPLICAS_BEFORE_IDLE]: null } },
      spec: { replicas: 3 }
    });
  });

  it('reads the groups to scale back to, ignoring anything else', () => {
    expect(replicasBeforeIdle({ [REPLICAS_BEFORE_IDLE]: '2' })).toBe(2);
    expect(replicasBeforeIdle({ [REPLICAS_BEFORE_IDLE]: ' 4 ' })).toBe(4);
    expect(replicasBeforeIdle({ [REPLICAS_BEFORE_IDLE]: '0' })).toBeNull();
    expect(replicasBeforeIdle({ [REPLICAS_BEFORE_IDLE]: 'x' })).toBeNull();
    expect(replicasBeforeIdle({ [REPLICAS_BEFORE_IDLE]: '-1' })).toBeNull();
    expect(replicasBeforeIdle({})).toBeNull();
    expect(replicasBeforeIdle(undefined)).toBeNull();
  });

  it('splits a duration into hours, minutes and seconds', () => {
    expect(durationParts(3 * 3600_000 + 5 * 60_000 + 7_500)).toEqual({
      hours: 3,
      minutes: 5,
      seconds: 7
    });
    expect(durationParts(-5)).toEqual({ hours: 0, minutes: 0, seconds: 0 });
  });
});
