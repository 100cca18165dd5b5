// The JSON API client of the UI. URLs resolve against the directory above /ui/, so a
// reverse proxy that serves triage under a path prefix keeps working.

const ROOT = new URL('../', document.baseURI);

/** A failed request: its HTTP status (0 when the server was not reached) and message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
  /** Whether the endpoint does not exist on this server. */
  get notFound() {
    return this.status === 404;
  }
}

/** The absolute URL of an API path with query pairs (`[[k, v], ...]`, repeated keys kept). */
export function apiUrl(path, params = []) {
  const u = new URL(path.replace(/^\//, ''), ROOT);
  for (const [k, v] of params) {
    if (v !== undefined && v !== null && v !== '') u.searchParams.append(k, v);
  }
  return u;
}

async function request(method, path, { params, body } = {}) {
  let resp;
  try {
    resp = await fetch(apiUrl(path, params), {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, `cannot reach triage: ${e.message}`);
  }
  if (!resp.ok) throw new ApiError(resp.status, await errorText(resp));
  return resp;
}

async function errorText(resp) {
  const text = (await resp.text()).trim();
  try {
    const j = JSON.parse(text);
    if (typeof j === 'string') return j;
    if (j && typeof j.message === 'string') return j.message;
  } catch {
    // not JSON: the text itself
  }
  return text || `${resp.status} ${resp.statusText}`;
}

/** GET a JSON document. */
export async function getJson(path, params) {
  return (await request('GET', path, { params })).json();
}

/** GET a text document. */
export async function getText(path, params) {
  return (await request('GET', path, { params })).text();
}

/** POST a JSON body; the answer's JSON (or null when empty). */
export async function postJson(path, body) {
  const text = await (await request('POST', path, { body })).text();
  return text ? JSON.parse(text) : null;
}

/** DELETE a resource. */
export async function del(path) {
  await request('DELETE', path);
}
