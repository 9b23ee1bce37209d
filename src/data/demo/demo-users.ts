/** The demo accounts' email domain; `--replace` deletes exactly the users in it. */
export const DEMO_EMAIL_DOMAIN = 'demo.kgdb.local';

/**
 * Stored in hashed_password of demo accounts. It is not the output of any password hash, so no password
 * verifies against it: demo accounts exist to own log lines and curations, never to sign in. Real accounts
 * come from `kgdb users create`.
 */
export const NO_LOGIN_PASSWORD = '!demo-account-no-login';

export interface DemoUser {
  email: string;
  username: string;
  full_name: string;
  role: 'admin' | 'curator' | 'viewer';
}

export const DEMO_USERS: readonly DemoUser[] = [
  { email: `admin@${DEMO_EMAIL_DOMAIN}`, username: 'demo-admin', full_name: 'Demo Admin', role: 'admin' },
  {
    email: `curator@${DEMO_EMAIL_DOMAIN}`,
    username: 'demo-curator',
    full_name: 'Demo Curator',
    role: 'curator',
  },
  { email: `viewer@${DEMO_EMAIL_DOMAIN}`, username: 'demo-viewer', full_name: 'Demo Viewer', role: 'viewer' },
  {
    email: `researcher@${DEMO_EMAIL_DOMAIN}`,
    username: 'demo-researcher',
    full_name: 'Demo Researcher',
    role: 'viewer',
  },
];
