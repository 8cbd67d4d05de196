/** A timestamp as the API shows it (ISO 8601), or null for none. */
export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** A calendar day `YYYY-MM-DD` (a `date` column may arrive as text already), or null for none. */
export const day = (d: Date | string | null): string | null =>
  d === null ? null : typeof d === 'string' ? d : d.toISOString().slice(0, 10);
