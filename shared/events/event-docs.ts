import type { EventData, EventType } from './event-catalogue';

/** What each event means, its Segment Ecommerce name (for forwarding) and an example `data`. */
export const EVENT_INFO: { [T in EventType]: { about: string; segment: string | null; example: EventData<T> } } = {
  'cart.item_added': {
    about: 'Units of a product went into a cart: a new line, a re-add merged into a line, or a raised quantity.',
    segment: 'Product Added',
    example: { product_id: '7d0e9b0c-3f2a-4a51-9f55-0c1f3b2f6a10', quantity: 1, line_quantity: 3, unit_price: '19.99' },
  },
  'cart.item_removed': {
    about: 'Units of a product left a cart: a deleted line or a lowered quantity.',
    segment: 'Product Removed',
    example: { product_id: '7d0e9b0c-3f2a-4a51-9f55-0c1f3b2f6a10', quantity: 2, line_quantity: 1, unit_price: '19.99' },
  },
  'checkout.requested': {
    about: 'The shopper asked to check out; the order exists as pending (the cart at current prices).',
    segment: 'Checkout Started',
    example: { order_id: '0b6f2c1e-5d4a-4c3b-8a29-1e7f6d5c4b3a', items_count: 3, total_price: '59.97' },
  },
  'order.placed': {
    about: 'The worker placed the order: stock taken, items priced at placement.',
    segment: 'Order Completed',
    example: {
      order_id: '0b6f2c1e-5d4a-4c3b-8a29-1e7f6d5c4b3a',
      total_price: '59.97',
      items_count: 3,
      items: [{ product_id: '7d0e9b0c-3f2a-4a51-9f55-0c1f3b2f6a10', quantity: 3, unit_price: '19.99' }],
    },
  },
  'order.failed': {
    about: 'The order could not be placed (see failure_reason); cart and stock are untouched.',
    segment: null,
    example: {
      order_id: '0b6f2c1e-5d4a-4c3b-8a29-1e7f6d5c4b3a',
      failure_reason: 'OUT_OF_STOCK',
      products: [{ product_id: '7d0e9b0c-3f2a-4a51-9f55-0c1f3b2f6a10', requested: 3, available: 1 }],
    },
  },
  'order.cancelled': {
    about: 'The order was cancelled; a placed order had its stock given back.',
    segment: 'Order Cancelled',
    example: { order_id: '0b6f2c1e-5d4a-4c3b-8a29-1e7f6d5c4b3a', previous_status: 'placed', total_price: '59.97', items_count: 3 },
  },
  'order.shipped': {
    about: 'The seller (or an admin) shipped the order.',
    segment: null,
    example: { order_id: '0b6f2c1e-5d4a-4c3b-8a29-1e7f6d5c4b3a' },
  },
  'order.delivered': {
    about: 'The order was delivered.',
    segment: null,
    example: { order_id: '0b6f2c1e-5d4a-4c3b-8a29-1e7f6d5c4b3a' },
  },
};
