import type { Queryable } from '../db/pool.js';
import type { ApiToken } from './auth-types.js';
import type { Role } from './roles.js';

interface NewApiTokenRow {
  name: string;
  role: Role;
  token_hash: string;
  display_prefix: string;
  expires_at: Date | null;
}

export interface ApiTokenRepository {
  create(row: NewApiTokenRow): Promise<ApiToken>;
  /** The row for a token hash whatever its state; the caller decides with tokenStatus(). */
  findByHash(tokenHash: string): Promise<ApiToken | undefined>;
  list(): Promise<ApiToken[]>;
  /** Sets revoked_at (once; revoking again keeps the first time); undefined when there is no such id. */
  revoke(id: number): Promise<ApiToken | undefined>;
  touch(id: number): Promise<void>;
}

const TOKEN_COLUMNS = `t.id::bigint as id, t.name::text as name, t.role::text as role,
  t.display_prefix::text as display_prefix, t.created_at as created_at, t.last_used_at as last_used_at,
  t.expires_at as expires_at, t.revoked_at as revoked_at`;

export function createApiTokenRepository(db: Queryable): ApiTokenRepository {
  return {
    async create(row) {
      const { rows } = await db.query<ApiToken>(
        `insert into api_tokens as t (name, role, token_hash, display_prefix, expires_at)
         values ($1::text, $2::text, $3::text, $4::text, $5::timestamptz)
         returning ${TOKEN_COLUMNS}`,
        [row.name, row.role, row.token_hash, row.display_prefix, row.expires_at],
      );
      const created = rows[0];
      if (!created) throw new Error('insert into api_tokens returned no row');
      return created;
    },

    async findByHash(tokenHash) {
      const { rows } = await db.query<ApiToken>(
        `select ${TOKEN_COLUMNS} from api_tokens t where t.token_hash = $1::text`,
        [tokenHash],
      );
      return rows[0];
    },

    async list() {
      const { rows } = await db.query<ApiToken>(`select ${TOKEN_COLUMNS} from api_tokens t order by t.id`);
      return rows;
    },

    async revoke(id) {
      const { rows } = await db.query<ApiToken>(
        `update api_tokens as t set revoked_at = coalesce(t.revoked_at, now())
          where t.id = $1::bigint returning ${TOKEN_COLUMNS}`,
        [id],
      );
      return rows[0];
    },

    async touch(id) {
      await db.query('update api_tokens set last_used_at = now() where id = $1::bigint', [id]);
    },
  };
}
