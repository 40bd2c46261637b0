import type { OrderStatus } from '../domain/order-status';
import { AppError } from '../errors/error-codes';

/** 404 for an order that does not exist or is not the caller's to see. */
export function orderNotFound(): AppError {
  return new AppError('ORDER_NOT_FOUND', 'Order not found');
}

/** 409 for a move the state machine does not allow from the current status. */
export function invalidTransition(from: OrderStatus, to: OrderStatus): AppError {
  return new AppError('INVALID_TRANSITION', `An order that is ${from} cannot become ${to}`, { current_status: from });
}
