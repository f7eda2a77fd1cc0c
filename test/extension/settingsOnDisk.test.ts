// Hand edits of settings.json that VS Code has not loaded yet still reach the next sign-in.
import { strict as assert } from 'node:assert';
import { HandEdits, serverKeys } from '../../extension/settingsOnDisk';

describe('extension: hand-edited user settings', () => {
  it('reads the server keys from settings.json with comments and trailing commas', () => {
    const text = '{\n  // the team server\n  "parley.server.host": "chat.example.com",\n  "parley.server.port": 7000, /* moved */\n  "editor.fontSize": 14,\n}\n';
    assert.deepEqual(serverKeys(text), { 'parley.server.host': 'chat.example.com', 'parley.server.port': 7000 });
    assert.deepEqual(serverKeys('{}'), {});
    assert.equal(serverKeys('{ "parley.server.port": '), undefined, 'a half-written file is no edit');
    assert.equal(serverKeys('[]'), undefined);
  });

  it('takes a file edit VS Code has not loaded, until VS Code catches up', () => {
    const edits = new HandEdits({ 'parley.server.port': 6000 });
    const vscode = { 'parley.server.port': 6000 };
    assert.deepEqual(edits.update({ 'parley.server.port': 6000 }, vscode), {}, 'nothing changed');
    assert.deepEqual(edits.update({ 'parley.server.port': 7000 }, vscode), { 'parley.server.port': 7000 });
    // Asked again before VS Code noticed: still the file's value.
    assert.deepEqual(edits.update({ 'parley.server.port': 7000 }, vscode), { 'parley.server.port': 7000 });
    // VS Code caught up: its value is the file's, nothing to add.
    assert.deepEqual(edits.update({ 'parley.server.port': 7000 }, { 'parley.server.port': 7000 }), {});
  });

  it('a key removed from the file means its default again', () => {
    const edits = new HandEdits({ 'parley.server.host': 'old.example.com' });
    const out = edits.update({}, { 'parley.server.host': 'old.example.com' });
    assert.ok('parley.server.host' in out);
    assert.equal(out['parley.server.host'], undefined);
  });

  it('ignores a file that always differed (another settings profile) and an unreadable one', () => {
    const edits = new HandEdits({ 'parley.server.port': 6000 });
    assert.deepEqual(edits.update({ 'parley.server.port': 6000 }, { 'parley.server.port': 9000 }), {});
    assert.deepEqual(edits.update(undefined, { 'parley.server.port': 9000 }), {});
    // The Settings UI wrote both: in step, nothing to add.
    assert.deepEqual(edits.update({ 'parley.server.port': 9100 }, { 'parley.server.port': 9100 }), {});
  });
});
