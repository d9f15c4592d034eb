import { LogController } from 'fastify';
import { type Logger, type LoggerOptions, pino } from 'pino';
import pretty from 'pino-pretty';

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogStyle {
  /** one human-readable line per entry (a terminal), or pino's JSON (production, files, collectors) */
  pretty: boolean;
  /** the level of the two lines Fastify writes per request */
  requestLevel: 'info' | 'debug';
}

/**
 * JSON, with a line per request at info, unless a person is watching: on a terminal (and not
 * NODE_ENV=production) entries are human-readable and request lines drop to debug, so the start-up
 * banner stays in view and LOG_LEVEL=info still shows start-up, warnings and errors. LOG_FORMAT
 * overrides the guess; request lines stay at info with JSON, as collectors expect them.
 */
export function chooseLogStyle(input: { format: LogFormat; nodeEnv: string | undefined; isTTY: boolean }): LogStyle {
  const prettyOutput = input.format === 'auto' ? input.isTTY && input.nodeEnv !== 'production' : input.format === 'pretty';
  return { pretty: prettyOutput, requestLevel: prettyOutput ? 'debug' : 'info' };
}

/** The process's logger in that style (pino-pretty in-process and synchronous: the banner prints after what was logged before it). */
export function createLogger(level: LoggerOptions['level'], style: LogStyle): Logger {
  if (!style.pretty) return pino({ level });
  return pino({ level }, pretty({ colorize: true, sync: true, ignore: 'pid,hostname,reqId', translateTime: 'SYS:HH:MM:ss' }));
}

/** Fastify's request lines at `requestLevel`; errors stay errors. `skip` leaves requests out (probes). */
export class RequestLogController extends LogController {
  constructor(
    private readonly requestLevel: 'info' | 'debug',
    skip: (request: { url: string }) => boolean,
  ) {
    super({ disableRequestLogging: skip });
  }

  override incomingRequest(...args: Parameters<LogController['incomingRequest']>): void {
    const [request] = args;
    if (this.isLogDisabled(request)) return;
    request.log[this.requestLevel]({ req: request }, 'incoming request');
  }

  override requestCompleted(...args: Parameters<LogController['requestCompleted']>): void {
    const [error, request, reply] = args;
    if (error || this.requestLevel === 'info') {
      super.requestCompleted(...args);
      return;
    }
    if (this.isLogDisabled(request)) return;
    reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
