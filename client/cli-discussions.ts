// Terminal-client commands for discussions on the code: start one on lines of a file in a
// working copy, and list a working copy's discussions where they sit now.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { GENERAL_ROOM, anchoredCode, discussionLink, formatLines, type ChatMessage, type Snippet } from '../protocol';
import { anchorOn, fileAt, languageOf, Placer, repoPath, repositoryOf, type Placement } from './anchoring';
import { UsageError, client, json, positiveInt, resumeSaved, str, type Command } from './cli-command';

const flag = { type: 'boolean' } as const;

/** `A-B` or `A` → [A, B]. */
function parseLines(value: string | boolean | undefined): [number, number] {
  if (typeof value !== 'string') throw new UsageError('discuss needs --lines A-B (or --lines A)', 'discuss');
  const m = /^(\d+)(?:-(\d+))?$/.exec(value.trim());
  if (!m) throw new UsageError(`--lines must be A-B or A, not "${value}"`, 'discuss');
  const a = positiveInt(m[1], '--lines');
  const b = m[2] === undefined ? a : positiveInt(m[2], '--lines');
  if (b < a) throw new UsageError(`--lines ${value} ends before it starts`, 'discuss');
  return [a, b];
}

/** What `discussions --json` prints for one thread. */
export interface DiscussionLine {
  room: string;
  root: number;
  from: string;
  text: string | null;
  /** As anchored, relative to the repository root. */
  path: string;
  lines: string;
  /** The file's path here now, when git followed a rename. */
  pathHere?: string;
  /** Where the thread sits in this working copy now, or null (see `outdated`). */
  here: string | null;
  outdated: string | null;
  commit: string | null;
  resolved: boolean;
  replies: number;
  link: string;
}

function lineOf(m: ChatMessage, at: { path: string; placement: Placement }): DiscussionLine {
  const a = m.snippet?.anchor as NonNullable<Snippet['anchor']>;
  const out: DiscussionLine = {
    room: m.room,
    root: m.seq,
    from: m.from,
    text: m.text ?? null,
    path: a.path,
    lines: formatLines(a.startLine, a.endLine),
    here: at.placement.kind === 'placed' ? formatLines(at.placement.startLine, at.placement.endLine) : null,
    outdated: at.placement.kind === 'outdated' ? at.placement.reason : null,
    commit: a.commit ?? null,
    resolved: m.resolvedBy !== undefined,
    replies: m.replies ?? 0,
    link: discussionLink(m.room, m.seq),
  };
  if (at.path !== a.path) out.pathHere = at.path;
  return out;
}

export const DISCUSSION_COMMANDS: Record<string, Command> = {
  discuss: {
    positionals: true,
    usage: 'discuss [--room R] --file PATH --lines A-B [--json] TEXT…',
    summary: 'start a discussion on lines A-B of a file in this working copy',
    options: { room: str, file: str, lines: str, json },
    async run(ctx, v, positionals) {
      const text = positionals.join(' ');
      if (!text.trim()) throw new UsageError('discuss needs a text: what do you want to say about these lines?', 'discuss');
      if (typeof v.file !== 'string') throw new UsageError('discuss needs --file PATH', 'discuss');
      const [start, end] = parseLines(v.lines);
      const file = path.resolve(v.file);
      let content: string;
      try {
        content = await readFile(file, 'utf8');
      } catch {
        throw new UsageError(`cannot read ${v.file}`, 'discuss');
      }
      const repository = await repositoryOf(path.dirname(file));
      const rel = repository ? repoPath(repository.root, file) : path.relative(process.cwd(), file).split(path.sep).join('/');
      if (rel.startsWith('../')) throw new UsageError(`${v.file} is outside this working copy`, 'discuss');
      const committed = repository?.head !== undefined ? await fileAt(repository.root, repository.head, rel) : undefined;
      let anchored;
      try {
        anchored = anchorOn(content, rel, start, end, repository, committed);
      } catch (err) {
        throw new UsageError((err as Error).message, 'discuss');
      }
      const { text: code, ...anchor } = anchored;
      const snippet: Snippet = { code, language: languageOf(rel), path: rel, startLine: start, endLine: end, anchor };
      if (anchor.commit !== undefined) snippet.commit = anchor.commit;
      const c = client(ctx);
      await resumeSaved(ctx, c);
      const room = typeof v.room === 'string' ? v.room : GENERAL_ROOM;
      const ack = await c.send(room, { text, snippet });
      const link = discussionLink(ack.room, ack.seq);
      if (v.json) ctx.out.write(`${JSON.stringify({ ...ack, path: rel, lines: formatLines(start, end), link })}\n`);
      else ctx.out.write(`Started a discussion [${ack.room} #${ack.seq}] on ${rel}:${formatLines(start, end)}\n${link}\n`);
    },
  },
  discussions: {
    usage: 'discussions [--room R] [--file PATH] [--open] [--json]',
    summary: "list this working copy's discussions, each where it sits here now (here, or outdated and why)",
    options: { room: str, file: str, open: flag, json },
    async run(ctx, v) {
      const repository = await repositoryOf(process.cwd());
      const root = repository?.root ?? process.cwd();
      const only = typeof v.file === 'string' ? (repository ? repoPath(root, v.file) : path.relative(root, path.resolve(v.file)).split(path.sep).join('/')) : undefined;
      const c = client(ctx);
      await resumeSaved(ctx, c);
      const found = await c.search('has:snippet', { ...(typeof v.room === 'string' ? { room: v.room } : {}), limit: 100 });
      const roots = found.filter((m) => m.root === undefined && m.deleted !== true && m.snippet?.anchor !== undefined && m.snippet.anchor.repo === repository?.repo);
      const placer = new Placer(root);
      const lines: DiscussionLine[] = [];
      for (const m of roots) {
        if (v.open === true && m.resolvedBy !== undefined) continue;
        const at = await placer.place(anchoredCode(m.snippet) as NonNullable<ReturnType<typeof anchoredCode>>);
        const line = lineOf(m, at);
        if (only !== undefined && line.path !== only && line.pathHere !== only) continue;
        lines.push(line);
      }
      lines.sort((a, b) => (a.pathHere ?? a.path).localeCompare(b.pathHere ?? b.path) || a.room.localeCompare(b.room) || a.root - b.root);
      for (const l of lines) {
        if (v.json) {
          ctx.out.write(`${JSON.stringify(l)}\n`);
          continue;
        }
        const where = l.here !== null ? `here ${l.here}` : `outdated: ${l.outdated}`;
        const state = [l.resolved ? 'resolved' : 'open', `${l.replies} ${l.replies === 1 ? 'reply' : 'replies'}`].join(', ');
        ctx.out.write(`[${l.room} #${l.root}] ${l.pathHere ?? l.path}:${l.lines} (${where}) ${l.from}: ${l.text ?? ''} — ${state}\n  ${l.link}\n`);
      }
      if (!v.json && lines.length === 0) ctx.out.write('No discussions on this working copy.\n');
    },
  },
};
