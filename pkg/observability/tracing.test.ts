import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { SecretRegistry } from './logger';
import type { InMemoryTracing } from './testing';
import { inMemoryTracing, parentOf } from './testing';
import { NOOP_TRACING } from './tracing';

describe('OtelTracing', () => {
  let t: InMemoryTracing;
  const secrets = new SecretRegistry();
  secrets.add('s3cret-api-key-value');

  beforeEach(() => { t = inMemoryTracing(secrets); });
  afterEach(() => t.close());

  it('nests a span opened inside another, keeps it active across awaits and ends both', async () => {
    let activeInside: string | undefined;
    await t.tracing.inSpanAsync('outer', 'internal', async (outer) => {
      outer.setAttributes({ 'a.number': 1, 'a.skipped': undefined });
      await new Promise<void>((resolve) => setImmediate(resolve));
      t.tracing.inSpan('inner', 'client', () => {
        activeInside = trace.getSpanContext(context.active())?.spanId;
      });
    });
    const [inner, outer] = t.spans();
    expect([inner?.name, outer?.name]).toEqual(['inner', 'outer']);
    expect(parentOf(inner!)).toBe(outer?.spanContext().spanId);
    expect(inner?.spanContext().traceId).toBe(outer?.spanContext().traceId);
    expect(activeInside).toBe(inner?.spanContext().spanId);
    expect([inner?.kind, outer?.kind]).toEqual([SpanKind.CLIENT, SpanKind.INTERNAL]);
    expect(outer?.attributes).toEqual({ 'a.number': 1 });
  });

  it('marks a span failed with the error code and a scrubbed message, and passes the error on', async () => {
    const err = Object.assign(new Error('refused key s3cret-api-key-value'), { code: 'Unauthorized' });
    await expect(t.tracing.inSpanAsync('call', 'client', () => Promise.reject(err))).rejects.toBe(err);
    expect(() => t.tracing.inSpan('sync', 'internal', () => { throw new TypeError('boom'); })).toThrow('boom');
    const [call, sync] = t.spans();
    expect(call?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'refused key [REDACTED]' });
    expect(call?.attributes['error.type']).toBe('Unauthorized');
    expect(JSON.stringify(call?.events)).not.toContain('s3cret');
    expect(sync?.attributes['error.type']).toBe('TypeError');
  });

  it('returns what the work returns', async () => {
    expect(t.tracing.inSpan('sync', 'internal', () => 7)).toBe(7);
    expect(await t.tracing.inSpanAsync('async', 'internal', () => Promise.resolve('x'))).toBe('x');
  });
});

describe('NOOP_TRACING', () => {
  it('runs the work without a span', async () => {
    expect(NOOP_TRACING.inSpan('x', 'internal', (span) => { span.setAttributes({ a: 1 }); return trace.getActiveSpan(); })).toBeUndefined();
    await expect(NOOP_TRACING.inSpanAsync('x', 'internal', () => Promise.reject(new Error('e')))).rejects.toThrow('e');
  });
});
