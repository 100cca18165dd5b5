// Helpers of the UI check: launching Debian's Chromium through playwright-core, talking to
// triage's API from Node, waiting for conditions (never for fixed times), and reporting
// steps so the Rust test can show where a failure happened.

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Generous bound on any single wait: the machine may be busy. */
export const WAIT_MS = 30000;

/** Launches headless Chromium (`CHROMIUM` overrides the path). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox'],
  });
}

/** Runs the named steps in order, printing `ok <step>`; the first failure is rethrown with its name. */
export async function step(name, fn) {
  try {
    const value = await fn();
    console.log(`ok ${name}`);
    return value;
  } catch (e) {
    e.message = `step "${name}" failed: ${e.message}`;
    throw e;
  }
}

/** Polls `fn` until it returns a truthy value (returned), or fails after `timeout` naming `what`. */
export async function until(what, fn, timeout = WAIT_MS) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A small client of triage's API. */
export function api(base) {
  async function call(method, path, body) {
    const resp = await fetch(`${base}${path}`, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await resp.text();
    if (!resp.ok) throw new Error(`${method} ${path} answered ${resp.status}: ${text}`);
    return text;
  }
  return {
    get: async (path) => JSON.parse(await call('GET', path)),
    text: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    /** The listed alert whose alertname is `name`, or undefined. */
    async alert(name) {
      const all = JSON.parse(await call('GET', '/api/v2/alerts'));
      return all.find((a) => a.labels.alertname === name);
    },
  };
}

/** Creates the artifact directory and returns a function saving a named screenshot there. */
export function artifacts(dir) {
  mkdirSync(dir, { recursive: true });
  return async (page, name) => {
    const path = join(dir, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot ${path}`);
  };
}

/** The relative luminance (0 dark … 1 light) of an element's computed background colour. */
export async function backgroundLuminance(page, selector) {
  const rgb = await page.$eval(selector, (el) => getComputedStyle(el).backgroundColor);
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}
