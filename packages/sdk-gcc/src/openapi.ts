/**
 * The contract itself (`openapi/gcc.yaml`), for a GCC that serves it (`GET /api/v1/openapi.yaml`, `.json`). A separate
 * entry point (`@wrktalk/sdk-gcc/openapi`), so a client that does not need the document does not load it.
 */
export { OPENAPI_JSON, OPENAPI_YAML } from './generated/openapi-document';
