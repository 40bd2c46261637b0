import type { MigrationParams } from 'umzug';

/** Runs SQL inside the migration's transaction. */
export type SqlRunner = (sql: string) => Promise<unknown>;

/** A versioned migration step: raw SQL, so constraints and indexes are exactly what we write. */
export type MigrationFn = (params: MigrationParams<SqlRunner>) => Promise<unknown>;
