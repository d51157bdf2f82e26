/**
 * Jest timeouts in this suite are hang guards, never speed checks: a test that does its work slowly on a busy
 * machine (a CI runner with every core taken: `npm run test:stress`) must still pass; only a test that never ends
 * fails. Use this for every test or file timeout.
 */
export const HANG_GUARD_MS = 20 * 60_000;
