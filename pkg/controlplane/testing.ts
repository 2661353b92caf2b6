// Test helpers for code that uses the Control Plane client (a test-only entry point, not exported
// from index.ts).
import type { ClientLogger } from './metrics';

/** Keeps every log line as JSON text (message and fields), so tests can search them for secrets. */
export class RecordingClientLogger implements ClientLogger {
  readonly lines: string[] = [];
  debug(message: string, fields: Record<string, unknown> = {}): void {
    this.record('debug', message, fields);
  }
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.record('warn', message, fields);
  }
  error(message: string, fields: Record<string, unknown> = {}): void {
    this.record('error', message, fields);
  }
  private record(level: string, message: string, fields: Record<string, unknown>): void {
    this.lines.push(JSON.stringify({ level, message, ...fields }));
  }
}

/** What the promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err: unknown) {
    return err;
  }
  throw new Error('expected the call to fail');
}
