import { pgliteFactory } from '../helpers/databases';
import { defineApprovalsSuite } from './approvals-suite';

defineApprovalsSuite('PGlite', pgliteFactory);
