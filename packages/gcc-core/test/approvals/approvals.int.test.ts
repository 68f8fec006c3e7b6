import { postgresFactory } from '../helpers/databases';
import { defineApprovalsSuite } from './approvals-suite';

defineApprovalsSuite('PostgreSQL', postgresFactory);
