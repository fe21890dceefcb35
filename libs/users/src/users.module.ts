import { Module } from '@nestjs/common';
import { ScimUsersService } from './scim-users.service.js';
import { UsersRepository } from './users.repository.js';

@Module({
  providers: [UsersRepository, ScimUsersService],
  exports: [UsersRepository, ScimUsersService],
})
export class UsersModule {}
