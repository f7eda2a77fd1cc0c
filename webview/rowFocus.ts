// Moving through messages from the keyboard: in a list (the room's or a thread's), Up and Down
// move the focus from row to row; from the list itself they start at the newest row in view.
// A focused row shows its actions (Tab reaches them) and opens its menu with Shift+F10.
export function rowNavigation(list: HTMLElement): void {
  list.addEventListener('keydown', (e) => {
    if ((e.key !== 'ArrowUp' && e.key !== 'ArrowDown') || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const target = e.target as HTMLElement;
    const rows = [...list.querySelectorAll<HTMLElement>('.row.msg:not(.pending)')];
    if (rows.length === 0) return;
    let next: HTMLElement | undefined;
    if (target === list) {
      const view = list.getBoundingClientRect();
      const visible = rows.filter((r) => r.getBoundingClientRect().bottom > view.top && r.getBoundingClientRect().top < view.bottom);
      next = visible[visible.length - 1] ?? rows[rows.length - 1];
    } else if (target.matches('.row.msg')) {
      const i = rows.indexOf(target);
      next = rows[e.key === 'ArrowUp' ? i - 1 : i + 1];
    } else {
      return;
    }
    e.preventDefault();
    if (!next) return;
    next.focus({ preventScroll: true });
    next.scrollIntoView({ block: 'nearest' });
  });
}

/**
 * Remembers which message row (or which reaction chip in it) has the focus, so that it can be
 * focused again after the list rendered that row anew (a reaction toggled from the keyboard).
 */
export function keepFocus(container: HTMLElement): () => void {
  const active = document.activeElement as HTMLElement | null;
  const row = active?.closest<HTMLElement>('.row.msg');
  if (!active || !row || !container.contains(row)) return () => {};
  const seq = row.dataset.seq;
  const emoji = active.dataset.emoji;
  return () => {
    if (active.isConnected || seq === undefined) return;
    const again = container.querySelector<HTMLElement>(`.row.msg[data-seq="${seq}"]`);
    const chip = emoji !== undefined
      ? [...(again?.querySelectorAll<HTMLElement>('.chip') ?? [])].find((c) => c.dataset.emoji === emoji)
      : undefined;
    (chip ?? again)?.focus({ preventScroll: true });
  };
}
