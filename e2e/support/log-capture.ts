// A Logger that keeps every line in memory (child fields merged in), for e2e tests that run the
// scheduler in this process and judge it by what it logs: how often a malformed key was reported,
// whether a refused API key was said clearly, what a line carries.
import type { LogFields, Logger } from '../../pkg/observability';

export type CapturedLevel = 'debug' | 'info' | 'warn' | 'error';

export interface CapturedLine {
  readonly level: CapturedLevel;
  readonly message: string;
  readonly fields: LogFields;
}

export class LogCapture implements Logger {
  constructor(
    /** Shared by a logger and all its children. */
    readonly lines: CapturedLine[] = [],
    private readonly bound: LogFields = {},
  ) {}

  debug(message: string, fields?: LogFields): void { this.push('debug', message, fields); }
  info(message: string, fields?: LogFields): void { this.push('info', message, fields); }
  warn(message: string, fields?: LogFields): void { this.push('warn', message, fields); }
  error(message: string, fields?: LogFields): void { this.push('error', message, fields); }

  child(fields: LogFields): Logger {
    return new LogCapture(this.lines, { ...this.bound, ...fields });
  }

  /** Lines with this message (and, when given, this level). */
  withMessage(message: string, level?: CapturedLevel): CapturedLine[] {
    return this.lines.filter((l) => l.message === message && (level === undefined || l.level === level));
  }

  private push(level: CapturedLevel, message: string, fields: LogFields | undefined): void {
    this.lines.push({ level, message, fields: { ...this.bound, ...fields } });
  }
}
