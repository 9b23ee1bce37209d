import { KgdbError } from '../errors.js';
import { isRole, ROLES, type Role } from './roles.js';

export interface NewUserInput {
  email?: string | undefined;
  role?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  full_name?: string | undefined;
}

export interface ValidNewUser {
  email: string;
  role: Role;
  username: string;
  /** undefined = the caller generates one. */
  password: string | undefined;
  full_name: string | null;
}

// Upstream's UserRegister limits: username 3..50 of [a-zA-Z0-9_-] (so never an '@'), password ≥ 8.
const USERNAME = /^[a-zA-Z0-9_-]{3,50}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;

/** The username used when none is given: the email's local part with other characters turned into '_'. */
export function usernameFromEmail(email: string): string {
  return (email.split('@')[0] ?? '').replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 50);
}

/** Validates everything at once and throws one INVALID_INPUT naming every problem and the allowed values. */
export function parseNewUser(input: NewUserInput): ValidNewUser {
  const problems: { parameter: string; message: string }[] = [];
  const problem = (parameter: string, message: string) => problems.push({ parameter, message });

  const email = input.email?.trim() ?? '';
  if (email === '') problem('email', 'is required');
  else if (!EMAIL.test(email) || email.length > 254)
    problem('email', `expected an address like name@example.org, got '${email}'`);

  const role = input.role ?? '';
  if (!isRole(role)) problem('role', `expected one of ${ROLES.join(', ')}, got '${role}'`);

  const username = input.username?.trim() || usernameFromEmail(email);
  if (!USERNAME.test(username)) {
    problem(
      'username',
      `expected 3..50 letters, digits, '_' or '-', got '${username}'${input.username ? '' : ' (from the email; pass a username)'}`,
    );
  }

  const password = input.password;
  if (password !== undefined && (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX))
    problem('password', `expected ${PASSWORD_MIN}..${PASSWORD_MAX} characters, got ${password.length}`);

  const fullName = input.full_name?.trim() || null;
  if (fullName !== null && fullName.length > 255) problem('full_name', 'expected at most 255 characters');

  const [first] = problems;
  if (first) {
    throw new KgdbError('INVALID_INPUT', {
      parameter: first.parameter,
      detail: problems.map((p) => `${p.parameter}: ${p.message}`).join('; '),
    });
  }
  return { email, role: role as Role, username, password, full_name: fullName };
}
