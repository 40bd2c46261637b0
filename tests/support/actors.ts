import { randomBytes } from 'node:crypto';
import { tokenFor } from './tokens';

/** Someone who calls the API: a user id and the token that proves it (no token: anonymous). */
export interface Actor {
  id: string;
  token?: string;
}

/** The actor `id` with a valid token for `role` (a customer when none is given). */
export function actor(id: string, role?: 'customer' | 'seller' | 'admin'): Actor {
  return { id, token: tokenFor(id, role) };
}

/** A customer no other test uses: `<prefix>-<random>`. */
export const newUser = (prefix = 'user'): Actor => actor(`${prefix}-${randomBytes(4).toString('hex')}`);

/** A seller no other test uses. */
export const newSeller = (prefix = 'seller'): Actor => actor(`${prefix}-${randomBytes(4).toString('hex')}`, 'seller');

/** An admin (`admin1` unless named). */
export const admin = (id = 'admin1'): Actor => actor(id, 'admin');

/** A caller without a token. */
export const ANONYMOUS: Actor = { id: 'nobody' };
