import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';

/**
 * Once the app starts closing, every answer says `Connection: close`: a keep-alive connection whose request was
 * in flight then closes after its answer, instead of idling until the keep-alive timeout (72 s) and holding the
 * close that long. Register before the routes.
 */
export function closeConnectionsWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}

/**
 * app.close() with a deadline. The server stops accepting at once (a request arriving on an open connection
 * gets 503) and in-flight requests have timeoutMs to finish; then the connections still open are closed, so a
 * stuck handler cannot hold shutdown forever, and the close goes on with the onClose hooks (request log, pool
 * users). Such a handler's answer, should it ever come, goes nowhere.
 */
export async function closeWithin(app: FastifyInstance, timeoutMs: number, logger: Logger): Promise<void> {
  const deadline = setTimeout(() => {
    logger.warn({ timeoutMs }, 'requests still running at the shutdown timeout: closing their connections');
    app.server.closeAllConnections();
  }, timeoutMs);
  try {
    await app.close();
  } finally {
    clearTimeout(deadline);
  }
}
