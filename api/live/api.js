// The page's only way to the server: JSON over fetch with the session cookie, the CSRF token on mutations, and the
// server-sent event stream. Errors come back as {code, message, details} (docs/api.md).

let csrfToken = null;

export class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? 'HTTP_' + status;
    this.details = body?.details ?? null;
  }
}

export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 204) return null;
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new ApiFailure(res.status, json);
  return json;
}

/** The current session, or null when nobody is logged in. */
export async function currentSession() {
  try {
    const s = await api('GET', '/api/session');
    csrfToken = s.csrfToken;
    return s;
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) return null;
    throw err;
  }
}

export async function login(username, password) {
  const s = await api('POST', '/api/session', { username, password });
  csrfToken = s.csrfToken;
  return s;
}

export async function logout() {
  await api('DELETE', '/api/session').catch(() => {});
  csrfToken = null;
}

/**
 * Opens the live stream. `onEvent(type, data)` for `reading` and `alert`; `onState('live' | 'reconnecting')`.
 * EventSource reconnects by itself (the server asks for 2 s).
 */
export function openStream(onEvent, onState) {
  const es = new EventSource('/api/live');
  es.addEventListener('open', () => onState('live'));
  es.addEventListener('error', () => onState('reconnecting'));
  for (const type of ['reading', 'alert']) {
    es.addEventListener(type, (e) => {
      try {
        onEvent(type, JSON.parse(e.data));
      } catch {
        /* a malformed event is skipped; the next snapshot corrects the page */
      }
    });
  }
  return () => es.close();
}
