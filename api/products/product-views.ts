import type { ProductRecord } from '../../shared/products/product-repository';

/** The wire shape of a product. */
export function toProductJson(product: ProductRecord) {
  return {
    id: product.id,
    name: product.name,
    price: product.price,
    stock: product.stock,
    seller_id: product.sellerId,
    active: product.active,
    created_at: product.createdAt.toISOString(),
    updated_at: product.updatedAt.toISOString(),
  };
}
