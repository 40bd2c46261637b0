import { AppError } from '../errors/error-codes';

/** Most units of one product a cart line may hold (the cart_items CHECK says the same). */
export const MAX_LINE_QUANTITY = 99;

/** A cart whose checkout is pending cannot change, nor check out again. */
export function checkoutInProgress(orderId: string): AppError {
  return new AppError('CHECKOUT_IN_PROGRESS', 'A checkout of this cart is in progress', {
    order_id: orderId,
    status_url: `/api/orders/${orderId}`,
  });
}

export function cartLineNotFound(): AppError {
  return new AppError('CART_ITEM_NOT_FOUND', 'Cart item not found');
}

export function assertInStock(productId: string, quantity: number, stock: number): void {
  if (quantity > stock) {
    throw new AppError('OUT_OF_STOCK', `Only ${stock} in stock`, { product_id: productId, available: stock });
  }
}
