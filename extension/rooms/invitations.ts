// The user's pending invitations: fetched at every sign-in and resume (`invitations`), added to
// as they arrive live (`invited`, with a notification offering Accept / Decline), and dropped once
// accepted, declined, or found withdrawn. The People tree shows them as a group.
import * as vscode from 'vscode';
import { ParleyError, type Invitation } from '../../protocol';
import type { ChatService } from '../chatService';

/** Refusals that mean the invitation is gone (withdrawn, or the room with it). */
const GONE = new Set(['NOT_INVITED', 'NOT_FOUND']);

export class Invitations implements vscode.Disposable {
  private list: Invitation[] = [];
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[] = [this.emitter];
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly service: ChatService,
    private readonly log: vscode.LogOutputChannel,
    /** Shows a room in the chat once joined. */
    private readonly openRoom: (room: string) => Promise<void>,
  ) {
    this.subscriptions.push(
      service.onDidStartSession(() => void this.fetch()),
      service.onDidReceiveInvitation((invitation) => {
        this.add(invitation);
        void this.offer(invitation);
      }),
      service.onDidChangeState((state) => {
        if (state.kind === 'signedOut' && this.list.length > 0) this.set([]);
      }),
    );
  }

  all(): readonly Invitation[] {
    return this.list;
  }

  find(room: string): Invitation | undefined {
    return this.list.find((i) => i.room === room);
  }

  /** Reads the pending invitations from the server; not knowing them is no error to show. */
  async fetch(): Promise<void> {
    try {
      this.set(await this.service.roomsClient().invitations());
    } catch (err) {
      this.log.warn(`invitations: ${(err as Error).message}`);
    }
  }

  async accept(room: string): Promise<void> {
    try {
      const info = await this.service.roomsClient().accept(room);
      this.remove(room);
      await this.openRoom(info?.id ?? room);
    } catch (err) {
      this.forgetIfGone(room, err);
      throw err;
    }
  }

  async decline(room: string): Promise<void> {
    try {
      await this.service.roomsClient().decline(room);
      this.remove(room);
    } catch (err) {
      this.forgetIfGone(room, err);
      throw err;
    }
  }

  /** The live notification: who invites the user where, with the two answers. */
  private async offer(invitation: Invitation): Promise<void> {
    const accept = vscode.l10n.t('Accept');
    const decline = vscode.l10n.t('Decline');
    const pick = await vscode.window.showInformationMessage(
      vscode.l10n.t('{0} invited you to #{1}.', invitation.by, invitation.name),
      accept,
      decline,
    );
    if (pick === undefined || !this.find(invitation.room)) return;
    try {
      if (pick === accept) await this.accept(invitation.room);
      else await this.decline(invitation.room);
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Parley: {0}', (err as Error).message));
    }
  }

  private add(invitation: Invitation): void {
    this.set([invitation, ...this.list.filter((i) => i.room !== invitation.room)]);
  }

  private remove(room: string): void {
    if (this.find(room)) this.set(this.list.filter((i) => i.room !== room));
  }

  private forgetIfGone(room: string, err: unknown): void {
    if (err instanceof ParleyError && GONE.has(err.code)) this.remove(room);
  }

  private set(list: Invitation[]): void {
    this.list = list;
    this.emitter.fire();
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
