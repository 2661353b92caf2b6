// Plain-text tables for the demo's final report.

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** "63%" of used over capacity (both integer thousandths); "-" without a capacity. */
export function percent(used: number, capacity: number | undefined): string {
  if (capacity === undefined || capacity === 0) return '-';
  return `${Math.round((100 * used) / capacity)}%`;
}

/** A progress bar of `width` cells for done/total. */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((width * done) / total);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
