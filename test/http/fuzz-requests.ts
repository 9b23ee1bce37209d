import fc from 'fast-check';
import {
  encoded,
  hostileText,
  type Param,
  percentEncode,
  plausible,
  type Schema,
  valueFor,
} from './fuzz-values.js';

/**
 * Request generators for the HTTP fuzz test, built from the app's own OpenAPI document: every documented
 * route with its path and query parameters and its body fields, filled with values that pass validation (to
 * reach the database) or are hostile (to reach the validation layer's edges), any method, content type and
 * credentials. Pure: no I/O.
 */

export interface RouteSpec {
  method: string;
  /** OpenAPI template, `{name}` for a path parameter. */
  path: string;
  pathParams: Param[];
  query: Param[];
  /** JSON (or form) body fields, when the route takes a body. */
  body: Param[] | undefined;
}

export interface FuzzRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** Sent with the admin token. */
  admin: boolean;
  /** The client address: login attempts are limited per address, so a few take turns. */
  remoteAddress: string;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, OpenApiOperation>>;
}
interface OpenApiOperation {
  parameters?: { in: string; name: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

/** Every operation of the OpenAPI document as a RouteSpec. */
export function routesOf(doc: OpenApiDoc): RouteSpec[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => {
      const params = (where: string) =>
        (op.parameters ?? [])
          .filter((p) => p.in === where)
          .map((p) => ({ name: p.name, schema: p.schema ?? {} }));
      const content = op.requestBody?.content ?? {};
      const bodySchema = (content['application/json'] ?? Object.values(content)[0])?.schema;
      const body = bodySchema
        ? Object.entries(bodySchema.properties ?? {}).map(([name, schema]) => ({ name, schema }))
        : undefined;
      return { method: method.toUpperCase(), path, pathParams: params('path'), query: params('query'), body };
    }),
  );
}

const queryKey = (route: RouteSpec) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: route.query.length > 0 ? fc.constantFrom(...route.query) : fc.constant(undefined),
    },
    { weight: 1, arbitrary: fc.constantFrom('page', 'page[size', 'a[b][c]', 'filter[]', '', '__proto__') },
    { weight: 1, arbitrary: hostileText },
  );

/** Some of these keys with plausible values, as `k=v` pairs. */
const plausiblePairs = (params: Param[]): fc.Arbitrary<string[]> =>
  params.length === 0
    ? fc.constant([])
    : fc
        .subarray(params, { maxLength: Math.min(4, params.length) })
        .chain((some) =>
          fc.tuple(
            ...some.map((p) =>
              plausible(p.name, p.schema).map((v) => `${percentEncode(p.name)}=${percentEncode(v)}`),
            ),
          ),
        );

const asQuery = (pairs: string[]) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`);

/** Known keys with plausible values only: requests that reach the handler and its SQL. */
const plausibleQuery = (route: RouteSpec) => plausiblePairs(route.query).map(asQuery);

/** Any keys (known, unknown, repeated, malformed) with plausible or hostile values, encoded or raw. */
function hostileQuery(route: RouteSpec): fc.Arbitrary<string> {
  const pair = queryKey(route).chain((key) =>
    typeof key === 'object' && key !== null
      ? encoded(valueFor(key)).map((v) => `${percentEncode(key.name)}=${v}`)
      : fc.tuple(encoded(fc.constant(key ?? 'x')), encoded(hostileText)).map(([k, v]) => `${k}=${v}`),
  );
  return fc
    .array(pair, { maxLength: 5 })
    .chain((pairs) =>
      fc.constantFrom('&', '&&', '&=&').map((sep) => (pairs.length === 0 ? '' : `?${pairs.join(sep)}`)),
    );
}

/** One known key with a hostile value, the others plausible: each parameter's own checks. */
function oneHostileQuery(route: RouteSpec): fc.Arbitrary<string> {
  if (route.query.length === 0) return hostileQuery(route);
  return fc
    .constantFrom(...route.query)
    .chain((bad) =>
      fc
        .tuple(plausiblePairs(route.query.filter((p) => p !== bad)), encoded(hostileText))
        .map(([pairs, value]) => asQuery([...pairs, `${percentEncode(bad.name)}=${value}`])),
    );
}

const queryString = (route: RouteSpec) =>
  fc.oneof(
    { weight: 2, arbitrary: plausibleQuery(route) },
    { weight: 3, arbitrary: oneHostileQuery(route) },
    { weight: 1, arbitrary: hostileQuery(route) },
  );

function routePath(route: RouteSpec): fc.Arbitrary<string> {
  const segments = route.pathParams.map((p) => encoded(valueFor(p)).map((v) => [p.name, v] as const));
  return fc.tuple(...segments).map((filled) => {
    let path = route.path;
    for (const [name, value] of filled) path = path.replace(`{${name}}`, value);
    return path;
  });
}

/** A path near the real ones: a route's prefix plus odd segments (overlong, NUL, dot segments, slashes). */
const garbagePath = (routes: RouteSpec[]) =>
  fc
    .tuple(
      fc.constantFrom(...routes.map((r) => r.path.replace(/\{[^}]+\}.*$/, ''))),
      fc.array(
        fc.oneof(
          encoded(hostileText),
          fc.constantFrom('', '.', '..', '%2e%2e', '%2F', '//', 'x'.repeat(120), 'evidence'),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([prefix, parts]) => `${prefix}${parts.join('/')}`);

// ---- bodies ---------------------------------------------------------------------------------------------

/** A JSON number token JSON.stringify cannot write (1e400, -0, 20 digits). */
class RawNumber {
  constructor(readonly token: string) {}
}
type Json = string | number | boolean | null | RawNumber | Json[] | { entries: [string, Json][] };

function jsonText(value: Json): string {
  if (value instanceof RawNumber) return value.token;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  return JSON.stringify(value);
}

const rawNumbers = fc
  .constantFrom('1e400', '-1e400', '-0', '1e308', '9223372036854775808', '0.1e1', '1E2', '5')
  .map((t) => new RawNumber(t));

const jsonLeaf: fc.Arbitrary<Json> = fc.oneof(
  hostileText,
  rawNumbers,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);

const jsonFor = (p: Param): fc.Arbitrary<Json> => {
  const type = Array.isArray(p.schema.type) ? p.schema.type[0] : p.schema.type;
  const typed: fc.Arbitrary<Json> =
    type === 'array'
      ? fc.array(
          valueFor({ name: p.name, schema: p.schema.items ?? {} }).map((v) =>
            (p.schema.items?.type ?? 'string') === 'string' ? v : new RawNumber(v),
          ),
          { maxLength: 4 },
        )
      : type === 'integer' || type === 'number'
        ? plausible(p.name, p.schema).map((v) => new RawNumber(v))
        : type === 'boolean'
          ? fc.boolean()
          : plausible(p.name, p.schema);
  return fc.oneof({ weight: 3, arbitrary: typed }, { weight: 2, arbitrary: jsonLeaf });
};

/**
 * Sent first in every body of a route that takes them (a later entry with the same key wins): without it an
 * admin batch run would default to 10 samples of every experiment and dominate the fuzz's time.
 */
const CHEAP_DEFAULTS: Record<string, Json> = { samples_per_endpoint: new RawNumber('1') };

function jsonBody(route: RouteSpec): fc.Arbitrary<string> {
  const fields = route.body ?? [];
  const defaults = fields.flatMap((f): [string, Json][] =>
    f.name in CHEAP_DEFAULTS ? [[f.name, CHEAP_DEFAULTS[f.name] ?? null]] : [],
  );
  const entry: fc.Arbitrary<[string, Json]> = fc.oneof(
    {
      weight: 5,
      arbitrary:
        fields.length > 0
          ? fc.constantFrom(...fields).chain((f) => jsonFor(f).map((v) => [f.name, v] as [string, Json]))
          : fc.constant(['x', 1] as [string, Json]),
    },
    { weight: 1, arbitrary: fc.tuple(hostileText, jsonLeaf) },
  );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .array(entry, { maxLength: 4 })
        .map((entries) => jsonText({ entries: [...defaults, ...entries] })),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '[1,', '{"a":1}}', 'null', '"x"', '{"__proto__":{}}') },
    { weight: 1, arbitrary: fc.constant(`${'['.repeat(200)}${']'.repeat(200)}`) },
  );
}

const formBody = (route: RouteSpec) =>
  fc
    .array(
      fc
        .tuple(
          route.body && route.body.length > 0
            ? fc.constantFrom(...route.body.map((f) => f.name))
            : fc.constant('x'),
          encoded(fc.oneof(hostileText, fc.string())),
        )
        .map(([k, v]) => `${k}=${v}`),
      { maxLength: 4 },
    )
    .map((pairs) => pairs.join('&'));

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'a/b/c',
] as const;

/** Authorization headers no principal has: empty, malformed, forged API tokens and JWTs, other schemes. */
const FORGED_AUTHORIZATION = [
  'Bearer',
  'Bearer ',
  'Bearer kgdb_',
  'Bearer kgdb_x',
  `Bearer kgdb_${'a'.repeat(43)}`,
  'Bearer a.b.c',
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIn0.',
  `Bearer ${'x'.repeat(5000)}`,
  'Basic YWRtaW46YWRtaW4=',
  'bearer kgdb_%00',
  'Bearer kgdb_\u00e9',
] as const;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * How often a route is picked: the routes served through the rollout flag (both arms) most, routes that take
 * parameters or a body often, fixed pages (metrics, docs) rarely: they have nothing to validate.
 */
function weightOf(route: RouteSpec): number {
  if (route.path.startsWith('/api/genes') || route.path.startsWith('/api/admin/logs')) return 8;
  return route.query.length + route.pathParams.length + (route.body?.length ?? 0) > 0 ? 3 : 1;
}

/** One request: a documented route (mostly with its own method), or a path next to one. */
export function fuzzRequest(routes: RouteSpec[]): fc.Arbitrary<FuzzRequest> {
  const weighted = routes.map((route) => ({ weight: weightOf(route), arbitrary: fc.constant(route) }));
  const onRoute = fc.oneof(...weighted).chain((route) =>
    fc.record({
      method: fc.oneof(
        { weight: 8, arbitrary: fc.constant(route.method as FuzzRequest['method']) },
        { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
      ),
      url: fc.tuple(routePath(route), queryString(route)).map(([p, q]) => p + q),
      body: fc.oneof(
        { weight: route.body ? 1 : 8, arbitrary: fc.constant(undefined) },
        {
          weight: route.body ? 8 : 1,
          arbitrary: fc.oneof(
            { weight: 6, arbitrary: fc.tuple(fc.constant('application/json'), jsonBody(route)) },
            {
              weight: 1,
              arbitrary: fc.tuple(fc.constant('application/x-www-form-urlencoded'), formBody(route)),
            },
            { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...CONTENT_TYPES), jsonBody(route)) },
          ),
        },
      ),
    }),
  );
  const offRoute = fc.record({
    method: fc.constantFrom(...METHODS),
    url: fc.tuple(
      garbagePath(routes),
      queryString({ method: 'GET', path: '', pathParams: [], query: [], body: [] }),
    ),
    body: fc.constant(undefined),
  });
  return fc
    .tuple(
      fc.oneof({ weight: 9, arbitrary: onRoute }, { weight: 1, arbitrary: offRoute }),
      fc.boolean(),
      fc.option(fc.constantFrom('fuzz-a', 'fuzz-b', '', '\u00e9', 'x'.repeat(300)), { nil: undefined }),
      fc.option(fc.constantFrom(...FORGED_AUTHORIZATION), { nil: undefined, freq: 3 }),
      fc.constantFrom('127.0.0.1', '192.0.2.1', '198.51.100.7', '2001:db8::1'),
    )
    .map(([r, admin, clientId, forged, remoteAddress]) => {
      const url = Array.isArray(r.url) ? r.url.join('') : r.url;
      const headers: Record<string, string> = {};
      if (clientId !== undefined) headers['x-client-id'] = clientId;
      // Anonymous requests sometimes carry credentials that are not (the admin's replaces them).
      if (forged !== undefined) headers.authorization = forged;
      const request: FuzzRequest = { method: r.method, url, headers, admin, remoteAddress };
      if (r.body !== undefined) {
        headers['content-type'] = r.body[0];
        request.payload = r.body[1];
      }
      return request;
    });
}
