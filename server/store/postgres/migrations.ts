import pg, { type ClientBase } from 'pg';

/**
 * Versioned schema changes, applied in order at start inside one transaction each; the
 * `schema_migrations` table records what ran. Never edit a released migration: add one.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'consultations, transcript, reads, audit, roster, duty log',
    sql: `
      CREATE TABLE consultations (
        id text PRIMARY KEY,
        state text NOT NULL,
        category text NOT NULL,
        region text NOT NULL,
        citizen_id text NOT NULL,
        lawyer_id text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        last_seq integer NOT NULL DEFAULT 0,
        record jsonb NOT NULL
      );
      -- What supervisors ask for: by person, by state, by category, region and time.
      CREATE INDEX consultations_citizen ON consultations (citizen_id, created_at DESC);
      CREATE INDEX consultations_lawyer ON consultations (lawyer_id, created_at DESC) WHERE lawyer_id IS NOT NULL;
      CREATE INDEX consultations_open ON consultations (state, created_at DESC) WHERE state IN ('queued', 'picked', 'active');
      CREATE INDEX consultations_category ON consultations (category, region, created_at DESC);

      CREATE TABLE messages (
        consultation_id text NOT NULL REFERENCES consultations (id),
        seq integer NOT NULL,
        from_id text NOT NULL,
        client_msg_id text NOT NULL,
        sender jsonb NOT NULL,
        body text NOT NULL,
        at bigint NOT NULL,
        PRIMARY KEY (consultation_id, seq),
        UNIQUE (consultation_id, from_id, client_msg_id)
      );

      CREATE TABLE read_receipts (
        consultation_id text NOT NULL,
        user_id text NOT NULL,
        up_to_seq integer NOT NULL,
        at bigint NOT NULL,
        PRIMARY KEY (consultation_id, user_id)
      );

      CREATE TABLE audit (
        idx integer PRIMARY KEY,
        hash text NOT NULL,
        prev_hash text NOT NULL,
        record jsonb NOT NULL
      );

      CREATE TABLE rosters (day text PRIMARY KEY, shifts jsonb NOT NULL);

      CREATE TABLE duty_events (
        id bigserial PRIMARY KEY,
        lawyer_id text NOT NULL,
        at bigint NOT NULL,
        event jsonb NOT NULL
      );
      CREATE INDEX duty_events_at ON duty_events (at);
    `,
  },
  {
    version: 2,
    name: 'consultation row version, for checking chat senders against a cached consultation',
    sql: `ALTER TABLE consultations ADD COLUMN version integer NOT NULL DEFAULT 0;`,
  },
  {
    version: 3,
    name: 'open consultations by channel, for the message desk',
    sql: `CREATE INDEX consultations_open_channel ON consultations ((record->>'channel'), created_at DESC) WHERE state IN ('queued', 'picked', 'active');`,
  },
  {
    version: 4,
    name: "a citizen's request id, unique per citizen: a resent consult.request gets the consultation it made",
    // Nullable without a default: no rewrite of the table. The index is partial (requests
    // without an id, and every row before this version, take no room in it) and is the one
    // arbiter when two nodes make the same request at once.
    sql: `ALTER TABLE consultations ADD COLUMN client_request_id text;
          CREATE UNIQUE INDEX consultations_client_request ON consultations (citizen_id, client_request_id) WHERE client_request_id IS NOT NULL;`,
  },
  {
    version: 5,
    name: "a citizen's consultations in list order, so a page of their past ones is read from the index without a sort",
    // Replaces version 1's (citizen_id, created_at DESC): the same lookups, and the id settles
    // ties in the order lists use (code units: the "C" collation), so `consult.past` reads a page
    // from its cursor and stops, however many years of consultations the citizen has.
    sql: `DROP INDEX consultations_citizen;
          CREATE INDEX consultations_citizen ON consultations (citizen_id, created_at DESC, id COLLATE "C" DESC);`,
  },
  {
    version: 6,
    name: 'risk alerts, whole records with a compare-and-set version',
    sql: `CREATE TABLE alerts (
            id text COLLATE "C" PRIMARY KEY,
            version integer NOT NULL,
            state text NOT NULL,
            created_at bigint NOT NULL,
            record jsonb NOT NULL
          );
          CREATE INDEX alerts_state ON alerts (state, created_at DESC, id DESC);
          CREATE INDEX alerts_created ON alerts (created_at DESC, id DESC);`,
  },
];

export async function migrate(client: ClientBase): Promise<number[]> {
  await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    await client.query('BEGIN');
    try {
      // Two nodes starting at once: the lock makes the second wait, then see the version done.
      await client.query('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
      const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (done.rowCount === 0) {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        applied.push(m.version);
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    }
  }
  return applied;
}

/**
 * The schema and its migrations, once at start before the node listens, on a connection of
 * their own with no statement deadline: a migration may build an index over years of
 * messages, or wait for another node's migration to finish (the lock above).
 */
export async function setUp(connection: pg.ClientConfig, schema: string): Promise<void> {
  const client = new pg.Client({ ...connection, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await migrate(client);
  } finally {
    await client.end();
  }
}
