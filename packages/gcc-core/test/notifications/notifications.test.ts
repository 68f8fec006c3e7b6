import { pgliteFactory } from '../helpers/databases';
import { defineNotificationSuite } from './notifications-suite';

defineNotificationSuite('PGlite', pgliteFactory);
