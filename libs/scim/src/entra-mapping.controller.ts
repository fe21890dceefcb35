import { Controller, Get, Header, Query } from '@nestjs/common';
import { BadRequestException } from '@nestjs/common';
import { entraMappingSchema } from '#scim-protocol';

/**
 * The schema JSON customers paste into Entra's "Review your schema" (setup guide, step 5). Public:
 * it holds no secret, and versioned with the connector. With `?ssoIdentifier=<id>` the externalId
 * expression comes filled in: `Append("<id>:", [objectId])`.
 */
@Controller('entra')
export class EntraMappingController {
  @Get('mapping-schema.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Content-Disposition', 'inline; filename="MicrosoftEntraIDScimConfiguration.json"')
  mappingSchema(@Query('ssoIdentifier') ssoIdentifier?: string) {
    if (ssoIdentifier !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(ssoIdentifier)) {
      throw new BadRequestException('ssoIdentifier must be 1 to 100 letters, digits, ".", "_" or "-"');
    }
    return entraMappingSchema({ ssoIdentifier });
  }
}
