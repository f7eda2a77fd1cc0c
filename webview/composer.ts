// The message box: Enter sends, Shift+Enter adds a line, @ and ~ complete names, the box
// grows with its text, and each room keeps its own unsent draft. It also edits: Up in an
// empty box edits my last message, Enter saves, Escape cancels.
import { h, icon, ICONS } from './dom';
import { applyCompletion, findTrigger, type Trigger } from './mentions';
import { avatar } from './render/messageRow';

export interface ComposerDeps {
  /** Names offered for a trigger, best first. */
  candidates(trigger: Trigger): string[];
  /** Presence status of a name, for the dot in the list. */
  status(name: string): string;
  /** Sends the text; false keeps it in the box (e.g. too long). */
  send(text: string): boolean;
  typing(): void;
  draftChanged(text: string): void;
  paste(files: File[]): void;
  /** Up arrow in an empty box: start editing my last message; false when there is none. */
  editLast?(): boolean;
  /** The box's class and accessible name (the thread view's differ from the room's). */
  inputClass?: string;
  label?: string;
}

interface EditState {
  save(text: string): void;
  cancel(): void;
  /** The draft that was in the box before, back after the edit. */
  draft: string;
}

const MAX_HEIGHT = 200;

export class Composer {
  readonly el: HTMLElement;
  readonly textarea: HTMLTextAreaElement;
  private readonly popup: HTMLElement;
  private readonly hint: HTMLElement;
  private readonly sendButton: HTMLButtonElement;
  private trigger: Trigger | undefined;
  private options: string[] = [];
  private selected = 0;
  private hintTimer: ReturnType<typeof setTimeout> | undefined;
  private edit: EditState | undefined;
  private readonly editBar: HTMLElement;

  constructor(private readonly deps: ComposerDeps) {
    this.textarea = h('textarea', { class: deps.inputClass ?? 'input', attrs: { rows: '1', 'aria-label': deps.label ?? 'Message', spellcheck: 'true' } });
    this.sendButton = h('button', { class: 'icon-button send', title: 'Send (Enter)', attrs: { type: 'button', 'aria-label': 'Send' } }, icon([...ICONS.send]));
    this.popup = h('ul', { class: 'completions', attrs: { role: 'listbox', 'aria-label': 'People' } });
    this.popup.hidden = true;
    this.hint = h('div', { class: 'composer-hint', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.hint.hidden = true;
    this.editBar = h('div', { class: 'edit-bar', attrs: { role: 'status' } });
    this.editBar.hidden = true;
    this.el = h('div', { class: 'composer' },
      this.popup,
      this.hint,
      this.editBar,
      h('div', { class: 'input-row' }, this.textarea, this.sendButton));

    this.textarea.addEventListener('keydown', (e) => this.onKeyDown(e));
    this.textarea.addEventListener('input', () => {
      this.autosize();
      this.updateCompletions();
      if (this.edit) return;
      this.deps.draftChanged(this.textarea.value);
      if (this.textarea.value.trim()) this.deps.typing();
    });
    this.textarea.addEventListener('click', () => this.updateCompletions());
    this.textarea.addEventListener('blur', () => this.closeCompletions());
    this.textarea.addEventListener('paste', (e) => {
      const files = Array.from(e.clipboardData?.files ?? []);
      if (files.length === 0) return;
      e.preventDefault();
      this.deps.paste(files);
    });
    this.sendButton.addEventListener('click', () => {
      this.submit();
      this.textarea.focus();
    });
  }

  get isEditing(): boolean {
    return this.edit !== undefined;
  }

  /** Puts a message's text in the box to edit; Enter calls `save`, Escape `cancel`. */
  startEdit(text: string, save: (text: string) => void, cancel: () => void): void {
    const draft = this.edit ? this.edit.draft : this.textarea.value;
    this.edit?.cancel();
    this.edit = { save, cancel, draft };
    const cancelButton = h('button', { class: 'link-button', text: 'Cancel', attrs: { type: 'button' } });
    cancelButton.addEventListener('mousedown', (e) => e.preventDefault());
    cancelButton.addEventListener('click', () => this.cancelEdit());
    this.editBar.replaceChildren(h('span', { text: 'Editing message · Enter to save, Escape to cancel' }), ' ', cancelButton);
    this.editBar.hidden = false;
    this.el.classList.add('editing');
    this.textarea.value = text;
    this.autosize();
    this.textarea.focus();
    this.textarea.setSelectionRange(text.length, text.length);
  }

  /** Leaves edit mode without saving; the earlier draft comes back. */
  cancelEdit(): void {
    const edit = this.endEdit();
    edit?.cancel();
  }

  private endEdit(): EditState | undefined {
    const edit = this.edit;
    if (!edit) return undefined;
    this.edit = undefined;
    this.editBar.hidden = true;
    this.el.classList.remove('editing');
    this.textarea.value = edit.draft;
    this.autosize();
    return edit;
  }

  /** Shows a room's draft; the placeholder names the room. */
  setRoom(draft: string, placeholder: string): void {
    if (this.edit) this.cancelEdit();
    this.textarea.value = draft;
    this.textarea.placeholder = placeholder;
    this.closeCompletions();
    this.autosize();
  }

  setEnabled(enabled: boolean): void {
    this.textarea.disabled = !enabled;
    this.sendButton.disabled = !enabled;
  }

  focus(): void {
    this.textarea.focus();
  }

  /** A short line above the box, e.g. where a private message went; optional action button. */
  showHint(text: string, action?: { label: string; run: () => void }, kind: 'info' | 'error' = 'info'): void {
    this.hint.replaceChildren(h('span', { text }));
    this.hint.className = `composer-hint ${kind}`;
    if (action) {
      const b = h('button', { class: 'link-button', text: action.label, attrs: { type: 'button' } });
      b.addEventListener('click', () => {
        this.hint.hidden = true;
        action.run();
      });
      this.hint.append(' ', b);
    }
    this.hint.hidden = false;
    clearTimeout(this.hintTimer);
    this.hintTimer = setTimeout(() => (this.hint.hidden = true), 8000);
  }

  private submit(): void {
    const text = this.textarea.value.replace(/^\s*\n/, '').replace(/\s+$/, '');
    if (this.edit) {
      if (!text.trim()) return;
      const edit = this.endEdit();
      edit?.save(text);
      return;
    }
    if (!text.trim()) return;
    if (!this.deps.send(text)) return;
    this.textarea.value = '';
    this.autosize();
    this.closeCompletions();
    this.deps.draftChanged('');
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (!this.popup.hidden && this.options.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const n = this.options.length;
        this.selected = (this.selected + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
        this.renderCompletions();
        return;
      }
      // Tab always takes the suggestion. Enter does too, unless the name is typed in full
      // already: then it sends, as it would without the list.
      const typedInFull = this.trigger !== undefined && this.options[this.selected] === this.trigger.query;
      if (e.key === 'Tab' || (e.key === 'Enter' && !typedInFull && !e.shiftKey && !e.isComposing)) {
        e.preventDefault();
        this.complete(this.options[this.selected]);
        return;
      }
      if (e.key === 'Enter' && typedInFull) this.closeCompletions();
      if (e.key === 'Escape') {
        e.preventDefault();
        this.closeCompletions();
        return;
      }
    }
    if (e.key === 'Escape' && this.edit) {
      e.preventDefault();
      e.stopPropagation();
      this.cancelEdit();
      return;
    }
    if (e.key === 'ArrowUp' && !this.edit && this.textarea.value === '' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      if (this.deps.editLast?.()) e.preventDefault();
      return;
    }
    // isComposing: Enter that confirms an IME composition must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    }
  }

  private autosize(): void {
    const t = this.textarea;
    t.style.height = 'auto';
    t.style.height = `${Math.min(t.scrollHeight, MAX_HEIGHT)}px`;
    t.classList.toggle('scrolling', t.scrollHeight > MAX_HEIGHT);
  }

  private updateCompletions(): void {
    const t = this.textarea;
    const trigger = t.selectionStart === t.selectionEnd ? findTrigger(t.value, t.selectionStart) : undefined;
    const options = trigger ? this.deps.candidates(trigger) : [];
    if (!trigger || options.length === 0) {
      this.closeCompletions();
      return;
    }
    const same = this.trigger?.start === trigger.start && this.options.join('\n') === options.join('\n');
    this.trigger = trigger;
    this.options = options;
    // A name typed in full is the one suggested, wherever the ranking puts it.
    if (!same) this.selected = Math.max(0, options.indexOf(trigger.query));
    this.renderCompletions();
  }

  private renderCompletions(): void {
    const title = this.trigger?.char === '~' ? 'Send privately to' : 'Mention';
    const items = this.options.map((name, i) => {
      const li = h('li', {
        class: i === this.selected ? 'completion selected' : 'completion',
        attrs: { role: 'option', 'aria-selected': String(i === this.selected) },
      }, avatar(name), h('span', { class: 'completion-name', text: name }), h('span', { class: `presence-dot ${this.deps.status(name)}` }));
      // mousedown, not click: keep the focus (and caret) in the textarea.
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        this.complete(name);
      });
      return li;
    });
    this.popup.replaceChildren(h('li', { class: 'completion-title', text: title, attrs: { role: 'presentation' } }), ...items);
    this.popup.hidden = false;
  }

  private complete(name: string): void {
    const trigger = this.trigger;
    if (!trigger) return;
    const t = this.textarea;
    const next = applyCompletion(t.value, t.selectionStart, trigger, name);
    t.value = next.text;
    t.setSelectionRange(next.caret, next.caret);
    this.closeCompletions();
    this.autosize();
    this.deps.draftChanged(t.value);
  }

  private closeCompletions(): void {
    this.popup.hidden = true;
    this.trigger = undefined;
    this.options = [];
  }
}
