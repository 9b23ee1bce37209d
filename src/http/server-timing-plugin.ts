import type { FastifyPluginAsync } from 'fastify';
import { newRequestTiming, type RequestTiming, runTimed, serverTimingHeader } from '../request-timing.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Database time and cache reads of this request (set on arrival; null before). */
    timing: RequestTiming | null;
  }
}

const plugin: FastifyPluginAsync = async (app) => {
  app.decorateRequest('timing', null);
  // The rest of the request runs inside `done`, so the db and cache modules report into this record.
  app.addHook('onRequest', (request, _reply, done) => {
    const timing = newRequestTiming();
    request.timing = timing;
    runTimed(timing, done);
  });
  // Responses of a route served through an arm say which one, its database time and whether the cache answered.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.arm && request.timing)
      reply.header('server-timing', serverTimingHeader(request.timing, request.arm));
    return payload;
  });
};

/** `Server-Timing` on every response served by an arm. Register before the route plugins (skip-override). */
export const serverTimingPlugin = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'kgdb-server-timing',
});
