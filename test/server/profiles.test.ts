import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { Jimp, JimpMime } from 'jimp';
import { downloadFile, uploadAvatar } from '../../client/transfers';
import { AVATAR_SIZE, MAX_AVATAR_UPLOAD, type Profile, type ProfileEvent, type ProfilesReply, type ServerFrame, type UploadReadyReply } from '../../protocol';
import { TestServer } from '../helpers/server';
import { Client, connect, rejectsWith, signIn } from './chat-helpers';
import { HashSink, mediaObjects, sha256, transferConnection, until } from './transfer-helpers';

const isLiveProfile = (user: string, pred: (p: Profile) => boolean = () => true) => (f: ServerFrame) =>
  f.t === 'profile' && f.id === undefined && f.profile.user === user && pred(f.profile);

/** A picture three squares wide: blue, red, green. Its center square is all red. */
async function stripes(format: 'image/png' | 'image/jpeg' | 'image/bmp' | 'image/gif', side = 60): Promise<Buffer> {
  const image = new Jimp({ width: side * 3, height: side, color: 0x0000ffff });
  image.scan(side, 0, side, side, (x, y) => image.setPixelColor(0xff0000ff, x, y));
  image.scan(side * 2, 0, side, side, (x, y) => image.setPixelColor(0x00ff00ff, x, y));
  return image.getBuffer(format);
}

/** A PNG header that claims a huge picture: refused before anything is decoded. */
function hugePngHeader(width: number, height: number): Buffer {
  const head = Buffer.from('89504e470d0a1a0a0000000d49484452000000000000000008060000000000000000', 'hex');
  head.writeUInt32BE(width, 16);
  head.writeUInt32BE(height, 20);
  return head;
}

describe('server: profiles over real TCP', function () {
  this.timeout(60_000);
  let server: TestServer;
  const open: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => {
    open.push(c);
    return c;
  };
  const user = async () => track(await signIn(server));
  const transfer = async (c: Client) => track(await transferConnection(server, c.token));

  before(async () => {
    server = await TestServer.start({ args: ['--rate-limit', '0'] });
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('sets a display name and status, which another user sees live and by asking; "" clears', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    const reply = await a.conn.request<ProfileEvent>({ t: 'profile_set', displayName: '  Ada Lovelace ', statusMessage: 'writing notes 📝' });
    assert.deepEqual(reply.profile, { user: a.user, displayName: 'Ada Lovelace', statusMessage: 'writing notes 📝' });
    const live = await b.waitFor<ProfileEvent>(isLiveProfile(a.user), 5000, 'profile frame');
    assert.deepEqual(live.profile, reply.profile);
    const asked = await b.conn.request<ProfilesReply>({ t: 'profiles', users: [a.user.toUpperCase(), 'nobody_at_all', b.user] });
    assert.deepEqual(asked.profiles, [reply.profile, { user: b.user }]);

    const cleared = await a.conn.request<ProfileEvent>({ t: 'profile_set', statusMessage: '' });
    assert.deepEqual(cleared.profile, { user: a.user, displayName: 'Ada Lovelace' });
    await b.waitFor(isLiveProfile(a.user, (p) => p.statusMessage === undefined), 5000, 'the cleared status');
    // The sender's other connections learn it too.
    const a2 = track(await signIn(server, a.user, { register: false }));
    await a.conn.request({ t: 'profile_set', displayName: 'Ada' });
    await a2.waitFor(isLiveProfile(a.user, (p) => p.displayName === 'Ada'), 5000, 'own change on another connection');
  });

  it('refuses what it cannot store, changing nothing', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    await a.conn.request({ t: 'profile_set', displayName: 'Kept' });
    await rejectsWith(a.conn.request({ t: 'profile_set', displayName: 'x'.repeat(65) }), 'INVALID');
    await rejectsWith(a.conn.request({ t: 'profile_set', statusMessage: 's'.repeat(141) }), 'INVALID');
    await rejectsWith(a.conn.request({ t: 'profile_set', displayName: 'evil\u202eoh' }), 'INVALID');
    await rejectsWith(a.conn.request({ t: 'profile_set', statusMessage: 'two\nlines' }), 'INVALID');
    const impersonation = await rejectsWith(a.conn.request({ t: 'profile_set', displayName: b.user.toUpperCase() }), 'INVALID');
    assert.match(impersonation.message, /another user/);
    await rejectsWith(a.conn.request({ t: 'profiles', users: [] }), 'INVALID');
    const asked = await b.conn.request<ProfilesReply>({ t: 'profiles', users: [a.user] });
    assert.deepEqual(asked.profiles, [{ user: a.user, displayName: 'Kept' }]);
    // A display name may be one's own user name.
    await a.conn.request({ t: 'profile_set', displayName: a.user });
  });

  it('needs a signed-in connection', async () => {
    const conn = track(await connect(server));
    await rejectsWith(conn.request({ t: 'profile_set', displayName: 'Anon' }), 'UNAUTHENTICATED');
    await rejectsWith(conn.request({ t: 'profiles', users: ['someone'] }), 'UNAUTHENTICATED');
  });

  it('makes an uploaded picture a 128×128 center-cropped PNG avatar, shown live, downloadable by anyone, the original not kept', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    const ta = await transfer(a);
    const jpeg = await stripes('image/jpeg', 64);
    const reply = await uploadAvatar(ta, { stream: Readable.from([jpeg]), size: jpeg.length, name: 'me.jpg' });
    const avatar = reply.profile.avatar;
    assert.ok(avatar, 'the profile carries the avatar');
    assert.equal(reply.profile.user, a.user);
    assert.equal(avatar.mime, 'image/png');
    assert.equal(avatar.kind, 'image');
    const live = await b.waitFor<ProfileEvent>(isLiveProfile(a.user, (p) => p.avatar !== undefined), 5000, 'the avatar change');
    assert.deepEqual(live.profile.avatar, avatar);
    await a.waitFor(isLiveProfile(a.user, (p) => p.avatar?.fileId === avatar.fileId), 5000, 'the uploader’s chat connection');

    const tb = await transfer(b);
    const parts: Buffer[] = [];
    const collect = new Writable({
      write(chunk: Buffer, _enc, cb) {
        parts.push(chunk);
        cb();
      },
    });
    const got = await downloadFile(tb, { fileId: avatar.fileId, to: collect });
    const png = Buffer.concat(parts);
    assert.equal(got.sha256, avatar.sha256);
    assert.equal(sha256(png), avatar.sha256);
    assert.equal(got.mime, 'image/png');
    const image = await Jimp.fromBuffer(png);
    assert.equal(image.mime, JimpMime.png);
    assert.deepEqual([image.width, image.height], [AVATAR_SIZE, AVATAR_SIZE]);
    // Center-cropped: the red middle square fills it to the corners (a few pixels in: JPEG blurs colour edges).
    for (const [x, y] of [[4, 4], [123, 4], [4, 123], [123, 123], [64, 64]]) {
      const c = image.getPixelColor(x, y);
      const [r, g, bl] = [(c >>> 24) & 255, (c >>> 16) & 255, (c >>> 8) & 255];
      assert.ok(r > 200 && g < 60 && bl < 60, `pixel ${x},${y} is red, not ${c.toString(16)}`);
    }
    const objects = mediaObjects(path.join(server.dataDir, 'media')).map((k) => path.basename(k));
    assert.ok(objects.includes(avatar.sha256), 'the avatar is in the media store');
    assert.ok(!objects.includes(sha256(jpeg)), 'the original is not');
  });

  it('accepts PNG, GIF and BMP, replaces the avatar (dropping the old bytes), and clears it', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    const ta = await transfer(a);
    const mediaDir = path.join(server.dataDir, 'media');
    let last: string | undefined;
    for (const format of ['image/png', 'image/gif', 'image/bmp'] as const) {
      const bytes = await stripes(format, 20 + (format === 'image/gif' ? 1 : format === 'image/bmp' ? 2 : 0));
      const reply = await uploadAvatar(ta, { stream: Readable.from([bytes]), size: bytes.length, name: 'pic' });
      const sha = reply.profile.avatar?.sha256;
      assert.ok(sha, `${format} became an avatar`);
      if (last !== undefined && last !== sha) await until(() => !mediaObjects(mediaDir).some((k) => k.endsWith(last as string)), 'the replaced avatar’s bytes to go');
      last = sha;
    }
    const cleared = await a.conn.request<ProfileEvent>({ t: 'profile_set', clearAvatar: true });
    assert.equal(cleared.profile.avatar, undefined);
    await b.waitFor(isLiveProfile(a.user, (p) => p.avatar === undefined), 5000, 'the cleared avatar');
    await until(() => !mediaObjects(mediaDir).some((k) => k.endsWith(last as string)), 'the cleared avatar’s bytes to go');
  });

  it('refuses what is no image, a damaged or huge one, and an upload over the avatar limit, keeping the avatar', async () => {
    const a = await user();
    const ta = await transfer(a);
    const good = await stripes('image/png', 10);
    const kept = (await uploadAvatar(ta, { stream: Readable.from([good]), size: good.length })).profile.avatar;
    const refusals: [Buffer, string][] = [
      [Buffer.from('just some text, not a picture'), 'UNSUPPORTED_IMAGE'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'UNSUPPORTED_IMAGE'],
      [Buffer.concat([good.subarray(0, 40), Buffer.alloc(40)]), 'UNSUPPORTED_IMAGE'],
      [hugePngHeader(20_000, 20_000), 'UNSUPPORTED_IMAGE'],
    ];
    for (const [bytes, code] of refusals) {
      const err = await rejectsWith(uploadAvatar(ta, { stream: Readable.from([bytes]), size: bytes.length }), code);
      assert.ok(err.message.length > 0);
    }
    await rejectsWith(ta.request<UploadReadyReply>({ t: 'avatar', size: MAX_AVATAR_UPLOAD + 1 }), 'TOO_LARGE');
    const asked = await a.conn.request<ProfilesReply>({ t: 'profiles', users: [a.user] });
    assert.deepEqual(asked.profiles[0].avatar, kept);
  });

  it('downloads an avatar for a user in no room with its owner but general, and refuses an unknown id', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    const bytes = await stripes('image/png', 8);
    const avatar = (await uploadAvatar(await transfer(a), { stream: Readable.from([bytes]), size: bytes.length })).profile.avatar;
    assert.ok(avatar);
    const tb = await transfer(b);
    const sink = new HashSink();
    assert.equal((await downloadFile(tb, { fileId: avatar.fileId, to: sink })).sha256, avatar.sha256);
    await rejectsWith(downloadFile(tb, { fileId: 'no-such-avatar', to: new HashSink() }), 'NOT_FOUND');
  });
});
