/**
 * Every route of the API, in the order the OpenAPI document lists them.
 * A person's who-has answer and rights requests are in people.ts (/v1/me/...); the
 * organisations' side of rights (notices to acknowledge) is in console.ts, with the web app's other routes.
 */
import type { AnyRoute } from '../route-kit.ts';
import { auditRoutes } from './audit.ts';
import { consentRoutes } from './consents.ts';
import { consoleRoutes } from './console.ts';
import { documentRoutes } from './documents.ts';
import { healthRoutes } from './health.ts';
import { ledgerRoutes } from './ledger.ts';
import { apiKeyRoutes, organisationRoutes } from './organisations.ts';
import { peopleRoutes } from './people.ts';
import { standardsRoutes } from './standards.ts';
import { transferRoutes } from './transfers.ts';

export function allRoutes(state: { readonly closing: () => boolean }): AnyRoute[] {
  return [...healthRoutes(state), ...organisationRoutes, ...apiKeyRoutes, ...documentRoutes, ...consentRoutes, ...peopleRoutes, ...transferRoutes, ...ledgerRoutes, ...standardsRoutes, ...auditRoutes, ...consoleRoutes];
}
