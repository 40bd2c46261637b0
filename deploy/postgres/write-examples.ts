import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXAMPLES_DIR, postgresExamples } from './examples';

/** `npm run deploy:examples`: writes deploy/postgres/'s configuration files from the tested generators. */
for (const [name, content] of Object.entries(postgresExamples())) {
  writeFileSync(path.join(EXAMPLES_DIR, name), content);
  console.log(`written deploy/postgres/${name}`);
}
