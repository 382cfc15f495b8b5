import { type RefObject } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

/**
 * Keeps the row the user is looking at where it is when rows are put above it (the live view adds
 * new lines on top): the window scrolls by exactly the height the new rows took. At the very top of
 * the page nothing moves, so the newest lines simply come into view.
 */
export function useKeptPlace(table: RefObject<HTMLElement>, firstRowId: string | null): void {
  const anchor = useRef<{ id: string; top: number } | null>(null);
  useLayoutEffect(() => {
    const previous = anchor.current;
    const rowOf = (id: string) => table.current?.querySelector<HTMLElement>(`[data-request-id="${CSS.escape(id)}"]`) ?? null;
    if (previous !== null && previous.id !== firstRowId && window.scrollY > 0) {
      const row = rowOf(previous.id);
      if (row !== null) window.scrollBy(0, row.offsetTop - previous.top);
    }
    const first = firstRowId === null ? null : rowOf(firstRowId);
    anchor.current = firstRowId === null || first === null ? null : { id: firstRowId, top: first.offsetTop };
  }, [firstRowId]);
}
