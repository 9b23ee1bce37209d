import { type ParamSchema, paramErrorFormatter, type SchemaErrorFormatter } from '../http/param-errors.js';

/**
 * A route's schemaErrorFormatter given only its query string schema: the offending key named in
 * `source.parameter`, and the detail saying what it accepts (for an unknown key every key the route takes).
 * The app already gives every route without a formatter the same one over all its schemas
 * (useParamValidation in src/http/params.ts); on other parts this one takes its words from the ajv issue
 * (the param keywords carry what they allow).
 */
export function queryErrorFormatter(querystring: ParamSchema): SchemaErrorFormatter {
  return paramErrorFormatter({ querystring });
}
