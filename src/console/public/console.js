// The operator console's client: signs in with a cookie session, polls GET /api/console/state once a second
// and acts through the admin API with the session's CSRF token. No token is ever stored by this script.
import uPlot from './uPlot.esm.js';

const POLL_MS = 1000;
/** Consecutive failed polls before the page says its numbers are old. */
const STALE_AFTER = 3;
const ARM_COLOURS = ['#6b4fbb', '#0b7a75', '#8a4b00', '#b3261e'];

const session = { csrf: null, user: null };
const poll = { timer: null, failures: 0, last: null };
const charts = new Map();
const flagCards = new Map();

const $ = (id) => document.getElementById(id);

/** Builds an element; text only ever goes in as textContent, never as markup. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** The key an element keeps across re-renders: its data-key, else its id. */
const keyOf = (node) => (node instanceof HTMLElement ? (node.dataset.key ?? (node.id || null)) : null);

/**
 * Replaces a container's children. The page re-renders every poll, so what a person is doing survives it: the
 * focused element (matched by data-key or id) gets focus back, and <details data-key> keep their open state.
 */
function fill(el, ...children) {
  const focused = el.contains(document.activeElement) ? keyOf(document.activeElement) : null;
  const details = new Map([...el.querySelectorAll('details[data-key]')].map((d) => [d.dataset.key, d.open]));
  el.replaceChildren(...children.flat().filter((c) => c != null && c !== false));
  for (const d of el.querySelectorAll('details[data-key]')) {
    const open = details.get(d.dataset.key);
    if (open !== undefined) d.open = open;
  }
  if (focused) {
    const again = [...el.querySelectorAll('[data-key], [id]')].find((n) => keyOf(n) === focused);
    again?.focus();
  }
}

const fmt = {
  int: (n) => (n == null ? '–' : Math.round(n).toLocaleString('en')),
  ms: (n) => (n == null ? '–' : `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`),
  pct: (r, digits = 2) => (r == null ? '–' : `${(r * 100).toFixed(digits)} %`),
  bytes: (n) =>
    n == null
      ? '–'
      : n < 1024
        ? `${n} B`
        : n < 1048576
          ? `${(n / 1024).toFixed(1)} kB`
          : `${(n / 1048576).toFixed(2)} MB`,
  seconds: (s) => {
    if (s == null) return '–';
    if (s < 90) return `${Math.round(s)} s`;
    if (s < 5400) return `${Math.round(s / 60)} min`;
    return `${(s / 3600).toFixed(1)} h`;
  },
  time: (iso) => new Date(iso).toLocaleString('en-GB', { hour12: false }),
  value: (v) => (v === null || v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v)),
};

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function api(method, url, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && session.csrf) headers['x-csrf-token'] = session.csrf;
  const response = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok)
    throw new ApiError(response.status, json?.error?.detail ?? `${response.status} ${response.statusText}`);
  return json;
}

// ---------- session ----------

function showLogin(message) {
  stopPolling();
  session.csrf = null;
  session.user = null;
  $('app').hidden = true;
  $('nav').hidden = true;
  $('session').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message ?? '';
  $('login-username').focus();
}

function signedIn(answer) {
  session.csrf = answer.csrf_token;
  session.user = answer.user;
  $('login').hidden = true;
  $('app').hidden = false;
  $('nav').hidden = false;
  $('session').hidden = false;
  $('who').textContent = `${answer.user.email} (${answer.user.role})`;
  const admin = answer.user.role === 'admin';
  $('readonly').hidden = admin;
  $('readonly-role').textContent = answer.user.role;
  startPolling();
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const button = form.querySelector('button');
  button.disabled = true;
  $('login-error').textContent = '';
  try {
    signedIn(
      await api('POST', '/api/auth/session', {
        username: $('login-username').value,
        password: $('login-password').value,
      }),
    );
    $('login-password').value = '';
  } catch (err) {
    $('login-error').textContent = err.message;
  } finally {
    button.disabled = false;
  }
});

$('logout').addEventListener('click', async () => {
  try {
    await api('DELETE', '/api/auth/session');
  } finally {
    flagCards.clear();
    fill($('flags'));
    showLogin('Signed out.');
  }
});

// ---------- polling ----------

function startPolling() {
  stopPolling();
  const tick = async () => {
    try {
      render(await api('GET', '/api/console/state'));
      poll.failures = 0;
      poll.last = Date.now();
      $('stale').hidden = true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401)
        return showLogin('Your session ended: sign in again.');
      poll.failures += 1;
      if (poll.failures >= STALE_AFTER) {
        $('stale').hidden = false;
        $('stale').textContent =
          `The server does not answer (${err.message}); the numbers below are from ${poll.last ? fmt.time(new Date(poll.last).toISOString()) : 'nowhere yet'}.`;
      }
    }
    poll.timer = setTimeout(tick, POLL_MS);
  };
  tick();
}

function stopPolling() {
  if (poll.timer) clearTimeout(poll.timer);
  poll.timer = null;
}

// ---------- rendering ----------

function render(state) {
  $('live').textContent =
    `live · ${new Date(state.now).toLocaleTimeString('en-GB', { hour12: false })} · ${state.instance_id}`;
  renderGuardSettings(state);
  renderFlags(state);
  renderEvidence(state);
  renderExperiments(state);
  renderViews(state);
  renderCache(state);
}

function renderGuardSettings(state) {
  const t = state.guard.thresholds;
  $('guard-settings').textContent =
    `The guard judges ${state.plan.candidate_arm} against ${state.plan.control_arm} over the last ${state.guard.lookbackSeconds} s, ` +
    `every ${state.guard.intervalSeconds} s: roll back when the error rate is ${fmt.pct(t.maxErrorRate)} points worse, ` +
    `p99 > ${t.maxP99Ms} ms and > ${t.maxP99Ratio}× the control's, or mismatches > ${fmt.pct(t.maxMismatchRate)} ` +
    `(≥ ${t.minShadowSamples} comparisons); at least ${t.minSamples} samples to judge.`;
}

function stateBadge(flag) {
  if (!flag.enabled) return h('span', { class: 'badge bad', text: 'disabled' });
  if (flag.percentage >= 100) return h('span', { class: 'badge ok', text: 'on for everyone' });
  if (flag.percentage > 0)
    return h('span', { class: 'badge warn', text: `rolling out: ${flag.percentage} %` });
  return h('span', { class: 'badge', text: 'enabled at 0 %' });
}

function stepList(flag) {
  if (flag.strategy !== 'gradual') return null;
  return h(
    'ol',
    { class: 'steps', 'aria-label': 'Steps' },
    flag.steps.map((p, i) =>
      h('li', {
        class: i < flag.step ? 'done' : '',
        'aria-current': i === flag.step ? 'step' : undefined,
        text: `${p} %`,
      }),
    ),
  );
}

function bakeBlock(flag) {
  if (!flag.bake) return null;
  const remainingByGuard =
    flag.guard?.current && flag.guard.why === 'baking' && flag.guard.remaining_ms != null
      ? ` · the guard: ${fmt.seconds(flag.guard.remaining_ms / 1000)} of healthy time to go`
      : '';
  return h(
    'div',
    { class: 'bake' },
    h('label', {
      for: `bake-${flag.key}`,
      text: `Bake: ${fmt.seconds(flag.bake.elapsed_seconds)} of ${fmt.seconds(flag.bake_seconds)} since the last change${remainingByGuard}`,
    }),
    h('progress', {
      id: `bake-${flag.key}`,
      max: Math.max(1, flag.bake_seconds),
      value: Math.min(flag.bake.elapsed_seconds, Math.max(1, flag.bake_seconds)),
    }),
  );
}

const MEASURED_ROWS = [
  ['samples', 'candidate samples', (m) => fmt.int(m.samples), (t) => `≥ ${t.minSamples}`],
  ['error_rate', 'candidate error rate', (m) => fmt.pct(m.error_rate), null],
  ['control_error_rate', 'control error rate', (m) => fmt.pct(m.control_error_rate), null],
  [
    'error_rate_delta',
    'error rate difference',
    (m) => fmt.pct(m.error_rate_delta),
    (t) => `≤ ${fmt.pct(t.maxErrorRate)}`,
  ],
  [
    'p99_ms',
    'candidate p99',
    (m) => fmt.ms(m.p99_ms),
    (t) => `≤ ${t.maxP99Ms} ms, or ≤ ${t.maxP99Ratio}× control`,
  ],
  ['control_p99_ms', 'control p99', (m) => fmt.ms(m.control_p99_ms), null],
  ['p99_ratio', 'p99 ratio', (m) => (m.p99_ratio == null ? '–' : `${m.p99_ratio.toFixed(2)}×`), null],
  [
    'compared',
    'shadow comparisons',
    (m) => fmt.int(m.compared),
    (t) => `rule applies from ${t.minShadowSamples}`,
  ],
  [
    'net_mismatch_rate',
    'mismatch rate',
    (m) => fmt.pct(m.net_mismatch_rate),
    (t) => `≤ ${fmt.pct(t.maxMismatchRate)}`,
  ],
  ['declared_differences', 'declared differences', (m) => fmt.int(m.declared_differences), null],
];

function guardBlock(flag, state) {
  if (flag.key !== state.plan.flag) return null;
  const v = flag.guard;
  if (!v) {
    return h(
      'div',
      { class: 'guard' },
      h('strong', { text: 'Guard: ' }),
      'no verdict recorded yet (no instance runs the guard, or it has not evaluated).',
    );
  }
  const tone =
    v.kind === 'rollback'
      ? 'rollback'
      : v.kind === 'advance'
        ? 'advance'
        : v.healthy
          ? 'healthy'
          : 'unhealthy';
  const label = v.kind === 'hold' ? `hold: ${v.why}` : v.kind;
  const m = v.measured;
  return h(
    'div',
    { class: `guard ${tone}` },
    h(
      'p',
      {},
      h('strong', { text: 'Guard: ' }),
      h('span', { class: `badge ${v.kind === 'rollback' ? 'bad' : v.healthy ? 'ok' : 'warn'}`, text: label }),
      ` at ${fmt.time(v.at)} by ${v.instance_id}`,
      v.acted ? ` · acted: ${v.acted}` : '',
      v.current ? '' : ' · judged an earlier version of the flag',
    ),
    v.reasons.length > 0
      ? h(
          'ul',
          {},
          v.reasons.map((r) => h('li', { text: r })),
        )
      : null,
    h(
      'details',
      { 'data-key': `measured-${flag.key}` },
      h('summary', {
        'data-key': `measured-summary-${flag.key}`,
        text: `Measured over ${fmt.time(m.window_from)} – ${fmt.time(m.window_to)}, against the thresholds`,
      }),
      h(
        'div',
        { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': `Guard measures of ${flag.key}` },
        h(
          'table',
          { class: 'numbers' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col', text: 'measure' }),
              h('th', { scope: 'col', text: 'value' }),
              h('th', { scope: 'col', text: 'threshold' }),
            ),
          ),
          h(
            'tbody',
            {},
            MEASURED_ROWS.map(([, name, value, threshold]) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row', text: name }),
                h('td', { text: value(m) }),
                h('td', { text: threshold ? threshold(v.thresholds) : '' }),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function changeText(change) {
  return `${change.field}: ${fmt.value(change.from)} → ${fmt.value(change.to)}`;
}

function eventsBlock(flag) {
  return h(
    'details',
    { class: 'events', open: true, 'data-key': `events-${flag.key}` },
    h('summary', {
      'data-key': `events-summary-${flag.key}`,
      text: `History (latest ${flag.events.length})`,
    }),
    h(
      'ol',
      { class: 'event-list' },
      flag.events.map((e) =>
        h(
          'li',
          { 'data-event-id': e.id },
          h('time', { datetime: e.at, text: fmt.time(e.at) }),
          ' · ',
          h('strong', { text: e.action }),
          ` by ${e.actor}`,
          e.changes.length
            ? h('div', { class: 'event-changes', text: e.changes.map(changeText).join(' · ') })
            : null,
          e.reason ? h('div', { class: 'event-reason', text: `Why: ${e.reason}` }) : null,
        ),
      ),
    ),
  );
}

/** The action form of one flag: built once and kept, so a poll never wipes what an operator is typing. */
function actionForm(flag) {
  const id = (name) => `${flag.key}-${name}`;
  const reason = h('textarea', { id: id('reason'), rows: 2, maxlength: 1000, required: true });
  const result = h('p', { class: 'result', role: 'status', id: id('result') });
  const stepSelect = h('select', { id: id('step') });
  const percentInput = h('input', {
    id: id('percentage'),
    type: 'number',
    min: 0,
    max: 100,
    step: 'any',
    inputmode: 'decimal',
  });
  const needReason = () => {
    const text = reason.value.trim();
    if (!text) {
      result.textContent = 'Give a reason first: it is stored with the event.';
      reason.focus();
      return null;
    }
    return text;
  };
  const run = (button, label, call) => {
    const why = needReason();
    if (!why) return;
    return perform(
      button,
      result,
      label,
      () => call(why),
      (answer) => {
        reason.value = '';
        return answer?.meta?.changed === false ? `${label}: no change (already so).` : `${label}: done.`;
      },
    );
  };
  const key = encodeURIComponent(flag.key);
  const advance = h('button', { type: 'button', id: id('advance'), text: 'Advance one step' });
  advance.addEventListener('click', () =>
    run(advance, 'Advance', (why) => api('POST', `/api/admin/feature-flags/${key}/advance`, { reason: why })),
  );
  const setStep = h('button', { type: 'button', class: 'secondary', id: id('set-step'), text: 'Set step' });
  setStep.addEventListener('click', () =>
    run(setStep, 'Set step', (why) =>
      api('PATCH', `/api/admin/feature-flags/${key}`, { step: Number(stepSelect.value), reason: why }),
    ),
  );
  const setPercent = h('button', {
    type: 'button',
    class: 'secondary',
    id: id('set-percentage'),
    text: 'Set percentage',
  });
  setPercent.addEventListener('click', () =>
    run(setPercent, 'Set percentage', (why) =>
      api('PATCH', `/api/admin/feature-flags/${key}`, {
        percentage: Number(percentInput.value),
        reason: why,
      }),
    ),
  );
  const enable = h('button', { type: 'button', class: 'secondary', id: id('enable'), text: 'Enable' });
  enable.addEventListener('click', () =>
    run(enable, 'Enable', (why) =>
      api('PATCH', `/api/admin/feature-flags/${key}`, { enabled: true, reason: why }),
    ),
  );
  const disable = h('button', {
    type: 'button',
    class: 'danger',
    id: id('disable'),
    text: 'Emergency disable…',
  });
  disable.addEventListener('click', () => confirmDisable(flag.key, reason.value, result));
  const form = h(
    'form',
    { class: 'actions', 'aria-label': `Actions on ${flag.key}`, onsubmit: (e) => e.preventDefault() },
    h('label', { for: id('reason'), text: 'Reason (required, stored with the event)' }),
    reason,
    h(
      'div',
      { class: 'buttons gradual' },
      advance,
      h('label', { for: id('step'), text: 'Step' }),
      stepSelect,
      setStep,
    ),
    h(
      'div',
      { class: 'buttons percentage' },
      h('label', { for: id('percentage'), text: 'Percentage' }),
      percentInput,
      setPercent,
    ),
    h('div', { class: 'buttons' }, enable, disable),
    result,
  );
  return { form, stepSelect, percentInput, advance, enable, disable };
}

function updateActions(actions, flag) {
  const gradual = flag.strategy === 'gradual';
  actions.form.querySelector('.gradual').hidden = !gradual;
  actions.form.querySelector('.percentage').hidden = flag.strategy !== 'percentage';
  actions.advance.disabled = !gradual || flag.next === null;
  actions.advance.textContent = flag.next ? `Advance to ${flag.next.percentage} %` : 'At the last step';
  const wanted = flag.steps.map((p, i) => `${i}:${p}`).join(',');
  if (actions.stepSelect.dataset.steps !== wanted) {
    const keep = actions.stepSelect.value;
    fill(
      actions.stepSelect,
      flag.steps.map((p, i) => h('option', { value: String(i), text: `${i}: ${p} %` })),
    );
    actions.stepSelect.dataset.steps = wanted;
    actions.stepSelect.value = keep || String(flag.next?.step ?? flag.step ?? 0);
  }
  if (
    document.activeElement !== actions.percentInput &&
    actions.percentInput.dataset.version !== String(flag.version)
  ) {
    actions.percentInput.value = String(flag.percentage);
    actions.percentInput.dataset.version = String(flag.version);
  }
  actions.enable.hidden = flag.enabled;
  actions.disable.hidden = !flag.enabled;
}

function renderFlags(state) {
  const canAct = state.user.can_act;
  const seen = new Set();
  for (const flag of state.flags) {
    seen.add(flag.key);
    let card = flagCards.get(flag.key);
    if (!card) {
      const display = h('div');
      const actions = canAct ? actionForm(flag) : null;
      const root = h(
        'article',
        { class: 'card flag', id: `flag-${flag.key}`, 'aria-labelledby': `flag-title-${flag.key}` },
        display,
        actions?.form,
      );
      card = { root, display, actions };
      flagCards.set(flag.key, card);
      $('flags').append(root);
    }
    const position =
      flag.strategy === 'gradual'
        ? `step ${flag.step} of ${flag.steps.length - 1} (${flag.steps[flag.step]} %)`
        : flag.strategy === 'percentage'
          ? `${flag.percentage} %`
          : flag.strategy;
    fill(
      card.display,
      h('h3', { id: `flag-title-${flag.key}`, text: flag.key }),
      h('p', { class: 'muted', text: flag.description }),
      h(
        'p',
        { class: 'flag-state' },
        stateBadge(flag),
        ` ${flag.strategy} · `,
        h('span', { class: 'position', text: position }),
        flag.next ? ` · next: ${flag.next.percentage} %` : flag.strategy === 'gradual' ? ' · last step' : '',
        ` · auto-promote ${flag.auto_promote ? 'on' : 'off'} · v${flag.version}`,
      ),
      stepList(flag),
      bakeBlock(flag),
      guardBlock(flag, state),
      h('p', { class: 'muted', text: `Last change ${fmt.time(flag.updated_at)} by ${flag.updated_by}` }),
      eventsBlock(flag),
    );
    if (card.actions) updateActions(card.actions, flag);
  }
  for (const [key, card] of flagCards) {
    if (!seen.has(key)) {
      card.root.remove();
      flagCards.delete(key);
    }
  }
}

/**
 * One action: the button is disabled while it runs, its outcome (or why it was refused) goes to `result`, and
 * the page reads the new state at once — after the button is enabled again, so the state decides what applies.
 */
async function perform(button, result, label, call, describe) {
  button.disabled = true;
  result.textContent = `${label}…`;
  try {
    result.textContent = describe(await call());
  } catch (err) {
    result.textContent = `${label} refused: ${err.message}`;
  } finally {
    button.disabled = false;
  }
  await refreshNow();
}

// ---------- the emergency disable ----------

let pendingDisable = null;

function confirmDisable(key, reason, result) {
  pendingDisable = { key, result };
  $('confirm-text').textContent =
    `Switch ${key} off for everyone and return it to 0 %. Everyone is served the control at once; the guard and auto-promotion stop moving it.`;
  $('confirm-reason').value = reason;
  $('confirm').showModal();
  $('confirm-reason').focus();
}

$('confirm-cancel').addEventListener('click', () => {
  pendingDisable = null;
  $('confirm').close();
});

$('confirm-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const why = $('confirm-reason').value.trim();
  if (!why || !pendingDisable) return;
  const { key, result } = pendingDisable;
  const ok = $('confirm-ok');
  ok.disabled = true;
  try {
    await api('POST', '/api/admin/feature-flags/disable', { flag: key, reason: why });
    result.textContent = `Emergency disable of ${key}: done.`;
    const card = flagCards.get(key);
    if (card) card.actions.form.querySelector('textarea').value = '';
    pendingDisable = null;
    $('confirm').close();
    await refreshNow();
  } catch (err) {
    result.textContent = `Emergency disable refused: ${err.message}`;
    $('confirm').close();
  } finally {
    ok.disabled = false;
  }
});

async function refreshNow() {
  try {
    render(await api('GET', '/api/console/state'));
  } catch {
    // The next poll says what is wrong.
  }
}

// ---------- charts ----------

/** A chart's width: its grid column's (a canvas would otherwise hold its figure at the width it was drawn). */
function chartWidth(figure) {
  const grid = figure.parentElement;
  const columns = getComputedStyle(grid).gridTemplateColumns.split(' ').length;
  const gap = Number.parseFloat(getComputedStyle(grid).columnGap) || 0;
  const column = (grid.clientWidth - gap * (columns - 1)) / columns;
  return Math.max(200, Math.floor(column - 18));
}

function drawChart(id, t, series, format) {
  const figure = $(id);
  const data = [t, ...series.map((s) => s.values)];
  let entry = charts.get(id);
  const names = series.map((s) => s.label).join('|');
  if (entry && entry.names !== names) {
    entry.plot.destroy();
    entry = undefined;
  }
  if (!entry) {
    const plot = new uPlot(
      {
        width: chartWidth(figure),
        height: 200,
        scales: {
          y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(max ?? 1, format.minMax ?? 0)] },
        },
        axes: [{}, { values: (_u, ticks) => ticks.map(format.tick), size: 60 }],
        series: [
          {
            label: 'time',
            value: (_u, v) =>
              v == null ? '–' : new Date(v * 1000).toLocaleTimeString('en-GB', { hour12: false }),
          },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.colour ?? ARM_COLOURS[i % ARM_COLOURS.length],
            width: 2,
            // Points too: a lone bucket between empty ones has no line to draw.
            points: { show: true, size: 4, fill: s.colour ?? ARM_COLOURS[i % ARM_COLOURS.length] },
            value: (_u, v) => (v == null ? '–' : format.tick(v)),
          })),
        ],
      },
      data,
      figure,
    );
    plot.root.setAttribute('role', 'img');
    plot.root.setAttribute('aria-label', figure.querySelector('figcaption').textContent);
    entry = { plot, names };
    charts.set(id, entry);
  } else {
    entry.plot.setData(data);
  }
}

addEventListener('resize', () => {
  for (const [id, entry] of charts) entry.plot.setSize({ width: chartWidth($(id)), height: 200 });
});

const perSecond = { tick: (v) => v.toFixed(v < 10 ? 2 : 0) };
const millis = { tick: (v) => `${v < 10 ? v.toFixed(1) : v.toFixed(0)}` };
const percent = { tick: (v) => `${v.toFixed(v < 1 ? 2 : 1)}`, minMax: 1 };

function renderEvidence(state) {
  const e = state.evidence;
  const s = e.series;
  const armNames = Object.keys(s.arms);
  $('evidence-note').textContent =
    `Every instance, in ${s.bucket_seconds} s buckets from ${fmt.time(e.from)}; the newest bucket is still filling. Control: ${state.plan.control_arm}; candidate: ${state.plan.candidate_arm}.`;
  fill(
    $('arm-table').tBodies[0],
    Object.entries(e.arms).map(([arm, a]) =>
      h(
        'tr',
        { 'data-arm': arm },
        h('th', { scope: 'row', text: arm }),
        h('td', { class: 'requests', text: fmt.int(a.requests) }),
        h('td', { text: fmt.pct(a.error_rate) }),
        h('td', { text: fmt.ms(a.p50_ms) }),
        h('td', { text: fmt.ms(a.p99_ms) }),
      ),
    ),
  );
  const arms = (pick, scale = 1) =>
    armNames.map((arm, i) => ({
      label: arm,
      colour: ARM_COLOURS[i % ARM_COLOURS.length],
      values: s.arms[arm][pick].map((v) => (v == null ? null : v * scale)),
    }));
  drawChart('chart-rate', s.t, arms('requests_per_s'), perSecond);
  drawChart('chart-p50', s.t, arms('p50_ms'), millis);
  drawChart('chart-p99', s.t, arms('p99_ms'), millis);
  drawChart('chart-errors', s.t, arms('error_rate', 100), percent);
  drawChart(
    'chart-match',
    s.t,
    [
      {
        label: 'match rate',
        colour: '#146c2e',
        values: s.match_rate.map((v) => (v == null ? null : v * 100)),
      },
    ],
    { tick: (v) => v.toFixed(1), minMax: 100 },
  );
}

function renderExperiments(state) {
  fill(
    $('experiment-table').tBodies[0],
    state.experiments.live.map((x) => {
      const rules = Object.entries(x.ignored_by_rule)
        .map(([rule, n]) => `${rule}: ${n}`)
        .join(', ');
      return h(
        'tr',
        { 'data-experiment': x.experiment },
        h('th', { scope: 'row', text: x.experiment }),
        h('td', { class: 'match-rate', text: fmt.pct(x.match_rate) }),
        h('td', { text: fmt.int(x.counts.match) }),
        h('td', { text: fmt.int(x.counts.mismatch) }),
        h('td', { text: `${fmt.int(x.counts.ignored)}${rules ? ` (${rules})` : ''}` }),
        h('td', { text: fmt.int(x.counts.candidate_error + x.counts.control_error) }),
        h('td', { text: fmt.int(x.counts.timeout) }),
      );
    }),
  );
  const samples = state.experiments.samples;
  fill(
    $('samples'),
    samples.length === 0
      ? h('li', { class: 'muted', text: 'No non-matching comparison in the last hour.' })
      : samples.map((x) =>
          h(
            'li',
            {},
            h('strong', { text: `${x.experiment} · ${x.outcome}` }),
            ` at ${fmt.time(x.at)}`,
            x.rules.length ? ` · rules: ${x.rules.join(', ')}` : '',
            x.control_ms != null
              ? ` · control ${fmt.ms(x.control_ms)}, candidate ${fmt.ms(x.candidate_ms)}`
              : '',
            x.request ? h('div', {}, h('code', { text: JSON.stringify(x.request) })) : null,
            x.redacted
              ? h('div', { class: 'muted', text: 'The request and the differing rows are shown to admins.' })
              : null,
            h(
              'ul',
              { class: 'diff' },
              x.diff.map((d) => h('li', { text: d })),
            ),
          ),
        ),
  );
}

// ---------- views ----------

function depthOf(views) {
  const byName = new Map(views.map((v) => [v.name, v]));
  const depth = new Map();
  const visit = (name, path = new Set()) => {
    if (!byName.has(name)) return 0;
    if (depth.has(name)) return depth.get(name);
    if (path.has(name)) return 0;
    path.add(name);
    const d = 1 + Math.max(0, ...byName.get(name).dependsOn.map((dep) => visit(dep, path)));
    depth.set(name, d);
    return d;
  };
  for (const v of views) visit(v.name);
  return depth;
}

function renderViewGraph(views) {
  const depth = depthOf(views);
  const declared = new Set(views.map((v) => v.name));
  const tables = [...new Set(views.flatMap((v) => v.dependsOn.filter((d) => !declared.has(d))))].sort();
  const layers = [{ title: 'tables', nodes: tables.map((t) => ({ name: t, reads: [] })) }];
  const maxDepth = Math.max(0, ...depth.values());
  for (let d = 1; d <= maxDepth; d++) {
    layers.push({
      title: d === 1 ? 'read tables' : `read level ${d - 1}`,
      nodes: views
        .filter((v) => depth.get(v.name) === d)
        .map((v) => ({ name: v.name, reads: v.dependsOn, state: v.state })),
    });
  }
  fill(
    $('view-graph'),
    layers.map((layer) =>
      h(
        'div',
        { class: 'layer', role: 'listitem' },
        h('h3', { text: layer.title }),
        layer.nodes.map((n) =>
          h(
            'div',
            { class: 'node' },
            n.name,
            n.reads.length ? h('small', { text: `← ${n.reads.join(', ')}` }) : null,
          ),
        ),
      ),
    ),
  );
}

function viewStateBadge(state) {
  const tone = state === 'in_sync' ? 'ok' : state === 'missing' ? 'bad' : 'warn';
  return h('span', { class: `badge ${tone}`, text: state.replace('_', ' ') });
}

function refreshView(button, name) {
  return perform(
    button,
    $('views-result'),
    `Refresh of ${name ?? 'every materialized view'}`,
    () => api('POST', '/api/admin/views/refresh', name ? { name } : {}),
    (answer) =>
      answer.results
        .map(
          (r) =>
            `${r.name}: ${r.outcome}${r.outcome === 'refreshed' ? ` in ${Math.round(r.duration_ms)} ms` : ''}${r.error ? ` (${r.error})` : ''}`,
        )
        .join('; '),
  );
}

function renderViews(state) {
  const report = state.views;
  const counts = {};
  for (const v of report.views) counts[v.state] = (counts[v.state] ?? 0) + 1;
  const summary = Object.entries(counts)
    .map(([s, n]) => `${n} ${s.replace('_', ' ')}`)
    .join(', ');
  const extra = [
    report.undeclared.length ? `no longer declared: ${report.undeclared.join(', ')}` : '',
    report.unmanaged.length ? `unmanaged: ${report.unmanaged.join(', ')}` : '',
  ].filter(Boolean);
  fill(
    $('views-summary'),
    h('span', { class: `badge ${report.ok ? 'ok' : 'warn'}`, text: report.ok ? 'all in sync' : 'attention' }),
    ` ${report.views.length} declared views: ${summary}${extra.length ? `; ${extra.join('; ')}` : ''}.`,
    state.user.can_act
      ? h('button', {
          type: 'button',
          class: 'secondary',
          id: 'refresh-all',
          text: 'Refresh all matviews',
          onclick: (e) => refreshView(e.currentTarget),
        })
      : null,
  );
  renderViewGraph(report.views);
  fill(
    $('view-table').tBodies[0],
    report.views.map((v) => {
      const matview = v.kind === 'materialized';
      const last = matview
        ? v.lastOutcome
          ? `${v.lastOutcome}${v.lastDurationMs != null ? ` in ${Math.round(v.lastDurationMs)} ms` : ''}${v.lastRefreshedAt ? ` · ${fmt.time(v.lastRefreshedAt)}` : ''}${v.lastError ? ` · ${v.lastError}` : ''}`
          : 'never'
        : '';
      return h(
        'tr',
        { 'data-view': v.name },
        h('th', { scope: 'row', text: v.name }),
        h('td', { text: matview ? 'matview' : 'view' }),
        h('td', {}, viewStateBadge(v.state)),
        h('td', { text: v.dependsOn.join(', ') }),
        h('td', { text: matview ? fmt.int(v.rowCount) : '' }),
        h('td', { text: matview ? fmt.seconds(v.stalenessSeconds) : '' }),
        h('td', { text: last }),
        h(
          'td',
          {},
          matview && state.user.can_act
            ? h('button', {
                type: 'button',
                class: 'secondary',
                'data-key': `refresh-${v.name}`,
                'aria-label': `Refresh ${v.name}`,
                text: 'Refresh',
                onclick: (e) => refreshView(e.currentTarget, v.name),
              })
            : null,
        ),
      );
    }),
  );
}

// ---------- cache ----------

function clearCache(button, namespace) {
  return perform(
    button,
    $('cache-result'),
    'Clear',
    () =>
      namespace
        ? api('DELETE', `/api/admin/cache/${encodeURIComponent(namespace)}`)
        : api('POST', '/api/admin/cache/monitoring/clear-all'),
    (answer) => answer.message ?? 'Cleared.',
  );
}

function renderCache(state) {
  const c = state.cache;
  if (!c) {
    $('cache-summary').textContent = 'This instance runs without a cache.';
    fill($('cache-table').tBodies[0]);
    return;
  }
  const hits = c.namespaces.reduce((s, n) => s + n.hits, 0);
  const misses = c.namespaces.reduce((s, n) => s + n.misses, 0);
  fill(
    $('cache-summary'),
    `${c.live ? 'Live' : 'Not live (invalidation listener down: every read goes to PostgreSQL)'} · hit rate ${fmt.pct(hits + misses ? hits / (hits + misses) : null)} over ${fmt.int(hits + misses)} reads on ${state.instance_id}. `,
    state.user.can_act
      ? h('button', {
          type: 'button',
          class: 'danger',
          id: 'cache-clear-all',
          text: 'Clear all (every instance)',
          onclick: (e) => clearCache(e.currentTarget),
        })
      : null,
  );
  fill(
    $('cache-table').tBodies[0],
    c.namespaces.map((n) =>
      h(
        'tr',
        { 'data-namespace': n.namespace },
        h('th', { scope: 'row', text: n.namespace }),
        h('td', { text: n.hits + n.misses ? fmt.pct(n.hit_rate, 1) : '–' }),
        h('td', { text: fmt.int(n.hits) }),
        h('td', { text: fmt.int(n.misses) }),
        h('td', { text: fmt.int(n.memory_entries) }),
        h('td', { text: fmt.bytes(n.memory_bytes) }),
        h(
          'td',
          {},
          state.user.can_act
            ? h('button', {
                type: 'button',
                class: 'secondary',
                'data-key': `clear-${n.namespace}`,
                'aria-label': `Clear ${n.namespace}`,
                text: 'Clear',
                onclick: (e) => clearCache(e.currentTarget, n.namespace),
              })
            : null,
        ),
      ),
    ),
  );
}

// ---------- start ----------

async function start() {
  if (document.body.dataset.session !== 'active') return showLogin();
  try {
    signedIn(await api('GET', '/api/auth/session'));
  } catch {
    showLogin();
  }
}

start();
