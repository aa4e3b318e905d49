// Client for the inspector HTTP API (see the contract in host docs / web/README.md):
// bearer-token handling, a fetch wrapper with typed errors, connection state for the
// "disconnected, retrying" banner, and one shared, self-reconnecting SSE stream.

const TOKEN_KEY = 'hatchery.token';

/**
 * Takes `token=XYZ` out of `location.hash` (forms: `#token=abc`, `#/processes&token=abc`,
 * `#/processes?token=abc`), keeps it in sessionStorage, and rewrites the hash without it so
 * the token does not linger in the address bar or in history.
 */
export function captureToken() {
  const hash = location.hash;
  const m = /(^#|[&?])token=([^&]*)/.exec(hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[2]));
  let rest = hash.slice(0, m.index) + (m[1] === '#' ? '#' : '') + hash.slice(m.index + m[0].length);
  rest = rest.replace(/^#&/, '#').replace(/[?&]$/, '');
  if (rest === '#' || rest === '') rest = '#/processes';
  history.replaceState(null, '', `${location.pathname}${location.search}${rest}`);
}

const token = () => sessionStorage.getItem(TOKEN_KEY);

/** An API failure: `status` 0 means the server could not be reached. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  /** "bad_request: message is not valid JSON" — what the UI shows next to a form. */
  toString() {
    return this.code ? `${this.code}: ${this.message}` : this.message;
  }
}

// ---- connection state -------------------------------------------------------------------

const conn = { http: true, sse: true, unauthorized: false };
const connListeners = new Set();

/** `fn(state)` is called whenever reachability changes; returns an unsubscribe function. */
export function onConnection(fn) {
  connListeners.add(fn);
  fn({ ...conn });
  return () => connListeners.delete(fn);
}

function setConn(patch) {
  const changed = Object.entries(patch).some(([k, v]) => conn[k] !== v);
  if (!changed) return;
  Object.assign(conn, patch);
  for (const fn of connListeners) fn({ ...conn });
}

// ---- fetch ---------------------------------------------------------------------------------

/**
 * `api('/api/node')`, `api('/api/send', { method: 'POST', body: {...} })`.
 * Resolves with the parsed JSON body; rejects with ApiError (status 0 when unreachable).
 */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (e) {
    setConn({ http: false });
    throw new ApiError(0, 'unreachable', 'server unreachable');
  }
  // A proxy or a restarting server may answer 502-504 without our JSON error shape.
  if (res.status >= 502 && res.status <= 504) {
    setConn({ http: false });
    throw new ApiError(res.status, 'unreachable', `server unavailable (${res.status})`);
  }
  setConn({ http: true, unauthorized: res.status === 401 });
  const text = await res.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!res.ok) {
    const err = json && json.error;
    throw new ApiError(res.status, err?.code || `http_${res.status}`, err?.message || text.slice(0, 200) || res.statusText);
  }
  return json;
}

export const post = (path, body) => api(path, { method: 'POST', body });

/** Builds a query string, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

// ---- server-sent events ---------------------------------------------------------------------

export const EVENT_TYPES = ['spawned', 'exited', 'output', 'swap', 'swap_rejected', 'stats', 'dropped'];
const subscribers = new Map(EVENT_TYPES.map((t) => [t, new Set()]));
let source = null;
let retryMs = 1000;

/** Subscribes to one SSE event type (`'*'` for all but stats); returns an unsubscribe fn. */
export function onEvent(type, fn) {
  if (!subscribers.has(type)) subscribers.set(type, new Set());
  subscribers.get(type).add(fn);
  return () => subscribers.get(type).delete(fn);
}

function dispatch(type, data) {
  for (const fn of subscribers.get(type) || []) fn(data);
  if (type !== 'stats') for (const fn of subscribers.get('*') || []) fn(type, data);
}

/**
 * Opens /api/events. EventSource retries by itself only on some failures (not on a 401 or a
 * non-SSE answer), so on any error we close it and reconnect with a capped backoff.
 */
export function startEvents() {
  if (source) return;
  const t = token();
  source = new EventSource(`/api/events${t ? `?token=${encodeURIComponent(t)}` : ''}`);
  source.onopen = () => {
    retryMs = 1000;
    setConn({ sse: true });
  };
  source.onerror = () => {
    source.close();
    source = null;
    setConn({ sse: false });
    setTimeout(startEvents, retryMs);
    retryMs = Math.min(retryMs * 2, 8000);
  };
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (ev) => {
      let data;
      try { data = JSON.parse(ev.data); } catch { return; }
      dispatch(type, data);
    });
  }
}
