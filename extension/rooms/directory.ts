// "Browse Rooms": the server's directory of public rooms in a quick pick, searched on the server
// as the user types (debounced) and paged with a "Load more…" row.
import * as vscode from 'vscode';
import type { DirectoryEntry } from '../../protocol';
import { describeError } from '../auth';
import { membersText } from '../counts';
import type { ChatService } from '../chatService';

const PAGE = 50;
/** Typing pauses this long before the server is asked. */
const DEBOUNCE_MS = 250;

type DirectoryItem = vscode.QuickPickItem & { entry?: DirectoryEntry; action?: 'more' | 'create' };

export type DirectoryChoice = { kind: 'room'; entry: DirectoryEntry } | { kind: 'create' } | undefined;

function itemOf(entry: DirectoryEntry): DirectoryItem {
  const count = membersText(entry.memberCount);
  return {
    label: `#${entry.name}`,
    description: entry.member === true ? vscode.l10n.t('{0} · joined', count) : count,
    detail: entry.topic?.trim() || undefined,
    // The server did the filtering: the pick must not hide rooms that matched by topic or id.
    alwaysShow: true,
    entry,
  };
}

/** Shows the directory; resolves with the room picked, "create", or undefined when dismissed. */
export function browseRooms(service: ChatService): Promise<DirectoryChoice> {
  const client = service.roomsClient();
  const pick = vscode.window.createQuickPick<DirectoryItem>();
  pick.title = vscode.l10n.t('Parley: Browse Rooms');
  pick.placeholder = vscode.l10n.t('Search public rooms by name or topic');
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  let query = '';
  let rooms: DirectoryEntry[] = [];
  let more = false;
  let loaded = false;
  /** The server's refusal of the last page asked for, shown as a row. */
  let problem: string | undefined;
  let generation = 0;
  let timer: NodeJS.Timeout | undefined;

  const render = (): void => {
    const items: DirectoryItem[] = rooms.map(itemOf);
    if (problem !== undefined) items.unshift({ label: `$(error) ${problem}`, alwaysShow: true });
    if (more) items.push({ label: vscode.l10n.t('$(chevron-down) Load more…'), alwaysShow: true, action: 'more' });
    if (loaded && rooms.length === 0 && problem === undefined) {
      items.push({ label: query ? vscode.l10n.t('No public room matches “{0}”.', query) : vscode.l10n.t('There are no public rooms yet.'), alwaysShow: true });
    }
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator, alwaysShow: true });
    items.push({ label: vscode.l10n.t('$(add) Create Room…'), alwaysShow: true, action: 'create' });
    pick.items = items;
  };

  /** One page: the first for the query, or (`next`) the one after the rooms shown. */
  const load = async (next: boolean): Promise<void> => {
    const mine = ++generation;
    pick.busy = true;
    try {
      const after = next ? rooms.at(-1)?.id : undefined;
      const page = await client.directory(query, { limit: PAGE, ...(after !== undefined ? { after } : {}) });
      if (mine !== generation) return;
      rooms = next ? [...rooms, ...page.rooms] : page.rooms;
      more = page.more;
      loaded = true;
      problem = undefined;
    } catch (err) {
      if (mine === generation) problem = describeError(err);
    } finally {
      if (mine === generation) {
        pick.busy = false;
        render();
      }
    }
  };

  return new Promise<DirectoryChoice>((resolve) => {
    let choice: DirectoryChoice;
    pick.onDidChangeValue((value) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (value.trim() === query) return;
        query = value.trim();
        void load(false);
      }, DEBOUNCE_MS);
    });
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0];
      if (item?.action === 'more') {
        void load(true);
        return;
      }
      if (item?.entry) choice = { kind: 'room', entry: item.entry };
      else if (item?.action === 'create') choice = { kind: 'create' };
      else return;
      pick.hide();
    });
    pick.onDidHide(() => {
      clearTimeout(timer);
      generation++;
      pick.dispose();
      resolve(choice);
    });
    render();
    pick.show();
    void load(false);
  });
}
