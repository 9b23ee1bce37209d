import type { Queryable } from '../db/pool.js';
import type { User } from './auth-types.js';
import type { Role } from './roles.js';

interface NewUserRow {
  email: string;
  username: string;
  full_name: string | null;
  role: Role;
  hashed_password: string;
}

export interface UserRepository {
  /** Inserts; a duplicate email or username (any case) rejects with pg's unique violation 23505. */
  create(row: NewUserRow): Promise<User>;
  findById(id: number): Promise<User | undefined>;
  /** By email when `login` contains '@', else by username; case-insensitive either way. */
  findCredentials(login: string): Promise<{ user: User; hashed_password: string } | undefined>;
  recordLogin(id: number): Promise<void>;
}

const USER_COLUMNS = `u.id::bigint as id, u.email::text as email, u.username::text as username,
  u.full_name::text as full_name, u.role::text as role, u.is_active::boolean as is_active,
  u.last_login as last_login, u.created_at as created_at, u.updated_at as updated_at`;

type UserRow = User & { hashed_password?: string };

// Two statements rather than `email = $1 or username = $1` so each uses its lower(…) unique index.
const CREDENTIALS_BY = {
  email: `select ${USER_COLUMNS}, u.hashed_password::text as hashed_password
            from users u where lower(u.email) = lower($1::text)`,
  username: `select ${USER_COLUMNS}, u.hashed_password::text as hashed_password
               from users u where lower(u.username) = lower($1::text)`,
} as const;

function toUser({ hashed_password: _omit, ...user }: UserRow): User {
  return user;
}

export function createUserRepository(db: Queryable): UserRepository {
  return {
    async create(row) {
      const { rows } = await db.query<UserRow>(
        `insert into users as u (email, username, full_name, role, hashed_password)
         values ($1::text, $2::text, $3::text, $4::text, $5::text)
         returning ${USER_COLUMNS}`,
        [row.email, row.username, row.full_name, row.role, row.hashed_password],
      );
      const created = rows[0];
      if (!created) throw new Error('insert into users returned no row');
      return toUser(created);
    },

    async findById(id) {
      const { rows } = await db.query<UserRow>(
        `select ${USER_COLUMNS} from users u where u.id = $1::bigint`,
        [id],
      );
      return rows[0] && toUser(rows[0]);
    },

    async findCredentials(login) {
      // Usernames cannot contain '@' (new-user.ts), so the two namespaces never overlap.
      const { rows } = await db.query<UserRow & { hashed_password: string }>(
        CREDENTIALS_BY[login.includes('@') ? 'email' : 'username'],
        [login],
      );
      const row = rows[0];
      return row && { user: toUser(row), hashed_password: row.hashed_password };
    },

    async recordLogin(id) {
      await db.query('update users set last_login = now() where id = $1::bigint', [id]);
    },
  };
}
