// The OpenAPI document served at /api/v1/openapi.json: valid OpenAPI 3
// (openapi-schema-validator), and every live answer of every operation
// it describes matches it (openapi-response-validator). Run by
// tests/integration/t_console.py against a real daemon and redis-server.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import OpenAPIResponseValidator from 'openapi-response-validator';
import OpenAPISchemaValidator from 'openapi-schema-validator';

import { env, signIn, api } from './lib.mjs';

const SchemaValidator = OpenAPISchemaValidator.default || OpenAPISchemaValidator;
const ResponseValidator = OpenAPIResponseValidator.default || OpenAPIResponseValidator;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

test('the served document is valid OpenAPI 3 and live answers match it', async () => {
  const res = await fetch(env.url + '/api/v1/openapi.json');
  assert.equal(res.status, 200);
  const doc = await res.json();
  const v = new SchemaValidator({ version: 3 }).validate(doc);
  assert.deepEqual(v.errors, [], JSON.stringify(v.errors, null, 1));

  const seen = new Set();
  async function check(method, tpl, path, opts = {}) {
    const op = doc.paths[tpl] && doc.paths[tpl][method.toLowerCase()];
    assert.ok(op, `${method} ${tpl} is in the document`);
    const r = await api(method, path, opts);
    const codes = Object.keys(op.responses);
    assert.ok(codes.includes(String(r.status)),
      `${method} ${path} answered ${r.status}, documented: ${codes}: ${r.text}`);
    const validator = new ResponseValidator({
      responses: op.responses,
      components: doc.components,
      // Every time is ISO 8601 with the zone's offset, to the second.
      customFormats: { 'date-time': (t) => ISO.test(t) },
    });
    const body = r.json;
    const err = validator.validateResponse(r.status, body);
    assert.equal(err, undefined,
      `${method} ${path} ${r.status}: ${JSON.stringify(err, null, 1)}\n${r.text.slice(0, 2000)}`);
    seen.add(`${method} ${tpl} ${r.status}`);
    return r;
  }

  const order = { ext_ref: 'oa-1', area: 'g-hd-1', category: '取暖', detail: '暖气不热',
    phone: '13900000001', name: '张大爷', deadline: '2026-12-31' };
  const created = await check('POST', '/api/v1/cases', '/api/v1/cases', { body: order });
  assert.equal(created.status, 201);
  const no = created.json.no;
  assert.equal((await check('POST', '/api/v1/cases', '/api/v1/cases', { body: order })).status, 200);
  await check('POST', '/api/v1/cases', '/api/v1/cases', { body: { area: 'g-hd-1' } });
  await check('POST', '/api/v1/cases', '/api/v1/cases', { body: order, token: 'wrong-token-wrong' });
  await check('POST', '/api/v1/cases', '/api/v1/cases', { body: { ext_ref: 'oa-2', area: 'c-xh', urgency: 'urgent' } });

  await check('GET', '/api/v1/cases', '/api/v1/cases');
  const page = await check('GET', '/api/v1/cases', '/api/v1/cases?limit=1&status=new&created_to=2099-01-01');
  assert.ok(page.json.next_cursor);
  await check('GET', '/api/v1/cases', '/api/v1/cases?limit=1&cursor=' + encodeURIComponent(page.json.next_cursor));
  await check('GET', '/api/v1/cases', '/api/v1/cases?status=nope');
  await check('GET', '/api/v1/cases', '/api/v1/cases', { token: 'wrong-token-wrong' });

  await check('GET', '/api/v1/cases/{no}', `/api/v1/cases/${no}`);
  await check('GET', '/api/v1/cases/{no}', '/api/v1/cases/999999');
  await check('GET', '/api/v1/board', '/api/v1/board');
  await check('GET', '/api/v1/session', '/api/v1/session');

  // A signed-in staff member: the session, its actions, its CSRF check.
  const s = await signIn('wang');
  await check('GET', '/api/v1/session', '/api/v1/session', { cookie: s.cookie });
  await check('GET', '/api/v1/board', '/api/v1/board', { cookie: s.cookie });
  const act = `/api/v1/cases/${no}/actions`;
  await check('POST', '/api/v1/cases/{no}/actions', act,
    { cookie: s.cookie, body: { action: 'claim' } });
  await check('POST', '/api/v1/cases/{no}/actions', act,
    { cookie: s.cookie, csrf: s.csrf, body: { action: 'bogus' } });
  const claimed = await check('POST', '/api/v1/cases/{no}/actions', act,
    { cookie: s.cookie, csrf: s.csrf, body: { action: 'claim' } });
  assert.equal(claimed.status, 200);
  await check('POST', '/api/v1/cases/{no}/actions', act,
    { cookie: s.cookie, csrf: s.csrf, body: { action: 'note', text: '已电话联系' } });
  await check('GET', '/api/v1/cases/{no}', `/api/v1/cases/${no}`, { cookie: s.cookie });
  await check('POST', '/api/v1/cases/{no}/actions', act,
    { cookie: s.cookie, csrf: s.csrf,
      body: { action: 'resolve', measure: '棉被', person_times: 1, amount_yuan: 200 } });
  const done = await check('GET', '/api/v1/cases/{no}', `/api/v1/cases/${no}`);
  assert.equal(done.json.status, 'resolved');

  await check('GET', '/api/v1/reports/{kind}', '/api/v1/reports/weekly');
  await check('GET', '/api/v1/reports/{kind}', '/api/v1/reports/nothing');
  await check('GET', '/api/v1/reports/download', '/api/v1/reports/download?kind=weekly&format=csv&exp=1&sig=00');
  await check('POST', '/api/v1/debug/clock', '/api/v1/debug/clock', { body: { advance_s: 7200 } });
  const late = await check('GET', '/api/v1/cases', '/api/v1/cases?overdue=1');
  assert.ok(late.json.cases.length >= 1, late.text);
  await check('POST', '/api/v1/debug/clock', '/api/v1/debug/clock', { body: { advance_s: -1 } });
  await check('GET', '/api/v1/openapi.json', '/api/v1/openapi.json');
  const m = await check('GET', '/api/v1/summary/monthly', '/api/v1/summary/monthly');
  assert.ok(m.json.text.length > 0);
  await check('GET', '/api/v1/summary/monthly', '/api/v1/summary/monthly?format=pdf');
  await check('GET', '/api/v1/summary/monthly', '/api/v1/summary/monthly', { cookie: s.cookie });

  // Every operation of the document was exercised at least once.
  for (const [tpl, ops] of Object.entries(doc.paths))
    for (const m of Object.keys(ops))
      assert.ok([...seen].some((k) => k.startsWith(`${m.toUpperCase()} ${tpl} `)),
        `${m.toUpperCase()} ${tpl} was not exercised`);
});
