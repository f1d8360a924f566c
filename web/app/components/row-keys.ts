import { type RefObject, useEffect } from 'react';

/**
 * `j`/`k` move focus between a table's row links (`tbody a.row-link`) — an enhancement for the
 * queue and work lists: rows are ordinary links for Tab too. Ignored while typing in a field.
 */
export function useRowKeys(table: RefObject<HTMLTableElement>) {
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.altKey || event.ctrlKey || event.metaKey || (event.key !== 'j' && event.key !== 'k')) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, select, textarea, [contenteditable="true"]')) return;
      const links = Array.from(table.current?.querySelectorAll<HTMLAnchorElement>('tbody a.row-link') ?? []);
      if (links.length === 0) return;
      const at = links.findIndex((a) => a === document.activeElement);
      const next = event.key === 'j' ? Math.min(at + 1, links.length - 1) : at <= 0 ? 0 : at - 1;
      links[next]?.focus();
      event.preventDefault();
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [table]);
}
