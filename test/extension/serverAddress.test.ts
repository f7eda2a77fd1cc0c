// The server address as typed in "Change Server…" and shown in the signed-out views, and the
// user name and password rules checked as the user types.
import { strict as assert } from 'node:assert';
import { passwordProblem, userProblem } from '../../extension/credentialRules';
import { formatAddress, parseAddress } from '../../extension/serverAddress';

describe('extension: server address', () => {
  it('reads host:port, tls:// and tcp://, IPv6 in brackets, 6666 by default', () => {
    assert.deepEqual(parseAddress('127.0.0.1:6667'), { host: '127.0.0.1', port: 6667, tls: false });
    assert.deepEqual(parseAddress(' chat.example.com '), { host: 'chat.example.com', port: 6666, tls: false });
    assert.deepEqual(parseAddress('tls://chat.example.com:7000'), { host: 'chat.example.com', port: 7000, tls: true });
    assert.deepEqual(parseAddress('TLS://chat.example.com/'), { host: 'chat.example.com', port: 6666, tls: true });
    assert.deepEqual(parseAddress('tcp://10.0.0.5:6666', true), { host: '10.0.0.5', port: 6666, tls: false });
    assert.deepEqual(parseAddress('chat.example.com:6667', true), { host: 'chat.example.com', port: 6667, tls: true }, 'the checkbox without a scheme');
    assert.deepEqual(parseAddress('[::1]:6666'), { host: '::1', port: 6666, tls: false });
  });

  it('names what is wrong with a bad address', () => {
    const problem = (s: string) => (parseAddress(s) as { problem?: string }).problem;
    assert.equal(problem(''), 'empty');
    assert.equal(problem('https://chat.example.com'), 'scheme');
    assert.equal(problem('chat example'), 'host');
    assert.equal(problem('::1'), 'host');
    assert.equal(problem('-bad.example.com'), 'host');
    assert.equal(problem('chat.example.com:0'), 'port');
    assert.equal(problem('chat.example.com:65536'), 'port');
    assert.equal(problem('chat.example.com:http'), 'port');
  });

  it('formats what it reads back the same way', () => {
    for (const s of ['127.0.0.1:6666', 'tls://chat.example.com:7000', '[::1]:6666']) {
      const a = parseAddress(s);
      assert.ok(!('problem' in a));
      assert.equal(formatAddress(a), s);
    }
  });
});

describe('extension: user name and password rules', () => {
  it('says whether a user name is too short, too long or has other characters', () => {
    assert.equal(userProblem('alice01'), undefined);
    assert.equal(userProblem(' bob_smith '), undefined);
    assert.equal(userProblem('ab'), 'short');
    assert.equal(userProblem('a'.repeat(33)), 'long');
    assert.equal(userProblem('alice 01'), 'characters');
    assert.equal(userProblem('ålice01'), 'characters');
  });

  it('counts password characters as the server does, and only when registering', () => {
    assert.equal(passwordProblem('', false), 'empty');
    assert.equal(passwordProblem('x', false), undefined);
    assert.equal(passwordProblem('1234567', true), 'short');
    assert.equal(passwordProblem('12345678', true), undefined);
    // Eight emoji are eight characters to the server, though sixteen UTF-16 units.
    assert.equal(passwordProblem('😀'.repeat(7), true), 'short');
    assert.equal(passwordProblem('😀'.repeat(8), true), undefined);
    assert.equal(passwordProblem('x'.repeat(1025), true), 'long');
  });
});
