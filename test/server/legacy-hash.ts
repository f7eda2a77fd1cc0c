import { randomBytes, scryptSync } from 'node:crypto';

/** A hash as the server made them before raising the cost: N=2^14, r=8, p=1. */
export function legacyHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFC'), salt, 32, { N: 16384, r: 8, p: 1 });
  return ['scrypt', 16384, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}
