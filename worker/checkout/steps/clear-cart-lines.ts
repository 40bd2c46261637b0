import type { Tx } from '../tx';

/** Removes exactly the cart lines that became the order (lines added meanwhile stay). */
export async function clearCartLines({ db, transaction }: Tx, lineIds: string[]): Promise<void> {
  await db.query('DELETE FROM cart_items WHERE id = ANY($1::uuid[])', { bind: [lineIds], transaction });
}
