/** The rows a virtualised list renders: `start` inclusive, `end` exclusive. */
export interface IRowRange {
  start: number;
  end: number;
}

/**
 * The rows of a fixed-row-height list that intersect the viewport, plus `overscan` rows on
 * each side so fast scrolling does not show blank space before the next render.
 */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 20
): IRowRange {
  if (count <= 0 || rowHeight <= 0) {
    return { start: 0, end: 0 };
  }
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const shown = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first, count - 1) - overscan);
  const end = Math.min(count, first + shown + overscan);
  return { start, end: Math.max(start, end) };
}

/** True when a scroll position is at the bottom (within one row): follow mode stays on. */
export function atBottom(
  scrollTop: number,
  viewportHeight: number,
  scrollHeight: number,
  rowHeight: number
): boolean {
  return scrollTop + viewportHeight >= scrollHeight - rowHeight;
}
