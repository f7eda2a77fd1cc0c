// Counted things in words, singular and plural each with its own l10n string.
import * as vscode from 'vscode';
import { formatUnread } from '../protocol/unread-count';

export function mentionsText(n: number): string {
  return n === 1 ? vscode.l10n.t('1 mention') : vscode.l10n.t('{0} mentions', n);
}

export function unreadText(n: number): string {
  return n === 1 ? vscode.l10n.t('1 unread message') : vscode.l10n.t('{0} unread messages', formatUnread(n));
}

export function membersText(n: number): string {
  return n === 1 ? vscode.l10n.t('1 member') : vscode.l10n.t('{0} members', n);
}
