import { applyDecorators, Controller, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ManagementGuard } from './management.guard.js';
import { ManagementTransactionInterceptor } from './management-transaction.interceptor.js';
import { managementValidationPipe } from './management-validation.pipe.js';

export const MANAGEMENT_BEARER = 'management-bearer';
export const MANAGEMENT_BASE_PATH = 'api/v1/organizations/:organizationId';

/**
 * Everything a management controller shares: the organization-scoped route, the guard (token,
 * organization, role), one transaction per write, DTO validation, and its OpenAPI description.
 * Error responses only say when they happen and with which `code`: the OpenAPI setup gives every
 * 4xx/5xx response of the JSON APIs the one `ProblemDetails` schema (`application/problem+json`).
 */
export function ManagementController(path: string, tag: string) {
  return applyDecorators(
    Controller(`${MANAGEMENT_BASE_PATH}/${path}`),
    ApiTags(`management: ${tag}`),
    ApiBearerAuth(MANAGEMENT_BEARER),
    ApiParam({ name: 'organizationId', format: 'uuid', description: "The organization; the token's own." }),
    ApiUnauthorizedResponse({
      description: '`UNAUTHENTICATED`: missing, unknown or revoked token, or its user was deactivated.',
    }),
    ApiForbiddenResponse({
      description:
        "`WRONG_ORGANIZATION`: a token of another organization. `ROLE_NOT_ALLOWED`: the token's user's global role may not do this. `GLOBAL_ADMINISTRATOR_REQUIRED`: granting or changing a GlobalAdministrator.",
    }),
    ApiServiceUnavailableResponse({
      description:
        "`AUDIT_UNAVAILABLE` (writes): the change's audit record could not be written, so nothing changed; retry after `Retry-After` seconds.",
    }),
    UseGuards(ManagementGuard),
    UseInterceptors(ManagementTransactionInterceptor),
    UsePipes(managementValidationPipe()),
  );
}
