/** A UUID in its canonical 8-4-4-4-12 hex form (no `urn:uuid:` prefix, no braces). */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const UUID = new RegExp(UUID_PATTERN);

/** True for a UUID string; ids that are not UUIDs cannot name anything, so callers answer 404. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
