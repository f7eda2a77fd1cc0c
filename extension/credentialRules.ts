// The server's rules for user names and passwords (protocol/limits.ts), checked as the user
// types. No vscode import: the caller words each problem.
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, USERNAME_PATTERN } from '../protocol/limits';

export type UserProblem = 'short' | 'long' | 'characters';
export type PasswordProblem = 'empty' | 'short' | 'long';

const ALLOWED = /^[A-Za-z0-9_.-]*$/;

export function userProblem(value: string): UserProblem | undefined {
  const name = value.trim();
  if (USERNAME_PATTERN.test(name)) return undefined;
  if (!ALLOWED.test(name)) return 'characters';
  return name.length < USERNAME_MIN_LENGTH ? 'short' : name.length > USERNAME_MAX_LENGTH ? 'long' : 'characters';
}

/** Registering checks the length; signing in only that something was typed. */
export function passwordProblem(value: string, registering: boolean): PasswordProblem | undefined {
  if (value.length === 0) return 'empty';
  if (!registering) return undefined;
  // The server counts characters (code points), not UTF-16 units, for the minimum.
  if ([...value].length < MIN_PASSWORD_LENGTH) return 'short';
  return value.length > MAX_PASSWORD_LENGTH ? 'long' : undefined;
}
