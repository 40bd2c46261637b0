import type { Cart, CartLine } from '../../shared/cart/cart-service';

/** The wire shape of a cart line. */
export function toCartLineJson(line: CartLine) {
  return {
    id: line.id,
    product_id: line.productId,
    name: line.name,
    unit_price: line.unitPrice,
    quantity: line.quantity,
    line_total: line.lineTotal,
  };
}

/** The wire shape of the cart. */
export function toCartJson(cart: Cart) {
  return { items: cart.items.map(toCartLineJson), items_count: cart.itemsCount, total_price: cart.totalPrice };
}
