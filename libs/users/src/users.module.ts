import { Module } from '@nestjs/common';
import { UsersAdminRepository } from './users-admin.repository.js';
import { UsersRepository } from './users.repository.js';

@Module({
  providers: [UsersRepository, UsersAdminRepository],
  exports: [UsersRepository, UsersAdminRepository],
})
export class UsersModule {}
