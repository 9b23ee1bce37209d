/// <reference lib="dom" />
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GUARD_OPTIONS, DEFAULT_GUARD_THRESHOLDS } from '../../src/config.js';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import { addUser } from '../auth/auth-test-kit.js';
import { composeTestApp } from '../helpers/app.js';
import { createTestDatabase, startFlagsAtZero, type TestDatabase } from '../helpers/db.js';
import { refreshMaterializedViews } from '../helpers/views.js';
import {
  chromiumPath,
  collectErrors,
  launch,
  SKIP_MESSAGE,
  screenshot,
  seriousViolations,
} from './browser.js';

// The operator console in a real browser (Debian's Chromium through playwright-core) against the production
// graph on a real PostgreSQL: sign in, carry a rollout from 0 % to 100 % from the page, watch the evidence
// move with real traffic, stop it with the emergency disable, see a raw SQL change arrive, and check that a
// viewer sees no action and the API refuses one. Each step leaves a screenshot in test-artifacts/console/.

const executable = chromiumPath();
if (!executable) console.warn(SKIP_MESSAGE);

const FLAG = 'use_database_views';
const SHADOW = 'enable_shadow_testing';
/** Generous: a busy CI machine may take a while to render; the console itself polls every second. */
const DEADLINE = 30_000;

let db: TestDatabase;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let adminContext: BrowserContext;
let page: Page;
let admin: { email: string; password: string; username: string };
let viewer: { email: string; password: string };
const errors: string[] = [];

async function readFlag(key: string) {
  const { rows } = await db.pool.query<{ enabled: boolean; step: number; percentage: number }>(
    'select enabled, step, percentage::float8 as percentage from feature_flags where key = $1',
    [key],
  );
  return rows[0];
}

async function lastEvent(key: string) {
  const { rows } = await db.pool.query<{ action: string; actor: string; reason: string | null }>(
    'select action, actor, reason from feature_flag_events where flag_key = $1 order by id desc limit 1',
    [key],
  );
  return rows[0];
}

const card = (key: string) => page.locator(`#flag-${key}`);

/** Fills the flag's reason and presses one of its action buttons. */
async function act(key: string, button: string, reason: string): Promise<void> {
  await page.locator(`#${key}-reason`).fill(reason);
  await page.locator(`#${key}-${button}`).click();
  await expect
    .poll(() => page.locator(`#${key}-result`).textContent(), { timeout: DEADLINE })
    .toMatch(/done|no change/);
}

async function signIn(target: Page, email: string, password: string): Promise<void> {
  await target.goto(`${base}/console`);
  await target.getByLabel('Email or username').fill(email);
  await target.getByLabel('Password').fill(password);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.locator(`#flag-${FLAG}`).waitFor({ timeout: DEADLINE });
}

describe.skipIf(!executable)('operator console in Chromium', () => {
  beforeAll(async () => {
    db = await createTestDatabase(12);
    await seedDemo(db.pool, { genes: 300, evidence: 1_200, logs: 0, seed: 7, now: new Date('2025-06-01') });
    await refreshMaterializedViews(db.pool);
    await startFlagsAtZero(db.pool);
    const a = await addUser(db.pool, 'admin');
    admin = { email: a.user.email, password: a.password, username: a.user.username };
    const v = await addUser(db.pool, 'viewer');
    viewer = { email: v.user.email, password: v.password };
    const composition = await composeTestApp(db.pool, {
      // A guard that judges every second but never acts on its own: the test moves the flag, and a slow CI
      // machine's latency must not roll it back (p99 limit out of reach).
      guard: {
        ...DEFAULT_GUARD_OPTIONS,
        intervalMs: 1000,
        autoPromote: false,
        thresholds: { ...DEFAULT_GUARD_THRESHOLDS, maxP99Ms: 60_000 },
      },
      swaps: { rollout: { maxInFlight: 32 } },
    });
    app = composition.app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launch(executable as string);
    adminContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await adminContext.newPage();
    collectErrors(page, errors);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  it('the root links to the console and the API docs', async () => {
    await page.goto(`${base}/`);
    await expect(page.getByRole('link', { name: 'Operator console' }).getAttribute('href')).resolves.toBe(
      '/console',
    );
    await expect(page.getByRole('link', { name: 'API documentation' }).getAttribute('href')).resolves.toBe(
      '/docs',
    );
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('signs in with an existing account and shows the flag state', async () => {
    await page.goto(`${base}/console`);
    await page.getByLabel('Email or username').waitFor();
    await screenshot(page, '01-login');
    expect(await seriousViolations(page)).toEqual([]);

    await signIn(page, admin.email, admin.password);
    await expect.poll(() => card(FLAG).locator('.position').textContent()).toBe('step 0 of 5 (0 %)');
    await expect.poll(() => card(SHADOW).locator('.position').textContent()).toBe('0 %');
    // The guard's latest verdict, recorded by the leader in PostgreSQL, with its measured values.
    await expect
      .poll(() => card(FLAG).locator('.guard').textContent(), { timeout: DEADLINE })
      .toMatch(/hold: too_few_samples[\s\S]*0 samples < 100/);
    expect(await page.locator('#who').textContent()).toContain(admin.email);
    // No token reaches script-visible storage: the session is an httpOnly cookie.
    expect(await page.evaluate(() => ({ cookie: document.cookie, stored: localStorage.length }))).toEqual({
      cookie: '',
      stored: 0,
    });
    await screenshot(page, '02-signed-in');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('starts shadow testing and the first step from the page, each with its reason in the event', async () => {
    await page.locator(`#${SHADOW}-percentage`).fill('100');
    await act(SHADOW, 'set-percentage', 'compare every call while rolling out');
    expect((await readFlag(SHADOW))?.percentage).toBe(100);
    expect(await lastEvent(SHADOW)).toEqual({
      action: 'set_percentage',
      actor: `user:${admin.username}`,
      reason: 'compare every call while rolling out',
    });

    await act(FLAG, 'advance', 'shadow results clean, first 10 %');
    expect(await readFlag(FLAG)).toMatchObject({ enabled: true, step: 1 });
    expect(await lastEvent(FLAG)).toEqual({
      action: 'advance',
      actor: `user:${admin.username}`,
      reason: 'shadow results clean, first 10 %',
    });
    await expect.poll(() => card(FLAG).locator('.position').textContent()).toBe('step 1 of 5 (10 %)');
    await expect
      .poll(() => card(FLAG).locator('.events li').first().textContent())
      .toContain('shadow results clean, first 10 %');
  });

  it('shows the per-arm numbers and the match rate moving with real traffic', async () => {
    const armCell = (arm: string) => page.locator(`#arm-table tr[data-arm="${arm}"] td.requests`);
    expect(await armCell('legacy').textContent()).toBe('0');
    expect(
      await page.locator('#experiment-table tr[data-experiment="gene_list"] td.match-rate').textContent(),
    ).toBe('–');

    // Distinct callers, so the 10 % split sends some to each arm; the Server-Timing header says which served.
    const served: Record<string, number> = {};
    for (let i = 0; i < 160; i++) {
      const response = await fetch(`${base}/api/genes/?page[size]=5&page[number]=${(i % 8) + 1}`, {
        headers: { 'x-client-id': `console-test-${i}` },
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      const arm = /arm;desc="(\w+)"/.exec(response.headers.get('server-timing') ?? '')?.[1] ?? 'none';
      served[arm] = (served[arm] ?? 0) + 1;
    }
    expect(served.legacy).toBeGreaterThan(0);
    expect(served.views).toBeGreaterThan(0);

    // Exactly what was served, per arm, once every instance's window numbers are written.
    await expect
      .poll(() => armCell('legacy').textContent(), { timeout: DEADLINE })
      .toBe(String(served.legacy));
    await expect.poll(() => armCell('views').textContent(), { timeout: DEADLINE }).toBe(String(served.views));
    await expect
      .poll(
        () => page.locator('#experiment-table tr[data-experiment="gene_list"] td.match-rate').textContent(),
        {
          timeout: DEADLINE,
        },
      )
      .toMatch(/^\d+\.\d\d %$/);
    // The charts are uPlot canvases, one per measure.
    expect(await page.locator('#evidence canvas').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#experiments canvas').count()).toBeGreaterThanOrEqual(1);
    await screenshot(page, '03-evidence');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('carries the rollout to 100 % from the page: set a step, then advance', async () => {
    await page.locator(`#${FLAG}-step`).selectOption('4');
    await act(FLAG, 'set-step', 'healthy at 10 %, going to 75 %');
    expect(await readFlag(FLAG)).toMatchObject({ step: 4 });
    await expect.poll(() => card(FLAG).locator('.position').textContent()).toBe('step 4 of 5 (75 %)');
    await act(FLAG, 'advance', 'healthy at 75 %');
    expect(await readFlag(FLAG)).toMatchObject({ step: 5 });
    await expect.poll(() => card(FLAG).locator('.position').textContent()).toBe('step 5 of 5 (100 %)');
    expect(await page.locator(`#${FLAG}-advance`).isDisabled()).toBe(true);
    await screenshot(page, '04-rolled-out');
  });

  it('refreshes a matview and clears the cache from the page', async () => {
    await page.locator('[data-key="refresh-gene_scores"]').click();
    await expect
      .poll(() => page.locator('#views-result').textContent(), { timeout: DEADLINE })
      .toMatch(/gene_scores: refreshed in \d+ ms/);
    await expect
      .poll(() => page.locator('#view-table tr[data-view="gene_scores"]').textContent())
      .toMatch(/in sync[\s\S]*refreshed in \d+ ms/);
    await page.locator('#cache-clear-all').click();
    await expect
      .poll(() => page.locator('#cache-result').textContent(), { timeout: DEADLINE })
      .toBe('Cleared every namespace');
    await screenshot(page, '05-views-and-cache');
  });

  it('emergency disable asks for confirmation, stores the reason and shows in the page and the API', async () => {
    await page.locator(`#${FLAG}-disable`).click();
    const dialog = page.getByRole('dialog', { name: 'Emergency disable' });
    await dialog.waitFor();
    await screenshot(page, '06-confirm-disable');
    await dialog.getByLabel('Reason (stored with the event)').fill('p99 alarm from the on-call pager');
    await dialog.getByRole('button', { name: 'Disable now' }).click();
    await expect
      .poll(() => card(FLAG).locator('.flag-state .badge').textContent(), { timeout: DEADLINE })
      .toBe('disabled');

    const api = await page.request.get(`${base}/api/admin/feature-flags/${FLAG}`);
    expect(api.status()).toBe(200);
    expect((await api.json()).data).toMatchObject({ key: FLAG, enabled: false, step: 0, percentage: 0 });
    const events = await page.request.get(`${base}/api/admin/feature-flags/${FLAG}/events?limit=1`);
    expect((await events.json()).data[0]).toMatchObject({
      action: 'emergency_disable',
      actor: `user:${admin.username}`,
      reason: 'p99 alarm from the on-call pager',
    });
    await expect
      .poll(() => card(FLAG).locator('.events li').first().textContent())
      .toContain('p99 alarm from the on-call pager');
    await screenshot(page, '07-disabled');
  });

  it('shows a raw SQL change of the flag without a reload', async () => {
    const committed = Date.now();
    await db.pool.query(`update feature_flags set enabled = true, step = 2 where key = $1`, [FLAG]);
    await expect
      .poll(() => card(FLAG).locator('.position').textContent(), { timeout: DEADLINE, interval: 100 })
      .toBe('step 2 of 5 (25 %)');
    // Reported, not asserted (a busy machine decides the wall clock): the page polls every second.
    console.info(`console: a raw SQL flag change appeared in the page after ${Date.now() - committed} ms`);
    await screenshot(page, '08-sql-change');
  });

  it('a viewer sees everything but no action, and the API refuses the action', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const viewerPage = await context.newPage();
    collectErrors(viewerPage, errors);
    await signIn(viewerPage, viewer.email, viewer.password);
    await viewerPage.locator('#readonly').waitFor();
    await expect
      .poll(() => viewerPage.locator('#arm-table tr[data-arm="legacy"] td.requests').textContent())
      .not.toBe('0');
    expect(await viewerPage.locator('#flags button, #views button, #cache button').count()).toBe(0);
    expect(await viewerPage.locator('#flags textarea').count()).toBe(0);

    const { csrf_token: csrf } = await (await viewerPage.request.get(`${base}/api/auth/session`)).json();
    const refused = await viewerPage.request.post(`${base}/api/admin/feature-flags/${FLAG}/advance`, {
      headers: { 'x-csrf-token': csrf },
      data: { reason: 'a viewer tries' },
    });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.code).toBe('FORBIDDEN');
    expect(await readFlag(FLAG)).toMatchObject({ step: 2 });
    await screenshot(viewerPage, '09-viewer');
    expect(await seriousViolations(viewerPage)).toEqual([]);
    await context.close();
  });

  it('works from the keyboard alone: Escape cancels the emergency disable, Enter and Tab carry it out', async () => {
    const open = async () => {
      await page.locator(`#${FLAG}-disable`).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('dialog', { name: 'Emergency disable' }).waitFor();
      // The reason field has the focus: typing goes straight into it.
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm-reason');
    };
    await open();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Emergency disable' }).waitFor({ state: 'hidden' });
    expect(await readFlag(FLAG)).toMatchObject({ enabled: true, step: 2 });

    await open();
    await page.keyboard.type('keyboard-only stop');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm-ok');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => lastEvent(FLAG), { timeout: DEADLINE })
      .toMatchObject({
        action: 'emergency_disable',
        reason: 'keyboard-only stop',
      });
    expect(await readFlag(FLAG)).toMatchObject({ enabled: false, step: 0 });
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await expect
      .poll(() =>
        page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
      )
      .toBeLessThanOrEqual(0);
    await screenshot(page, '10-phone');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('wrote no error to the browser console on any page', () => {
    expect(errors).toEqual([]);
  });
});
