// The web UI checked end to end in headless Chromium against a running triage:
//   node ui_check.mjs <base-url> <artifact-dir>
// The caller (crates/triage/tests/web_ui.rs) has posted the Ui* alerts this expects. Every
// action goes through the UI; every effect is checked through the API. Prints `ok <step>`
// per step, screenshot paths, and `UI CHECK PASSED` at the end; exits 1 on the first failure
// (with a screenshot of the page at that moment).

import { launch, step, until, api, artifacts, backgroundLuminance, WAIT_MS } from './harness.mjs';
import * as fixtures from './fixtures.mjs';

const [base, artifactDir] = process.argv.slice(2);
if (!base || !artifactDir) {
  console.error('usage: node ui_check.mjs <base-url> <artifact-dir>');
  process.exit(2);
}
const triage = api(base);
const shot = artifacts(artifactDir);
const browser = await launch();
let page;

/** The card of the alert named `name` in the visible view. */
const card = (name) => page.locator('.view:not([hidden]) .alert').filter({ has: page.locator('.alertname', { hasText: new RegExp(`^${name}$`) }) });
const visible = (locator) => locator.first().waitFor({ state: 'visible', timeout: WAIT_MS });
const tab = async (view) => {
  await page.click(`.tabs [data-view="${view}"]`);
  await page.locator(`#view-${view}`).waitFor({ state: 'visible', timeout: WAIT_MS });
};

try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, colorScheme: 'light' });
  page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  await step('the page loads at / (redirected to /ui/)', async () => {
    await page.goto(`${base}/`);
    if (!page.url().endsWith('/ui/')) throw new Error(`landed on ${page.url()}`);
    await page.locator('body[data-loaded="true"]').waitFor({ timeout: WAIT_MS });
    if ((await page.title()) !== 'triage') throw new Error(`title ${await page.title()}`);
  });

  await step('matchers and durations parse as the forms need them (modules as served)', async () => {
    const got = await page.evaluate(async () => {
      const m = await import('./js/matchers.js');
      const f = await import('./js/format.js');
      const parsed = m.parseMatchers('{site="T2_CH_CSCS", instance=~"se[0-9]+.*", job!=node, msg!~"a \\"b\\", c"}');
      let error = null;
      try {
        m.parseMatchers('site T2');
      } catch (e) {
        error = e.message;
      }
      return {
        parsed,
        text: m.formatMatchers(parsed),
        error,
        durations: ['90m', '1h30m', '2d', '1w', '4h', 'soon', ''].map(f.parseDuration),
        shown: [59, 3600, 5400, 90061].map(f.formatDuration),
      };
    });
    const want = [
      { name: 'site', value: 'T2_CH_CSCS', isRegex: false, isEqual: true },
      { name: 'instance', value: 'se[0-9]+.*', isRegex: true, isEqual: true },
      { name: 'job', value: 'node', isRegex: false, isEqual: false },
      { name: 'msg', value: 'a "b", c', isRegex: true, isEqual: false },
    ];
    if (JSON.stringify(got.parsed) !== JSON.stringify(want)) throw new Error(`parsed ${JSON.stringify(got.parsed)}`);
    if (got.text !== 'site="T2_CH_CSCS", instance=~"se[0-9]+.*", job!="node", msg!~"a \\"b\\", c"') throw new Error(`formatted ${got.text}`);
    if (!got.error) throw new Error('"site T2" was accepted');
    if (JSON.stringify(got.durations) !== JSON.stringify([5400, 5400, 172800, 604800, 14400, null, null])) throw new Error(`durations ${JSON.stringify(got.durations)}`);
    if (JSON.stringify(got.shown) !== JSON.stringify(['59s', '1h', '1h 30m', '1d 1h'])) throw new Error(`shown ${JSON.stringify(got.shown)}`);
  });

  await step('alerts posted through the API appear', async () => {
    for (const name of ['UiDiskFull', 'UiTransferErrors', 'UiNodeDown', 'UiHostile']) await visible(card(name));
  });

  await step('alerts group by a chosen label', async () => {
    await page.selectOption('#group-by', 'site');
    await visible(page.locator('.group[data-group="T1_DE_KIT"] .alertname', { hasText: 'UiTransferErrors' }));
    await visible(page.locator('.group[data-group="T2_CH_CSCS"] .alertname', { hasText: 'UiDiskFull' }));
  });

  await step('a matcher filter is passed to the API and narrows the list', async () => {
    await page.fill('#filter-input', 'site="T1_DE_KIT"');
    await page.click('#filter-form button[type="submit"]');
    await until('only UiTransferErrors listed', async () => {
      const names = await page.locator('#alert-groups .alertname').allTextContents();
      return names.length === 1 && names[0] === 'UiTransferErrors';
    });
    if (!new URL(page.url()).searchParams.getAll('filter').includes('site="T1_DE_KIT"')) throw new Error(`filter not in the URL: ${page.url()}`);
    await page.click('#filter-clear');
    await until('all alerts back', async () => (await page.locator('#alert-groups .alert').count()) >= 4);
  });

  await step('server text is shown as text, never run or turned into links', async () => {
    const hostile = card('UiHostile');
    await hostile.locator('.alert-head').click();
    await visible(hostile.locator('.alert-detail'));
    const summary = await hostile.locator('.summary').textContent();
    if (!summary.includes('<img src=x onerror=')) throw new Error(`summary rendered as ${JSON.stringify(summary)}`);
    if (await page.evaluate(() => window.__xss !== undefined)) throw new Error('injected script ran');
    if ((await page.locator('a[href^="javascript:"]').count()) !== 0) throw new Error('a javascript: link was rendered');
  });

  await step('an alert opens into labels, annotations, links, category and history', async () => {
    const disk = card('UiDiskFull');
    await disk.locator('.alert-head').click();
    await visible(disk.locator('.alert-detail .links a[href="https://runbooks.example.org/disk-full"]'));
    await visible(disk.locator('.alert-detail .links a[href="https://grafana.example.org/d/disk"]'));
    await visible(disk.locator('.alert-detail table.annotations td', { hasText: 'Disk almost full' }));
    await visible(disk.locator('.alert-detail .category .badge-category'));
    await visible(disk.locator('.alert-detail .timeline li', { hasText: 'firing' }));
  });

  await step('a category set with the feedback control is stored', async () => {
    const disk = card('UiDiskFull');
    const fp = await disk.getAttribute('data-fingerprint');
    await disk.locator('.feedback-category').selectOption('database');
    await disk.locator('.feedback-save').click();
    await visible(disk.locator('.message', { hasText: 'Saved: database' }));
    const hostile = card('UiHostile');
    const hostileFp = await hostile.getAttribute('data-fingerprint');
    await hostile.locator('.feedback-noise').click();
    await visible(hostile.locator('.message', { hasText: 'Saved: noise' }));
    const csv = await triage.text('/api/v2/feedback');
    const rows = csv.trim().split('\n');
    if (!rows.some((r) => r.includes(fp) && r.endsWith(',database'))) throw new Error(`no database feedback for ${fp} in:\n${csv}`);
    if (!rows.some((r) => r.includes(hostileFp) && r.endsWith(',noise'))) throw new Error(`no noise feedback for ${hostileFp} in:\n${csv}`);
  });

  await shot(page, 'light-alerts');

  await step('an inhibited alert is shown suppressed with the alert inhibiting it', async () => {
    if ((await page.locator('#view-alerts .alertname', { hasText: /^UiPisaSlow$/ }).count()) !== 0) throw new Error('UiPisaSlow listed as notifying');
    await tab('suppressed');
    const group = page.locator('.group[data-reason="inhibition"]');
    await visible(group.locator('.alertname', { hasText: 'UiPisaSlow' }));
    await visible(group.locator('.reason-inhibition', { hasText: 'by UiNodeDown' }));
    const a = await triage.alert('UiPisaSlow');
    const source = await triage.alert('UiNodeDown');
    if (a.status.state !== 'suppressed' || !a.status.inhibitedBy.includes(source.fingerprint)) throw new Error(`api: ${JSON.stringify(a.status)}`);
    await tab('alerts');
  });

  await step('"Silence…" on an alert opens the silence form with its labels', async () => {
    const disk = card('UiDiskFull');
    await disk.locator('button', { hasText: 'Silence…' }).click();
    await page.locator('#view-silences').waitFor({ state: 'visible', timeout: WAIT_MS });
    const matchers = await page.inputValue('#silence-form [name="matchers"]');
    if (!matchers.includes('alertname="UiDiskFull"') || !matchers.includes('instance="se1.cscs.ch:9100"')) throw new Error(`prefilled with ${matchers}`);
    await visible(page.locator('#silence-preview', { hasText: 'matches 1 current alert' }));
    await page.fill('#silence-form [name="matchers"]', '');
    await tab('alerts');
  });

  await step('a new alert appears without reloading the page', async () => {
    await page.evaluate(() => { window.__sameDocument = true; });
    await triage.post('/api/v2/alerts', [{ labels: { alertname: 'UiLiveUpdate', site: 'T2_CH_CSCS', severity: 'warning' }, annotations: { summary: 'posted while the page is open' } }]);
    await visible(card('UiLiveUpdate'));
    if (!(await page.evaluate(() => window.__sameDocument === true))) throw new Error('the page was reloaded');
  });

  let silenceId;
  await step('a silence created in the form silences the alert', async () => {
    await tab('silences');
    await page.fill('#silence-form [name="matchers"]', 'alertname="UiTransferErrors"');
    await visible(page.locator('#silence-preview', { hasText: 'matches 1 current alert' }));
    await page.fill('#silence-form [name="duration"]', '1h');
    await page.fill('#silence-form [name="createdBy"]', 'ui-test');
    await page.fill('#silence-form [name="comment"]', 'silenced from the UI test');
    await page.click('#silence-submit');
    const msg = page.locator('#silence-message', { hasText: 'Created silence' });
    await visible(msg);
    silenceId = (await msg.textContent()).match(/Created silence (\S+)\./)[1];
    await visible(page.locator(`tr[data-silence="${silenceId}"] .silence-comment`, { hasText: 'silenced from the UI test' }));
    const a = await until('the API to report UiTransferErrors silenced', async () => {
      const x = await triage.alert('UiTransferErrors');
      return x?.status.state === 'suppressed' && x.status.silencedBy.includes(silenceId) && x;
    });
    console.log(`  api: UiTransferErrors ${a.status.state}, silencedBy ${a.status.silencedBy}`);
  });

  let windowId;
  await step('a maintenance window created in the form suppresses the alert with the outage reason', async () => {
    await tab('outages');
    await page.fill('#window-form [name="matchers"]', 'instance=~"node7.*"');
    await page.fill('#window-form [name="reason"]', 'kernel upgrade');
    await page.fill('#window-form [name="owner"]', 'ui-test');
    await page.fill('#window-form [name="duration"]', '2h');
    await page.fill('#window-form [name="url"]', 'https://cern.service-now.com/service-portal?id=outage&n=OTG0001');
    await page.click('#window-submit');
    const msg = page.locator('#window-message', { hasText: 'Created window' });
    await visible(msg);
    windowId = (await msg.textContent()).match(/Created window (\S+)\./)[1];
    await visible(page.locator(`tr[data-window="${windowId}"] .window-reason`, { hasText: 'kernel upgrade' }));
    const a = await until('the API to report UiNodeDown in the maintenance outage', async () => {
      const x = await triage.alert('UiNodeDown');
      return x?.status.state === 'suppressed' && x.status.outage === `maintenance:${windowId}` && x;
    });
    console.log(`  api: UiNodeDown ${a.status.state}, outage ${a.status.outage}`);
  });

  await step('the Suppressed view gives each alert its reason', async () => {
    await tab('suppressed');
    const byOutage = page.locator('.group[data-reason="outage"]');
    await visible(byOutage.locator('.alertname', { hasText: 'UiNodeDown' }));
    await visible(byOutage.locator('.reason-maintenance', { hasText: 'kernel upgrade (ui-test)' }));
    await visible(byOutage.locator('.reason-maintenance a[href^="https://cern.service-now.com/"]'));
    const bySilence = page.locator('.group[data-reason="silence"]');
    await visible(bySilence.locator('.alertname', { hasText: 'UiTransferErrors' }));
    await visible(bySilence.locator('.reason-silence', { hasText: 'by ui-test: silenced from the UI test' }));
  });
  await shot(page, 'light-suppressed');

  await step('suppressed alerts leave the Alerts view', async () => {
    await tab('alerts');
    await until('UiNodeDown and UiTransferErrors gone from the notifying alerts', async () => {
      const names = await page.locator('#view-alerts .alertname').allTextContents();
      return names.includes('UiDiskFull') && !names.includes('UiNodeDown') && !names.includes('UiTransferErrors');
    });
  });

  await step('editing a window keeps its id and changes it', async () => {
    await tab('outages');
    await page.locator(`tr[data-window="${windowId}"] button`, { hasText: 'Edit' }).click();
    await visible(page.locator('#window-form-title', { hasText: `Edit window ${windowId}` }));
    await page.fill('#window-form [name="reason"]', 'kernel and firmware upgrade');
    await page.click('#window-submit');
    await visible(page.locator('#window-message', { hasText: `Saved window ${windowId}` }));
    await visible(page.locator(`tr[data-window="${windowId}"] .window-reason`, { hasText: 'kernel and firmware upgrade' }));
    const windows = await triage.get('/api/v2/maintenances');
    if (windows.length !== 1 || windows[0].id !== windowId || windows[0].reason !== 'kernel and firmware upgrade') throw new Error(`windows: ${JSON.stringify(windows)}`);
  });
  await shot(page, 'light-outages');

  await step('ending a window from the UI lets the alert notify again', async () => {
    await page.locator(`tr[data-window="${windowId}"] button`, { hasText: /^End$/ }).click();
    await page.locator(`tr[data-window="${windowId}"] button`, { hasText: 'End now' }).click();
    await until('the API to report UiNodeDown active', async () => (await triage.alert('UiNodeDown'))?.status.state === 'active');
    await until('the window listed as ended', async () => (await triage.get('/api/v2/maintenances')).every((w) => !w.active));
  });

  await step('expiring a silence from the UI lets the alert notify again', async () => {
    await tab('silences');
    await shot(page, 'light-silences');
    await page.locator(`tr[data-silence="${silenceId}"] button`, { hasText: /^Expire$/ }).click();
    await page.locator(`tr[data-silence="${silenceId}"] button`, { hasText: 'Expire now' }).click();
    await until('the API to report UiTransferErrors active', async () => (await triage.alert('UiTransferErrors'))?.status.state === 'active');
  });

  await step('a flapping alert is listed among the suppressed with its reason', async () => {
    const labels = { alertname: 'UiFlaps', site: 'T2_CH_CSCS', severity: 'warning' };
    const start = new Date(Date.now() - 60000).toISOString();
    for (let i = 0; i < 3; i++) {
      await triage.post('/api/v2/alerts', [{ labels, startsAt: start, endsAt: new Date(Date.now() - 1000).toISOString() }]);
      await triage.post('/api/v2/alerts', [{ labels, startsAt: start }]);
    }
    await until('the API to report UiFlaps flapping', async () => (await triage.alert('UiFlaps'))?.status.flapping === true);
    await tab('suppressed');
    await visible(page.locator('section[data-reason="flapping"]', { hasText: 'UiFlaps' }));
    await visible(page.locator('.reason-flapping'));
  });

  await step("incidents and analytics show the server's own answers", async () => {
    await tab('incidents');
    await until('an incident listed', async () => (await page.locator('#incidents-list .incident').count()) > 0);
    await visible(page.locator('#incidents-list .incident', { hasText: 'UiDiskFull' }));
    await tab('analytics');
    await until('the server\'s analytics drawn', async () => {
      await page.click('#analytics-form button[type="submit"]');
      return (await page.locator('.chart-panel svg rect').count()) > 0;
    });
    await shot(page, 'light-analytics-server');
  });

  await step('incidents and analytics render answers of their contract', async () => {
    await page.route((url) => url.pathname.endsWith('/api/v2/incidents'), (route) => route.fulfill({ json: fixtures.incidents() }));
    await page.route((url) => url.pathname.endsWith('/api/v2/analytics'), (route) => route.fulfill({ json: fixtures.analytics() }));
    await page.click('#analytics-form button[type="submit"]');
    await visible(page.locator('.figure-value', { hasText: '1h 30m' }));
    await until('bars in every chart', async () => (await page.locator('.chart-panel').count()) === 6 && (await page.locator('.chart-panel svg rect').count()) >= 12 + 12 + 8 + 4);
    await visible(page.locator('.chart-panel .bar-label', { hasText: 'DiskFull' }));
    await shot(page, 'light-analytics');
    await tab('incidents');
    await page.selectOption('#incident-state', 'all');
    await visible(page.locator('.incident strong', { hasText: 'Storage outage at T2_CH_CSCS' }));
    await visible(page.locator('.incident .cause a[href="https://helpdesk.ggus.eu/#ticket/zoom/145685"]'));
    await shot(page, 'light-incidents');
    await page.unrouteAll();
  });

  await step('the history search finds an alert by fingerprint', async () => {
    const fp = (await triage.alert('UiDiskFull')).fingerprint;
    await tab('history');
    await page.fill('#history-fingerprint', fp);
    await page.click('#history-form button[type="submit"]');
    await visible(page.locator('.history-rows tbody tr', { hasText: 'firing' }));
    // The rows of the unfiltered history may still be shown until the search's answer
    // arrives: wait (with a deadline) for the table to hold only this alert's rows.
    const deadline = Date.now() + 10_000;
    let shown = [];
    for (;;) {
      shown = await page.locator('.history-rows tbody tr button.linkish').allTextContents();
      if (shown.length > 0 && shown.every((f) => f === fp)) break;
      if (Date.now() > deadline) throw new Error(`history rows of other alerts: ${shown}`);
      await page.waitForTimeout(100);
    }
  });

  await step('the layout fits a 1366x768 screen', async () => {
    await tab('alerts');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 1366) throw new Error(`the page is ${width}px wide`);
  });

  await step('the theme toggle switches to dark', async () => {
    const light = await backgroundLuminance(page, 'body');
    while ((await page.getAttribute('#theme-toggle', 'data-theme')) !== 'dark') await page.click('#theme-toggle');
    await until('a dark background', async () => (await backgroundLuminance(page, 'body')) < 0.2);
    if (light < 0.8) throw new Error(`the light theme's background has luminance ${light}`);
    await shot(page, 'dark-alerts');
    await tab('suppressed');
    await shot(page, 'dark-suppressed');
  });

  await step('a dark system preference gives the dark theme by default', async () => {
    const dark = await browser.newContext({ viewport: { width: 1366, height: 768 }, colorScheme: 'dark' });
    const p = await dark.newPage();
    await p.goto(`${base}/ui/#outages`);
    await p.locator('body[data-loaded="true"]').waitFor({ timeout: WAIT_MS });
    const lum = await backgroundLuminance(p, 'body');
    if (lum > 0.2) throw new Error(`background luminance ${lum} under a dark preference`);
    await shot(p, 'dark-outages');
    await dark.close();
  });

  if (pageErrors.length) throw new Error(`errors in the page: ${pageErrors.join('; ')}`);
  console.log(`artifacts ${artifactDir}`);
  console.log('UI CHECK PASSED');
} catch (e) {
  console.error(e.stack || String(e));
  if (page) await shot(page, 'failure').catch(() => {});
  console.log(`artifacts ${artifactDir}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
