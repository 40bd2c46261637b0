import { withTimeout } from '../async/with-timeout';
import { createSession, destroySession, listen, type Channel, type Session } from './session';

export interface NotificationListenerOptions {
  url: string;
  applicationName: string;
  channel: Channel;
  /** How often the session proves it is alive (`SELECT 1`); a heartbeat that takes longer counts as a dead connection. */
  heartbeatMs: number;
  /** Wait before opening a new session after one was lost. */
  reconnectMs: number;
  onNotification: (payload: string) => void;
  /** After every (re)connect. Notifications sent while there was no session are lost: re-read what matters here. */
  onConnected: () => void;
  log: { info: (object: object, message: string) => void; warn: (object: object, message: string) => void };
}

export interface NotificationListener {
  /** True while a session listens and its last heartbeat answered. */
  readonly connected: boolean;
  stop: () => Promise<void>;
}

/**
 * A LISTEN session that checks itself. A connection can die silently (a NAT
 * or load balancer dropping it, a failover without a reset) and TCP keepalive
 * takes minutes to notice; so the session runs a heartbeat, and when a
 * heartbeat fails or is late, or the connection errors or ends, the session
 * is destroyed and a new one opened — after which `onConnected` runs so that
 * nothing that changed meanwhile is missed. Resolves after the first attempt
 * to connect (successful or not; it keeps retrying).
 */
export async function startNotificationListener(options: NotificationListenerOptions): Promise<NotificationListener> {
  const { channel, log } = options;
  let session: Session | undefined;
  let live = false;
  let stopped = false;
  let everConnected = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;

  const lost = (current: Session, reason: unknown) => {
    if (session !== current) return;
    session = undefined;
    live = false;
    clearInterval(heartbeat);
    destroySession(current);
    if (stopped) return;
    log.warn({ err: reason, channel }, 'notification listener lost; reconnecting');
    retry = setTimeout(() => void connect(), options.reconnectMs);
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const next = createSession(options.url, options.applicationName);
    session = next;
    next.on('notification', ({ payload }) => options.onNotification(payload ?? ''));
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('connection ended')));
    try {
      await next.connect();
      await listen(next, channel);
    } catch (error) {
      lost(next, error);
      return;
    }
    if (session !== next) return;
    live = true;
    if (everConnected) log.info({ channel }, 'notification listener reconnected');
    everConnected = true;
    heartbeat = setInterval(() => {
      withTimeout(options.heartbeatMs, next.query('SELECT 1')).catch((error: unknown) => lost(next, error));
    }, options.heartbeatMs);
    options.onConnected();
  };

  await connect();
  return {
    get connected() {
      return live;
    },
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(heartbeat);
      const current = session;
      session = undefined;
      live = false;
      await current?.end().catch(() => undefined);
    },
  };
}
