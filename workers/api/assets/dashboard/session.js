/**
 * The signed-in session: the API token, the account and zone it acts on, and its own token id.
 * Kept in sessionStorage only (gone when the tab closes), cleared on sign-out and on any 401.
 */
const KEY = "burrow.dashboard.session";

/**
 * @typedef {{ token: string, accountId: string, accountName: string, zoneId: string,
 *   zoneName: string, tokenId: string }} Session
 */

/** @returns {Session | null} */
export function currentSession() {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw);
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

/** @param {Session} session */
export function saveSession(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession() {
  sessionStorage.removeItem(KEY);
}
