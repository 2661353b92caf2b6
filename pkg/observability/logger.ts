// Structured logs: winston JSON on stdout, a child logger per component, constant messages with
// data in fields. Registered secrets are scrubbed from every line, whatever field carries them. A
// line written while a span is active carries that span's trace_id and span_id (issue 11).
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import winston from 'winston';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Readonly<Record<string, unknown>>;

/** The logging seam every component takes; NOOP_LOGGER is the default where none is given. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export const NOOP_LOGGER: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => NOOP_LOGGER,
};

export const REDACTED = '[REDACTED]';

/** Secret values to scrub from log lines (API keys, passwords); shared by every logger of the process. */
export class SecretRegistry {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would scrub ordinary words; real keys are long.
    if (secret !== undefined && secret.length >= 6) this.secrets.add(secret);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }
}

export interface WinstonLoggerOptions {
  readonly level: LogLevel;
  /** Defaults to a fresh registry with no secrets. */
  readonly secrets?: SecretRegistry;
  /** Where lines go; default stdout. */
  readonly stream?: NodeJS.WritableStream;
  /** Fields on every line (service, schedulerId). */
  readonly defaultFields?: LogFields;
}

/** A winston logger behind the Logger seam; setLevel applies a live config change. */
export class WinstonLogger implements Logger {
  private constructor(
    private readonly inner: winston.Logger,
    private readonly root: winston.Logger,
  ) {}

  static create(options: WinstonLoggerOptions): WinstonLogger {
    const secrets = options.secrets ?? new SecretRegistry();
    const scrub = winston.format((info) => {
      const json = JSON.stringify(info, errorReplacer);
      const clean = secrets.scrub(json);
      if (clean === json) return info;
      const parsed = JSON.parse(clean) as Record<string | symbol, unknown>;
      for (const key of Object.keys(info)) delete (info as Record<string, unknown>)[key];
      return Object.assign(info, parsed);
    });
    const transport = options.stream === undefined
      ? new winston.transports.Console()
      : new winston.transports.Stream({ stream: options.stream });
    const root = winston.createLogger({
      level: options.level,
      defaultMeta: options.defaultFields,
      format: winston.format.combine(winston.format.timestamp(), scrub(), winston.format.json({ replacer: errorReplacer })),
      transports: [transport],
    });
    return new WinstonLogger(root, root);
  }

  setLevel(level: LogLevel): void {
    this.root.level = level;
  }

  debug(message: string, fields?: LogFields): void {
    this.inner.debug(message, withTraceIds(fields));
  }

  info(message: string, fields?: LogFields): void {
    this.inner.info(message, withTraceIds(fields));
  }

  warn(message: string, fields?: LogFields): void {
    this.inner.warn(message, withTraceIds(fields));
  }

  error(message: string, fields?: LogFields): void {
    this.inner.error(message, withTraceIds(fields));
  }

  child(fields: LogFields): Logger {
    return new WinstonLogger(this.inner.child(fields), this.root);
  }
}

/**
 * The fields plus trace_id and span_id of the active span, read here, at the call, rather than in a
 * winston format: winston runs formats when its stream gets to the line, which behind a transport
 * that acknowledges asynchronously is after the call returned, in another span's context.
 */
function withTraceIds(fields: LogFields | undefined): LogFields | undefined {
  const span = trace.getSpanContext(context.active());
  const safe = fields !== undefined && 'message' in fields ? keepMessageConstant(fields) : fields;
  if (span === undefined || !isSpanContextValid(span)) return safe;
  return { ...safe, trace_id: span.traceId, span_id: span.spanId };
}

/** winston appends a `message` field to the line's message; it goes under `detail` so messages stay constant. */
function keepMessageConstant({ message, ...rest }: LogFields): LogFields {
  return { ...rest, detail: message };
}

/** Errors log as {name, message, code, cause}, not as {} (their fields are not enumerable). */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }), ...(value.cause === undefined ? {} : { cause: value.cause }) };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}
