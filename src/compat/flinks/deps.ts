// What the Flinks routes receive: the facade's dependencies and the authenticator, which also
// knows the Flinks settings (legacy clients, the Toolbox customerId).
import type { FacadeDeps } from '../shared/facade.ts';
import type { FlinksAuthenticator } from './auth.ts';

export interface FlinksDeps extends FacadeDeps {
  flinks: FlinksAuthenticator;
}
