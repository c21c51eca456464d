/**
 * The shape of every heartbeat key Vigil issues (`generateRoutingKey`): 32 hexadecimal
 * characters. Anything else cannot be a key, so it is refused before any lookup.
 */
const HEARTBEAT_KEY = /^[0-9a-f]{32}$/;

/** Whether `key` has the shape of a heartbeat key (lower-case hex; see `normalizeHeartbeatKey`). */
export function isWellFormedHeartbeatKey(key: string): boolean {
  return HEARTBEAT_KEY.test(key);
}

/** Keys are issued in lower case; a client that upper-cases one still reaches its monitor. */
export function normalizeHeartbeatKey(key: string): string {
  return key.toLowerCase();
}
