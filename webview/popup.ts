// One floating popup at a time (a menu, the reaction picker, a confirmation), next to the
// element that opened it. Escape or a click outside closes it; focus returns to the opener.
import { h } from './dom';

let current: { el: HTMLElement; close: () => void } | undefined;

export function closePopup(): void {
  current?.close();
}

export function popupOpen(): boolean {
  return current !== undefined;
}

/** Shows `content` in a popup under (or above) `anchor`; returns the close function. */
export function openPopup(anchor: HTMLElement, content: HTMLElement, opts: { label: string; role?: string; cls?: string }): () => void {
  closePopup();
  const el = h('div', { class: `popup ${opts.cls ?? ''}`.trim(), attrs: { role: opts.role ?? 'dialog', 'aria-label': opts.label } }, content);
  document.body.appendChild(el);
  const a = anchor.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  const below = a.bottom + 4 + r.height <= vh || a.top - 4 - r.height < 0;
  el.style.top = `${Math.max(4, below ? a.bottom + 4 : a.top - 4 - r.height)}px`;
  el.style.left = `${Math.max(4, Math.min(vw - r.width - 4, a.right - r.width))}px`;
  const onDown = (e: Event): void => {
    if (!el.contains(e.target as Node)) close(false);
  };
  const onKey = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    }
  };
  const close = (refocus = true): void => {
    if (current?.el !== el) return;
    current = undefined;
    el.remove();
    document.removeEventListener('mousedown', onDown, true);
    el.removeEventListener('keydown', onKey);
    if (refocus && anchor.isConnected) anchor.focus();
  };
  document.addEventListener('mousedown', onDown, true);
  el.addEventListener('keydown', onKey);
  current = { el, close: () => close(false) };
  (el.querySelector<HTMLElement>('[autofocus], button, input') ?? el).focus();
  return () => close(true);
}

/** Arrow keys move between the popup's buttons (menus and the emoji bar). */
export function arrowKeys(container: HTMLElement, vertical: boolean): void {
  container.addEventListener('keydown', (e) => {
    const next = vertical ? 'ArrowDown' : 'ArrowRight';
    const prev = vertical ? 'ArrowUp' : 'ArrowLeft';
    if (e.key !== next && e.key !== prev) return;
    const items = [...container.querySelectorAll<HTMLElement>('button')];
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (items.length === 0) return;
    e.preventDefault();
    items[(i + (e.key === next ? 1 : items.length - 1)) % items.length].focus();
  });
}
