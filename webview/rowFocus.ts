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
