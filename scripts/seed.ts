import { loadConfig } from '../shared/config/load-config';
import { createDatabase } from '../shared/db/database';
import { prepareDatabase } from '../shared/db/migrate';
import { saveProduct } from '../shared/products/product-service';

/** Demo catalogue with fixed ids, so seeding twice updates instead of duplicating. */
const DEMO_PRODUCTS = [
  ['00000000-0000-4000-8000-000000000001', 'Espresso cup', '7.50', 120, 'seller-1'],
  ['00000000-0000-4000-8000-000000000002', 'Pour-over kettle', '39.90', 25, 'seller-1'],
  ['00000000-0000-4000-8000-000000000003', 'Coffee beans 1 kg', '24.00', 60, 'seller-2'],
  ['00000000-0000-4000-8000-000000000004', 'Hand grinder', '59.00', 10, 'seller-2'],
  ['00000000-0000-4000-8000-000000000005', 'Limited edition mug', '19.99', 5, 'seller-1'],
] as const;

/** `npm run seed`: migrates if needed, then upserts the demo products. */
async function main(): Promise<void> {
  const config = loadConfig();
  await prepareDatabase(config.DATABASE_DIRECT_URL);
  const db = createDatabase({ url: config.DATABASE_URL, poolMax: 1, applicationName: 'checkout-seed', preparedStatements: config.DB_PREPARED_STATEMENTS });
  try {
    for (const [id, name, price, stock, sellerId] of DEMO_PRODUCTS) {
      await saveProduct(db, { id, name, price, stock, sellerId });
    }
    console.log(`seeded ${DEMO_PRODUCTS.length} products`);
  } finally {
    await db.close();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
