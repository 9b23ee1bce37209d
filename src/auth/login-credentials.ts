import { KgdbError } from '../errors.js';

export interface LoginBody {
  username?: string | undefined;
  email?: string | undefined;
  password: string;
}

/**
 * The login name from either request style: upstream's OAuth2 form puts a username *or* an email in
 * `username`; JSON clients may send `email` instead. Throws INVALID_PARAMETER when neither is there.
 */
export function toLoginCredentials(body: LoginBody): { login: string; password: string } {
  const login = (body.username ?? body.email ?? '').trim();
  if (login === '') {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: 'username',
      detail: "Send 'username' (a username or an email) or 'email', together with 'password'",
    });
  }
  return { login, password: body.password };
}
