// SimpleFIN's registration. It needs no secret of the operator (each end user pays the SimpleFIN
// Bridge and brings their own Setup Token), so it is available with no variable set. The two
// optional variables only say where the end users' tokens may lead:
//   TESORO_SIMPLEFIN_HOSTS           comma list of the hosts a claim URL and an Access URL may name
//                                    (https only; default bridge.simplefin.org)
//   TESORO_SIMPLEFIN_ALLOW_LOOPBACK  1: also http(s) to 127.0.0.1, ::1 and localhost (tests, demos)
import { Type } from 'typebox';
import { createLogger, type Logger } from '../../logger.ts';
import type { ConnectorModule } from '../connector.ts';
import { createSimpleFinConnector } from './connector.ts';
import { parseHosts } from './url-policy.ts';

export { createSimpleFinConnector, SIMPLEFIN_INSTITUTION, simplefinInstitution } from './connector.ts';

const HOST = '[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\\.?(?::[0-9]{1,5})?';

const settings = Type.Object({
  TESORO_SIMPLEFIN_HOSTS: Type.Optional(Type.String({ pattern: `^\\s*${HOST}(?:\\s*,\\s*${HOST})*\\s*$` })),
  TESORO_SIMPLEFIN_ALLOW_LOOPBACK: Type.Optional(Type.String({ pattern: '^[01]$' })),
});

/** The module with a logger of the caller's (tests read what it says); simplefinModule logs to stdout. */
export function simplefinModuleWith(options: { logger?: Logger } = {}): ConnectorModule {
  return {
    id: 'simplefin',
    settings,
    create: (given) =>
      createSimpleFinConnector({
        policy: {
          hosts: parseHosts(given.TESORO_SIMPLEFIN_HOSTS),
          allowLoopback: given.TESORO_SIMPLEFIN_ALLOW_LOOPBACK === '1',
        },
        logger: options.logger ?? createLogger('info').child({ connector: 'simplefin' }),
      }),
  };
}

export const simplefinModule: ConnectorModule = simplefinModuleWith();
