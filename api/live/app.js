// The live page: login, then a contractor's sites or a health office's districts, updated from the server's event
// stream. Everything shown was filtered by tenancy on the server; the page only arranges it.
import { api, ApiFailure, currentSession, login, logout, openStream } from './api.js';
import { h, clear } from './dom.js';
import { ago, getLang, nameOf, setLang, t, translateShell } from './i18n.js';
import { sparkline } from './spark.js';

const HOUR = 3600_000;
const main = document.getElementById('main');

const state = {
  session: null,
  snapshot: null,
  alerts: [],
  districts: [],
  grades: new Map(), // districtId -> grades array | null (not available)
  closeStream: null,
  timers: [],
};

const role = () => state.session?.principal.role;
const isOfficeView = () => {
  const p = state.session?.principal;
  return p && (p.role === 'admin' || p.role === 'health_office' || (p.role === 'viewer' && !('contractorId' in p.scope)));
};
const can = (action, alert) => {
  const r = role();
  if (action === 'resolve') return r === 'admin' || r === 'health_office';
  if (action === 'acknowledge') return r === 'admin' || r === 'health_office' || (r === 'contractor' && alert.scope.level === 'device');
  return false;
};

// ---------- formatting ----------

const siteById = (id) => state.snapshot?.sites.find((s) => s.id === id);
const districtById = (id) => state.districts.find((d) => d.id === id);

function fmt(v, field) {
  if (v === null || v === undefined) return '—';
  if (field === 'freeChlorineMgL') return v.toFixed(2);
  if (field === 'fillPct') return Math.round(v).toString();
  return Number.isInteger(v) ? v.toString() : v.toFixed(1);
}

function deviceState(d, now) {
  if (d.status === 'disabled') return 'disabled';
  if (!d.latest || now - Date.parse(d.latest.at) > state.snapshot.silentAfterS * 1000) return 'silent';
  if (d.latest.battery !== null && d.latest.battery < state.snapshot.lowBatteryPct) return 'low_battery';
  return 'ok';
}

// ---------- views ----------

function renderLogin(message) {
  stopLive();
  document.getElementById('who').hidden = true;
  document.getElementById('logout').hidden = true;
  document.getElementById('conn').hidden = true;
  const error = h('p', { class: 'form-error', role: 'alert', id: 'login-error' }, message ?? '');
  const form = h(
    'form',
    { class: 'login-card', id: 'login-form', autocomplete: 'on' },
    h('img', { src: '/live/logo.svg', alt: '', width: 44, height: 44 }),
    h('h1', {}, t('auth.title')),
    h('p', { class: 'muted' }, t('auth.lead')),
    h('label', {}, t('auth.username'), h('input', { name: 'username', id: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' })),
    h('label', {}, t('auth.password'), h('input', { name: 'password', id: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    error,
    h('button', { type: 'submit', class: 'primary wide' }, t('auth.submit')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    error.textContent = '';
    try {
      state.session = await login(String(data.get('username')).trim(), String(data.get('password')));
      if (!localStorage.getItem('vw.lang')) setLang(state.session.principal.language);
      await start();
    } catch (err) {
      error.textContent =
        err.code === 'LOGIN_FAILED' ? t('auth.failed')
        : err.code === 'ACCOUNT_LOCKED' ? t('auth.locked', { min: Math.ceil((err.details?.retryAfterS ?? 900) / 60) })
        : err.code === 'ACCOUNT_DISABLED' ? t('auth.disabled')
        : t('auth.error', { msg: err.message });
    }
  });
  clear(main).append(h('div', { class: 'login-wrap' }, form));
}

function summaryBar(sites, devices, alerts) {
  const now = Date.now();
  const silent = devices.filter((d) => deviceState(d, now) === 'silent').length;
  const low = devices.filter((d) => deviceState(d, now) === 'low_battery').length;
  const tile = (label, n, tone) => h('div', { class: `tile ${tone ?? ''}` }, h('span', { class: 'tile-n' }, n), h('span', { class: 'tile-label' }, label));
  return h(
    'section',
    { class: 'summary', id: 'summary' },
    tile(t('summary.sites'), sites.length),
    tile(t('summary.devices'), devices.length),
    tile(t('summary.alerts'), alerts.length, alerts.length ? 'tone-alert' : ''),
    tile(t('summary.silent'), silent, silent ? 'tone-muted' : ''),
    tile(t('summary.lowBattery'), low, low ? 'tone-warn' : ''),
  );
}

function deviceCard(d) {
  const now = Date.now();
  const st = deviceState(d, now);
  const badge =
    st === 'silent' ? h('span', { class: 'badge badge-silent' }, t('device.silent'))
    : st === 'low_battery' ? h('span', { class: 'badge badge-warn' }, t('device.lowBattery'))
    : st === 'disabled' ? h('span', { class: 'badge badge-silent' }, t('device.disabled'))
    : h('span', { class: 'badge badge-ok', 'aria-hidden': 'true' }, '●');
  const battery = d.latest?.battery;
  return h(
    'article',
    { class: `device state-${st}`, dataset: { device: d.id, state: st } },
    h('header', {}, h('span', { class: 'kind' }, t(`kind.${d.kind}`)), badge),
    h('div', { class: 'dev-id', title: d.id }, d.label || d.id),
    h(
      'div',
      { class: 'value-row' },
      h('span', { class: 'value', dataset: { role: 'value' } }, fmt(d.latest?.value, d.field)),
      h('span', { class: 'field' }, t(`field.${d.field}`)),
    ),
    sparkline(d.spark, d.agg),
    h(
      'footer',
      {},
      h('span', { class: 'ago', dataset: { role: 'ago', at: d.latest?.at ?? '' } }, d.latest ? t('device.updated', { ago: ago(now - Date.parse(d.latest.at)) }) : t('device.noData')),
      battery !== null && battery !== undefined ? h('span', { class: `battery ${battery < state.snapshot.lowBatteryPct ? 'low' : ''}` }, `${t('device.battery')} ${Math.round(battery)}%`) : null,
    ),
  );
}

function devicesGrid(devices) {
  if (devices.length === 0) return h('p', { class: 'empty small' }, t('site.noDevices'));
  // Devices that need attention first, then by id.
  const rank = { silent: 0, low_battery: 1, disabled: 3, ok: 2 };
  const now = Date.now();
  const sorted = [...devices].sort((a, b) => rank[deviceState(a, now)] - rank[deviceState(b, now)] || (a.id < b.id ? -1 : 1));
  return h('div', { class: 'devices' }, sorted.map(deviceCard));
}

function alertCard(a) {
  const site = a.siteId ? siteById(a.siteId) : null;
  const district = districtById(a.districtId);
  const where = [nameOf(district), site ? nameOf(site) : null, a.deviceId].filter(Boolean).join(' · ');
  const lang = getLang();
  const actions = [];
  if (a.state === 'open' && can('acknowledge', a)) {
    actions.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'acknowledge' }, onclick: () => acknowledge(a) }, t('alerts.acknowledge')));
  }
  if (can('resolve', a)) actions.push(h('button', { type: 'button', class: 'primary', dataset: { action: 'resolve' }, onclick: () => openResolve(a) }, t('alerts.resolve')));
  return h(
    'article',
    { class: `alert sev-${a.severity} st-${a.state}`, dataset: { alert: a.id, state: a.state } },
    h(
      'div',
      { class: 'alert-main' },
      h(
        'div',
        { class: 'alert-tags' },
        h('span', { class: `sev sev-${a.severity}` }, t(`severity.${a.severity}`)),
        h('span', { class: 'tag' }, t(`alertKind.${a.kind}`)),
        h('span', { class: `tag state state-${a.state}` }, t(`state.${a.state}`)),
      ),
      h('p', { class: 'alert-text' }, a.text[lang] ?? a.text.zh),
      h('p', { class: 'alert-meta' }, where, ' · ', t('alerts.opened', { ago: ago(Date.now() - Date.parse(a.openedAt)) }),
        a.acknowledgedBy ? ` · ${t('alerts.ackBy', { who: a.acknowledgedBy.replace(/^user:/, '') })}` : ''),
    ),
    actions.length ? h('div', { class: 'alert-actions' }, actions) : null,
  );
}

function alertsSection(alerts) {
  return h(
    'section',
    { class: 'alerts', id: 'alerts' },
    h('h2', {}, t('alerts.title'), h('span', { class: alerts.length ? 'count' : 'count zero' }, alerts.length)),
    alerts.length ? h('div', { class: 'alert-list' }, alerts.map(alertCard)) : h('p', { class: 'empty' }, t('alerts.none')),
  );
}

function siteHeader(site, extra) {
  const district = districtById(site.districtId);
  return h(
    'header',
    { class: 'site-head' },
    h('div', {}, h('h3', {}, nameOf(site)), h('p', { class: 'muted' }, [t(`site.type.${site.type}`), nameOf(district)].filter(Boolean).join(' · '))),
    extra ?? null,
  );
}

function renderContractor() {
  const { sites, devices } = state.snapshot;
  const p = state.session.principal;
  clear(main).append(
    h('div', { class: 'page-head' }, h('h1', {}, t('contractor.title')), h('p', { class: 'muted' }, p.displayName)),
    alertsSection(state.alerts),
    summaryBar(sites, devices, state.alerts),
    ...sites.map((s) =>
      h('section', { class: 'site', dataset: { site: s.id } }, siteHeader(s), devicesGrid(devices.filter((d) => d.siteId === s.id))),
    ),
  );
}

/** The sensor proxies a vector reports (not graded by the national packs), at most two, e.g. "毒饵站阳性率 4% (1/23)". */
function sensorReadouts(g) {
  const reported = (g.indicators ?? []).filter((i) => i.measuredBy === 'sensor' && typeof i.value === 'number' && i.denominator > 0);
  return reported.slice(0, 2).map((i) =>
    h('span', { class: 'grade-sensor', dataset: { indicator: i.indicatorId } },
      t('grade.sensor', {
        name: getLang() === 'en' ? i.name.en : i.name.zh,
        value: Math.round(i.value * 100) / 100,
        unit: i.unit === '%' ? '%' : ` ${i.unit}`,
        num: Math.round(i.numerator * 100) / 100,
        den: Math.round(i.denominator * 100) / 100,
      })),
  );
}

function gradePanel(districtId) {
  const grades = state.grades.get(districtId);
  if (!Array.isArray(grades) || grades.length === 0) {
    return h('div', { class: 'grades pending', dataset: { grades: 'pending' } }, h('p', {}, t('office.gradesPending')));
  }
  return h(
    'div',
    { class: 'grades', dataset: { grades: 'loaded' } },
    grades.map((g) => {
      const level = g.status === 'graded' ? g.level : null;
      const ratio = typeof g.worstRatioToC === 'number' && Number.isFinite(g.worstRatioToC) ? g.worstRatioToC : null;
      return h(
        'div',
        { class: `grade grade-${level ?? 'none'}`, title: g.status === 'graded' ? '' : t(`grade.status.${g.status}`) },
        h('span', { class: 'grade-vector' }, t(`vector.${g.vector}`)),
        h('span', { class: 'grade-level' }, level === 'below_C' ? t('grade.below_C') : (level ?? '—')),
        h('span', { class: 'grade-ratio' }, ratio !== null ? t('grade.ratio', { pct: Math.round(ratio * 100) }) : t(`grade.status.${g.status}`)),
        // Without a grade (the standard's indicators need field surveys), the sensors still say something: show
        // what the devices measured this month, with numerator and denominator.
        ...(level === null ? sensorReadouts(g) : []),
      );
    }),
  );
}

function renderOffice() {
  const { sites, devices } = state.snapshot;
  const now = Date.now();
  const districts = state.districts;
  clear(main).append(
    h('div', { class: 'page-head' }, h('h1', {}, t('office.districts')), h('p', { class: 'muted' }, state.session.principal.displayName)),
    summaryBar(sites, devices, state.alerts),
    h(
      'section',
      { class: 'districts' },
      districts.map((d) => {
        const ds = devices.filter((x) => x.districtId === d.id);
        const silent = ds.filter((x) => deviceState(x, now) === 'silent').length;
        const open = state.alerts.filter((a) => a.districtId === d.id).length;
        return h(
          'article',
          { class: 'district', dataset: { district: d.id } },
          h('header', {}, h('h2', {}, nameOf(d)), h('span', { class: 'muted' }, `${sites.filter((s) => s.districtId === d.id).length} ${t('summary.sites')} · ${ds.length} ${t('summary.devices')} · ${silent} ${t('summary.silent')} · ${open} ${t('summary.alerts')}`)),
          h('h3', { class: 'sub' }, t('office.grades')),
          gradePanel(d.id),
        );
      }),
    ),
    alertsSection(state.alerts),
    h(
      'section',
      { class: 'site-list' },
      h('h2', {}, t('office.sites')),
      districts.map((d) =>
        h(
          'div',
          { class: 'site-group' },
          h('h3', { class: 'sub' }, nameOf(d)),
          h(
            'ul',
            {},
            sites
              .filter((s) => s.districtId === d.id)
              .map((s) => {
                const ds = devices.filter((x) => x.siteId === s.id);
                const flagged = ds.filter((x) => deviceState(x, now) !== 'ok').length;
                const alerts = state.alerts.filter((a) => a.siteId === s.id).length;
                return h(
                  'li',
                  {},
                  h(
                    'a',
                    { href: `#/site/${encodeURIComponent(s.id)}`, dataset: { siteLink: s.id } },
                    h('span', { class: 'site-name' }, nameOf(s)),
                    h('span', { class: 'muted' }, t(`site.type.${s.type}`)),
                    h('span', { class: 'site-stats' }, t('office.siteDevices', { n: ds.length }),
                      flagged ? h('span', { class: 'pill warn' }, flagged) : null,
                      alerts ? h('span', { class: 'pill alert' }, alerts) : null),
                  ),
                );
              }),
          ),
        ),
      ),
    ),
  );
}

function renderSite(siteId) {
  const site = siteById(siteId);
  if (!site) {
    location.hash = '#/';
    return;
  }
  const devices = state.snapshot.devices.filter((d) => d.siteId === siteId);
  clear(main).append(
    h('a', { class: 'back', href: '#/' }, '← ', t('common.back')),
    h('section', { class: 'site', dataset: { site: site.id } }, siteHeader(site), alertsSection(state.alerts.filter((a) => a.siteId === siteId)), devicesGrid(devices)),
  );
}

function render() {
  if (!state.session) return renderLogin();
  if (!state.snapshot) return;
  const m = /^#\/site\/(.+)$/.exec(location.hash);
  if (m) return renderSite(decodeURIComponent(m[1]));
  return isOfficeView() ? renderOffice() : renderContractor();
}

// ---------- actions ----------

async function acknowledge(a) {
  try {
    const updated = await api('POST', `/api/alerts/${encodeURIComponent(a.id)}/acknowledge`, {});
    upsertAlert(updated);
  } catch (err) {
    window.alert(t('alerts.failed', { msg: err.message }));
  }
}

const dialog = document.getElementById('resolve-dialog');
let resolving = null;

function openResolve(a) {
  resolving = a;
  document.getElementById('resolve-alert-text').textContent = a.text[getLang()] ?? a.text.zh;
  document.getElementById('resolve-req').hidden = a.kind !== 'density';
  document.getElementById('resolve-action').value = '';
  document.getElementById('resolve-note').value = '';
  document.getElementById('resolve-error').textContent = '';
  dialog.showModal();
}

document.getElementById('resolve-cancel').addEventListener('click', () => dialog.close());
document.getElementById('resolve-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const a = resolving;
  if (!a) return;
  const correctiveAction = document.getElementById('resolve-action').value.trim();
  const note = document.getElementById('resolve-note').value.trim();
  const error = document.getElementById('resolve-error');
  if (a.kind === 'density' && !correctiveAction) {
    error.textContent = t('alerts.needAction');
    return;
  }
  try {
    const updated = await api('POST', `/api/alerts/${encodeURIComponent(a.id)}/resolve`, {
      ...(correctiveAction ? { correctiveAction } : {}),
      ...(note ? { note } : {}),
    });
    dialog.close();
    upsertAlert(updated);
  } catch (err) {
    error.textContent = err.code === 'CORRECTIVE_ACTION_REQUIRED' ? t('alerts.needAction') : t('alerts.failed', { msg: err.message });
  }
});

function upsertAlert(a) {
  const rest = state.alerts.filter((x) => x.id !== a.id);
  state.alerts = a.state === 'resolved' ? rest : [a, ...rest].sort((x, y) => (x.openedAt < y.openedAt ? 1 : -1));
  if (!dialog.open) render();
}

// ---------- live updates ----------

function applyReading(r) {
  const d = state.snapshot?.devices.find((x) => x.id === r.deviceId);
  if (!d) return;
  const at = Date.parse(r.at);
  if (d.latest && Date.parse(d.latest.at) > at) return; // an older reading delivered late
  d.latest = { at: r.at, value: r.value, battery: r.battery ?? d.latest?.battery ?? null };
  const sparkStart = Date.parse(state.snapshot.sparkStart);
  const i = Math.floor((at - sparkStart) / HOUR);
  if (i >= d.spark.length) {
    const shift = i - d.spark.length + 1;
    d.spark = [...d.spark.slice(shift), ...Array(shift).fill(null)];
    state.snapshot.sparkStart = new Date(sparkStart + shift * HOUR).toISOString();
  }
  const j = Math.min(i, d.spark.length - 1);
  if (j >= 0 && typeof r.value === 'number') d.spark[j] = d.agg === 'sum' ? (d.spark[j] ?? 0) + r.value : r.value;
  const card = document.querySelector(`[data-device="${CSS.escape(d.id)}"]`);
  if (card && !dialog.open) {
    const fresh = deviceCard(d);
    fresh.classList.add('flash');
    card.replaceWith(fresh);
  }
}

function setConn(s) {
  const conn = document.getElementById('conn');
  conn.hidden = false;
  conn.dataset.state = s;
  document.getElementById('conn-text').textContent = t(s === 'live' ? 'conn.live' : 'conn.reconnecting');
}

async function refreshSnapshot() {
  state.snapshot = await api('GET', '/api/live/snapshot');
}

async function refreshAlerts() {
  state.alerts = (await api('GET', '/api/alerts?status=active&limit=200')).alerts;
}

/** This month in the deployment's time zone (China Standard Time), as the grading API's period label. */
const thisMonth = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date());

async function refreshGrades() {
  if (!isOfficeView()) return;
  await Promise.all(
    state.districts.map(async (d) => {
      try {
        const body = await api('GET', `/api/grades?scope=district:${encodeURIComponent(d.id)}&period=${thisMonth()}`);
        state.grades.set(d.id, Array.isArray(body.vectors) ? body.vectors : null);
      } catch {
        state.grades.set(d.id, null); // not available: the panel says so
      }
    }),
  );
}

function stopLive() {
  state.closeStream?.();
  state.closeStream = null;
  for (const id of state.timers.splice(0)) clearInterval(id);
}

async function start() {
  stopLive();
  const p = state.session.principal;
  const who = document.getElementById('who');
  who.hidden = false;
  clear(who).append(h('span', { class: 'who-name' }, p.displayName), h('span', { class: 'who-role' }, t(`role.${p.role}`)));
  document.getElementById('logout').hidden = false;
  try {
    const [districts] = await Promise.all([api('GET', '/api/districts'), refreshSnapshot(), refreshAlerts()]);
    state.districts = districts.districts;
    await refreshGrades();
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) return renderLogin();
    clear(main).append(h('p', { class: 'form-error' }, t('error.load', { msg: err.message })));
    return;
  }
  render();
  state.closeStream = openStream(
    (type, data) => (type === 'reading' ? applyReading(data) : upsertAlert(data)),
    setConn,
  );
  // "updated 5 s ago" ticks; alerts and the snapshot re-sync now and then (hour buckets roll, devices fall silent).
  state.timers.push(
    setInterval(() => {
      const now = Date.now();
      for (const el of document.querySelectorAll('[data-role="ago"][data-at]')) {
        if (el.dataset.at) el.textContent = t('device.updated', { ago: ago(now - Date.parse(el.dataset.at)) });
      }
    }, 1000),
    setInterval(() => refreshAlerts().then(() => !dialog.open && render()).catch(() => {}), 15_000),
    setInterval(() => refreshSnapshot().then(() => !dialog.open && render()).catch(() => {}), 120_000),
  );
}

// ---------- shell ----------

function syncLangButton() {
  document.getElementById('lang-toggle').textContent = getLang() === 'zh' ? 'EN' : '中文';
}

document.getElementById('lang-toggle').addEventListener('click', () => {
  setLang(getLang() === 'zh' ? 'en' : 'zh');
  translateShell();
  syncLangButton();
  if (state.session) {
    const p = state.session.principal;
    clear(document.getElementById('who')).append(h('span', { class: 'who-name' }, p.displayName), h('span', { class: 'who-role' }, t(`role.${p.role}`)));
    if (state.closeStream) setConn(document.getElementById('conn').dataset.state ?? 'live');
  }
  render();
});

document.getElementById('logout').addEventListener('click', async () => {
  await logout();
  state.session = null;
  state.snapshot = null;
  location.hash = '#/';
  renderLogin();
});

window.addEventListener('hashchange', () => render());

setLang(getLang());
translateShell();
syncLangButton();
state.session = await currentSession().catch(() => null);
if (state.session) await start();
else renderLogin();
