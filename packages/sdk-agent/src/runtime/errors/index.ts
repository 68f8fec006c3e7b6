export { IllegalStateError, isIllegalStateError } from './illegal-state-error';
export { AgentOptionsError, isAgentOptionsError } from './options-error';
export { isStateFileError, StateFileError } from './state-file-error';
