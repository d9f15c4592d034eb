import type { DB } from '@leadbox/server/db/schema.js';
import type { Kysely } from 'kysely';

export interface Io {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  /** standard input (for --password-stdin) */
  stdin?: AsyncIterable<string | Buffer>;
}

/** What every command gets: the streams, the configured database (opened and migrated on first use), and output. */
export interface CliContext {
  io: Io;
  db(): Promise<Kysely<DB>>;
  /** JSON with --json, the human text otherwise */
  print(json: boolean, value: unknown, human: string): void;
}

/** Commander collector for an option that may be given several times. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];
