import pg, { type Pool } from 'pg';

/** How much longer than the server the client waits for an answer: the server's own timeout error, if it can send one, comes first. */
const CLIENT_MARGIN_MS = 500;
/** An open transaction idle for this many deadlines belongs to a node that is gone: no transaction of a live node waits that long between statements. */
const IDLE_IN_TRANSACTION_DEADLINES = 5;

/**
 * The store's connections, with the tables' schema first on the search path and a deadline on
 * everything (`timeoutMs`, server/probe.ts). `connection.connectionTimeoutMillis` bounds a new
 * connection and the wait for a free one.
 */
export function createPool(connection: pg.ClientConfig, schema: string, timeoutMs: number, max: number): Pool {
  return new pg.Pool({
    ...connection,
    max,
    // Generic plans: a chat batch of one message would otherwise pay for planning its statement
    // afresh on every execution (measured: 40% of PostgreSQL's CPU per message at 500 messages/s).
    // A generic plan is made once per connection, perhaps while the tables are empty, and kept:
    // the statements that run per message or per second are written so that such a plan still
    // reads by index (append-batch.ts, list-query.ts).
    options: `-c search_path=${schema} -c plan_cache_mode=force_generic_plan`,
    // The server gives up on a statement (a lock wait, a stalled disk) at the deadline and
    // answers, and the connection stays usable; the client gives up a little later, when no
    // answer came at all (the server or the network is stuck), and drops the connection
    // (commit-batcher.ts; pg-pool's query does the same).
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + CLIENT_MARGIN_MS,
    // A node cut off in the middle of a transaction (a partition: the server never sees the
    // connection close) would hold its row locks, and so block every other node's messages to
    // those consultations, until TCP gives up, which takes minutes; the server ends it instead.
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_DEADLINES * timeoutMs,
  });
}
