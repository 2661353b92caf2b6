// W3C trace context for each call (contract §2: every call carries traceparent). Headers come from
// the globally registered propagator and the active context, as the OpenTelemetry API defines; when
// that yields no traceparent (no SDK, or no propagator registered) the active span's context is
// written by hand, and with no valid span a fresh unsampled trace is started, so the API's logs can
// still tie the attempts of one call together.
import { randomFillSync } from 'node:crypto';
import { context, isSpanContextValid, propagation, trace } from '@opentelemetry/api';

export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  const active = context.active();
  propagation.inject(active, carrier);
  if (carrier['traceparent'] !== undefined) return carrier;
  const spanContext = trace.getSpanContext(active);
  if (spanContext !== undefined && isSpanContextValid(spanContext)) {
    carrier['traceparent'] = formatTraceparent(spanContext.traceId, spanContext.spanId, spanContext.traceFlags);
  } else {
    carrier['traceparent'] = formatTraceparent(randomHex(16), randomHex(8), 0);
  }
  return carrier;
}

function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, '0')}`;
}

// Ids are drawn from a pool refilled in one system call per 4 KiB: a call per id cost about 2% of
// the scheduler's CPU at a thousand calls per second.
const POOL = Buffer.alloc(4_096);
let poolOffset = POOL.length;

/** Random non-zero id of the given byte length, as lowercase hex. */
function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > POOL.length) {
      randomFillSync(POOL);
      poolOffset = 0;
    }
    const hex = POOL.toString('hex', poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    if (!/^0+$/.test(hex)) return hex;
  }
}
