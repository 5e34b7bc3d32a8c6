import { atBottom, visibleRows } from '../virtualWindow';

describe('visibleRows', () => {
  it('renders the rows in the viewport plus the overscan, never all of them', () => {
    // 100k lines of 18 px, a 540 px viewport scrolled to line 50 000.
    const range = visibleRows(50_000 * 18, 540, 18, 100_000, 20);
    expect(range).toEqual({ start: 49_980, end: 50_051 });
    expect(range.end - range.start).toBeLessThan(100);
  });

  it('stays inside the list at both ends', () => {
    expect(visibleRows(0, 540, 18, 100_000, 20)).toEqual({ start: 0, end: 51 });
    expect(visibleRows(10_000_000, 540, 18, 100, 20)).toEqual({
      start: 79,
      end: 100
    });
    expect(visibleRows(0, 540, 18, 0)).toEqual({ start: 0, end: 0 });
  });
});

describe('atBottom', () => {
  it('is true within one row of the end', () => {
    expect(atBottom(1000 - 540, 540, 1000, 18)).toBe(true);
    expect(atBottom(1000 - 540 - 10, 540, 1000, 18)).toBe(true);
    expect(atBottom(1000 - 540 - 40, 540, 1000, 18)).toBe(false);
  });
});
