import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Where the browser tests find Chromium: CHROMIUM_PATH, else Debian's package (`apt-get install chromium`,
 * which .ci/run does). Null when neither is there: the tests skip and say why.
 */
export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p)) ?? null;
}

export const SKIP_MESSAGE =
  'Chromium not found (set CHROMIUM_PATH or `apt-get install -y chromium`): skipping the browser tests';

/** Screenshots go here (git ignores it): one per step, named by the step. */
export const ARTIFACTS = path.resolve('test-artifacts', 'console');

export async function launch(executablePath: string): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Adds to `errors` what the page writes to its console as an error and the exceptions it throws, from now on. */
export function collectErrors(page: Page, errors: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`exception: ${err.message}`));
}

/** Axe's WCAG 2 A/AA rules on the page as it is now: the serious and critical violations, readable. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
}
