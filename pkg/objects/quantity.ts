// Quantities (cpuCores, memoryGb, storageGb, nodes, ports) as integer thousandths (contract §1): a JSON
// number is accepted only if it is finite, >= 0, has at most 3 decimals and is at most MAX_QUANTITY, so
// every sum the scheduler forms stays an exact integer (0.1 + 0.2 is 300 thousandths, never 0.30000000000000004).
import { z } from 'zod';

/** Largest accepted quantity; bounds each value to 1e12 thousandths so sums of thousands stay exact. */
export const MAX_QUANTITY = 1_000_000_000;

/**
 * x in integer thousandths, or undefined when x is not a finite number >= 0 with at most 3 decimals.
 * A JSON "1.005" parses to the double nearest 1.005; Math.round(x * 1000) recovers 1005, and the round
 * trip (1005 / 1000 === x) holds exactly when x is the double nearest some 3-decimal number.
 */
export function toThousandths(x: number): number | undefined {
  if (!Number.isFinite(x) || x < 0 || x > MAX_QUANTITY) return undefined;
  const milli = Math.round(x * 1000);
  return milli / 1000 === x ? milli : undefined;
}

/** A quantity field: a JSON number in, integer thousandths out. */
export function quantitySchema(description: string): z.ZodPipe<z.ZodNumber, z.ZodTransform<number, number>> {
  return z
    .number()
    // No multipleOf: 0.001 in the JSON Schema: float validators refuse 0.3 for it (0.3 / 0.001 is not an integer).
    .meta({ description, minimum: 0, maximum: MAX_QUANTITY })
    .transform((x, ctx) => {
      const milli = toThousandths(x);
      if (milli !== undefined) return milli;
      ctx.issues.push({
        code: 'custom',
        input: x,
        message: x < 0 ? 'must be >= 0' : x > MAX_QUANTITY ? `must be <= ${MAX_QUANTITY}` : 'at most 3 decimals allowed',
      });
      return z.NEVER;
    });
}
