// The console: one page, four views (看板 board, 工单 cases, a case, 报表
// reports) over the admin API with the session cookie. Plain JavaScript,
// no framework, nothing loaded from outside. Every text from the server is
// put in the page as text, never as markup.
'use strict';

const POLL_MS = 1000;
const RISK_S = 30 * 60; // a clock with less left than this is at risk
const MEASURES = ['纳入低保', '纳入特困', '临时救助', '取暖炉具', '取暖煤', '棉衣', '棉被',
  '电热毯', '转介', '其他'];
const STATUS = { new: '待认领', claimed: '处理中', resolved: '已办结', closed: '已回访',
  cancelled: '已撤销' };
const REPORTS = [
  ['weekly', '周报表（附件2）'], ['visits', '走访排查记录'], ['problems', '问题台账'],
  ['needs', '需求台账'], ['forms', '走访排查记录表（附件1，可打印）'],
];

const state = { me: null, csrf: '', areas: [], timer: null, fetchedAt: 0 };

// ---- DOM helpers ----
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}
function view(...kids) {
  const v = document.getElementById('view');
  v.replaceChildren(...kids.flat(Infinity).filter((k) => k !== null && k !== undefined && k !== false));
  return v;
}

// ---- the API ----
async function api(method, path, body) {
  const opt = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  if (method !== 'GET') opt.headers['X-CSRF-Token'] = state.csrf;
  const r = await fetch(path, opt);
  let j = null;
  try { j = await r.json(); } catch { j = null; }
  if (!r.ok) {
    const msg = j && j.error ? j.error.message : `HTTP ${r.status}`;
    const e = new Error(msg);
    e.status = r.status;
    throw e;
  }
  return j;
}

// ---- time ----
function dur(s) {
  s = Math.max(0, Math.floor(s));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60), sec = s % 60;
  if (d) return `${d}天${h}小时`;
  if (h) return `${h}小时${String(m).padStart(2, '0')}分`;
  return `${m}分${String(sec).padStart(2, '0')}秒`;
}
function when(iso) {
  if (!iso) return '—';
  return iso.slice(0, 16).replace('T', ' ');
}
// Seconds since the board was fetched, so clocks count down between polls.
function since() { return (Date.now() - state.fetchedAt) / 1000; }

// A clock as the board shows it: {cls, text, rank}; rank orders cases
// (late first, then least time left).
function clockView(c) {
  if (c.state !== 'running' && c.state !== 'paused') return null;
  const paused = c.state === 'paused';
  if (c.late_s !== undefined) {
    const late = c.late_s + (paused ? 0 : since());
    return { cls: 'late', rank: -late,
      text: `${c.label}超时 ${dur(late)}${c.level ? `（已升级${c.level}级）` : ''}` };
  }
  let left = c.remaining_s - (paused ? 0 : since());
  if (left <= 0) return { cls: 'late', rank: 0, text: `${c.label}已到时限` };
  return { cls: left < RISK_S ? 'risk' : '', rank: left,
    text: `${c.label}剩余 ${dur(left)}${paused ? '（暂停）' : ''}` };
}
function caseClocks(k) {
  return ['respond', 'handle', 'feedback'].map((n) => k.sla && k.sla[n] && clockView(k.sla[n]))
    .filter(Boolean);
}
function caseRank(k) {
  const cs = caseClocks(k);
  return cs.length ? Math.min(...cs.map((c) => c.rank)) : Infinity;
}
function caseClass(k) {
  const cs = caseClocks(k);
  let cls = 'card';
  if (cs.some((c) => c.cls === 'late')) cls += ' late';
  else if (cs.some((c) => c.cls === 'risk')) cls += ' risk';
  if (k.urgency === 'urgent') cls += ' urgent';
  return cls;
}

function caseCard(k) {
  return el('a', { class: caseClass(k), href: `#case/${k.no}`, 'data-case': k.no },
    el('div', {},
      el('span', { class: 'no' }, `工单 ${k.no}`),
      k.urgency === 'urgent' ? el('span', { class: 'badge urgent' }, '紧急') : null,
      el('span', { class: 'badge' }, k.status_label || STATUS[k.status] || k.status)),
    el('div', {}, [k.category, k.name].filter(Boolean).join(' · ') || '—'),
    el('div', { class: 'muted' }, k.area_path || k.area,
      k.claimed_by_name ? ` · ${k.claimed_by_name}` : ''),
    el('div', { class: 'clocks' },
      caseClocks(k).map((c) => el('span', { class: `clock ${c.cls}` }, c.text))));
}

// ---- 看板 the board ----
let boardData = null;

function renderBoard() {
  if (!boardData) return;
  const byArea = new Map();
  for (const k of boardData.cases) {
    if (!byArea.has(k.area)) byArea.set(k.area, []);
    byArea.get(k.area).push(k);
  }
  for (const l of byArea.values()) l.sort((a, b) => caseRank(a) - caseRank(b) || a.no - b.no);
  const kids = new Map();
  for (const a of boardData.areas) {
    if (!kids.has(a.parent)) kids.set(a.parent, []);
    kids.get(a.parent).push(a);
  }
  const count = (a) => (byArea.get(a.id) || []).length +
    (kids.get(a.id) || []).reduce((n, c) => n + count(c), 0);
  const lateN = boardData.cases.filter((k) => caseClass(k).includes('late')).length;
  const riskN = boardData.cases.filter((k) => caseClass(k).includes('risk')).length;
  const urgentN = boardData.cases.filter((k) => k.urgency === 'urgent').length;

  function area(a) {
    const own = byArea.get(a.id) || [];
    const n = count(a);
    return el('section', { class: 'area', 'data-area': a.id },
      el('div', { class: 'area-head' }, el('span', {}, a.name),
        el('span', { class: 'muted' }, `${n} 件`)),
      own.length ? el('div', { class: 'cards' }, own.map(caseCard)) : null,
      (kids.get(a.id) || []).filter((c) => count(c) > 0).map(area));
  }
  const roots = boardData.areas.filter((a) => a.parent === null);
  view(
    el('h1', {}, '看板 · 未结工单'),
    el('div', { class: 'summary' },
      el('span', { class: 'pill' }, `共 ${boardData.cases.length} 件`),
      el('span', { class: 'pill late', id: 'late-count' }, `超时 ${lateN}`),
      el('span', { class: 'pill risk' }, `临近时限 ${riskN}`),
      el('span', { class: 'pill' }, `紧急 ${urgentN}`),
      el('span', { class: 'muted' }, `更新于 ${when(boardData.now)}`)),
    boardData.cases.length ? roots.map(area) : el('p', { class: 'muted' }, '辖区内没有未结工单。'));
}

async function pollBoard() {
  try {
    boardData = await api('GET', '/api/v1/board');
    state.fetchedAt = Date.now();
    if (location.hash.replace('#', '') === 'board' || location.hash === '') renderBoard();
  } catch (e) {
    if (e.status === 401) return signedOut();
  }
}

// ---- 工单 the case list ----
async function showCases(params) {
  const q = new URLSearchParams(params || '');
  const areaOpts = [el('option', { value: '' }, '全部区域')].concat(
    state.areas.map((a) => el('option', { value: a.id, selected: q.get('area') === a.id }, a.name)));
  const sel = (name, opts) => el('select', { name },
    opts.map(([v, t]) => el('option', { value: v, selected: (q.get(name) || '') === v }, t)));
  const form = el('form', { class: 'filters', onsubmit: (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) p.set(k, v);
    location.hash = 'cases?' + p.toString();
  } },
  el('label', {}, '状态', sel('status', [['', '全部'], ...Object.entries(STATUS)])),
  el('label', {}, '紧急', sel('urgency', [['', '全部'], ['urgent', '紧急'], ['normal', '一般']])),
  el('label', {}, '区域', el('select', { name: 'area' }, areaOpts)),
  el('label', {}, '登记自', el('input', { type: 'date', name: 'created_from', value: q.get('created_from') || '' })),
  el('label', {}, '登记至（含）', el('input', { type: 'date', name: 'created_to', value: q.get('created_to') || '' })),
  el('label', {}, '超时', sel('overdue', [['', '全部'], ['1', '只看超时']])),
  el('button', { type: 'submit' }, '查询'));
  const body = el('tbody');
  const more = el('button', { class: 'secondary', type: 'button' }, '更多');
  const total = el('p', { class: 'muted' });
  view(el('h1', {}, '工单'), form, total,
    el('div', { class: 'scroll' }, el('table', { id: 'case-table' },
      el('thead', {}, el('tr', {}, ['编号', '状态', '紧急', '类别', '区域', '认领人', '登记时间', '时限']
        .map((t) => el('th', {}, t)))), body)), more);
  let cursor = null;
  async function page() {
    const p = new URLSearchParams(q);
    p.set('limit', '50');
    if (cursor) p.set('cursor', cursor);
    try {
      const r = await api('GET', '/api/v1/cases?' + p.toString());
      total.textContent = r.total === null ? '' : `共 ${r.total} 件`;
      for (const k of r.cases) {
        const cs = caseClocks(k);
        body.append(el('tr', { 'data-case': k.no },
          el('td', {}, el('a', { href: `#case/${k.no}` }, String(k.no))),
          el('td', {}, k.status_label), el('td', {}, k.urgency === 'urgent' ? '紧急' : ''),
          el('td', {}, k.category || ''), el('td', {}, k.area_path || k.area),
          el('td', {}, k.claimed_by_name || ''), el('td', {}, when(k.created)),
          el('td', {}, cs.map((c) => el('div', { class: `clock ${c.cls}` }, c.text)))));
      }
      cursor = r.next_cursor;
      more.hidden = !cursor;
    } catch (e) {
      total.replaceChildren(el('span', { class: 'error' }, e.message));
    }
  }
  more.addEventListener('click', page);
  await page();
}

// ---- 工单详情 one case ----
async function showCase(no) {
  let k;
  try {
    k = await api('GET', `/api/v1/cases/${encodeURIComponent(no)}`);
  } catch (e) {
    view(el('p', { class: 'error' }, e.message));
    return;
  }
  const out = el('div', { id: 'said' });
  async function act(body) {
    out.replaceChildren(el('p', { class: 'muted' }, '提交中…'));
    try {
      const r = await api('POST', `/api/v1/cases/${k.no}/actions`, body);
      // The case as it is now, with the command's answer on top.
      await showCase(no);
      const said = document.getElementById('said');
      if (said) said.replaceChildren(el('div', { class: 'said' }, r.said.join('\n')));
    } catch (e) {
      out.replaceChildren(el('div', { class: 'error' }, e.message));
    }
  }
  const form = (name, fields, label, mk) => el('form', { class: 'act', 'data-act': name,
    onsubmit: (ev) => { ev.preventDefault(); act(mk(new FormData(ev.target))); } },
  fields, el('button', { type: 'submit' }, label));
  const fieldsKv = [
    ['状态', k.status_label], ['紧急程度', k.urgency === 'urgent' ? '紧急' : '一般'],
    ['区域', k.area_path || k.area], ['类别', k.category], ['认领人', k.claimed_by_name],
    ['姓名', k.name], ['电话', k.phone], ['地址', k.address], ['人员类别', k.person_category],
    ['来源', k.source], ['外部工单号', k.ext_ref], ['外部时限', k.ext_deadline && when(k.ext_deadline)],
    ['登记时间', when(k.created)], ['最后更新', when(k.updated)],
  ].filter(([, v]) => v);
  const help = [['救助措施', k.measure], ['人次', k.person_times],
    ['金额', k.amount_fen !== undefined ? `${(k.amount_fen / 100).toFixed(2)} 元` : null],
    ['办结说明', k.resolve_note], ['办结时间', k.resolved_at && when(k.resolved_at)]]
    .filter(([, v]) => v !== undefined && v !== null && v !== '');
  const clocks = ['respond', 'handle', 'feedback'].map((n) => k.sla[n]).map((c) => {
    const v = clockView(c);
    const st = { idle: '未开始', met: '按时完成', missed: '超时完成', cancelled: '已取消' }[c.state];
    return el('li', { class: `clock ${v ? v.cls : c.state === 'met' ? 'met' : ''}` },
      v ? v.text : `${c.label}：${st || c.state}`, c.due ? `（时限 ${when(c.due)}）` : '');
  });
  const areaOpts = state.areas.map((a) => el('option', { value: a.id }, a.name));
  view(
    el('p', {}, el('a', { href: '#board' }, '← 看板')),
    el('h1', { class: k.urgency === 'urgent' ? 'urgent-title' : '' }, `工单 ${k.no}`,
      k.urgency === 'urgent' ? el('span', { class: 'badge urgent' }, '紧急') : null,
      el('span', { class: 'badge', id: 'case-status' }, k.status_label)),
    el('div', { class: 'box' }, el('h3', {}, '居民原话'),
      el('div', { class: 'words' }, k.detail || '—')),
    el('div', { class: 'box' }, el('dl', { class: 'kv' },
      fieldsKv.map(([a, b]) => [el('dt', {}, a), el('dd', {}, String(b))]))),
    el('div', { class: 'box' }, el('h3', {}, '时限'), el('ul', {}, clocks)),
    help.length ? el('div', { class: 'box' }, el('h3', {}, '救助情况'), el('dl', { class: 'kv' },
      help.map(([a, b]) => [el('dt', {}, a), el('dd', {}, String(b))]))) : null,
    k.may_act ? el('div', { class: 'box', id: 'actions' }, el('h3', {}, '办理'),
      out,
      k.status === 'new' || (k.status === 'claimed' && k.claimed_by !== state.me.id)
        ? form('claim', [], k.status === 'new' ? '认领' : '接手（认领）', () => ({ action: 'claim' })) : null,
      form('note', [el('label', {}, '备注', el('textarea', { name: 'text', rows: 2, required: true }))],
        '备注', (f) => ({ action: 'note', text: f.get('text') })),
      form('reply', [el('label', {}, '回复居民', el('textarea', { name: 'text', rows: 2, required: true }))],
        '回复', (f) => ({ action: 'reply', text: f.get('text') })),
      form('transfer', [el('label', {}, '转派到', el('select', { name: 'area' }, areaOpts))],
        '转派', (f) => ({ action: 'transfer', area: f.get('area') })),
      form('resolve', [
        el('label', {}, '救助措施', el('select', { name: 'measure' },
          MEASURES.map((m) => el('option', { value: m }, m)))),
        el('label', {}, '人次', el('input', { name: 'person_times', type: 'number', min: 1, value: 1 })),
        el('label', {}, '金额（元）', el('input', { name: 'amount_yuan', type: 'number', min: 0, step: '0.01' })),
        el('label', {}, '说明', el('input', { name: 'text' }))],
      '办结', (f) => {
        const b = { action: 'resolve', measure: f.get('measure'),
          person_times: Number(f.get('person_times') || 1) };
        if (f.get('amount_yuan')) b.amount_yuan = Number(f.get('amount_yuan'));
        if (f.get('text')) b.text = f.get('text');
        return b;
      })) : el('p', { class: 'muted' }, '此工单不在您的办理范围内。'),
    el('div', { class: 'box' }, el('h3', {}, '处理记录'), el('ol', { class: 'tl' },
      k.timeline.map((e) => el('li', {}, `${when(e.at)} ${e.who_name || e.who || ''} ${e.what_label}`,
        e.detail ? `：${e.detail}` : '')))));
}

// ---- 报表 reports ----
async function showReports(params) {
  const q = new URLSearchParams(params || '');
  const kind = q.get('kind') || 'weekly';
  const area = q.get('area') || state.me.area;
  const week = q.get('week') || '';
  const base = (fmt) => {
    const p = new URLSearchParams({ area });
    if (week && kind === 'weekly') p.set('week', week);
    return `/api/v1/reports/${kind}.${fmt}?${p.toString()}`;
  };
  const table = el('div', { class: 'scroll' }, el('p', { class: 'muted' }, '加载中…'));
  view(el('h1', {}, '报表'),
    el('form', { class: 'filters', onsubmit: (ev) => {
      ev.preventDefault();
      const f = new FormData(ev.target);
      const p = new URLSearchParams();
      for (const [k2, v] of f) if (v) p.set(k2, v);
      location.hash = 'reports?' + p.toString();
    } },
    el('label', {}, '报表', el('select', { name: 'kind' },
      REPORTS.map(([v, t]) => el('option', { value: v, selected: v === kind }, t)))),
    el('label', {}, '区域', el('select', { name: 'area' },
      state.areas.map((a) => el('option', { value: a.id, selected: a.id === area }, a.name)))),
    el('label', {}, '统计周（任选周内一天）', el('input', { type: 'date', name: 'week', value: week })),
    el('button', { type: 'submit' }, '查看')),
    el('p', {},
      el('a', { href: base('xlsx'), id: 'dl-xlsx', download: true }, '下载 Excel（XLSX）'), ' · ',
      el('a', { href: base('csv'), id: 'dl-csv', download: true }, '下载 CSV'),
      kind === 'forms' ? [' · ', el('a', { href: base('html'), target: '_blank', rel: 'noopener' },
        '打开打印版（HTML）')] : null),
    table);
  if (kind === 'forms') {
    table.replaceChildren(el('p', { class: 'muted' }, '附件1 每人一页，请打开打印版打印或另存为 PDF。'));
    return;
  }
  try {
    const r = await api('GET', base('json'));
    table.replaceChildren(
      el('h2', {}, r.title || kind), el('p', { class: 'muted' }, `${r.unit || ''} ${r.period || ''}`),
      el('table', { id: 'report-table' },
        el('thead', {}, el('tr', {}, r.columns.map((c) => el('th', {},
          c.group ? `${c.group} ${c.name}` : c.name)))),
        el('tbody', {}, r.rows.map((row) => el('tr', {},
          r.columns.map((c) => el('td', {}, row[c.key] === undefined || row[c.key] === null
            ? '' : String(row[c.key]))))))));
  } catch (e) {
    table.replaceChildren(el('p', { class: 'error' }, e.message));
  }
  // The monthly progress summary: for whole-street readers only.
  try {
    const m = await api('GET', '/api/v1/summary/monthly');
    document.getElementById('view').append(el('div', { class: 'box', id: 'monthly' },
      el('h2', {}, '月度小结（本月至今）'),
      el('p', {}, el('a', { href: '/api/v1/summary/monthly?format=txt', download: true },
        '下载文本')),
      el('div', { class: 'said' }, m.text)));
  } catch { /* not for this reader */ }
}

// ---- routing and sign-in ----
function signedOut() {
  clearInterval(state.timer);
  document.getElementById('me').textContent = '';
  view(el('div', { class: 'notice' }, el('h1', {}, '请先登录'),
    el('p', {}, '在您的工作聊天中发送“登录”（/login），点开收到的链接即可进入工作台。链接几分钟内有效。'),
    el('p', { class: 'muted' }, 'Send 登录 (/login) in your work chat and open the link.')));
}

function route() {
  const [name, params] = (location.hash.replace('#', '') || 'board').split('?');
  for (const a of document.querySelectorAll('[data-nav]'))
    a.classList.toggle('on', name.startsWith(a.dataset.nav) ||
      (a.dataset.nav === 'cases' && name.startsWith('case/')));
  if (name === 'board') { if (boardData) renderBoard(); else pollBoard(); }
  else if (name === 'cases') showCases(params);
  else if (name.startsWith('case/')) showCase(name.slice(5));
  else if (name === 'reports') showReports(params);
  else location.hash = 'board';
}

async function start() {
  let s;
  try {
    s = await api('GET', '/api/v1/session');
  } catch (e) {
    return signedOut();
  }
  if (!s.staff) return signedOut();
  state.me = s.staff;
  state.csrf = s.csrf;
  document.getElementById('me').replaceChildren(
    `${s.staff.name}（${s.staff.area_name}）`, ' ', el('a', { href: '/console/logout' }, '退出'));
  // The areas the session may see, for filters and transfers.
  try {
    const b = await api('GET', '/api/v1/board');
    state.areas = b.areas;
    boardData = b;
    state.fetchedAt = Date.now();
  } catch { /* the poll retries */ }
  window.addEventListener('hashchange', route);
  route();
  state.timer = setInterval(() => {
    const name = location.hash.replace('#', '') || 'board';
    if (name === 'board') pollBoard();
  }, POLL_MS);
}

document.addEventListener('DOMContentLoaded', start);
