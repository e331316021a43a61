// What a person feels on Manage Users (issue 16), measured in Debian's Chromium against a
// running server: run by `bench browser` (server/src/bin/bench/browser.rs), which starts
// the server on a bench database, signs in and passes the session cookie.
//
//   node end2end/bench/browser.mjs --url http://127.0.0.1:PORT --account ID \
//     --cookie 'roster_session=…' [--repetitions 30] [--lighthouse-timeout 300] \
//     [--no-lighthouse] --out result.json
//
// 1. Bytes before interactive: Manage Users from a cold cache (a new browser context,
//    cache disabled); from Chromium's network log (CDP), the JS and WASM transferred
//    (`Network.loadingFinished` encodedDataLength: compressed, headers included) and
//    decoded (`Network.dataReceived` dataLength) until <body data-hydrated="true">.
// 2. Interaction latency, from the input event to the painted rows: a column header's
//    sort link, a keystroke in Search Text, "Next".
// 3. Lighthouse 12.2.3 (desktop preset) on the same page, signed in through
//    --extra-headers.
//
// Writes the figures as JSON to --out; exits nonzero only when a measurement breaks
// (missed targets are the caller's to judge).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const args = { repetitions: 30, lighthouse: true, lighthouseTimeout: 300 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--url') args.url = value().replace(/\/$/, '');
    else if (a === '--account') args.account = Number(value());
    else if (a === '--cookie') args.cookie = value();
    else if (a === '--repetitions') args.repetitions = Number(value());
    else if (a === '--lighthouse-timeout') args.lighthouseTimeout = Number(value());
    else if (a === '--no-lighthouse') args.lighthouse = false;
    else if (a === '--out') args.out = value();
    else throw new Error(`unknown argument ${a}`);
  }
  for (const k of ['url', 'account', 'cookie', 'out']) {
    if (!args[k]) throw new Error(`--${k} is required`);
  }
  if (!Number.isInteger(args.repetitions) || args.repetitions < 1) throw new Error('--repetitions must be at least 1');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const usersPath = `/accounts/${args.account}/users`;
const usersUrl = `${args.url}${usersPath}`;
const [cookieName, ...cookieRest] = args.cookie.split('=');
const cookieValue = cookieRest.join('=');
const log = (...m) => console.log('  [browser]', ...m);

function percentile(sorted, p) {
  // Nearest rank, as the rest of the bench reports them.
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return round(sorted[rank - 1]);
}
const round = (x) => Math.round(x * 100) / 100;
function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: samples.length, p50_ms: percentile(sorted, 50), p95_ms: percentile(sorted, 95), max_ms: round(sorted.at(-1)) };
}

// ---------------------------------------------------------------------------------------
// In the page: the latency probe.
//
// What is timed: from the input event's own timestamp (`event.timeStamp` of the first
// pointerdown or keydown after arming, read by a capture listener on window: the moment
// Chromium took the input, on the performance.now() clock) to the first frame painted
// after the member list shows the new view. "Shows": the text of <section
// class="member-list"> (caption, rows, pager) differs from what it was when armed; a
// MutationObserver on the document sees it. "Painted": requestAnimationFrame runs just
// before the frame's paint, and a MessageChannel message posted from it runs right after
// that frame is produced, so performance.now() there is the first paint with the rows.
// Performance Event Timing would not do: it ends at the next paint after the event's
// handlers, while the rows come later, after the server function's answer.
// The probe also notes when the page's request for the list started (Resource Timing),
// which splits Search Text's latency into the wait before the request and the rest.
function installProbe() {
  const probe = { t0: null, armed: false };
  const onInput = (e) => {
    if (probe.armed && probe.t0 === null) probe.t0 = e.timeStamp;
  };
  addEventListener('pointerdown', onInput, true);
  addEventListener('keydown', onInput, true);
  const text = () => document.querySelector('section.member-list')?.textContent ?? '';
  probe.arm = () => {
    probe.t0 = null;
    probe.armed = true;
    // The buffer holds 250 entries by default; a long run would fill it.
    performance.clearResourceTimings();
    const before = text();
    probe.result = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        if (probe.t0 === null || text() === before) return;
        observer.disconnect();
        const shown = performance.now();
        requestAnimationFrame(() => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => {
            const painted = performance.now();
            const t0 = probe.t0;
            probe.armed = false;
            const request = performance
              .getEntriesByType('resource')
              .find((r) => r.startTime >= t0 && /\/api\/members\b/.test(r.name));
            resolve({
              latency: painted - t0,
              shown: shown - t0,
              request_start: request ? request.startTime - t0 : null,
            });
          };
          channel.port2.postMessage(null);
        });
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  };
  window.__rosterProbe = probe;
}

async function settled(page) {
  // The list is not loading and the probe is not waiting.
  await page.waitForFunction(
    () => document.querySelector('section.member-list')?.getAttribute('aria-busy') === 'false',
    null,
    { timeout: 60_000 },
  );
}

/** Arms the probe, does `act` (the input), and returns the probe's figures. */
async function timed(page, act) {
  await page.evaluate(() => window.__rosterProbe.arm());
  await act();
  const result = await Promise.race([
    page.evaluate(() => window.__rosterProbe.result),
    new Promise((_, fail) => setTimeout(() => fail(new Error('the list did not change within 30 s')), 30_000)),
  ]);
  await settled(page);
  return result;
}

async function newContext(browser) {
  const context = await browser.newContext({ viewport: { width: 1350, height: 940 } });
  await context.addCookies([{ name: cookieName, value: cookieValue, url: args.url }]);
  await context.addInitScript(installProbe);
  return context;
}

async function hydrated(page) {
  // The page's errors, so that a page that never hydrates says why.
  const errors = [];
  const onConsole = (m) => m.type() === 'error' && errors.push(m.text());
  const onError = (e) => errors.push(String(e));
  const onFailed = (r) => errors.push(`${r.url()}: ${r.failure()?.errorText}`);
  page.on('console', onConsole).on('pageerror', onError).on('requestfailed', onFailed);
  try {
    await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 90_000 });
  } catch (e) {
    throw new Error(`${page.url()} did not hydrate within 90 s: ${errors.join('; ') || 'no error in the page'}`);
  } finally {
    page.off('console', onConsole).off('pageerror', onError).off('requestfailed', onFailed);
  }
}

// ---------------------------------------------------------------------------------------
// 1. Bytes before interactive

async function bytesBeforeInteractive(browser) {
  const context = await newContext(browser);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const requests = new Map();
  let interactive = false;
  const entry = (id) => {
    if (!requests.has(id)) requests.set(id, { decoded: 0 });
    return requests.get(id);
  };
  cdp.on('Network.requestWillBeSent', (e) => Object.assign(entry(e.requestId), { url: e.request.url, type: e.type }));
  cdp.on('Network.responseReceived', (e) => {
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    Object.assign(entry(e.requestId), {
      type: e.type,
      mime: e.response.mimeType,
      status: e.response.status,
      encoding: headers['content-encoding'] ?? 'identity',
    });
  });
  cdp.on('Network.dataReceived', (e) => {
    entry(e.requestId).decoded += e.dataLength;
  });
  cdp.on('Network.loadingFinished', (e) => {
    Object.assign(entry(e.requestId), { transferred: e.encodedDataLength, finished: true, beforeInteractive: !interactive });
  });
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const started = Date.now();
  const response = await page.goto(usersUrl, { waitUntil: 'commit' });
  if (response?.status() !== 200) throw new Error(`Manage Users answered ${response?.status()}`);
  await hydrated(page);
  interactive = true;
  const interactiveMs = Date.now() - started;
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { dom_content_loaded_ms: n.domContentLoadedEventEnd, load_ms: n.loadEventEnd };
  });
  await cdp.detach();
  await context.close();

  const files = [...requests.values()]
    .filter((r) => r.finished && r.beforeInteractive && r.url)
    .map((r) => {
      const kind = r.mime === 'application/wasm' || /\.wasm(\?|$)/.test(r.url)
        ? 'wasm'
        : /javascript|ecmascript/.test(r.mime ?? '') || r.type === 'Script'
          ? 'js'
          : (r.type ?? 'other').toLowerCase();
      return {
        url: new URL(r.url).pathname,
        kind,
        status: r.status,
        encoding: r.encoding,
        transferred_bytes: r.transferred,
        decoded_bytes: r.decoded,
      };
    });
  const code = files.filter((f) => f.kind === 'js' || f.kind === 'wasm');
  if (!code.some((f) => f.kind === 'wasm')) throw new Error('no WASM was loaded before the page was interactive');
  const sum = (list, k) => list.reduce((s, f) => s + f[k], 0);
  return {
    url: usersPath,
    interactive_ms: interactiveMs,
    ...nav,
    js_wasm_transferred_bytes: sum(code, 'transferred_bytes'),
    js_wasm_decoded_bytes: sum(code, 'decoded_bytes'),
    all_transferred_bytes: sum(files, 'transferred_bytes'),
    all_decoded_bytes: sum(files, 'decoded_bytes'),
    files,
  };
}

// ---------------------------------------------------------------------------------------
// 2. Interaction latency

// Four letters of common seeded names: Search Text holds the first three, and the
// fourth is the timed keystroke (the caption, "matching “…”", always changes with it).
const WORDS = ['smit', 'john', 'will', 'brow', 'garc', 'mill', 'davi', 'mart', 'wils', 'ande', 'oliv', 'jame',
  'soph', 'emma', 'noah', 'jone', 'hern', 'lope', 'gonz', 'rodr'];

async function interactions(browser, n) {
  const context = await newContext(browser);
  const page = await context.newPage();
  const open = async (path) => {
    const res = await page.goto(`${args.url}${path}`);
    if (res?.status() !== 200) throw new Error(`${path} answered ${res?.status()}`);
    await hydrated(page);
    await settled(page);
  };
  const out = {};
  // One warm-up of each interaction, not counted, then n timed ones.

  // Sort: the Name header's sort link, back and forth (ascending, descending).
  await open(usersPath);
  const nameHeader = page.getByRole('columnheader', { name: /^Name( Filter Name)?$/ });
  const sortLink = nameHeader.getByRole('link');
  const sort = [];
  for (let i = 0; i <= n; i++) {
    const before = await nameHeader.getAttribute('aria-sort');
    const r = await timed(page, () => sortLink.click());
    const after = await nameHeader.getAttribute('aria-sort');
    if (after === before || !['ascending', 'descending'].includes(after ?? '')) {
      throw new Error(`sorting by Name did not change the order (aria-sort ${before} → ${after})`);
    }
    if (i > 0) sort.push(r);
  }
  out.sort = sort;

  // Next: page after page from the first.
  await open(usersPath);
  const next = [];
  for (let i = 0; i <= n; i++) {
    const urlBefore = page.url();
    const r = await timed(page, () => page.getByRole('link', { name: 'Next', exact: true }).click());
    if (page.url() === urlBefore || !/after=/.test(page.url())) throw new Error(`"Next" did not page on (${page.url()})`);
    if (i > 0) next.push(r);
  }
  out.next = next;

  // Search Text: three letters typed (not timed; the list settles), then the fourth.
  await open(usersPath);
  const box = page.getByLabel('Search Text');
  const search = [];
  for (let i = 0; i <= n; i++) {
    const word = WORDS[i % WORDS.length];
    await box.fill(word.slice(0, 3));
    await page.waitForFunction(
      (w) => {
        const list = document.querySelector('section.member-list');
        return list?.getAttribute('aria-busy') === 'false' && (list.textContent ?? '').includes(`matching \u201c${w}\u201d`);
      },
      word.slice(0, 3),
      { timeout: 60_000 },
    );
    const r = await timed(page, () => box.press(word[3]));
    const caption = await page.locator('section.member-list').textContent();
    if (!caption?.includes(`matching \u201c${word}\u201d`) && !caption?.includes('No users match')) {
      throw new Error(`Search Text "${word}" did not show its matches`);
    }
    if (i > 0) search.push(r);
  }
  out.search = search;
  await context.close();

  const figures = (samples) => ({
    ...summary(samples.map((s) => s.latency)),
    samples_ms: samples.map((s) => round(s.latency)),
    // Input → the page's request for the rows (Search Text: any wait before asking).
    to_request: summary(samples.filter((s) => s.request_start !== null).map((s) => s.request_start)),
  });
  return {
    repetitions: n,
    sort: { what: 'Name header sort link → re-sorted rows painted', ...figures(out.sort) },
    search: { what: 'fourth letter in Search Text → filtered rows painted', ...figures(out.search) },
    next: { what: '"Next" → next page of rows painted', ...figures(out.next) },
  };
}

// ---------------------------------------------------------------------------------------
// 3. Lighthouse

function lighthouse() {
  const dir = mkdtempSync(join(tmpdir(), 'roster-lighthouse-'));
  const report = join(dir, 'report.json');
  const bin = join(here, '..', 'node_modules', '.bin', 'lighthouse');
  const lhArgs = [
    usersUrl,
    '--preset=desktop',
    '--only-categories=performance,accessibility,best-practices',
    '--output=json',
    `--output-path=${report}`,
    `--chrome-flags=${CHROME_FLAGS.join(' ')}`,
    `--extra-headers=${JSON.stringify({ Cookie: args.cookie })}`,
    '--quiet',
  ];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, lhArgs, {
      env: { ...process.env, CHROME_PATH: CHROMIUM },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // Lighthouse and the Chromium it launched: the whole process group.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, args.lighthouseTimeout * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      if (timedOut) {
        rmSync(dir, { recursive: true, force: true });
        return resolve({ skipped: `did not finish within ${args.lighthouseTimeout} s`, seconds });
      }
      if (code !== 0) {
        rmSync(dir, { recursive: true, force: true });
        return reject(new Error(`lighthouse exited with ${code}`));
      }
      try {
        const lhr = JSON.parse(readFileSync(report, 'utf8'));
        rmSync(dir, { recursive: true, force: true });
        resolve({ seconds, ...fromLhr(lhr) });
      } catch (e) {
        reject(e);
      }
    });
  });
}

function fromLhr(lhr) {
  if (lhr.runtimeError) throw new Error(`lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  if (lhr.finalDisplayedUrl && !lhr.finalDisplayedUrl.includes(usersPath)) {
    throw new Error(`lighthouse ended on ${lhr.finalDisplayedUrl}, not Manage Users (not signed in?)`);
  }
  const score = (id) => (lhr.categories[id]?.score == null ? null : Math.round(lhr.categories[id].score * 100));
  // The audits that cost points: every weighted audit of accessibility and best
  // practices that did not pass, with the elements it names.
  const failing = (category) =>
    lhr.categories[category].auditRefs
      .filter((ref) => ref.weight > 0)
      .map((ref) => lhr.audits[ref.id])
      .filter((a) => a.score !== null && a.score < 1)
      .map((a) => ({
        id: a.id,
        title: a.title,
        score: a.score,
        display_value: a.displayValue,
        items: (a.details?.items ?? []).slice(0, 20).map((item) => ({
          selector: item.node?.selector,
          snippet: item.node?.snippet,
          explanation: item.node?.explanation,
          description: item.description ?? item.source?.url ?? item.url,
        })),
      }));
  const metric = (id) => ({ value: lhr.audits[id]?.numericValue ?? null, display: lhr.audits[id]?.displayValue ?? null, score: lhr.audits[id]?.score ?? null });
  return {
    version: lhr.lighthouseVersion,
    preset: 'desktop',
    user_agent: lhr.environment?.hostUserAgent,
    performance: score('performance'),
    accessibility: score('accessibility'),
    best_practices: score('best-practices'),
    metrics: {
      first_contentful_paint: metric('first-contentful-paint'),
      largest_contentful_paint: metric('largest-contentful-paint'),
      total_blocking_time: metric('total-blocking-time'),
      cumulative_layout_shift: metric('cumulative-layout-shift'),
      speed_index: metric('speed-index'),
    },
    failing_accessibility: failing('accessibility'),
    failing_best_practices: failing('best-practices'),
    run_warnings: lhr.runWarnings ?? [],
  };
}

// ---------------------------------------------------------------------------------------

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROME_FLAGS });
const result = { url: usersPath, chromium: browser.version() };
try {
  log('bytes before interactive (cold cache) …');
  result.bytes = await bytesBeforeInteractive(browser);
  log(`interaction latency (${args.repetitions} of each) …`);
  result.interactions = await interactions(browser, args.repetitions);
} finally {
  await browser.close();
}
if (args.lighthouse) {
  log('lighthouse …');
  result.lighthouse = await lighthouse();
} else {
  result.lighthouse = { skipped: 'not asked for (--no-lighthouse)' };
}
writeFileSync(args.out, JSON.stringify(result, null, 2) + '\n');
