import { ConfigError, loadConfig } from './config.js';
import { startServer } from './server.js';

try {
  await startServer(loadConfig());
} catch (error) {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`leadbox failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
