// api.js - the dashboard's only way to the server: fetch with the bearer
// token of this browser tab, problem+json errors turned into ApiError.
const KEY = 'cs.token';

export class ApiError extends Error {
  constructor(status, problem, path) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.path = path;
  }
  // The route itself is not there (yet): the server said "no such path".
  get missingRoute() {
    return this.status === 404 && /^no such path/.test(this.problem.detail || '');
  }
}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

// ECharts (a deferred classic script after the application's module in
// index.html) has run: at once when it is there, else at DOMContentLoaded,
// which comes after every deferred script. Answers are handed on only
// then, so that any code drawing from them finds the global echarts.
export function echartsReady() {
  if (typeof window.echarts !== 'undefined') return Promise.resolve();
  return new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve, { once: true }));
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export async function api(path, { method = 'GET', body, query, signal } = {}) {
  let url = path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query))
      if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  const headers = { Accept: 'application/json' };
  const t = token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const send = () => fetch(url, {
    method, headers, signal,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let resp = await send();
  // over the token's rate limit, or the server is busy, or the answer is
  // being read in the background (a province's situation can take longer
  // than a request may): wait as told (at most 5 s), up to three times
  for (let tries = 0; tries < 3 && (resp.status === 429 || resp.status === 503)
       && method === 'GET'; tries++) {
    const secs = Math.min(5, Number(resp.headers.get('Retry-After')) || 1);
    await new Promise((r) => setTimeout(r, secs * 1000));
    resp = await send();
  }
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  await echartsReady();
  if (!resp.ok) {
    const err = new ApiError(resp.status, data, path);
    if (resp.status === 401) onUnauthorized(err);
    throw err;
  }
  return data;
}

// Every page of a cursor-paginated list (items + next_cursor), up to max,
// pageSize at a time (the route's largest page: fewer round trips).
export async function apiAll(path, query = {}, { max = 5000, pageSize = 200 } = {}) {
  const out = [];
  let cursor;
  do {
    const page = await api(path, { query: { ...query, limit: pageSize, cursor } });
    out.push(...(page.items || []));
    cursor = page.next_cursor;
  } while (cursor && out.length < max);
  return out;
}
