import { PassThrough } from 'node:stream';
import { SecretRegistry, WinstonLogger } from './logger';
import { inMemoryTracing } from './testing';

function capture(level: 'info' | 'debug', secrets?: SecretRegistry): { logger: WinstonLogger; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const logger = WinstonLogger.create({ level, stream, secrets, defaultFields: { service: 'test' } });
  return {
    logger,
    lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('WinstonLogger', () => {
  it('writes JSON lines with a constant message and data in fields', () => {
    const { logger, lines } = capture('info');
    logger.child({ component: 'informer' }).info('cache synced', { revision: 42 });
    expect(lines()).toEqual([expect.objectContaining({ level: 'info', message: 'cache synced', revision: 42, component: 'informer', service: 'test' })]);
  });

  it('drops lines below the level and applies a new level live', () => {
    const { logger, lines } = capture('info');
    const child = logger.child({ component: 'queue' });
    child.debug('hidden');
    logger.setLevel('debug');
    child.debug('shown');
    expect(lines().map((l) => l['message'])).toEqual(['shown']);
  });

  it('scrubs registered secrets from messages, fields and nested errors', () => {
    const secrets = new SecretRegistry();
    secrets.add('k3y-very-secret');
    const { logger, lines } = capture('info', secrets);
    logger.error('call failed', { err: new Error('header X-API-Key: k3y-very-secret'), detail: { h: 'k3y-very-secret' } });
    const text = JSON.stringify(lines());
    expect(text).not.toContain('k3y-very-secret');
    expect(text).toContain('[REDACTED]');
  });

  it('logs an error with its name, message and code', () => {
    const { logger, lines } = capture('info');
    const err = Object.assign(new Error('boom'), { code: 'Boom' });
    logger.warn('failed', { err });
    expect(lines()[0]?.['err']).toEqual({ name: 'Error', message: 'boom', code: 'Boom' });
  });

  it('keeps the message constant when the fields carry a message of their own', () => {
    const { logger, lines } = capture('info');
    logger.info('report sent', { message: '0/3 workers fit' });
    expect(lines()[0]).toEqual(expect.objectContaining({ message: 'report sent', detail: '0/3 workers fit' }));
  });

  it('stamps a line written inside a span with its trace_id and span_id, and one outside with neither', async () => {
    const t = inMemoryTracing();
    try {
      const { logger, lines } = capture('info');
      const child = logger.child({ component: 'scheduler' });
      await t.tracing.inSpanAsync('reconcile', 'internal', async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        child.info('schedule accepted', { instanceId: 'li-1' });
      });
      child.info('after');
      const span = t.spans()[0]?.spanContext();
      const [inside, outside] = lines();
      expect(inside).toEqual(expect.objectContaining({ message: 'schedule accepted', trace_id: span?.traceId, span_id: span?.spanId }));
      expect(outside).not.toHaveProperty('trace_id');
      expect(outside).not.toHaveProperty('span_id');
    } finally {
      await t.close();
    }
  });
});
