export { describeRequest, GccError, isGccError } from './gcc-error';
export { GccHttpError, isGccHttpError } from './http-error';
export { GccNetworkError, isGccNetworkError } from './network-error';
export { GccOptionsError, isGccOptionsError } from './options-error';
export { GccResponseError, isGccResponseError, type ResponseIssue } from './response-error';
export { GccTimeoutError, isGccTimeoutError } from './timeout-error';
