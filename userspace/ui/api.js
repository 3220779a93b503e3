/*
 * api.js: the client of the agent's JSON API (/api/...). Every failure
 * becomes an ApiError with one readable line and the HTTP status (0: the
 * agent could not be reached).
 */

export class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

// The message is the server's {"error"} when it sent one, otherwise the
// HTTP status or the network failure.
export async function api(path, opts) {
  let res;
  try {
    res = await fetch(path, Object.assign({ cache: 'no-store' }, opts || {}));
  } catch (e) {
    throw new ApiError('cannot reach the agent (' + (e && e.message ? e.message : e) + ')', 0);
  }
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
  if (!res.ok) {
    const msg = body && typeof body.error === 'string' ? body.error
      : 'HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : '');
    throw new ApiError(msg, res.status);
  }
  if (body === null) throw new ApiError('the agent sent a response that is not JSON', res.status);
  return body;
}
