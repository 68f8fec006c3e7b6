// `npm start`: serves the in-memory GCC fake (the whole openapi/gcc.yaml contract) until the reference GCC lands.
import { startFakeGccServer } from '@wrktalk/sdk-gcc/testing';

const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}
const adminToken = process.env.GCC_ADMIN_TOKEN ?? 'admin-token';
const ciToken = process.env.GCC_CI_TOKEN ?? 'ci-token';
let server;
try {
  server = await startFakeGccServer({ port, host: process.env.HOST ?? '127.0.0.1', adminToken, ciToken });
} catch (error) {
  console.error(`Cannot listen on port ${port}: ${error.message}`);
  process.exit(1);
}
console.log(`WrkTalk GCC (in-memory fake of openapi/gcc.yaml) listening on ${server.url}
  admin token: ${adminToken}   ci token: ${ciToken}
Try:
  curl -s -X POST ${server.url}/api/v1/releases -H 'authorization: Bearer ${ciToken}' -H 'content-type: application/json' \\
    -d '{"component":"backend","version":"sha123","image_url":"registry.wrktalk.com/backend:sha123"}'
  curl -s ${server.url}/api/v1/releases -H 'authorization: Bearer ${adminToken}'
Stop with Ctrl-C.`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close().then(() => process.exit(0));
  });
}
