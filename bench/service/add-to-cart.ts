import type { CartOperation } from '../floors/floors';
import type { BenchEnvironment } from '../harness/environment';
import type { Throughput } from '../harness/stats';
import { closedLoop } from './load';

/** POST /api/cart, one unit of the operation's product, `connections` at once, each operation once. */
export function addToCartService(
  environment: BenchEnvironment,
  operations: CartOperation[],
  { connections }: { connections: number },
): Promise<Throughput & { statuses: Record<string, number> }> {
  for (const { userId } of operations) environment.token(userId);
  return closedLoop(environment.baseUrl, {
    connections,
    amount: operations.length,
    requestFor: (i) => {
      const { userId, productId } = operations[i % operations.length]!;
      return { method: 'POST', path: '/api/cart', token: environment.token(userId), body: { product_id: productId, quantity: 1 } };
    },
  });
}
