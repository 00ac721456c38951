// firstload.mjs - the cockpit's first load, measured in Debian's Chromium
// (playwright-core from tests/e2e): for each round, a fresh browser
// context per variant (new: the working tree's dashboard, base: the
// baseline's), alternating which goes first, the bureau token already in
// the tab. Reads the page's own marks (ms since navigation start):
// readyAt (every panel rendered with data), mapAt (the map with its
// enterprises), firstAt (the first panel with data, when the page sets
// it), and the /v1 requests' timings. Prints one JSON object.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../e2e/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set (run through tests/bench/dashboard/run)`);
  return v;
};
const URLS = { new: env('CS_BENCH_URL_NEW'), base: env('CS_BENCH_URL_BASE') };
const TOKEN = env('CS_BENCH_TOKEN');
const ROUNDS = Number(env('CS_BENCH_ROUNDS'));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});

async function once(variant) {
  const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await ctx.addInitScript((t) => sessionStorage.setItem('cs.token', t), TOKEN);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${URLS[variant]}/#/cockpit`, { waitUntil: 'domcontentloaded', timeout: 120000 });
  await page.waitForFunction(() => document.body.dataset.ready === 'cockpit', null, { timeout: 120000 });
  const r = await page.evaluate(() => {
    const d = document.body.dataset;
    const num = (v) => (v === undefined ? null : Number(v));
    const api = performance.getEntriesByType('resource')
      .filter((e) => new URL(e.name).pathname.startsWith('/v1/'))
      .map((e) => ({ path: new URL(e.name).pathname + new URL(e.name).search, start: Math.round(e.startTime),
        end: Math.round(e.responseEnd) }));
    const nav = performance.getEntriesByType('navigation')[0];
    return { ready_ms: num(d.readyAt), map_ms: num(d.mapAt), first_ms: num(d.firstAt),
      dom_ms: nav ? Math.round(nav.domContentLoadedEventEnd) : null, api };
  });
  await ctx.close();
  if (errors.length) throw new Error(`${variant}: page errors: ${errors.join('; ')}`);
  return r;
}

const runs = { new: [], base: [] };
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 === 0 ? ['base', 'new'] : ['new', 'base'];
  for (const v of order) {
    const r = await once(v);
    runs[v].push(r);
    console.error(`--- round ${i + 1} ${v}: ready ${r.ready_ms} ms, map ${r.map_ms} ms, first ${r.first_ms ?? '-'} ms, ` +
      `slowest /v1: ${r.api.sort((a, b) => b.end - a.end).slice(0, 3).map((a) => `${a.path.split('?')[0]} ${a.start}-${a.end}`).join(', ')}`);
  }
}
await browser.close();

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (rs) => ({
  ready_ms_median: median(rs.map((r) => r.ready_ms)),
  map_ms_median: median(rs.map((r) => r.map_ms)),
  first_ms_median: median(rs.map((r) => r.first_ms)),
  ready_ms: rs.map((r) => r.ready_ms),
  map_ms: rs.map((r) => r.map_ms),
});
const out = { new: summary(runs.new), base: summary(runs.base), rounds: ROUNDS, baseline_rev: env('CS_BENCH_BASELINE_REV') };
out.first_load_ms = out.new.ready_ms_median;
out.ratio_ready_new_to_base = out.base.ready_ms_median ? Math.round(1000 * out.new.ready_ms_median / out.base.ready_ms_median) / 1000 : null;
console.log(JSON.stringify(out));
