// Times are RFC 3339 with an offset (contract §1): "2026-11-27T10:00:00Z" or "...T10:00:00.5+02:00";
// seconds required, calendar checked (no 30 February). Kept as written; Date.parse gives epoch ms.
import { z } from 'zod';

/** An RFC 3339 timestamp with an offset, kept as written. */
export const rawTimestampSchema = z.iso.datetime({
  offset: true,
  error: 'must be an RFC 3339 time with an offset, e.g. 2026-11-27T10:00:00Z',
});
