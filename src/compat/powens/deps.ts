// What the Powens routes receive: the facade's dependencies, the authenticator (which also keeps
// the facade's revocations), and the prefix the plugin is mounted at (`mountedAt`: not `prefix`, which Fastify would read as the route files' own) (/compat/powens or its alias
// /compat/budget-insight), for the links it hands out.
import type { FacadeDeps } from '../shared/facade.ts';
import type { PowensAuthenticator } from './auth.ts';

export interface PowensDeps extends FacadeDeps {
  powens: PowensAuthenticator;
  mountedAt: string;
}
