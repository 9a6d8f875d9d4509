// Shared by the browser and OpenAPI tests: where the daemon is (from
// tests/integration/t_console.py), HTTP helpers, sign-in, and a stand-in
// for the generic channel's callback (what the staff's chat receives).
import crypto from 'node:crypto';
import http from 'node:http';

export const env = {
  url: process.env.WL_URL,
  admin: process.env.WL_ADMIN,
  secret: process.env.WL_SECRET,
  cbPort: Number(process.env.WL_CB_PORT || 0),
  artefacts: process.env.WL_ARTEFACTS,
  chromium: process.env.WL_CHROMIUM || '/usr/bin/chromium',
};
if (!env.url || !env.admin) throw new Error('run through tests/integration/t_console.py');

export async function api(method, path, opts = {}) {
  const headers = {};
  if (opts.cookie) headers.Cookie = opts.cookie;
  else headers.Authorization = 'Bearer ' + (opts.token || env.admin);
  if (opts.csrf) headers['X-CSRF-Token'] = opts.csrf;
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const r = await fetch(env.url + path, { method, headers, body, redirect: 'manual' });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, text, json };
}

// A message from someone's chat on the generic channel, signed.
let seq = 0;
export async function hook(from, text) {
  const body = JSON.stringify({ id: `js-${process.pid}-${++seq}`, from, text });
  const sig = crypto.createHmac('sha256', env.secret).update(body).digest('hex');
  const r = await fetch(env.url + '/hook/demo', {
    method: 'POST', body,
    headers: { 'Content-Type': 'application/json', 'X-Warmline-Signature': 'sha256=' + sig },
  });
  assertOk(r.status === 200, `hook answered ${r.status}`);
}

function assertOk(ok, what) { if (!ok) throw new Error(what); }

// The chat side: every message the daemon sends on the generic channel.
export const chat = { messages: [], server: null };
export function startChat() {
  if (chat.server) return Promise.resolve();
  chat.server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d) => { b += d; });
    req.on('end', () => {
      try { chat.messages.push(JSON.parse(b)); } catch { /* not ours */ }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  return new Promise((ok) => chat.server.listen(env.cbPort, '127.0.0.1', ok));
}
export function stopChat() {
  if (chat.server) chat.server.close();
  chat.server = null;
}

export async function waitFor(pred, what, ms = 10000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The sign-in link the 登录 command sends, made the same way (the
// browser test gets its link from chat instead).
export function loginPath(staff, ttlMs = 300000) {
  const exp = Date.now() + ttlMs;
  const key = crypto.createHmac('sha256', env.admin).update('warmline console v1').digest();
  const sig = crypto.createHmac('sha256', key).update(`login|${staff}|${exp}`).digest('hex');
  return `/console/login?s=${staff}&exp=${exp}&sig=${sig}`;
}

export async function signIn(staff) {
  const r = await fetch(env.url + loginPath(staff), { redirect: 'manual' });
  const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  assertOk(r.status === 200 && cookie, `sign-in answered ${r.status}`);
  const s = await api('GET', '/api/v1/session', { cookie });
  return { cookie, csrf: s.json.csrf, me: s.json };
}
