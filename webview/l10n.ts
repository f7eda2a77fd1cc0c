// The webview's strings in VS Code's display language. The host writes its language and
// `vscode.l10n.bundle` (the extension's translations, keyed by the English text) into the page
// (see index.html.ts); without them the English text shows. `{0}`, `{1}`… are filled in as in
// vscode.l10n.t. A count passes both sentences, each through l10n.t, to l10n.count, which
// picks one by the language's plural rules ("1 result", "2 results"; Chinese has one form).

export interface WebviewStrings {
  /** `vscode.env.language`, e.g. "en" or "zh-cn". */
  language: string;
  /** `vscode.l10n.bundle`: English text → translation. */
  bundle?: Record<string, string | { message: string }>;
}

export const L10N_META = 'parley-l10n';

let strings: WebviewStrings = { language: 'en' };
let rules = new Intl.PluralRules('en');

function fill(text: string, args: readonly (string | number)[]): string {
  return text.replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole));
}

export const l10n = {
  /** Reads what the host put into the page; bad or missing data leaves English. */
  load(doc: Document): void {
    const raw = doc.querySelector(`meta[name="${L10N_META}"]`)?.getAttribute('content');
    if (!raw) return;
    try {
      const parsed = JSON.parse(raw) as Partial<WebviewStrings>;
      const language = typeof parsed.language === 'string' && parsed.language ? parsed.language : 'en';
      const bundle = typeof parsed.bundle === 'object' && parsed.bundle !== null ? parsed.bundle : undefined;
      strings = { language, bundle };
      rules = new Intl.PluralRules(Intl.PluralRules.supportedLocalesOf([language]).length ? language : 'en');
    } catch {
      strings = { language: 'en' };
    }
  },

  get language(): string {
    return strings.language;
  },

  /** The translation of `message` (its English text when there is none), with `{n}` filled. */
  t(message: string, ...args: (string | number)[]): string {
    const entry = strings.bundle?.[message];
    const text = typeof entry === 'string' ? entry : typeof entry?.message === 'string' ? entry.message : message;
    return fill(text, args);
  },

  /** `one` when the language calls `n` singular ("1 result"), otherwise `other`. */
  count(n: number, one: string, other: string): string {
    return rules.select(n) === 'one' ? one : other;
  },
};
