import {
  type IntegerOptions,
  type NumberOptions,
  type StringOptions,
  type TInteger,
  type TNumber,
  type TString,
  Type,
} from '@sinclair/typebox';
import type { FastifyRequest, preValidationAsyncHookHandler, RouteOptions } from 'fastify';
import { KgdbError } from '../errors.js';
import { allowedValues, type ParamSchema, paramErrorFormatter } from './param-errors.js';

/*
 * The one validation layer of request input (query strings, path parameters, JSON and form bodies). Every
 * request schema declares its numbers and texts with these helpers, and the app registers their two keywords
 * on Fastify's ajv once (paramKeywords). Glossary: a *param* is any request value a route reads; *finite*
 * means a number other than ±Infinity and NaN; *text* is a string PostgreSQL can store and compare.
 *
 * The app's onRoute hook (useParamValidation) gives every route the error formatter of param-errors.ts and,
 * where its query string or path takes numbers, a check that they are written in decimal before ajv coerces
 * them (ajv would read "0x10", " 5" and "Infinity" as numbers).
 *
 * Why keywords: ajv's type coercion turns a query or form value "Infinity" (or "1e400") into the number
 * Infinity and then skips minimum/maximum for it (they only run on finite numbers), so the value reached SQL as
 * 'Infinity'::bigint. And PostgreSQL refuses U+0000 in text, which JavaScript strings and JSON allow. Both must
 * be a 400 naming the parameter, decided before any handler runs.
 */

/** Largest id or count a route accepts: beyond 2^53 − 1 a JSON number no longer names one integer. */
const MAX_SAFE_ID = Number.MAX_SAFE_INTEGER;

/** Keyword on number and integer schemas: the value must be finite (after ajv's coercion). */
const FINITE_KEYWORD = 'x-finite';
/** Keyword on string schemas: no NUL character and no lone UTF-16 surrogate (text that is not Unicode). */
const TEXT_KEYWORD = 'x-text';

/** Matches a lone surrogate only: with the u flag a well-formed pair is one code point, not two Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Why a string is not storable text, or undefined when it is. */
export function textProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode text (a lone surrogate is not)';
  return undefined;
}

type KeywordCheck = ((data: unknown) => boolean) & {
  errors?: { keyword: string; message: string; params: { allowed: string } }[];
};

/** The part of ajv's keyword API used here (ajv is Fastify's, not a dependency of its own). */
interface KeywordDefinition {
  keyword: string;
  schemaType: 'boolean';
  errors: true;
  compile(enabled: boolean, parentSchema: object): KeywordCheck;
}
interface KeywordHost {
  addKeyword(definition: KeywordDefinition): unknown;
}

/**
 * `(value) → ok`; a failure leaves one ajv error whose message reads after the parameter's name and whose
 * `params.allowed` says what the schema accepts, for formatters that do not hold the route's schema.
 */
function check(keyword: string, problemOf: (data: unknown) => string | undefined): KeywordDefinition {
  return {
    keyword,
    schemaType: 'boolean',
    errors: true,
    compile(enabled, parentSchema) {
      const allowed = allowedValues(parentSchema);
      const validate: KeywordCheck = (data) => {
        const message = enabled ? problemOf(data) : undefined;
        validate.errors = message ? [{ keyword, message, params: { allowed } }] : [];
        return message === undefined;
      };
      return validate;
    },
  };
}

/**
 * The ajv plugin the app passes to Fastify (`ajv.plugins`). The keywords declare no data type, so ajv runs
 * them before its number keywords: those skip non-finite values instead of failing them.
 */
export function paramKeywords<A extends KeywordHost>(ajv: A): A {
  ajv.addKeyword(
    check(FINITE_KEYWORD, (data) =>
      typeof data === 'number' && !Number.isFinite(data) ? 'must be a finite number' : undefined,
    ),
  );
  ajv.addKeyword(check(TEXT_KEYWORD, (data) => (typeof data === 'string' ? textProblem(data) : undefined)));
  return ajv;
}

/**
 * A whole number in minimum..maximum. Both default to ±MAX_SAFE_ID, so an accepted value is always an exact
 * integer that fits a bigint; give the real range wherever the route has one.
 */
export function IntParam(options: IntegerOptions = {}): TInteger {
  return Type.Integer({ minimum: -MAX_SAFE_ID, maximum: MAX_SAFE_ID, ...options, [FINITE_KEYWORD]: true });
}

/** A positive id or row number (1..2^53 − 1): what a bigint column holds and a JSON number names exactly. */
export function IdParam(options: IntegerOptions = {}): TInteger {
  return IntParam({ minimum: 1, maximum: MAX_SAFE_ID, ...options });
}

/** A finite number; ranges are the route's (a rule module may check them to word its own message). */
export function NumberParam(options: NumberOptions = {}): TNumber {
  return Type.Number({ ...options, [FINITE_KEYWORD]: true });
}

/** The querystring of a route that takes none: any key is a 400 naming it (see useParamValidation). */
export const NoQuerystring = Type.Object({}, { additionalProperties: false });

/** Text PostgreSQL can store, at most `maxLength` characters (required: every text a route takes is capped). */
export function TextParam(options: StringOptions & { maxLength: number }): TString {
  return Type.String({ ...options, [TEXT_KEYWORD]: true });
}

/** How a client writes a whole number and a number in a URL: decimal digits, no blanks, hex or words. */
const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

type UrlPart = 'querystring' | 'params';
interface NumericParam {
  part: UrlPart;
  key: string;
  schema: ParamSchema;
}

function numericParams(part: UrlPart, schema: unknown): NumericParam[] {
  const properties = (schema as ParamSchema | undefined)?.properties ?? {};
  return Object.entries(properties)
    .filter(([, s]) => s.type === 'integer' || s.type === 'number')
    .map(([key, s]) => ({ part, key, schema: s }));
}

const rawValue = (request: FastifyRequest, { part, key }: NumericParam): unknown =>
  (part === 'querystring'
    ? (request.query as Record<string, unknown>)
    : (request.params as Record<string, unknown>))?.[key];

/** preValidation: every number in the query string and path is decimal text (before ajv coerces it). */
function decimalNumbers(params: NumericParam[]): preValidationAsyncHookHandler {
  return async (request) => {
    for (const param of params) {
      const raw = rawValue(request, param);
      if (typeof raw !== 'string') continue; // absent, or repeated: ajv names the type
      const integer = param.schema.type === 'integer';
      if ((integer ? INTEGER_TEXT : NUMBER_TEXT).test(raw)) continue;
      // ajv's own words for a value of the wrong type, so both checks read alike.
      throw new KgdbError('INVALID_PARAMETER', {
        parameter: param.key,
        detail: `'${param.key}' must be ${integer ? 'integer' : 'number'}: expected ${allowedValues(param.schema)}`,
      });
    }
  };
}

/** The query string of a route that declares none. */
const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false } as const;

/**
 * onRoute hook, added by the app before any route: the route's 400s name the value and what it accepts
 * (unless it brings its own formatter), numbers in its query string and path must be decimal, and a route
 * without a query string schema rejects every query key.
 */
export function useParamValidation(route: RouteOptions): void {
  // A route that declares no query string takes none: an unknown key is a 400, never silently ignored.
  // Hidden routes (the OpenAPI document, its UI's files) are not part of the API and keep Fastify's default.
  if (route.schema?.querystring === undefined && route.schema?.hide !== true) {
    route.schema = { ...route.schema, querystring: NO_QUERY };
  }
  const schema = route.schema ?? {};
  route.schemaErrorFormatter ??= paramErrorFormatter(schema);
  const numeric = [
    ...numericParams('querystring', schema.querystring),
    ...numericParams('params', schema.params),
  ];
  if (numeric.length === 0) return;
  const own = route.preValidation ?? [];
  route.preValidation = [decimalNumbers(numeric), ...(Array.isArray(own) ? own : [own])];
}
