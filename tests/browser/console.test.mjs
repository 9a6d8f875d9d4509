// The console in Debian's chromium, headless, driven by puppeteer-core
// (which never downloads a browser of its own): sign in with the link 登录
// sends in chat, see a new case (opened through another daemon) appear on
// the board within 2 s, claim it from the console and see the claim in the
// chat, watch a breach turn red on the fake clock, download the weekly
// table. Screenshots of each page at phone and desktop widths go to
// WL_ARTEFACTS. Run by tests/integration/t_console.py.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import puppeteer from 'puppeteer-core';

import { api, chat, env, hook, startChat, stopChat, waitFor } from './lib.mjs';

const url2 = process.env.WL_URL2 || env.url;
const PHONE = { width: 390, height: 844, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
const DESKTOP = { width: 1280, height: 900, deviceScaleFactor: 1 };
let browser, profile;

before(async () => {
  await startChat();
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wl-chromium-'));
  browser = await puppeteer.launch({
    executablePath: env.chromium,
    headless: true,
    userDataDir: profile,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  fs.mkdirSync(env.artefacts, { recursive: true });
});

after(async () => {
  if (browser) await browser.close();
  stopChat();
  fs.rmSync(profile, { recursive: true, force: true });
});

async function shots(page, name) {
  for (const [w, vp] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    await page.setViewport(vp);
    await new Promise((r) => setTimeout(r, 150));
    await page.screenshot({ path: path.join(env.artefacts, `${name}-${w}.png`), fullPage: true });
  }
  await page.setViewport(DESKTOP);
}

// The link 登录 sends to a staff member's chat.
async function loginLink(staffChat) {
  const n = chat.messages.length;
  await hook(staffChat, '登录');
  const m = await waitFor(() => chat.messages.slice(n).find(
    (x) => x.to === staffChat && x.text.includes('/console/login?')), 'the sign-in link');
  return m.text.slice(m.text.indexOf('http')).split(/\s/)[0];
}

async function openCase(base, ref, area, extra = {}) {
  const r = await fetch(base + '/api/v1/cases', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + env.admin, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ext_ref: ref, area, category: '取暖', name: '张大爷',
      phone: '13900000001', detail: '家里暖气不热，老人怕冷', ...extra }),
  });
  assert.equal(r.status, 201);
  return (await r.json()).no;
}

test('sign in, live board, claim, breach, weekly table, phone and desktop', async () => {
  const page = await browser.newPage();
  await page.setViewport(DESKTOP);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  // Not signed in: the console says how to sign in.
  await page.goto(env.url + '/console/');
  await page.waitForFunction(() => document.body.innerText.includes('请先登录'));
  await shots(page, 'signed-out');

  // 登录 in chat → the link → the board, as 刘敏 of 惠丰社区.
  const link = await loginLink('u-liu');
  await page.goto(link);
  await page.waitForFunction(() => document.querySelector('#me') &&
    document.querySelector('#me').textContent.includes('刘敏'), { timeout: 10000 });
  const cookies = await page.browserContext().cookies();
  const c = cookies.find((x) => x.name === 'wl_session');
  assert.ok(c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(cookies));
  await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('看板'));

  // A case opened through the other daemon shows on the board within 2 s.
  const t0 = Date.now();
  const no = await openCase(url2, 'br-1', 'g-hd-1', { urgency: 'urgent' });
  await page.waitForSelector(`[data-case="${no}"]`, { timeout: 2000 });
  const seenMs = Date.now() - t0;
  assert.ok(seenMs < 2000, `seen after ${seenMs} ms`);
  console.log(`# the board showed a case opened on the other daemon after ${seenMs} ms`);
  const cls = await page.$eval(`[data-case="${no}"]`, (e) => e.className);
  assert.ok(cls.includes('urgent'), cls);
  // A case outside 惠丰社区 never shows.
  const other = await openCase(url2, 'br-x', 'c-xh');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await page.$(`[data-case="${other}"]`), null);
  await shots(page, 'board');

  // The case page: the resident's words; claim it from the console.
  await page.click(`[data-case="${no}"]`);
  await page.waitForSelector('form[data-act="claim"] button');
  const words = await page.$eval('.words', (e) => e.textContent);
  assert.equal(words, '家里暖气不热，老人怕冷');
  const before = await page.$eval('dl.kv', (e) => e.innerText);
  assert.ok(before.includes('139****0001') && !before.includes('13900000001'), before);
  await shots(page, 'case');
  const n = chat.messages.length;
  await page.click('form[data-act="claim"] button');
  await page.waitForFunction(() => document.querySelector('#said')?.textContent.includes('已认领'),
    { timeout: 5000 });
  // The same claim, in 刘敏's chat.
  await waitFor(() => chat.messages.slice(n).find((m) => m.to === 'u-liu' &&
    m.text.includes(`已认领工单 ${no}`)), 'the claim in chat');
  const after = await api('GET', `/api/v1/cases/${no}`);
  assert.equal(after.json.claimed_by, 'liu');
  await page.waitForFunction(() => document.querySelector('#case-status')?.textContent === '处理中');
  await page.waitForFunction(() => document.querySelector('dl.kv')?.innerText.includes('13900000001'));
  await shots(page, 'case-claimed');

  // A new case, nobody claims it; an hour later its card turns red.
  const late = await openCase(env.url, 'br-2', 'c-hd');
  await page.goto(env.url + '/console/#board');
  await page.waitForSelector(`[data-case="${late}"]`, { timeout: 3000 });
  assert.ok(!(await page.$eval(`[data-case="${late}"]`, (e) => e.className)).includes('late'));
  await api('POST', '/api/v1/debug/clock', { body: { advance_s: 3700 } });
  await page.waitForFunction((k) => document.querySelector(`[data-case="${k}"]`)
    ?.className.includes('late'), { timeout: 3000 }, late);
  const color = await page.$eval(`[data-case="${late}"] .clock.late`,
    (e) => getComputedStyle(e).color);
  assert.equal(color, 'rgb(198, 40, 40)');
  // Late first: the overdue case leads its area's cards.
  const order = await page.$$eval('[data-area="c-hd"] > .cards > [data-case]',
    (es) => es.map((e) => Number(e.dataset.case)));
  assert.equal(order[0], late, JSON.stringify(order));
  await shots(page, 'board-breach');

  // The case list with a filter.
  await page.goto(env.url + '/console/#cases?overdue=1');
  await page.waitForSelector(`#case-table tr[data-case="${late}"]`);
  assert.equal(await page.$(`#case-table tr[data-case="${no}"]`), null);
  await shots(page, 'cases');

  // Reports: the weekly table in the page, and its XLSX downloaded.
  const dl = fs.mkdtempSync(path.join(os.tmpdir(), 'wl-dl-'));
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dl });
  await page.goto(env.url + '/console/#reports');
  await page.waitForSelector('#report-table');
  assert.ok((await page.$eval('#report-table', (e) => e.textContent)).includes('低保'));
  await shots(page, 'reports');
  await page.click('#dl-xlsx');
  const file = await waitFor(() => fs.readdirSync(dl).find((f) => f.endsWith('.xlsx')),
    'the downloaded weekly table');
  const bytes = fs.readFileSync(path.join(dl, file));
  assert.ok(file.startsWith('warmline-weekly-'), file);
  assert.equal(bytes.subarray(0, 2).toString(), 'PK');
  fs.copyFileSync(path.join(dl, file), path.join(env.artefacts, file));
  fs.rmSync(dl, { recursive: true, force: true });

  // Sign out: the cookie is gone and the console asks to sign in.
  await page.goto(env.url + '/console/logout');
  await page.goto(env.url + '/console/');
  await page.waitForFunction(() => document.body.innerText.includes('请先登录'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a grid worker on a phone sees only their grid', async () => {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  await page.setViewport(PHONE);
  const mine = await openCase(env.url, 'br-g1', 'g-hd-1');
  const notMine = await openCase(env.url, 'br-g2', 'g-hd-2');
  await page.goto(await loginLink('u-wang'));
  await page.waitForSelector(`[data-case="${mine}"]`, { timeout: 5000 });
  assert.equal(await page.$(`[data-case="${notMine}"]`), null);
  await page.goto(env.url + `/console/#case/${notMine}`);
  await page.waitForFunction(() => document.querySelector('.error')?.textContent.includes('没有这个工单'));
  await page.goto(env.url + `/console/#case/${mine}`);
  await page.waitForSelector('form[data-act="claim"]');
  await page.screenshot({ path: path.join(env.artefacts, 'grid-worker-case-phone.png'), fullPage: true });
  await ctx.close();
});
