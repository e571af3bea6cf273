// lib.mjs - what the dashboard's browser tests share: Debian's chromium
// through playwright-core (no browser download), checks that count passes
// and failures, screenshots into the artefacts directory.
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const src = process.env.CXM_SOURCE_DIR;
const require = createRequire(join(src, 'web', 'package.json'));
const { chromium } = require('playwright-core');

export const artefacts = process.env.CXM_ARTEFACTS || join(process.cwd(), 'artifacts');
mkdirSync(artefacts, { recursive: true });

let pass = 0;
let fail = 0;
export function check(name, ok, detail) {
  if (ok) pass++;
  else {
    fail++;
    console.log('FAIL ' + name + (detail !== undefined ? ': ' + JSON.stringify(detail) : ''));
  }
}
export function eq(name, got, want) {
  check(name, JSON.stringify(got) === JSON.stringify(want), { got, want });
}
export function summary(what) {
  console.log(`${what}: ${pass} passed, ${fail} failed`);
  return fail ? 1 : 0;
}

// A fresh chromium (own user data dir, no network services), closed by the caller.
export async function launch() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cxm-chromium-'));
  const ctx = await chromium.launchPersistentContext(dataDir, {
    executablePath: process.env.CXM_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  return {
    ctx,
    async close() {
      await ctx.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Watches a page: JS errors and requests to anywhere but allowed() fail.
export function watch(page, name, allowed) {
  page.on('pageerror', (e) => check(name + ': no page error', false, e.message));
  page.on('request', (r) => {
    const u = r.url();
    if (!allowed(u)) check(name + ': no request to ' + u, false);
  });
}

export async function ready(page) {
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
}

export async function tileText(page, metric, sel) {
  const el = page.locator(`.tile[data-metric="${metric}"] ${sel}`).first();
  return (await el.count()) ? (await el.textContent()).trim() : null;
}

// Canvases drawn: how many, and how many have a visible pixel.
export async function canvases(page) {
  return page.evaluate(() => {
    const all = [...document.querySelectorAll('.chart canvas')];
    const drawn = all.filter((c) => {
      const g = c.getContext('2d');
      if (!g || !c.width || !c.height) return false;
      const d = g.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i]) return true;
      return false;
    });
    return { total: all.length, drawn: drawn.length };
  });
}

export async function overflow(page) {
  return page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
}

export async function shot(page, name) {
  await page.screenshot({ path: join(artefacts, name + '.png'), fullPage: true });
}
