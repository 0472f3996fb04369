// Datanomik's paging and the query values the routes share: `page` (0-based, default 0) and
// `size` (default 50, at most 1,000), already checked by the route's schema.

import type { PageRequest } from './map.ts';
import { DEFAULT_SIZE } from './schemas.ts';

export function pageRequestOf(query: unknown): PageRequest {
  const { page, size } = (query ?? {}) as { page?: number; size?: number };
  return { page: page ?? 0, size: size ?? DEFAULT_SIZE };
}
