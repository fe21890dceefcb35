import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { validationFailed } from './management.errors.js';

/** The first failing property, depth first, with its dotted path and messages. */
function firstFailure(
  errors: readonly ValidationError[],
  parent = '',
): { field: string; messages: string[] } | undefined {
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) return { field, messages };
    const nested = firstFailure(error.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * class-validator DTOs for every management route. Unknown properties are refused, not dropped,
 * so a misspelt field never silently does nothing; errors become `VALIDATION_FAILED` naming the field.
 */
export function managementValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const failure = firstFailure(errors);
      return failure
        ? validationFailed(failure.messages.join('; '), failure.field)
        : validationFailed('The request is not valid.');
    },
  });
}
