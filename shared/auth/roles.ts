/** The roles a token may carry; `customer` when the claim is absent. */
export const ROLES = ['customer', 'seller', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller: `id` is the token's `sub` (a seller's `sub` is its seller id). */
export interface AuthUser {
  id: string;
  role: Role;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
