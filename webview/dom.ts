// Building DOM without HTML strings: text goes in through textContent only, so names, room
// names and file names can never become markup. Styling is by class (the CSP allows no
// inline style attributes; CSSOM properties set from code are fine).
type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  text?: string;
  title?: string;
  /** Fixed attribute names from code (aria-*, role, type, …); never event handlers or style. */
  attrs?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  if (props.title !== undefined) el.title = props.title;
  if (props.attrs) {
    for (const [name, value] of Object.entries(props.attrs)) {
      if (/^on/i.test(name) || name.toLowerCase() === 'style') throw new Error(`refusing attribute ${name}`);
      el.setAttribute(name, value);
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

const SVG = 'http://www.w3.org/2000/svg';

/** A small monochrome icon from path data (drawn in currentColor, 16×16 box). */
export function icon(paths: string[], cls = 'icon'): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  for (const d of paths) {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', d);
    svg.appendChild(p);
  }
  return svg;
}

export const ICONS = {
  send: ['M1.7 1.3 15 8 1.7 14.7l1.8-5.9L10 8 3.5 7.2z'],
  search: ['M10.2 9.5a5 5 0 1 0-.7.7l4 4 .7-.7zM6.3 10.2a3.9 3.9 0 1 1 0-7.8 3.9 3.9 0 0 1 0 7.8z'],
  close: ['M8 7.3 12.6 2.7l.7.7L8.7 8l4.6 4.6-.7.7L8 8.7l-4.6 4.6-.7-.7L7.3 8 2.7 3.4l.7-.7z'],
  file: ['M9.5 1H3.5l-.5.5v13l.5.5h9l.5-.5V4.5zM12 14H4V2h5v3h3zM10 4V2.2L11.8 4z'],
  image: ['M14.5 2h-13l-.5.5v11l.5.5h13l.5-.5v-11zM14 13H2v-1.3l3.5-3.5 2.3 2.3.7-.1 2.5-3.3L14 10zm0-4.3-2.7-2.7-.8.1-2.4 3.2-2.3-2.3h-.7L2 10.3V3h12zM5.5 7a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3z'],
  video: ['M1.5 3h9l.5.5V6l3.2-2.1.8.4v7.4l-.8.4L11 10v2.5l-.5.5h-9l-.5-.5v-9zM10 12V4H2v8zm1-3.2 3 2V5.2l-3 2z'],
  audio: ['M12 1.5v9.8A2.3 2.3 0 1 1 11 9.4V4.1l-5 1.3v7.4A2.3 2.3 0 1 1 5 11V3.5l.4-.5 6-1.5zM3.2 13.5a1.3 1.3 0 1 0 0-2.6 1.3 1.3 0 0 0 0 2.6zm6.5-1.5a1.3 1.3 0 1 0 0-2.6 1.3 1.3 0 0 0 0 2.6z'],
  open: ['M13 13H3V3h5V2H2.5l-.5.5v11l.5.5h11l.5-.5V8h-1zM9 1v1h4.3L7.1 8.1l.8.8L14 2.7V7h1V1.5l-.5-.5z'],
  download: ['M8.4 11.1 12.8 6.7l-.7-.7-3.6 3.6V1h-1v8.6L3.9 6l-.7.7 4.4 4.4zM2 13v1h12v-1z'],
  arrowDown: ['M8 13.7 3.1 8.8l.7-.7 3.7 3.7V2h1v9.8l3.7-3.7.7.7z'],
  copy: ['M4 4l1-1h5.4L14 6.6V14l-1 1H5l-1-1zm9 3-3-3H5v10h8zM3 1 2 2v10l1 1V2h6.4l-1-1z'],
  reply: ['M6 4V1.5L1 6l5 4.5V8c3.6 0 6.3 1.2 8.5 4.5C13.8 8 11 4.6 6 4z'],
  smile: ['M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm0 13A6 6 0 1 1 8 2a6 6 0 0 1 0 12zM5.5 7a1 1 0 1 0 0-2 1 1 0 0 0 0 2zm5 0a1 1 0 1 0 0-2 1 1 0 0 0 0 2zM4.6 9.2l.9-.4A2.8 2.8 0 0 0 8 10.5a2.8 2.8 0 0 0 2.5-1.7l.9.4A3.8 3.8 0 0 1 8 11.5a3.8 3.8 0 0 1-3.4-2.3z'],
  edit: ['M12.5 1.3 14.7 3.5 5.4 12.8 2 14l1.2-3.4zm0 1.4L4.1 11.1l-.5 1.3 1.3-.5 8.4-8.4z'],
  trash: ['M6 1h4l.5.5V3H14v1h-1.1l-.8 10.5-.5.5H4.4l-.5-.5L3.1 4H2V3h3.5V1.5zm.5 1V3h3V2zM4.1 4l.8 10h6.2l.8-10zM6 5.5h1v7H6zm3 0h1v7H9z'],
  pin: ['M10.1 1 15 5.9l-.7.7-1.1-.4-2.7 2.7.4 2.9-.9.9L7.2 9.9 2.7 14.4 2 13.7l4.5-4.5-2.8-2.8.9-.9 2.9.4 2.7-2.7-.4-1.1z'],
  more: ['M3 6.8a1.2 1.2 0 1 0 0 2.4 1.2 1.2 0 0 0 0-2.4zm5 0a1.2 1.2 0 1 0 0 2.4 1.2 1.2 0 0 0 0-2.4zm5 0a1.2 1.2 0 1 0 0 2.4 1.2 1.2 0 0 0 0-2.4z'],
  back: ['M5.9 3.6 1.5 8l4.4 4.4.7-.7L3.4 8.5H15v-1H3.4l3.2-3.2z'],
  thread: ['M2 2h12l1 1v7l-1 1H8l-3 3v-3H2l-1-1V3zm0 1v7h4v1.6L7.6 10H14V3z'],
} as const;
