// A vertical list that keeps only the rows near the viewport in the DOM. Heights vary, so
// each row is measured once rendered and cached by key; rows not yet seen use an estimate.
// Spacers above and below stand in for the rows not rendered. Every change keeps a chosen
// row (the anchor) at the same place on screen, so prepending history, late-loading images
// or better measurements never make the content jump; at the bottom it stays at the bottom.

export interface VItem {
  key: string;
  /** Changes when the row must be rendered again. */
  version: string;
  /** Expected height in px until measured. */
  estimate: number;
}

/** Keep the row `key` `offset` px below the top of the viewport. */
export interface Anchor {
  key: string;
  offset: number;
}

export type Position = 'keep' | 'bottom' | Anchor;

const BOTTOM_SLACK = 4;
const MAX_PASSES = 4;

export class VirtualList<T extends VItem> {
  readonly canvas: HTMLElement;
  private readonly topSpacer: HTMLElement;
  private readonly bottomSpacer: HTMLElement;
  private items: T[] = [];
  private readonly index = new Map<string, number>();
  private readonly heights = new Map<string, number>();
  private offsets = new Float64Array(1);
  private readonly rendered = new Map<string, { el: HTMLElement; version: string }>();
  private lastAnchor: Anchor | 'bottom' = 'bottom';
  private lastSetTop = -1;
  private userScrolled = false;
  private frame = 0;
  private width = 0;
  private deferred = false;
  private readonly rowObserver: ResizeObserver;

  /** Called after every layout (rendering, scrolling, resizing). */
  onLayout: () => void = () => {};

  constructor(
    readonly scroller: HTMLElement,
    private readonly renderItem: (item: T) => HTMLElement,
    private readonly margin = 900,
  ) {
    this.topSpacer = document.createElement('div');
    this.bottomSpacer = document.createElement('div');
    this.topSpacer.className = 'vspacer';
    this.bottomSpacer.className = 'vspacer';
    this.canvas = document.createElement('div');
    this.canvas.className = 'vcanvas';
    this.canvas.append(this.topSpacer, this.bottomSpacer);
    scroller.appendChild(this.canvas);
    scroller.addEventListener('scroll', () => {
      if (Math.abs(scroller.scrollTop - this.lastSetTop) < 1) return;
      this.userScrolled = true;
      this.schedule();
    }, { passive: true });
    this.rowObserver = new ResizeObserver(() => this.schedule());
    new ResizeObserver(() => {
      const w = scroller.clientWidth;
      // Row heights depend on the width: forget them all and re-measure what is shown.
      if (w !== this.width) this.heights.clear();
      this.width = w;
      this.schedule();
    }).observe(scroller);
  }

  get length(): number {
    return this.items.length;
  }

  /** Replaces the rows; `position` says where the view should be afterwards. */
  setItems(items: T[], position: Position = 'keep'): void {
    const anchor = position === 'keep' ? this.current() : position;
    this.items = items;
    this.index.clear();
    items.forEach((it, i) => this.index.set(it.key, i));
    this.layout(anchor);
  }

  /** Drops every rendered row (e.g. when switching rooms). */
  reset(): void {
    for (const { el } of this.rendered.values()) {
      this.rowObserver.unobserve(el);
      el.remove();
    }
    this.rendered.clear();
  }

  scrollToBottom(): void {
    this.layout('bottom');
  }

  scrollToKey(key: string, offset = 0): void {
    if (this.index.has(key)) this.layout({ key, offset });
  }

  /** Where the view is now, to restore later. */
  position(): Anchor | 'bottom' {
    return this.lastAnchor;
  }

  isAtBottom(): boolean {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= BOTTOM_SLACK;
  }

  /** Index range of rows at least partly inside the viewport. */
  visibleRange(): [number, number] {
    const top = this.scroller.scrollTop;
    return this.range(top, top + this.scroller.clientHeight);
  }

  item(i: number): T | undefined {
    return this.items[i];
  }

  /** Lays out again when it was skipped while hidden. */
  refresh(): void {
    if (this.deferred) this.layout(this.lastAnchor);
  }

  /** Lays out on the next frame, keeping what the user scrolled to, or else the last anchor. */
  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.layout(this.current());
    });
  }

  private current(): Anchor | 'bottom' {
    if (!this.userScrolled) return this.lastAnchor;
    this.userScrolled = false;
    return this.capture();
  }

  /** The row at the middle of the viewport and its offset, or 'bottom' when scrolled to the end. */
  private capture(): Anchor | 'bottom' {
    const s = this.scroller;
    if (s.clientHeight === 0) return this.lastAnchor;
    if (this.isAtBottom()) return 'bottom';
    const viewTop = s.getBoundingClientRect().top;
    const mid = s.clientHeight / 2;
    let best: Anchor | undefined;
    let bestDist = Infinity;
    for (const [key, { el }] of this.rendered) {
      const r = el.getBoundingClientRect();
      const top = r.top - viewTop;
      const dist = top <= mid && mid < top + r.height ? 0 : Math.min(Math.abs(top - mid), Math.abs(top + r.height - mid));
      if (dist < bestDist) {
        bestDist = dist;
        best = { key, offset: top };
      }
    }
    if (best) return best;
    const [i] = this.range(s.scrollTop + mid, s.scrollTop + mid);
    const it = this.items[i];
    return it ? { key: it.key, offset: this.offsets[i] - s.scrollTop } : 'bottom';
  }

  private layout(anchor: Anchor | 'bottom'): void {
    const s = this.scroller;
    if (!s.isConnected || s.clientHeight === 0) {
      this.deferred = true;
      this.lastAnchor = anchor;
      return;
    }
    this.deferred = false;
    if (typeof anchor !== 'string' && !this.index.has(anchor.key)) anchor = 'bottom';
    const view = s.clientHeight;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      this.computeOffsets();
      const total = this.offsets[this.items.length];
      let target = anchor === 'bottom' ? total - view : this.offsets[this.index.get(anchor.key) as number] - anchor.offset;
      target = Math.max(0, Math.min(target, total - view));
      const [start, end] = this.range(target - this.margin, target + view + this.margin);
      this.render(start, end, total);
      this.lastSetTop = target;
      s.scrollTop = target;
      this.lastSetTop = s.scrollTop;
      if (!this.measure()) break;
    }
    this.lastAnchor = anchor === 'bottom' ? 'bottom' : this.capture();
    this.onLayout();
  }

  private computeOffsets(): void {
    const n = this.items.length;
    if (this.offsets.length !== n + 1) this.offsets = new Float64Array(n + 1);
    let y = 0;
    for (let i = 0; i < n; i++) {
      this.offsets[i] = y;
      const it = this.items[i];
      y += this.heights.get(it.key) ?? it.estimate;
    }
    this.offsets[n] = y;
  }

  /** [start, end) of rows overlapping [top, bottom] in content coordinates. */
  private range(top: number, bottom: number): [number, number] {
    const n = this.items.length;
    if (n === 0) return [0, 0];
    // First row whose bottom edge is below `top`.
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[mid + 1] > top) hi = mid;
      else lo = mid + 1;
    }
    const start = lo;
    let end = start;
    while (end < n && this.offsets[end] <= bottom) end++;
    return [start, Math.max(end, start + 1)];
  }

  private render(start: number, end: number, total: number): void {
    const wanted: HTMLElement[] = [];
    const keep = new Set<string>();
    for (let i = start; i < end; i++) {
      const it = this.items[i];
      let r = this.rendered.get(it.key);
      if (!r || r.version !== it.version) {
        if (r) {
          this.rowObserver.unobserve(r.el);
          r.el.remove();
        }
        const el = this.renderItem(it);
        el.dataset.key = it.key;
        r = { el, version: it.version };
        this.rendered.set(it.key, r);
        this.rowObserver.observe(el);
      }
      keep.add(it.key);
      wanted.push(r.el);
    }
    for (const [key, r] of this.rendered) {
      if (keep.has(key)) continue;
      this.rowObserver.unobserve(r.el);
      r.el.remove();
      this.rendered.delete(key);
    }
    let cursor = this.topSpacer.nextSibling;
    for (const el of wanted) {
      if (el === cursor) cursor = cursor.nextSibling;
      else this.canvas.insertBefore(el, cursor);
    }
    this.topSpacer.style.height = `${this.offsets[start]}px`;
    this.bottomSpacer.style.height = `${Math.max(0, total - this.offsets[end])}px`;
  }

  /** Records the real heights of rendered rows; true when any differed from what was assumed. */
  private measure(): boolean {
    let changed = false;
    for (const [key, { el }] of this.rendered) {
      const h = el.getBoundingClientRect().height;
      const i = this.index.get(key);
      const assumed = this.heights.get(key) ?? (i !== undefined ? this.items[i].estimate : h);
      if (Math.abs(h - assumed) > 0.5) changed = true;
      this.heights.set(key, h);
    }
    return changed;
  }
}
