import { QueryTypes } from 'sequelize';
import type { Tx } from '../tx';

export interface ProductForSale {
  id: string;
  name: string;
  price: string;
  stock: number;
  active: boolean;
  sellerId: string | null;
}

/**
 * Locks the products in id order. Every placement locks in the same order,
 * so two orders that share products wait for each other instead of deadlocking.
 * NO KEY UPDATE: stock changes, the key does not, so cart lines referencing
 * the product (FOR KEY SHARE in their foreign-key check) need not wait.
 */
export function lockProducts({ db, transaction }: Tx, productIds: string[]): Promise<ProductForSale[]> {
  return db.query<ProductForSale>(
    `SELECT id, name, price, stock, active, seller_id AS "sellerId" FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
    { type: QueryTypes.SELECT, bind: [productIds], transaction },
  );
}
