const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID string; ids that are not UUIDs cannot name anything, so callers answer 404. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
