// WCAG 2.x contrast of what an element really shows: its computed text colour over the
// backgrounds of it and its ancestors, composited (transparent layers let the ones below
// through, as the browser paints them). The colours are read in the page, the arithmetic
// is done here.
import type { Page } from 'playwright-core';

export type Rgba = [number, number, number, number];

/** Parses a computed colour: rgb(), rgba(), color(srgb …) (what color-mix() computes to), transparent, #rrggbb[aa]. */
export function parseColor(css: string): Rgba {
  const s = css.trim();
  if (s === 'transparent') return [0, 0, 0, 0];
  const x = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(s);
  if (x) return [0, 2, 4].map((i) => parseInt(x[1].slice(i, i + 2), 16)).concat(x[2] ? parseInt(x[2], 16) / 255 : 1) as Rgba;
  let m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3]), alpha(m[4])];
  m = /^color\(srgb\s+([\d.e-]+)\s+([\d.e-]+)\s+([\d.e-]+)(?:\s*\/\s*([\d.]+%?))?\s*\)$/.exec(s);
  if (m) return [Number(m[1]) * 255, Number(m[2]) * 255, Number(m[3]) * 255, alpha(m[4])];
  throw new Error(`cannot read the colour "${css}"`);
}

function alpha(a: string | undefined): number {
  if (a === undefined) return 1;
  return a.endsWith('%') ? Number(a.slice(0, -1)) / 100 : Number(a);
}

/** `top` painted over the opaque colour `below`. */
export function over(top: Rgba, below: Rgba): Rgba {
  const a = top[3];
  return [top[0] * a + below[0] * (1 - a), top[1] * a + below[1] * (1 - a), top[2] * a + below[2] * (1 - a), 1];
}

export function luminance([r, g, b]: Rgba): number {
  const lin = (c: number): number => {
    const x = c / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** The contrast ratio of two opaque colours, 1 to 21. */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

export interface Sample {
  selector: string;
  text: string;
  color: string;
  /** background-color of the element, then of each ancestor up to <html>. */
  backgrounds: string[];
  opacity: number;
}

/**
 * Colours of every element matching `selector` that is on screen. `pseudo` reads a
 * pseudo-element's colour instead (e.g. '::placeholder').
 */
export async function samples(page: Page, selector: string, pseudo?: string): Promise<Sample[]> {
  return page.evaluate(({ selector, pseudo }) => {
    const out: Sample[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || el.closest('[hidden]')) continue;
      const backgrounds: string[] = [];
      let opacity = 1;
      for (let e: Element | null = el; e; e = e.parentElement) {
        const cs = getComputedStyle(e);
        backgrounds.push(cs.backgroundColor);
        opacity *= Number(cs.opacity);
      }
      const color = getComputedStyle(el, pseudo ?? null).color;
      out.push({ selector, text: (el.textContent || el.getAttribute('placeholder') || el.getAttribute('aria-label') || '').trim().slice(0, 40), color, backgrounds, opacity });
    }
    return out;
  }, { selector, pseudo });
}

/** The ratio a sample shows, its backgrounds painted over `canvas` (the page behind <html>). */
export function sampleContrast(s: Sample, canvas: string): { ratio: number; fg: Rgba; bg: Rgba } {
  let bg = parseColor(canvas);
  for (const layer of [...s.backgrounds].reverse()) bg = over(parseColor(layer), bg);
  const c = parseColor(s.color);
  const fg = over([c[0], c[1], c[2], c[3] * s.opacity], bg);
  return { ratio: contrastRatio(fg, bg), fg, bg };
}

export function hex([r, g, b]: Rgba): string {
  return `#${[r, g, b].map((x) => Math.round(x).toString(16).padStart(2, '0')).join('')}`;
}
