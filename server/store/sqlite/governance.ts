import type { Database, Statement } from 'better-sqlite3';
import type { AuditEntry, BanEntry, Invitation } from '../../../protocol';
import type { NewAuditEntry } from '../store';

interface InvitationRow {
  room: string;
  name: string;
  user: string;
  by_user: string;
  at: number;
}

interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  room: string | null;
  target: string | null;
  detail: string | null;
}

const toInvitation = (r: InvitationRow): Invitation => ({ room: r.room, name: r.name, user: r.user, by: r.by_user, at: r.at });

function toAudit(r: AuditRow): AuditEntry {
  const entry: AuditEntry = { seq: r.seq, at: r.at, actor: r.actor, action: r.action };
  if (r.room !== null) entry.room = r.room;
  if (r.target !== null) entry.target = r.target;
  if (r.detail !== null) entry.detail = r.detail;
  return entry;
}

/** Invitations, bans and the audit log: what room owners, admins and server administrators decide. */
export class Governance {
  private readonly insertInvitation: Statement<[string, string, string, number]>;
  private readonly deleteInvitation: Statement<[string, string]>;
  private readonly selectInvitationsOf: Statement<[string], InvitationRow>;
  private readonly selectInvitationsTo: Statement<[string], InvitationRow>;
  private readonly selectBanned: Statement<[string, string], number>;
  private readonly selectBans: Statement<[string], { user: string; by_user: string; at: number }>;
  private readonly deleteBan: Statement<[string, string]>;
  private readonly insertAudit: Statement<[number, string, string, string | null, string | null, string | null]>;
  private readonly selectAudit: Statement<[number, number], AuditRow>;
  private readonly insertBlock: Statement<[string, string, number]>;
  private readonly deleteBlock: Statement<[string, string]>;
  private readonly selectBlocks: Statement<[], { user: string; blocked: string; at: number }>;
  private readonly banTx: (room: string, user: string, by: string, at: number) => void;

  constructor(db: Database) {
    this.insertInvitation = db.prepare('INSERT INTO invitations (room, user, by_user, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.deleteInvitation = db.prepare('DELETE FROM invitations WHERE room = ? AND user = ?');
    const invitationColumns = 'i.room, r.name, i.user, i.by_user, i.at FROM invitations i JOIN rooms r ON r.id = i.room';
    this.selectInvitationsOf = db.prepare(`SELECT ${invitationColumns} WHERE i.user = ? ORDER BY i.at DESC, i.room`);
    this.selectInvitationsTo = db.prepare(`SELECT ${invitationColumns} WHERE i.room = ? ORDER BY i.user`);
    this.selectBanned = db.prepare<[string, string], number>('SELECT 1 FROM bans WHERE room = ? AND user = ?').pluck();
    this.selectBans = db.prepare('SELECT user, by_user, at FROM bans WHERE room = ? ORDER BY user');
    this.deleteBan = db.prepare('DELETE FROM bans WHERE room = ? AND user = ?');
    const insertBan = db.prepare<[string, string, string, number]>('INSERT INTO bans (room, user, by_user, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    const deleteMember = db.prepare<[string, string]>('DELETE FROM members WHERE room = ? AND user = ?');
    this.banTx = db.transaction((room: string, user: string, by: string, at: number) => {
      insertBan.run(room, user, by, at);
      deleteMember.run(room, user);
      this.deleteInvitation.run(room, user);
    });
    this.insertBlock = db.prepare('INSERT INTO blocks (user, blocked, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.deleteBlock = db.prepare('DELETE FROM blocks WHERE user = ? AND blocked = ?');
    this.selectBlocks = db.prepare('SELECT user, blocked, at FROM blocks ORDER BY user, blocked');
    this.insertAudit = db.prepare('INSERT INTO audit (at, actor, action, room, target, detail) VALUES (?, ?, ?, ?, ?, ?)');
    this.selectAudit = db.prepare('SELECT seq, at, actor, action, room, target, detail FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT ?');
  }

  invite(i: Omit<Invitation, 'name'>): boolean {
    return this.insertInvitation.run(i.room, i.user, i.by, i.at).changes === 1;
  }

  removeInvitation(room: string, user: string): boolean {
    return this.deleteInvitation.run(room, user).changes === 1;
  }

  invitationsOf(user: string): Invitation[] {
    return this.selectInvitationsOf.all(user).map(toInvitation);
  }

  invitationsTo(room: string): Invitation[] {
    return this.selectInvitationsTo.all(room).map(toInvitation);
  }

  ban(room: string, user: string, by: string, at: number): void {
    this.banTx(room, user, by, at);
  }

  unban(room: string, user: string): boolean {
    return this.deleteBan.run(room, user).changes === 1;
  }

  isBanned(room: string, user: string): boolean {
    return this.selectBanned.get(room, user) !== undefined;
  }

  bans(room: string): BanEntry[] {
    return this.selectBans.all(room).map((r) => ({ user: r.user, by: r.by_user, at: r.at }));
  }

  setBlock(user: string, other: string, at: number | undefined): void {
    if (at === undefined) this.deleteBlock.run(user, other);
    else this.insertBlock.run(user, other, at);
  }

  allBlocks(): { user: string; blocked: string; at: number }[] {
    return this.selectBlocks.all();
  }

  addAudit(e: NewAuditEntry): number {
    return Number(this.insertAudit.run(e.at, e.actor, e.action, e.room ?? null, e.target ?? null, e.detail ?? null).lastInsertRowid);
  }

  audit(before: number | undefined, limit: number): AuditEntry[] {
    return this.selectAudit.all(before ?? Number.MAX_SAFE_INTEGER, Math.max(0, Math.floor(limit))).map(toAudit);
  }
}
