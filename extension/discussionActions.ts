// What the comment widget's actions ask the user: which reaction to toggle, and whether to
// really delete a message.
import * as vscode from 'vscode';
import { QUICK_REACTIONS, type Reactions } from '../protocol';

/** A quick pick of the quick reactions, the user's own marked; the emoji picked, to toggle. */
export async function pickReaction(reactions: Reactions | undefined, me: string | undefined): Promise<string | undefined> {
  const items = QUICK_REACTIONS.map((emoji) => {
    const users = reactions?.[emoji] ?? [];
    const mine = me !== undefined && users.includes(me);
    return {
      label: emoji,
      emoji,
      description: mine ? vscode.l10n.t('yours: pick to take it back') : users.length > 0 ? String(users.length) : '',
      picked: mine,
    };
  });
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Parley: React'), placeHolder: vscode.l10n.t('Pick a reaction (yours toggle off)') });
  return picked?.emoji;
}

/** A modal confirmation; others' messages say whose they are, since only moderators get that far. */
export async function confirmDelete(author: string, mine: boolean): Promise<boolean> {
  const remove = vscode.l10n.t('Delete');
  const question = mine
    ? vscode.l10n.t('Delete this message? Its text is erased for everyone in the room.')
    : vscode.l10n.t("Delete {0}'s message? Its text is erased for everyone in the room.", author);
  return (await vscode.window.showWarningMessage(question, { modal: true }, remove)) === remove;
}
