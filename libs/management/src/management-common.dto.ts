import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Query strings carry text: "true"/"false" become booleans, anything else fails validation. */
export const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** Names are compared and stored without surrounding blanks. */
export const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** Optional in a PATCH, but when present it may not be null (e.g. a name cannot be removed). */
export const PresentNotNull = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** Optional in a PATCH, and null clears it. */
export const Clearable = () =>
  ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null);

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'How many items to skip.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class NamedPageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only items whose name contains this text (case-insensitive).' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  name?: string;
}

export function pageWindow(query: PageQueryDto): { limit: number; offset: number } {
  return { limit: query.limit ?? DEFAULT_PAGE_SIZE, offset: query.offset ?? 0 };
}

export abstract class PageDto {
  @ApiProperty({ description: 'Items matching, over all pages.' }) total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}
