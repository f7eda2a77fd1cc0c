import assert from 'node:assert/strict';
import {
  Acked, Connection, DropFiles, ErrorMessage, Init, LoadOlder, Messages, OpenLink, OpenSearch, OpenSnippet, Pending, Ready, RunCommand, Search,
  SearchResults, Send, Typing, TypingEvent, hostMessages, isHostMessage, isWebviewMessage, replyError, replyTo, webviewMessages,
} from '../../webview/messages';
import { ME, init, message } from './fixtures';

describe('webview/messages', () => {
  it('gives every message type one descriptor per direction', () => {
    const host = hostMessages.map((d) => d.type);
    const view = webviewMessages.map((d) => d.type);
    assert.equal(new Set(host).size, host.length);
    assert.equal(new Set(view).size, view.length);
    for (const t of ['ready', 'send', 'loadOlder', 'openRoom', 'typing', 'read', 'openLink', 'openSnippet', 'search', 'retry', 'download', 'openMedia', 'pasteImage', 'dropFiles']) assert.ok(view.includes(t as never), t);
    for (const t of ['init', 'messages', 'pending', 'acked', 'typing', 'readMark', 'presence', 'connection', 'activeRoom', 'searchResults', 'mediaUri', 'error']) assert.ok(host.includes(t as never), t);
  });

  it('create() builds what is() accepts', () => {
    const send = Send.create({ room: 'general', text: 'hi', cid: 'c1' });
    assert.deepEqual(send, { type: 'send', room: 'general', text: 'hi', cid: 'c1' });
    assert.ok(Send.is(send) && isWebviewMessage(send));
    assert.ok(Ready.is(Ready.create({})));
    assert.ok(isHostMessage(init()));
    assert.ok(Pending.is(Pending.create({ room: 'general', cid: 'c', text: '', state: 'queued' })));
    assert.ok(Connection.is({ type: 'connection', state: 'reconnecting', detail: 'in 2 s' }));
    assert.ok(Connection.is(Connection.create({ state: 'reconnecting', retryAt: 1_800_000_000_000 })));
    assert.ok(OpenSearch.is(OpenSearch.create({})) && isHostMessage(OpenSearch.create({ query: 'jitter' })));
  });

  it('rejects malformed payloads instead of trusting the sender', () => {
    const bad: unknown[] = [
      null, 'send', [], { type: 'send' }, { type: 'send', room: '', text: 'x', cid: 'c' },
      { type: 'send', room: 'general', text: 5, cid: 'c' }, { type: 'read', room: 'general', seq: -1 },
      { type: 'read', room: 'general', seq: 1.5 }, { type: 'openLink', href: 42 }, { type: 'nope' },
      { type: 'openSnippet', message: message('general', 1, ME, 'no snippet') },
      { type: 'dropFiles', room: 'general', requestId: 'r1', files: [{ name: 'a', size: -3, mime: '' }] },
    ];
    for (const m of bad) assert.equal(isWebviewMessage(m), false, JSON.stringify(m));
    assert.equal(Init.is({ type: 'init', me: ME, rooms: [{ id: 'general' }] }), false);
    assert.equal(Messages.is({ type: 'messages', room: 'general', messages: [{ seq: 1 }] }), false);
    assert.equal(Acked.is({ type: 'acked', cid: 'c', seq: '3' }), false);
    assert.equal(isHostMessage({ type: 'connection', state: 'weird' }), false);
    assert.equal(isHostMessage({ type: 'connection', state: 'reconnecting', retryAt: 'soon' }), false);
    assert.equal(isHostMessage({ type: 'openSearch', query: 42 }), false);
  });

  it('tells the two typing messages apart by shape', () => {
    assert.ok(Typing.is({ type: 'typing', room: 'general' }));
    assert.ok(TypingEvent.is({ type: 'typing', room: 'general', user: 'bob_smith' }));
    assert.equal(TypingEvent.is({ type: 'typing', room: 'general' }), false);
  });

  it('requires a requestId on requests', () => {
    assert.equal(LoadOlder.is({ type: 'loadOlder', room: 'general', before: 10 }), false);
    assert.ok(LoadOlder.is({ type: 'loadOlder', room: 'general', before: 10, requestId: 'r1' }));
    assert.ok(LoadOlder.is({ type: 'loadOlder', room: 'general', requestId: 'r1' }));
    assert.ok(Search.is({ type: 'search', query: 'x', requestId: 'r2' }));
    assert.ok(DropFiles.is({ type: 'dropFiles', room: 'general', files: [], uris: ['file:///a'], requestId: 'r3' }));
    assert.equal(LoadOlder.reply, Messages);
    assert.equal(Search.reply, SearchResults);
  });

  it('builds replies that carry the request id', () => {
    const req = LoadOlder.create({ room: 'general', before: 5, requestId: 'r7' });
    const reply = replyTo(LoadOlder, req, { room: 'general', messages: [message('general', 4, 'bob_smith', 'x')], prepend: true, more: false });
    assert.equal(reply.type, 'messages');
    assert.equal(reply.requestId, 'r7');
    assert.ok(Messages.is(reply));
    const err = replyError(req, 'not available yet', 'NOT_AVAILABLE');
    assert.deepEqual(err, { type: 'error', message: 'not available yet', code: 'NOT_AVAILABLE', requestId: 'r7' });
    assert.ok(ErrorMessage.is(err));
  });

  it('lets the webview ask only for the sign-in and register commands', () => {
    assert.ok(isWebviewMessage(RunCommand.create({ command: 'parley.signIn' })));
    assert.ok(isWebviewMessage({ type: 'runCommand', command: 'parley.register' }));
    for (const command of ['parley.signOut', 'workbench.action.terminal.new', 'parley.signIn ', '', 42, undefined]) {
      assert.equal(isWebviewMessage({ type: 'runCommand', command }), false, String(command));
    }
  });

  it('checks snippets inside openSnippet', () => {
    const m = message('general', 2, ME, '', undefined, { snippet: { code: 'x', language: 'ts', path: 'a.ts', startLine: 3, endLine: 4 } });
    assert.ok(OpenSnippet.is({ type: 'openSnippet', message: m }));
    assert.ok(OpenLink.is({ type: 'openLink', href: 'https://example.com' }));
  });

  it('checks conversation requests: kinds, one emoji for reactions, text only for edits', () => {
    const ok = [
      { type: 'changeMessage', requestId: 'r', room: 'general', seq: 3, kind: 'react', emoji: '👍' },
      { type: 'changeMessage', requestId: 'r', room: 'general', seq: 3, kind: 'edit', text: 'new' },
      { type: 'changeMessage', requestId: 'r', room: 'general', seq: 3, kind: 'delete' },
      { type: 'reply', requestId: 'r', room: 'general', root: 3, text: 'hi', cid: 'c', inRoom: true },
      { type: 'thread', requestId: 'r', room: 'general', root: 3 },
      { type: 'threads', requestId: 'r', room: 'general' },
      { type: 'pins', requestId: 'r', room: 'general' },
      { type: 'revisions', requestId: 'r', room: 'general', seq: 3 },
    ];
    for (const m of ok) assert.ok(isWebviewMessage(m), JSON.stringify(m));
    const bad = [
      { type: 'changeMessage', requestId: 'r', room: 'general', seq: 3, kind: 'react', emoji: '<b>x</b>' },
      { type: 'changeMessage', requestId: 'r', room: 'general', seq: 3, kind: 'react', emoji: '👍👍' },
      { type: 'changeMessage', requestId: 'r', room: 'general', seq: 3, kind: 'react' },
      { type: 'changeMessage', requestId: 'r', room: 'general', seq: 3, kind: 'edit', text: '   ' },
      { type: 'changeMessage', requestId: 'r', room: 'general', seq: 3, kind: 'delete', text: 'sneaky' },
      { type: 'changeMessage', requestId: 'r', room: 'general', seq: 3, kind: 'pin', emoji: '👍' },
      { type: 'changeMessage', requestId: 'r', room: 'general', seq: 3, kind: 'ban' },
      { type: 'changeMessage', requestId: 'r', room: 'general', seq: -1, kind: 'delete' },
      { type: 'changeMessage', room: 'general', seq: 3, kind: 'delete' },
      { type: 'reply', requestId: 'r', room: 'general', root: '3', text: 'hi', cid: 'c' },
      { type: 'reply', requestId: 'r', room: 'general', root: 3, text: '', cid: 'c' },
      { type: 'reply', requestId: 'r', room: 'general', root: 3, text: 'x', cid: 'c', inRoom: 'yes' },
      { type: 'thread', requestId: 'r', room: '', root: 3 },
      { type: 'revisions', requestId: 'r', room: 'general', seq: 1.5 },
    ];
    for (const m of bad) assert.equal(isWebviewMessage(m), false, JSON.stringify(m));
  });

  it('checks the conversation state of messages from the host', () => {
    const m = message('general', 1, ME, 'x', 1, { reactions: { '👍': [ME] }, replies: 2, repliers: [ME], lastReply: 5, pinned: true, edited: 3 });
    assert.ok(Messages.is({ type: 'messages', room: 'general', messages: [m] }));
    for (const extra of [{ reactions: { hi: [ME] } }, { reactions: { '👍': 'me' } }, { replies: -1 }, { deleted: 'yes' }, { root: 'x' }, { change: { kind: 'ban', target: 1 } }]) {
      assert.equal(Messages.is({ type: 'messages', room: 'general', messages: [{ ...m, ...extra }] }), false, JSON.stringify(extra));
    }
    assert.ok(isHostMessage({ type: 'changes', room: 'general', events: [{ ...m, change: { kind: 'react', target: 1, emoji: '🎉' } }] }));
    assert.equal(isHostMessage({ type: 'changes', room: 'general', events: [m] }), false, 'a change event carries its change');
  });
});
