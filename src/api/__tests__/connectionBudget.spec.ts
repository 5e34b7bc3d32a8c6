import { ConnectionBudget, LONG_LIVED_CONNECTIONS } from '../connectionBudget';

describe('ConnectionBudget', () => {
  it('grants at most its capacity, three by default, and frees a slot on dispose', () => {
    const budget = new ConnectionBudget();
    expect(budget.capacity).toBe(LONG_LIVED_CONNECTIONS);
    expect(LONG_LIVED_CONNECTIONS).toBe(3);
    const leases = ['a', 'b', 'c'].map(label =>
      budget.tryAcquire({ label, priority: 'view' })
    );
    expect(leases.every(lease => lease !== null)).toBe(true);
    expect(budget.used).toBe(3);
    expect(budget.free).toBe(0);
    expect(budget.tryAcquire({ label: 'd', priority: 'view' })).toBeNull();

    leases[1]!.dispose();
    leases[1]!.dispose();
    expect(leases[1]!.isDisposed).toBe(true);
    expect(budget.holders).toEqual(['a', 'c']);
    expect(budget.tryAcquire({ label: 'd', priority: 'view' })).not.toBeNull();
    expect(budget.holders).toEqual(['a', 'c', 'd']);
  });

  it('announces every slot taken or freed', () => {
    const budget = new ConnectionBudget(1);
    const seen: number[] = [];
    budget.changed.connect(() => seen.push(budget.used));
    const lease = budget.tryAcquire({ label: 'a', priority: 'view' });
    budget.tryAcquire({ label: 'refused', priority: 'view' });
    lease!.dispose();
    expect(seen).toEqual([1, 0]);
  });

  it('lets a log view take the slot of a background read, which is told', () => {
    const budget = new ConnectionBudget(2);
    const revoked: string[] = [];
    const request = (label: string, priority: 'background' | 'view') => ({
      label,
      priority,
      onRevoked: () => revoked.push(label)
    });
    const older = budget.tryAcquire(request('progress a', 'background'));
    budget.tryAcquire(request('progress b', 'background'));
    const view = budget.tryAcquire(request('log x', 'view'));
    expect(view).not.toBeNull();
    // The longest-held of the least important goes first.
    expect(revoked).toEqual(['progress a']);
    expect(older!.isDisposed).toBe(true);
    expect(budget.holders).toEqual(['progress b', 'log x']);
    // A background read never takes a view's slot.
    expect(budget.tryAcquire(request('progress c', 'background'))).toBeNull();
  });

  it('never displaces a holder that cannot be told, nor an equal one unless asked', () => {
    const budget = new ConnectionBudget(2);
    budget.tryAcquire({ label: 'watches', priority: 'essential' });
    const revoked: string[] = [];
    budget.tryAcquire({
      label: 'log x',
      priority: 'view',
      onRevoked: () => revoked.push('log x')
    });
    expect(budget.tryAcquire({ label: 'log y', priority: 'view' })).toBeNull();
    expect(
      budget.tryAcquire({ label: 'log y', priority: 'view', insist: true })
    ).not.toBeNull();
    expect(revoked).toEqual(['log x']);
    expect(budget.holders).toEqual(['watches', 'log y']);
    // The watches hold their slot whatever asks.
    expect(
      budget.tryAcquire({ label: 'log z', priority: 'essential', insist: true })
    ).toBeNull();
  });
});
