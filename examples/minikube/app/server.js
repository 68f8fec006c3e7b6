// The demo web app: a page that shows its own version. No dependencies; Node 20+.
// The version is baked into the image (the VERSION file next to this file); APP_VERSION overrides it.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const fromFile = () => {
  try {
    return readFileSync(new URL('./VERSION', import.meta.url), 'utf8').trim();
  } catch {
    return 'dev';
  }
};
const version = process.env.APP_VERSION || fromFile();
const port = Number(process.env.PORT || 8080);

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>WrkTalk demo ${version}</title></head>
<body style="font-family:sans-serif;margin:3rem">
<h1>WrkTalk demo web app</h1>
<p id="version">version ${version}</p>
<p>served by pod ${hostname()}</p>
</body></html>
`;

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else if (path === '/version') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`${version}\n`);
  } else if (path === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
});

server.listen(port, () => console.log(`wrktalk demo web app ${version} listening on :${port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
