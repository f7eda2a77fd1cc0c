import { strict as assert } from 'node:assert';
import { DEFAULT_LIMITS } from '../../protocol';
import { oversizedSnippet, snippetFileName, snippetLimit } from '../../extension/snippetSize';

describe('extension: the snippet limit is the server\'s maxText', () => {
  it('uses the announced maxText, and the protocol default before a welcome', () => {
    assert.equal(snippetLimit(4096), 4096);
    assert.equal(snippetLimit(undefined), DEFAULT_LIMITS.maxText);
  });

  it('lets exactly maxText UTF-8 bytes through and flags one byte more', () => {
    assert.equal(oversizedSnippet('a'.repeat(1024), 1024), undefined);
    assert.deepEqual(oversizedSnippet('a'.repeat(1025), 1024), { bytes: 1025, max: 1024 });
    // bytes, not characters: 400 three-byte characters are 1200 bytes
    assert.deepEqual(oversizedSnippet('€'.repeat(400), 1024), { bytes: 1200, max: 1024 });
  });

  it('flags what the extension used to accept (up to 256 KiB) but the default server refuses', () => {
    assert.ok(oversizedSnippet('x'.repeat(100 * 1024), undefined));
  });

  it('names the file a large selection is sent as after its source and lines', () => {
    assert.equal(snippetFileName('/src/app/main.ts', 10, 42), 'main.L10-42.ts');
    assert.equal(snippetFileName('/src/Makefile', 3, 3), 'Makefile.L3.txt');
    assert.equal(snippetFileName(undefined, 1, 9), 'selection.L1-9.txt');
  });
});
