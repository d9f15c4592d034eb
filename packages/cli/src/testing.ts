import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  json(): any;
}

/** Runs the CLI in-process with its own environment, capturing what it prints. */
export async function runWith(env: Record<string, string>, argv: string[], options: { isTTY?: boolean } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env,
    stdout: { write: (s: string) => (stdout += s), isTTY: options.isTTY },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

export const tempDir = (label: string) => mkdtempSync(path.join(tmpdir(), `leadbox-${label}-`));
