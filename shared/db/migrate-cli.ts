import { loadConfig } from '../config/load-config';
import { createSequelize, ensureDatabase } from './database';
import { migrate } from './migrate';

/** `npm run db:migrate`: creates the database if needed and applies pending migrations. */
async function main(): Promise<void> {
  const config = loadConfig();
  await ensureDatabase(config.DATABASE_URL);
  const sequelize = createSequelize({ url: config.DATABASE_URL, poolMax: 2, applicationName: 'checkout-migrate' });
  try {
    const applied = await migrate(sequelize, config.DATABASE_URL);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await sequelize.close();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
