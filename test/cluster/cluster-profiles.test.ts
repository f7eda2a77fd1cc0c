// Profiles on several nodes: a change made on one node reaches the users connected to another,
// and every node reads the same stored profile.
import * as assert from 'node:assert/strict';
import type { ProfileEvent, ProfilesReply } from '../../protocol';
import { uniqueUser, type Client } from '../server/chat-helpers';
import { signInAt } from './failover-check';
import { useClusterNodes } from './harness';

describe('cluster: profiles across nodes', function () {
  this.timeout(120_000);
  const { nodes } = useClusterNodes(['p1', 'p2']);
  const clients: Client[] = [];
  after(() => {
    for (const c of clients) c.close();
  });

  const on = async (node: number, user = uniqueUser()) => {
    const c = await signInAt(nodes[node], user);
    clients.push(c);
    return c;
  };

  it('a display name set on node 1 goes live to a user on node 2, and node 2 answers it when asked', async () => {
    const ada = await on(0);
    const bob = await on(1);
    const reply = await ada.conn.request<ProfileEvent>({ t: 'profile_set', displayName: 'Ada on node 1', statusMessage: 'clustered' });
    const live = await bob.waitFor<ProfileEvent>(
      (f) => f.t === 'profile' && f.id === undefined && f.profile.user === ada.user && f.profile.displayName === 'Ada on node 1',
      20_000,
      'the profile change on node 2',
    );
    assert.deepEqual(live.profile, reply.profile);
    const asked = await bob.conn.request<ProfilesReply>({ t: 'profiles', users: [ada.user] });
    assert.deepEqual(asked.profiles, [reply.profile]);
  });
});
