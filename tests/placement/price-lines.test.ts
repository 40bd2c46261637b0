import type { CartLineToOrder } from '../../shared/cart/cart-repository';
import type { ProductForSale } from '../../shared/products/product-repository';
import { priceLines } from '../../shared/placement/price-lines';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

function product(id: string, price: string, stock: number, active = true): ProductForSale {
  return { id, name: `Product ${id.slice(-1)}`, price, stock, active, sellerId: `seller-${id.slice(-1)}` };
}

function line(productId: string, quantity: number): CartLineToOrder {
  return { id: `line-${productId.slice(-1)}`, productId, quantity };
}

describe('priceLines', () => {
  it('totals in exact cents, never in floats (3 x 0.10 + 2 x 19.99 = 40.28)', () => {
    const pricing = priceLines([line(A, 3), line(B, 2)], [product(A, '0.10', 10), product(B, '19.99', 10)]);
    expect(pricing).toEqual({
      ok: true,
      totalPrice: '40.28',
      itemsCount: 5,
      items: [
        { productId: A, sellerId: 'seller-a', name: 'Product a', unitPrice: '0.10', quantity: 3, lineTotal: '0.30' },
        { productId: B, sellerId: 'seller-b', name: 'Product b', unitPrice: '19.99', quantity: 2, lineTotal: '39.98' },
      ],
    });
  });

  it('adds ten lines of 0.10 to exactly 1.00', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`);
    const pricing = priceLines(
      ids.map((id) => ({ id: `l${id}`, productId: id, quantity: 1 })),
      ids.map((id) => ({ id, name: id, price: '0.10', stock: 1, active: true, sellerId: null })),
    );
    expect(pricing.ok && pricing.totalPrice).toBe('1.00');
    expect(pricing.ok && pricing.itemsCount).toBe(10);
  });

  it('handles large amounts without losing cents (99 x 9999999999.99)', () => {
    const pricing = priceLines([line(A, 99)], [product(A, '9999999999.99', 99)]);
    expect(pricing).toMatchObject({ ok: true, totalPrice: '989999999999.01', itemsCount: 99 });
  });

  it('counts items as the sum of quantities, not the number of lines', () => {
    const pricing = priceLines(
      [line(A, 4), line(B, 1), line(C, 7)],
      [product(A, '1.00', 10), product(B, '2.50', 10), product(C, '0.01', 10)],
    );
    expect(pricing).toMatchObject({ ok: true, itemsCount: 12, totalPrice: '6.57' });
  });

  it('takes the name and price from the product, not from anything the cart line carried', () => {
    const pricing = priceLines([line(A, 2)], [{ id: A, name: 'Renamed', price: '5.55', stock: 3, active: true, sellerId: 's9' }]);
    expect(pricing.ok && pricing.items[0]).toEqual({
      productId: A,
      sellerId: 's9',
      name: 'Renamed',
      unitPrice: '5.55',
      quantity: 2,
      lineTotal: '11.10',
    });
  });

  it('accepts a line that asks for exactly the stock there is', () => {
    const pricing = priceLines([line(A, 5)], [product(A, '1.00', 5)]);
    expect(pricing).toMatchObject({ ok: true, totalPrice: '5.00', itemsCount: 5 });
  });

  it('fails with OUT_OF_STOCK and names the short product with requested and available', () => {
    const pricing = priceLines([line(A, 1), line(B, 6)], [product(A, '1.00', 5), product(B, '1.00', 5)]);
    expect(pricing).toEqual({ ok: false, reason: 'OUT_OF_STOCK', products: [{ product_id: B, requested: 6, available: 5 }] });
  });

  it('lists every short product, and only those', () => {
    const pricing = priceLines(
      [line(A, 3), line(B, 2), line(C, 1)],
      [product(A, '1.00', 0), product(B, '1.00', 2), product(C, '1.00', 0)],
    );
    expect(pricing).toEqual({
      ok: false,
      reason: 'OUT_OF_STOCK',
      products: [
        { product_id: A, requested: 3, available: 0 },
        { product_id: C, requested: 1, available: 0 },
      ],
    });
  });

  it('fails with PRODUCT_UNAVAILABLE for an inactive product', () => {
    const pricing = priceLines([line(A, 1), line(B, 1)], [product(A, '1.00', 5), product(B, '1.00', 5, false)]);
    expect(pricing).toEqual({ ok: false, reason: 'PRODUCT_UNAVAILABLE', products: [{ product_id: B, requested: 1, available: 0 }] });
  });

  it('fails with PRODUCT_UNAVAILABLE for a product that no longer exists', () => {
    const pricing = priceLines([line(A, 1), line(C, 2)], [product(A, '1.00', 5)]);
    expect(pricing).toEqual({ ok: false, reason: 'PRODUCT_UNAVAILABLE', products: [{ product_id: C, requested: 2, available: 0 }] });
  });

  it('reports unavailable products before shortages when an order has both', () => {
    const pricing = priceLines(
      [line(A, 9), line(B, 1), line(C, 1)],
      [product(A, '1.00', 1), product(B, '1.00', 5, false)],
    );
    expect(pricing).toEqual({
      ok: false,
      reason: 'PRODUCT_UNAVAILABLE',
      products: [
        { product_id: B, requested: 1, available: 0 },
        { product_id: C, requested: 1, available: 0 },
      ],
    });
  });

  it('reports an inactive product as unavailable even when it has enough stock', () => {
    const pricing = priceLines([line(A, 1)], [product(A, '1.00', 100, false)]);
    expect(pricing).toMatchObject({ ok: false, reason: 'PRODUCT_UNAVAILABLE' });
  });
});
