import { loadConfig } from '../shared/config/load-config';
import { prepareDatabase } from '../shared/db/migrate';

/** `npm run db:migrate`: creates the database if needed and applies pending migrations. */
async function main(): Promise<void> {
  const config = loadConfig();
  const applied = await prepareDatabase(config.DATABASE_DIRECT_URL);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
