/**
 * Every route of the API, in the order the OpenAPI document lists them.
 *
 * Next issue: who-has and rights requests (withdraw, object, erase) get their own module here,
 * `rights.ts` exporting `rightsRoutes`, under /v1/who-has and /v1/rights-requests, with the
 * access rules in ../access.ts (a person through /v1/me, organisations for their own holdings).
 */
import type { AnyRoute } from '../route-kit.ts';
import { consentRoutes } from './consents.ts';
import { documentRoutes } from './documents.ts';
import { healthRoutes } from './health.ts';
import { ledgerRoutes } from './ledger.ts';
import { apiKeyRoutes, organisationRoutes } from './organisations.ts';
import { peopleRoutes } from './people.ts';
import { transferRoutes } from './transfers.ts';

export function allRoutes(state: { readonly closing: () => boolean }): AnyRoute[] {
  return [...healthRoutes(state), ...organisationRoutes, ...apiKeyRoutes, ...documentRoutes, ...consentRoutes, ...peopleRoutes, ...transferRoutes, ...ledgerRoutes];
}
