import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrCreateDevIdentity } from './auth/dev-identity.ts';
import { DevTokens } from './auth/dev-tokens.ts';
import { createVerifier, type TokenVerifier } from './auth/verifier.ts';
import { AssistantRegistry, MAX_ASSISTANTS } from './cluster/assistant-seats.ts';
import { Leadership } from './cluster/leadership.ts';
import { QueueReconciler, reconcileGraceMs } from './cluster/queue-reconciler.ts';
import { AuditAnchorPublisher } from './cluster/audit-anchor.ts';
import { Recovery } from './cluster/recovery.ts';
import { isLoopback, type Config } from './config.ts';
import { AlertService } from './alerts/index.ts';
import { consultationHandlers, openConsultations } from './consultation/index.ts';
import { authorizer } from './gateway/authorize.ts';
import { startGateway } from './gateway/index.ts';
import { devTokenRoute } from './gateway/routes/dev-token.ts';
import { recordRoutes } from './gateway/routes/record.ts';
import { rosterRoutes } from './gateway/routes/roster.ts';
import { loadStaticFiles } from './gateway/static.ts';
import { toView } from './kernel/views.ts';
import type { Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { Owner } from './owner.ts';
import { DEADLINES } from './probe.ts';
import { Connection } from './session/connection.ts';
import { SessionRegistry } from './session/registry.ts';
import type { HandlerTable } from './session/dispatch.ts';
import { endSession } from './session/end.ts';
import { noOtherNodes, type Delivery } from './backplane/delivery.ts';
import { MemoryBackplane } from './backplane/memory/index.ts';
import type { Backplane } from './backplane/port.ts';
import { RedisDelivery } from './backplane/redis/delivery.ts';
import { RedisBackplane } from './backplane/redis/index.ts';
import { ClusterPusher } from './session/cluster-pusher.ts';
import type { Pusher } from './session/pusher.ts';
import { DutyService } from './presence/duty.ts';
import { Router } from './routing/router.ts';
import { MessageDesk } from './routing/message-desk.ts';
import { RosterService } from './presence/roster.ts';
import { RoutingService } from './routing/service.ts';
import { CloseCode } from '../protocol/errors.ts';
import { openSqliteStore } from './store/sqlite/index.ts';
import { openPgStore } from './store/postgres/index.ts';
import type { ConsultationRecord, Store } from './store/port.ts';
import { CallService } from './call/service.ts';
import type { CallAvailability } from './call/deps.ts';
import { watchConsultations } from './call/watch.ts';
import type { CallRooms } from '../media/rooms.ts';
import { JanusEngine } from '../media/janus/engine.ts';
import { JanusRooms } from '../media/janus/rooms.ts';
import { iceServersFor } from '../media/turn.ts';

export interface LawlineNode {
  port: number;
  /** The internal listener: /metrics and the operations API. */
  opsPort: number;
  /** The durable records, for operations tooling and tests (audit verification). */
  store: Store;
  /** The risk watch: tests run an escalation pass (`tick`) after moving the clock, and wait for raises (`watch.settled`). */
  alerts: AlertService;
  /** The media engine's process now (calls), for operators and fault tests; undefined without one. */
  mediaPid(): number | undefined;
  /** The media engine's admin API now (its address and key), for leak checks; undefined without one. */
  mediaAdmin(): { url: string; key: string } | undefined;
  /** Calls ringing or running on this node. */
  calls(): number;
  /** Stops taking connections, closes every one with `code`, flushes the store. */
  close(code?: number): Promise<void>;
}

const WEB_DIR = fileURLToPath(new URL('../dist/web', import.meta.url));

/** Builds the node from its config: the one place where ports, services and the gateway meet. */
export interface NodeOptions {
  /** This node's name in the cluster (`newNodeId()`); the logger given with it carries it on every line. */
  nodeId: string;
  /** The message desk's clock (SLA deadlines); tests move it by hours. */
  clock?: () => number;
}

/** A name for a node, unique in its cluster: made at start, before the logger that carries it. */
export function newNodeId(): string {
  return `n_${randomBytes(6).toString('base64url')}`;
}

export async function startNode(config: Config, log: Logger, options: NodeOptions): Promise<LawlineNode> {
  const owner = new Owner();
  try {
    return await build(owner, config, log, options);
  } catch (e) {
    // What had started (connections, timers) must not outlive a node that failed to start.
    await owner.close().catch((closing: unknown) => log.error({ err: closing }, 'closing what had started failed'));
    throw e;
  }
}

/** Makes the node, each part adopted by `owner` as it is made: `owner.close()` closes it children first. */
async function build(owner: Owner, config: Config, log: Logger, options: NodeOptions): Promise<LawlineNode> {
  const opened: Store = config.database
    ? await openPgStore({
        url: config.database.url,
        schema: config.database.schema,
        // Names the deployment in pg_stat_activity, so an operator can tell (and cut) its connections.
        applicationName: `lawline:${config.database.schema}`,
        onError: (e) => log.warn({ err: e }, 'store: a pooled PostgreSQL connection failed'),
        deadline: { timeoutMs: config.database.timeoutMs, probeMs: config.probeMs, onHealth: healthLog(log, 'postgresql') },
      })
    : await openSqliteStore({ dir: join(config.dataDir, 'store'), log: log.child({ component: 'store' }) });
  const store = owner.adopt('store', opened, (s) => s.close());
  const { verifier, devIdentity } = await identityFor(config);

  const { nodeId } = options;
  const backplane = owner.adopt('backplane', await backplaneFor(config, log), (b) => b.close());
  const delivery = owner.adopt('delivery', await deliveryFor(config, log, nodeId), (d) => d.close());
  const { presence, queue, coordination } = backplane;

  let registry: SessionRegistry;
  const metrics: Metrics = owner.adopt(
    'metrics',
    createMetrics({
      connections: () => gateway.connections.size,
      sessions: () => registry.size,
      heldForResume: () => registry.heldForResume,
      store: () => store.stats(),
      calls: () => calls.byState(),
      mediaEngine: () => media.engine && { up: media.engine.state === 'up', restarts: media.engine.restarts },
    }),
    (m) => {
      m.process.loopDelay.stop();
      m.process.gc.stop();
    },
  );
  registry = owner.adopt(
    'sessions',
    new SessionRegistry(
      config.resumeWindowMs,
      {
        bufferMax: config.sessionBufferMax,
        detachedHoldMax: config.resumeHoldMax,
        onOverflow: (session) => session.current()?.close(CloseCode.TOO_SLOW, 'too many unacknowledged pushes'),
      },
      delivery,
    ),
    (r) => r.closeAll(),
  );
  // Alone, this node's sessions are everyone: pushes go straight to them.
  const direct: Pusher = config.redis ? new ClusterPusher(registry, delivery) : registry;
  const now = () => Date.now();
  const media = await mediaFor(owner, config, log.child({ component: 'media' }));
  const calls = owner.adopt('calls', new CallService({
    store,
    pusher: direct,
    slots: backplane.calls,
    rooms: media.rooms,
    availability: media.availability,
    // STUN, and TURN with a credential per party that lapses by itself (LAWLINE_STUN_URLS, LAWLINE_TURN_*).
    iceServers: (userId) => iceServersFor(config.ice, userId, now()).iceServers,
    now,
    log: log.child({ component: 'calls' }),
    goneAfterMs: config.resumeWindowMs,
    metrics: metrics.calls,
  }), (c) => c.close());
  media.engine?.onRestarted(() => calls.engineRestarted());
  // Every consultation's change of state passes here: a call ends with its consultation.
  const pusher = watchConsultations(direct, (c) => calls.consultationChanged(c));
  const leadership = owner.adopt('leadership', new Leadership(coordination, nodeId, log, now), (l) => l.stop());
  await leadership.start();
  const leads = () => leadership.held;
  const alertClock = options.clock ?? now;
  const alerts = owner.adopt('alerts', await AlertService.open({
    store,
    pusher,
    log: log.child({ component: 'alerts' }),
    clock: alertClock,
    rulesPath: config.alerts.rulesPath,
    coordination,
    ...(config.alerts.webhook ? { webhook: config.alerts.webhook } : {}),
    leads,
    // Escalation times are minutes; a tick a second is prompt enough and costs one store read.
    tickMs: Math.max(20, Math.min(1000, config.routing.tickMs * 10)),
    metrics: { events: metrics.alertEvents, webhook: metrics.alertWebhook },
  }), (a) => a.stop());
  let duty: DutyService;
  const router = owner.adopt('router', new Router({
    presence,
    queue,
    pusher,
    now,
    log: log.child({ component: 'routing' }),
    config: config.routing,
    offerView: async (id) => {
      const c: ConsultationRecord | undefined = await routing.view(id);
      if (!c) return undefined;
      const firstMessage = await routing.firstMessage(c);
      return { consultation: toView(c), ...(c.handover ? { handover: c.handover } : {}), ...(firstMessage !== undefined ? { firstMessage } : {}) };
    },
    onPresenceChanged: (presence, reason) => duty.announce(presence, reason),
    onLeaseExpired: (lawyerId) => duty.off(lawyerId, 'disconnected'),
    metrics: metrics.routing,
    leads,
  }), (r) => r.stop());
  const routing: RoutingService = new RoutingService({ presence, queue }, store, router, now, {
    loadChanged: (lawyerId) => void duty.refresh(lawyerId),
    metrics: metrics.routing,
    routeBeforeCommit: !config.redis,
  });
  duty = owner.adopt('duty', new DutyService({
    presence,
    queue,
    store,
    routing,
    pusher,
    log: log.child({ component: 'presence' }),
    now,
    defaultCapacity: config.defaultCapacity,
    resumeWindowMs: config.resumeWindowMs,
    leaseMs: Math.max(30_000, 3 * config.heartbeatMs),
    nodeId,
    onDutyChanged: (event) => roster.dutyChanged(event),
    utcOffsetMin: config.utcOffsetMin,
    wrapUpMs: config.wrapUpMs,
  }), (d) => d.stop());
  registry.listener = {
    deviceAttached: (session, first) => {
      duty.deviceAttached(session, first);
      calls.userBack(session.identity.id);
    },
    lastDeviceGone: (identity) => {
      duty.lastDeviceGone(identity);
      calls.userGone(identity.id);
    },
  };
  const roster = owner.adopt('roster', new RosterService({
    store,
    presence,
    pusher,
    log: log.child({ component: 'roster' }),
    now,
    utcOffsetMin: config.utcOffsetMin,
    tickMs: Math.max(50, config.routing.tickMs),
    reminders: metrics.routing.rosterReminders,
    leads,
  }), (r) => r.stop());
  const desk = owner.adopt('message desk', new MessageDesk({
    store,
    presence,
    queue,
    pusher,
    router,
    clock: options.clock ?? now,
    log: log.child({ component: 'messages' }),
    config: { ...config.messages, tickMs: Math.max(20, config.routing.tickMs) },
    metrics: metrics.routing,
    leads,
    observer: alerts.observer,
  }), (d) => d.stop());
  const consultation = { store, pusher, routing, desk, wrapUp: duty, now, maxOpenPerCitizen: config.maxOpenPerCitizen, refused: metrics.refused, observer: alerts.observer };
  const handlers: HandlerTable = { ...consultationHandlers(consultation), ...duty.handlers(), ...alerts.handlers(), ...calls.handlers(), 'session.end': endSession };
  const recovery = owner.adopt('recovery', new Recovery({ store, queue, routing, duty, registry, log }), (r) => r.stop());
  await recovery.rebuild();
  delivery.onLost = (reason) => recovery.lost(reason);
  const reconciler = owner.adopt('queue reconciler', new QueueReconciler({
    store,
    queue,
    routing,
    log: log.child({ component: 'reconciler' }),
    now,
    // The embedded node's memory backplane answers at once.
    graceMs: reconcileGraceMs({ storeWriteMs: config.database?.timeoutMs ?? DEADLINES.database.timeoutMs, backplaneCallMs: config.redis?.timeoutMs ?? 0 }),
    leads,
  }), (r) => r.stop());
  const anchor = owner.adopt('audit anchor', new AuditAnchorPublisher({
    store,
    log: log.child({ component: 'audit' }),
    published: (head) => metrics.auditHead.set(head),
    everyMs: config.auditAnchorMs,
  }), (a) => a.stop());
  const assistants = owner.adopt('assistant seats', new AssistantRegistry(coordination, {
    nodeId,
    now,
    log: log.child({ component: 'assistants' }),
    onSeatLost: ({ lawyerId, assistantId }) =>
      registry.end(assistantId, (identity) => identity.lawyerId === lawyerId, CloseCode.AUTH_FAILED, `lawyer ${lawyerId} has ${MAX_ASSISTANTS} other active assistants`),
  }), (a) => a.stop());
  assistants.start();
  router.start();
  desk.start();
  alerts.start();
  reconciler.start();
  anchor.start();
  roster.start();
  duty.start();
  const connectionDeps = {
    verifier,
    registry,
    assistants,
    snapshot: async (identity: Parameters<typeof openConsultations>[1]) => (await openConsultations(consultation, identity)).map(toView),
    calls: (identity: { id: string }) => ({ calls: media.availability(), activeCalls: calls.activeFor(identity.id) }),
    handlers,
    metrics,
    log: log.child({ component: 'session' }),
    resumeWindowMs: config.resumeWindowMs,
    heartbeatMs: config.heartbeatMs,
    helloTimeoutMs: config.helloTimeoutMs,
    maxFrameBytes: config.maxFrameBytes,
    ratePerSec: config.ratePerSec,
    rateBurst: config.rateBurst,
    maxBackpressureBytes: config.maxBackpressureBytes,
    clockToleranceMs: config.clockToleranceSec * 1000,
    now,
  };

  // Closed first: no new connection, and every one closed with the code `close` was given.
  let closeCode: number = CloseCode.DRAINING;
  const gateway = owner.adopt('gateway', await startGateway({
    host: config.host,
    port: config.port,
    ops: config.ops,
    ...(config.tls ? { tls: config.tls } : {}),
    heartbeatMs: config.heartbeatMs,
    maxFrameBytes: config.maxFrameBytes,
    maxBackpressureBytes: config.maxBackpressureBytes,
    maxConnections: config.maxConnections,
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    trustedProxies: config.trustedProxies,
    refused: (reason) => metrics.connectionsRefused.inc({ reason }),
    ready: () => store.ready() && backplane.ready() && delivery.ready(),
    http: {
      metricsText: () => metrics.registry.render(),
      staticFiles: loadStaticFiles(WEB_DIR),
      clientApi: [...(devIdentity ? [devTokenRoute(new DevTokens(devIdentity, verifier))] : []), ...recordRoutes({ store, now, utcOffsetMin: config.utcOffsetMin })],
      opsApi: rosterRoutes(roster),
      authorize: authorizer(verifier),
      log: log.child({ component: 'http' }),
    },
    newConnection: (socket) => new Connection(socket, connectionDeps),
  }), (g) => g.close(closeCode));

  return {
    port: gateway.port,
    opsPort: gateway.opsPort,
    store,
    alerts,
    mediaPid: () => media.engine?.pid(),
    mediaAdmin: () => {
      const control = media.engine?.control();
      return control && { url: control.adminUrl, key: control.adminKey };
    },
    calls: () => calls.size,
    async close(code = CloseCode.DRAINING) {
      closeCode = code;
      await owner.close();
    },
  };
}

/**
 * The media engine for calls, as LAWLINE_MEDIA says: off, none; auto, Janus if installed (else
 * text only, and clients are told why); on, Janus or no start. A Janus that fails later is
 * restarted by its supervisor; meanwhile calls are refused as unavailable, text goes on.
 */
async function mediaFor(owner: Owner, config: Config, log: Logger): Promise<{ engine?: JanusEngine; rooms?: CallRooms; availability: () => CallAvailability }> {
  if (config.media.mode === 'off') return { availability: () => ({ available: false, reason: 'calls are turned off on this server (LAWLINE_MEDIA=off)' }) };
  const engine = new JanusEngine({ runtimeParent: join(config.dataDir, 'media'), log, rtpPorts: config.media.rtpPorts });
  const started = await engine.start();
  if (!started.ok) {
    const { message, hint } = started.error;
    if (config.media.mode === 'on') throw new Error(`LAWLINE_MEDIA=on: ${message}${hint ? ` (${hint})` : ''}`);
    log.warn({ reason: started.error.reason, hint }, `${message}: serving text only`);
    return { availability: () => ({ available: false, reason: message, ...(hint ? { hint } : {}) }) };
  }
  owner.adopt('media engine', engine, (e) => e.stop());
  const rooms = new JanusRooms(engine);
  return {
    engine,
    rooms,
    availability: () => (engine.state === 'up' ? { available: true } : { available: false, reason: `the media engine is ${engine.state}` }),
  };
}

/** The embedded node keeps shared state in memory; with REDIS_URL it shares it with the cluster. */
async function backplaneFor(config: Config, log: Logger): Promise<Backplane> {
  if (!config.redis) return new MemoryBackplane();
  const { url, prefix, timeoutMs } = config.redis;
  return RedisBackplane.open({ url, prefix, onError: redisTrouble(log), deadline: { timeoutMs, probeMs: config.probeMs, onHealth: healthLog(log, 'redis') } });
}

/** Alone, a node has no other nodes to deliver to; in a cluster, Redis carries pushes between them. */
async function deliveryFor(config: Config, log: Logger, nodeId: string): Promise<Delivery> {
  if (!config.redis) return noOtherNodes();
  const { url, prefix, timeoutMs } = config.redis;
  return RedisDelivery.open({ url, prefix, nodeId, onError: redisTrouble(log), deadline: { timeoutMs, probeMs: config.probeMs, onHealth: healthLog(log, 'redis (delivery)') } });
}

function redisTrouble(log: Logger) {
  return (e: unknown) => log.warn({ err: e }, 'redis: connection trouble');
}

/** A dependency stopped or started answering its readiness probe. */
function healthLog(log: Logger, dependency: string) {
  return (healthy: boolean, error?: unknown) =>
    healthy ? log.info({ dependency }, 'answering again: ready') : log.warn({ err: error, dependency }, 'not answering: not ready, requests that need it fail');
}

async function identityFor(config: Config) {
  const tolerance = config.clockToleranceSec;
  if (config.identity.kind === 'jwks') {
    const { source, issuer, audience } = config.identity;
    const verifier: TokenVerifier = createVerifier({ jwks: source, issuer, audience, clockToleranceSec: tolerance });
    return { verifier, devIdentity: undefined };
  }
  const dev = await loadOrCreateDevIdentity(config.dataDir);
  const verifier = createVerifier({ jwks: { kind: 'keys', jwks: dev.jwks }, issuer: dev.issuer, audience: dev.audience, clockToleranceSec: tolerance });
  // loadConfig refuses this combination already; the node holds to it whoever built its config.
  const served = config.identity.issueDevTokens && (isLoopback(config.host) || config.identity.devTokensPublic);
  return { verifier, devIdentity: served ? dev : undefined };
}
