import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from './app';
import { loadConfig } from '../shared/config/load-config';

/** The OpenAPI document as the API serves it at /openapi.json (built from the route schemas). */
export async function renderOpenApi(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const config = loadConfig({ ...env, PUBLIC_URL: '', LOG_LEVEL: 'silent' }, () => undefined);
  const app = await buildApp(config, { logger: false });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

/** `npm run openapi`: writes docs/openapi.json (clients are generated from it; a test keeps it current). */
if (require.main === module) {
  renderOpenApi().then(
    (document) => {
      const target = path.resolve(__dirname, '../docs/openapi.json');
      writeFileSync(target, document);
      console.log(`wrote ${path.relative(process.cwd(), target)}`);
    },
    (error: Error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}
