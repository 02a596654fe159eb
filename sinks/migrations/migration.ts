import type { Knex } from 'knex';

/** A migration defined in code: runs the same from TypeScript (tsx) and from compiled JavaScript. */
export interface CodeMigration {
  /** Recorded in the migrations table; never rename one that has run. */
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}
