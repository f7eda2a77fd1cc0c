// Everyone's profile as the extension knows it: asked for the people of the presence list,
// kept up to date by the server's live `profile` frames, and shown by the People tree and the
// chat. Avatars come through the media cache like any file, so each is downloaded once.
import * as vscode from 'vscode';
import type { ParleyClient } from '../client/session';
import { MAX_PROFILES_LIST, type Profile, type ProfilesReply } from '../protocol';
import * as wv from '../webview/messages';
import type { ChatService } from './chatService';
import type { MediaCache } from './mediaCache';

export class ProfileBook implements vscode.Disposable {
  private readonly profiles = new Map<string, Profile>();
  /** The cached avatar file of each user whose picture has been fetched. */
  private readonly pictures = new Map<string, vscode.Uri>();
  /** Names asked for since the session started (each once). */
  private readonly asked = new Set<string>();
  private hooked: ParleyClient | undefined;
  private askQueued = false;
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[] = [this.emitter];

  constructor(
    private readonly service: ChatService,
    private readonly cache: MediaCache,
    private readonly post: (msg: wv.HostMessage) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      service.onDidStartSession(() => this.sessionStarted()),
      // New people in the presence list: ask for theirs too.
      service.model.onDidChange(() => this.askForNewPeople()),
    );
  }

  get(user: string): Profile | undefined {
    return this.profiles.get(user);
  }

  /** The avatar picture's file, once fetched. */
  picture(user: string): vscode.Uri | undefined {
    return this.pictures.get(user);
  }

  /** What a freshly loaded chat webview needs to show names and pictures. */
  snapshot(): wv.HostMessage[] {
    return this.profiles.size === 0 ? [] : [wv.Profiles.create({ profiles: [...this.profiles.values()].map(toWebview) })];
  }

  /** A profile the server sent: a live change, or the answer to Edit Profile. */
  apply(list: readonly Profile[]): void {
    if (list.length === 0) return;
    for (const p of list) {
      this.profiles.set(p.user, p);
      if (p.avatar === undefined) this.pictures.delete(p.user);
      else void this.fetchPicture(p);
    }
    this.post(wv.Profiles.create({ profiles: list.map(toWebview) }));
    this.emitter.fire();
  }

  private sessionStarted(): void {
    let client: ParleyClient;
    try {
      client = this.service.transferClient();
    } catch {
      return;
    }
    // A new client after a reconnect command: its live frames are the ones to follow.
    if (client !== this.hooked) {
      this.hooked = client;
      client.on('frame', (frame) => {
        if (frame.t === 'profile') this.apply([frame.profile]);
      });
    }
    this.asked.clear();
    this.askForNewPeople();
  }

  private askForNewPeople(): void {
    if (this.askQueued || !this.service.model.user) return;
    this.askQueued = true;
    queueMicrotask(() => {
      this.askQueued = false;
      const me = this.service.model.user;
      if (!me) return;
      const names = [me, ...this.service.model.allPeople().map((p) => p.user)].filter((n) => !this.asked.has(n));
      for (let at = 0; at < names.length; at += MAX_PROFILES_LIST) void this.ask(names.slice(at, at + MAX_PROFILES_LIST));
    });
  }

  private async ask(users: string[]): Promise<void> {
    for (const u of users) this.asked.add(u);
    try {
      const reply = await this.service.transferClient().request<ProfilesReply>({ t: 'profiles', users });
      this.apply(reply.profiles);
    } catch (err) {
      // An older server knows no profiles: names alone, as before.
      this.log.info(`profiles: ${(err as Error).message}`);
    }
  }

  private async fetchPicture(p: Profile): Promise<void> {
    const avatar = p.avatar;
    if (avatar === undefined) return;
    this.cache.note(avatar);
    try {
      const file = await this.cache.get(() => this.service.transferClient(), avatar.fileId);
      // Still the user's picture (no newer change came meanwhile).
      if (this.profiles.get(p.user)?.avatar?.fileId !== avatar.fileId) return;
      this.pictures.set(p.user, vscode.Uri.file(file.path));
      this.emitter.fire();
    } catch (err) {
      this.log.warn(`avatar of ${p.user}: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}

function toWebview(p: Profile): wv.WebviewProfile {
  const out: wv.WebviewProfile = { user: p.user };
  if (p.displayName !== undefined) out.displayName = p.displayName;
  if (p.avatar !== undefined) out.avatarFileId = p.avatar.fileId;
  return out;
}
