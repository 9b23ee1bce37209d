import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A file the console serves, read once at start. */
interface Asset {
  type: string;
  body: Buffer;
}

const require = createRequire(import.meta.url);
const own = (file: string) => new URL(`./public/${file}`, import.meta.url);

/**
 * The whitelist of files under /console/assets/: the page's own script and styles, and uPlot (the charting
 * library, from its npm package, so an `npm install` is the whole build).
 */
const SOURCES: Record<string, { path: URL | string; type: string }> = {
  'console.js': { path: own('console.js'), type: 'text/javascript; charset=utf-8' },
  'console.css': { path: own('console.css'), type: 'text/css; charset=utf-8' },
  'uPlot.esm.js': {
    path: require.resolve('uplot/dist/uPlot.esm.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'uPlot.min.css': { path: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

export const ASSET_NAMES = Object.keys(SOURCES);

export function loadAssets(): Map<string, Asset> {
  return new Map(
    Object.entries(SOURCES).map(([name, s]) => [name, { type: s.type, body: readFileSync(s.path) }]),
  );
}

/** The console page itself (static: everything on it is filled in by console.js from the state API). */
export const loadPage = (): Buffer => readFileSync(own('console.html'));
