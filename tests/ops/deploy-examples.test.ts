import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXAMPLES_DIR, postgresExamples } from '../../deploy/postgres/examples';

/**
 * deploy/postgres/ holds the PgBouncer, HAProxy and Patroni files an
 * operator starts from. They come from the functions that configure the
 * servers the fleet tests run (deploy/local/), so they are what was tested;
 * this keeps them current (`npm run deploy:examples` rewrites them) and has
 * each program check its own.
 */
describe('deploy/postgres configuration files', () => {
  it.each(Object.entries(postgresExamples()))('%s is what the tested generator writes', (name, content) => {
    expect(readFileSync(path.join(EXAMPLES_DIR, name), 'utf8')).toBe(content);
  });

  it('haproxy -c accepts haproxy.cfg', () => {
    expect(execFileSync('haproxy', ['-c', '-f', path.join(EXAMPLES_DIR, 'haproxy.cfg')], { encoding: 'utf8' })).toContain('valid');
  });

  it.each(['patroni-pg1.yml', 'patroni-pg2.yml'])('patroni --validate-config finds nothing missing in %s', (name) => {
    const { stdout, stderr } = spawnSync('patroni', ['--validate-config', path.join(EXAMPLES_DIR, name)], { encoding: 'utf8' });
    // it also tries to bind the file's addresses, which are not this machine's: only those complaints may remain
    const problems = `${stdout}${stderr}`.split('\n').filter((line) => line.trim() !== '' && !/is already in use|Cannot assign requested address/.test(line));
    expect(problems).toEqual([]);
  });
});
