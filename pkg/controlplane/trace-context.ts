// W3C trace context for each call (contract §2: every call carries traceparent). Headers come from
// the globally registered propagator and the active context, as the OpenTelemetry API defines; when
// that yields no traceparent (no SDK, or no propagator registered) the active span's context is
// written by hand, and with no valid span a fresh unsampled trace is started, so the API's logs can
// still tie the attempts of one call together.
import { randomBytes } from 'node:crypto';
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

/** Random non-zero id of the given byte length, as lowercase hex. */
function randomHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex');
    if (!/^0+$/.test(hex)) return hex;
  }
}
