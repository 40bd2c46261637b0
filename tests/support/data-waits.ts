import type { Pool } from 'pg';
import { waitFor } from '../../shared/async/wait-for';

/** Polls the database until no order is pending; fails after `timeoutMs`. */
export async function untilNoPendingOrders(pool: Pool, timeoutMs = 30_000): Promise<void> {
  const pending = async () =>
    (await pool.query<{ pending: number }>(`SELECT count(*)::int AS pending FROM orders WHERE status = 'pending'`)).rows[0]?.pending ?? 0;
  await waitFor('no order pending', async () => (await pending()) === 0, { timeoutMs, intervalMs: 100 });
}
