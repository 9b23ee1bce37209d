// Type-only: brings @fastify/swagger's FastifySchema fields (tags, summary, hide) into scope.
import type {} from '@fastify/swagger';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import Negotiator from 'negotiator';
import { hasRole } from '../auth/roles.js';
import { KgdbError } from '../errors.js';
import { NoQuerystring } from '../http/params.js';
import { APP_VERSION } from '../version.js';
import { ASSET_NAMES, loadAssets, loadPage } from './console-assets.js';
import type { ConsoleStateReader } from './console-state.js';

export interface ConsoleRoutesOptions {
  state: ConsoleStateReader;
}

/**
 * Scripts, styles and data from this origin only; no inline script or style, no framing. uPlot styles its
 * canvas through the CSSOM, which a style-src policy does not restrict.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

const LANDING = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>kgdb</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/console/assets/console.css"></head>
<body><main class="landing"><h1>kgdb</h1>
<p>Kidney-disease gene evidence database.</p>
<ul>
<li><a href="/console">Operator console</a>: the rollout, the experiments, the views and the cache</li>
<li><a href="/docs">API documentation</a> (OpenAPI)</li>
<li><a href="/health">Health</a> and <a href="/version">version</a></li>
</ul></main></body></html>
`;

const RootIndex = Type.Object({
  name: Type.Literal('kgdb'),
  version: Type.String(),
  links: Type.Object({
    docs: Type.String(),
    openapi: Type.String(),
    console: Type.String(),
    health: Type.String(),
    version: Type.String(),
    metrics: Type.String(),
  }),
});

const rootIndex = (): Static<typeof RootIndex> => ({
  name: 'kgdb',
  version: APP_VERSION,
  links: {
    docs: '/docs',
    openapi: '/openapi.json',
    console: '/console',
    health: '/health',
    version: '/version',
    metrics: '/metrics',
  },
});

const html = (reply: FastifyReply, body: string | Buffer) =>
  reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body);

/**
 * The operator console (`/console`), its assets, and the one read it polls (`GET /api/console/state`, any
 * signed-in role; the actions are the admin API's own routes). The root `/` links to it and to the API docs.
 */
export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, options) => {
  const page = loadPage().toString('utf8');
  // A page whose request carried a valid session asks for it at once; a signed-out one shows the login form
  // without first provoking a refused request (which a browser logs as an error).
  const signedInPage = page.replace('<body>', '<body data-session="active">');
  const assets = loadAssets();

  app.get(
    '/',
    {
      schema: {
        tags: ['System'],
        summary: 'Where things are: the API docs, the console, health and version',
        description:
          'JSON unless the Accept header prefers HTML (a browser), which gets the same links as a page.',
        querystring: NoQuerystring,
        response: { 200: RootIndex },
      },
    },
    (request, reply) => {
      reply.header('vary', 'Accept');
      const type = new Negotiator(request).mediaType(['application/json', 'text/html']);
      return type === 'text/html' ? html(reply, LANDING) : reply.send(rootIndex());
    },
  );
  app.get('/console', { schema: { hide: true, querystring: NoQuerystring } }, (request, reply) =>
    html(reply, request.user?.kind === 'user' ? signedInPage : page),
  );
  app.get<{ Params: { file: string } }>(
    '/console/assets/:file',
    {
      schema: {
        hide: true,
        querystring: NoQuerystring,
        params: Type.Object({ file: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
      },
    },
    (request, reply) => {
      const asset = assets.get(request.params.file);
      if (!asset) {
        throw new KgdbError('NOT_FOUND', {
          parameter: 'file',
          detail: `No console asset '${request.params.file}'. Known: ${ASSET_NAMES.join(', ')}`,
        });
      }
      return reply.headers(PAGE_HEADERS).type(asset.type).send(asset.body);
    },
  );

  app.get(
    '/api/console/state',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['Console'],
        summary:
          'Everything the operator console shows: flags with guard verdicts and events, per-arm evidence over the last hour, shadow results, views, cache',
        querystring: NoQuerystring,
      },
    },
    async (request) => {
      const principal = request.user;
      if (!principal) throw new KgdbError('UNAUTHORIZED', { detail: 'Sign in to read the console state' });
      const name = principal.kind === 'user' ? principal.user.email : `token ${principal.token.name}`;
      return options.state.read({ name, role: principal.role, can_act: hasRole(principal.role, 'admin') });
    },
  );
};
