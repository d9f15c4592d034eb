import { readFileSync } from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { LOG_FORMATS, type LogFormat } from './lib/log-style.js';
import { passwordProblem } from './lib/password-rules.js';

export interface RateLimitConfig {
  /** requests allowed per window */
  points: number;
  windowSeconds: number;
}

export interface Config {
  host: string;
  port: number;
  /** Where the embedded SQLite database lives when `databaseUrl` is not set. */
  dataDir: string;
  /** `postgres://…` switches the store to PostgreSQL. */
  databaseUrl: string | null;
  redisUrl: string | null;
  databasePoolSize: number;
  /** PostgreSQL: a statement running longer is cancelled */
  databaseStatementTimeoutMs: number;
  /** apply pending migrations when the server starts (LEADBOX_MIGRATE=false to leave it to `leadbox migrate`) */
  migrateOnStart: boolean;
  /** prefix of every Redis key, so several deployments can share one Redis */
  redisKeyPrefix: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** LOG_FORMAT: auto (human-readable on a terminal unless NODE_ENV=production; JSON otherwise), pretty or json */
  logFormat: LogFormat;
  nodeEnv: string | undefined;
  /** Trust X-Forwarded-For from a proxy in front (for per-address limits). */
  /** who may frame the full-page chat (/page/…): a CSP frame-ancestors source list */
  frameAncestors: string;
  /** the longest a client may take to send a whole request (headers and body) */
  requestTimeoutMs: number;
  /** true: trust every proxy's X-Forwarded-For; a list: only these addresses or CIDR ranges */
  trustProxy: boolean | string[];
  rateLimits: {
    inbox: RateLimitConfig;
    leads: RateLimitConfig;
    /** failed authentications per client address */
    authFailures: RateLimitConfig;
  };
  /** the owner a first start creates on an empty database (LEADBOX_ADMIN_*); null fields: defaults */
  admin: { email: string | null; password: string | null };
  /** Base URL printed in first-start instructions and the OpenAPI servers list. */
  publicUrl: string;
  webhooks: WebhookConfig;
  jobs: {
    /** run background jobs (bulk actions, imports) in this instance */
    run: boolean;
    /** how often an idle instance looks for queued jobs, in ms */
    pollMs: number;
    /** jobs one instance works on at once */
    concurrency: number;
  };
  panel: {
    /** requests per signed-in panel session per minute */
    sessionLimit: number;
    /** sign-in attempts per client address per minute */
    loginAddressLimit: number;
    /** sign-in attempts per email per 15 minutes */
    loginEmailLimit: number;
  };
  widget: {
    /** requests per client address per minute on the public widget API */
    addressLimit: number;
    /** requests per chat session per minute */
    sessionLimit: number;
    /** new chats (first visits) per client address per minute */
    newChatsPerAddress: number;
    /** new chats per bot per minute */
    newChatsPerBot: number;
    /** open event streams per client address, and per bot (in each instance) */
    streamsPerAddress: number;
    streamsPerBot: number;
    heartbeatMs: number;
    /** a visitor is offline this long after their last widget stream closed */
    offlineGraceMs: number;
    /** a widget stream with no message either way for this long is closed (the widget reconnects on the visitor's next move) */
    streamIdleMs: number;
  };
}

export interface WebhookConfig {
  /** run the delivery loop in this instance */
  dispatch: boolean;
  /** allow targets on private, loopback and link-local addresses (tests, trusted networks) */
  allowPrivateTargets: boolean;
  timeoutMs: number;
  /** first retry delay; each next one is 3 times longer, capped at one hour, with ±20% jitter */
  retryBaseMs: number;
  /** attempts per delivery before it is marked failed */
  maxAttempts: number;
  /** consecutive failed attempts after which a subscription is disabled */
  disableAfterFailures: number;
  pollMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Reads every environment variable leadbox understands, once; a bad value fails with all problems listed. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, protocols: string[]): string | null => {
    const raw = env[name];
    if (!raw) return null;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!logLevels.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')}`);

  const logFormat = (env.LOG_FORMAT || 'auto') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) problems.push(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}`);

  int('LEADBOX_PASSWORD_SCRYPT_COST', 17, 10, 20); // read by lib/passwords.ts; validated here so a bad value fails at start-up
  const host = env.HOST || '127.0.0.1';
  const port = int('PORT', 3000, 0, 65535);
  const config: Config = {
    host,
    port,
    dataDir: path.resolve(cwd, env.LEADBOX_DATA_DIR || 'data'),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 500),
    databaseStatementTimeoutMs: int('DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 100, 3_600_000),
    redisKeyPrefix: env.LEADBOX_REDIS_PREFIX || 'leadbox',
    migrateOnStart: env.LEADBOX_MIGRATE !== 'false' && env.LEADBOX_MIGRATE !== '0',
    logLevel,
    logFormat,
    nodeEnv: env.NODE_ENV,
    trustProxy: trustedProxies(env.TRUST_PROXY, problems),
    requestTimeoutMs: int('LEADBOX_REQUEST_TIMEOUT_MS', 60_000, 100, 600_000),
    frameAncestors: frameAncestors(env.LEADBOX_FRAME_ANCESTORS, problems),
    rateLimits: {
      inbox: {
        points: int('LEADBOX_INBOX_RATE_LIMIT', 100, 1, 1_000_000),
        windowSeconds: int('LEADBOX_INBOX_RATE_WINDOW', 60, 1, 86_400),
      },
      leads: {
        points: int('LEADBOX_LEADS_RATE_LIMIT', 1000, 1, 1_000_000),
        windowSeconds: int('LEADBOX_LEADS_RATE_WINDOW', 3600, 1, 86_400),
      },
      authFailures: {
        points: int('LEADBOX_AUTH_FAILURE_LIMIT', 20, 1, 1_000_000),
        windowSeconds: int('LEADBOX_AUTH_FAILURE_WINDOW', 60, 1, 86_400),
      },
    },
    webhooks: {
      dispatch: env.LEADBOX_WEBHOOKS !== 'false' && env.LEADBOX_WEBHOOKS !== '0',
      allowPrivateTargets: env.LEADBOX_WEBHOOK_ALLOW_PRIVATE === 'true' || env.LEADBOX_WEBHOOK_ALLOW_PRIVATE === '1',
      timeoutMs: int('LEADBOX_WEBHOOK_TIMEOUT_MS', 30_000, 100, 120_000),
      retryBaseMs: int('LEADBOX_WEBHOOK_RETRY_BASE_MS', 5_000, 1, 3_600_000),
      maxAttempts: int('LEADBOX_WEBHOOK_MAX_ATTEMPTS', 10, 1, 100),
      disableAfterFailures: int('LEADBOX_WEBHOOK_DISABLE_AFTER', 30, 1, 10_000),
      pollMs: int('LEADBOX_WEBHOOK_POLL_MS', 500, 10, 60_000),
    },
    jobs: {
      run: env.LEADBOX_JOBS !== 'false' && env.LEADBOX_JOBS !== '0',
      pollMs: int('LEADBOX_JOBS_POLL_MS', 1000, 10, 60_000),
      concurrency: int('LEADBOX_JOBS_CONCURRENCY', 2, 1, 32),
    },
    panel: {
      sessionLimit: int('LEADBOX_PANEL_SESSION_LIMIT', 1200, 1, 1_000_000),
      loginAddressLimit: int('LEADBOX_LOGIN_ADDRESS_LIMIT', 10, 1, 1_000_000),
      loginEmailLimit: int('LEADBOX_LOGIN_EMAIL_LIMIT', 10, 1, 1_000_000),
    },
    widget: {
      addressLimit: int('LEADBOX_WIDGET_ADDRESS_LIMIT', 600, 1, 1_000_000),
      sessionLimit: int('LEADBOX_WIDGET_SESSION_LIMIT', 60, 1, 1_000_000),
      newChatsPerAddress: int('LEADBOX_WIDGET_NEW_CHATS_PER_ADDRESS', 20, 1, 1_000_000),
      newChatsPerBot: int('LEADBOX_WIDGET_NEW_CHATS_PER_BOT', 1200, 1, 1_000_000),
      streamsPerAddress: int('LEADBOX_WIDGET_STREAMS_PER_ADDRESS', 20, 1, 1_000_000),
      streamsPerBot: int('LEADBOX_WIDGET_STREAMS_PER_BOT', 5000, 1, 1_000_000),
      heartbeatMs: int('LEADBOX_WIDGET_HEARTBEAT_MS', 15_000, 50, 120_000),
      offlineGraceMs: int('LEADBOX_WIDGET_OFFLINE_GRACE_MS', 20_000, 10, 600_000),
      streamIdleMs: int('LEADBOX_WIDGET_STREAM_IDLE_MS', 1_800_000, 100, 86_400_000),
    },
    admin: firstStartAdmin(env, problems),
    publicUrl: (env.LEADBOX_PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, ''),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * LEADBOX_ADMIN_EMAIL and LEADBOX_ADMIN_PASSWORD (or LEADBOX_ADMIN_PASSWORD_FILE, e.g. a Docker
 * secret; one trailing line break is dropped) choose the owner the first start creates.
 */
function firstStartAdmin(env: Env, problems: string[]): Config['admin'] {
  const email = env.LEADBOX_ADMIN_EMAIL?.trim() || null;
  if (email && (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254)) {
    problems.push('LEADBOX_ADMIN_EMAIL must be an email address');
  }
  let password = env.LEADBOX_ADMIN_PASSWORD || null;
  const file = env.LEADBOX_ADMIN_PASSWORD_FILE;
  if (file) {
    if (password) problems.push('set LEADBOX_ADMIN_PASSWORD or LEADBOX_ADMIN_PASSWORD_FILE, not both');
    try {
      password = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`LEADBOX_ADMIN_PASSWORD_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}: ${file})`);
    }
  }
  const problem = password === null ? null : passwordProblem(password, { email: email ?? undefined });
  if (problem) problems.push(`the LEADBOX_ADMIN_PASSWORD ${problem}`);
  return { email, password };
}

/**
 * TRUST_PROXY: unset or false, X-Forwarded-For is ignored; a comma-separated list of addresses or
 * CIDR ranges (`10.0.0.1, 172.16.0.0/12`), only those proxies' X-Forwarded-For is believed; true
 * believes any client's (only safe when every request comes through a proxy that overwrites it).
 */
function trustedProxies(raw: string | undefined, problems: string[]): boolean | string[] {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !(ipaddr.isValid(e) || isCidr(e)));
  if (bad.length > 0)
    problems.push(`TRUST_PROXY must be true, false or a list of addresses / CIDR ranges (not understood: ${bad.join(', ')})`);
  return entries;
}

function isCidr(entry: string): boolean {
  try {
    ipaddr.parseCIDR(entry);
    return true;
  } catch {
    return false;
  }
}

/** LEADBOX_FRAME_ANCESTORS: the sites allowed to frame the bot page (`*` any; `'none'` none; or origins). */
function frameAncestors(raw: string | undefined, problems: string[]): string {
  const value = raw?.trim() || '*';
  if (/[;,\r\n]/.test(value)) problems.push("LEADBOX_FRAME_ANCESTORS must be a space-separated list of origins, * or 'none'");
  return value;
}
