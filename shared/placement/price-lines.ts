import type { Shortage } from '../domain/shortage';
import type { CartLineToOrder } from '../cart/cart-repository';
import { formatCents, toCents } from '../domain/money';
import type { FailureReason } from '../domain/order-status';
import type { PricedItem } from '../orders/order-item-repository';
import type { ProductForSale } from '../products/product-repository';

/** orders.total_price is NUMERIC(20,2). */
const MAX_TOTAL_CENTS = 10n ** 20n;

export type Pricing =
  | { ok: true; items: PricedItem[]; totalPrice: string; itemsCount: number }
  | { ok: false; reason: FailureReason; products: Shortage[] };

/**
 * Re-prices every line from the product table and checks stock (pure).
 * Unavailable (inactive or deleted) products win over shortages.
 */
export function priceLines(lines: CartLineToOrder[], products: ProductForSale[]): Pricing {
  const byId = new Map(products.map((product) => [product.id, product]));
  const unavailable = lines.filter((line) => !byId.get(line.productId)?.active);
  if (unavailable.length > 0) {
    return {
      ok: false,
      reason: 'PRODUCT_UNAVAILABLE',
      products: unavailable.map((line) => ({ product_id: line.productId, requested: line.quantity, available: 0 })),
    };
  }
  const short = lines.filter((line) => line.quantity > byId.get(line.productId)!.stock);
  if (short.length > 0) {
    return {
      ok: false,
      reason: 'OUT_OF_STOCK',
      products: short.map((line) => ({
        product_id: line.productId,
        requested: line.quantity,
        available: byId.get(line.productId)!.stock,
      })),
    };
  }
  let total = 0n;
  const items = lines.map((line) => {
    const product = byId.get(line.productId)!;
    const cents = toCents(product.price) * BigInt(line.quantity);
    total += cents;
    return {
      productId: product.id,
      sellerId: product.sellerId,
      name: product.name,
      unitPrice: product.price,
      quantity: line.quantity,
      lineTotal: formatCents(cents),
    };
  });
  if (total >= MAX_TOTAL_CENTS) return { ok: false, reason: 'ORDER_TOO_LARGE', products: [] };
  return {
    ok: true,
    items,
    totalPrice: formatCents(total),
    itemsCount: lines.reduce((sum, line) => sum + line.quantity, 0),
  };
}
