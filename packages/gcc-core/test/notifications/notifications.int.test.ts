import { postgresFactory } from '../helpers/databases';
import { defineNotificationSuite } from './notifications-suite';

defineNotificationSuite('PostgreSQL', postgresFactory);
