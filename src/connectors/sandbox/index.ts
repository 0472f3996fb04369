import type { Connector } from '../connector.ts';
import { sandboxInstitutions } from './institutions.ts';

export const sandboxConnector: Connector = {
  id: 'sandbox',
  institutions: sandboxInstitutions,
};
