// A read-only git server over smart HTTP, so that Argo CD in minikube can fetch the chart without any account
// anywhere: a bridge from node:http to git's own CGI program, `git http-backend`. No dependencies; Node 20+.
// Env: GIT_PROJECT_ROOT (directory of bare repositories), PORT (default 8080).
// Needs `git http-backend` (on Alpine: package git-daemon). /healthz only says the process is up; whether a clone
// works is what GET /<repo>.git/info/refs?service=git-upload-pack answers (the readiness probe, gitserver.yaml).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

const root = process.env.GIT_PROJECT_ROOT;
if (!root) {
  console.error('GIT_PROJECT_ROOT is required');
  process.exit(2);
}
const port = Number(process.env.PORT || 8080);

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method,
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      SERVER_PROTOCOL: 'HTTP/1.1',
    },
  });
  req.pipe(backend.stdin);
  backend.stderr.on('data', (d) => process.stderr.write(d));

  // CGI output: header lines, a blank line, then the body.
  let head = Buffer.alloc(0);
  let headersDone = false;
  backend.stdout.on('data', (chunk) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
    if (end < 0) return;
    const sep = end === crlf ? 4 : 2;
    let status = 200;
    const headers = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
      else headers[name] = value;
    }
    headersDone = true;
    res.writeHead(status, headers);
    res.write(head.subarray(end + sep));
  });
  backend.on('close', (code) => {
    if (!headersDone) res.writeHead(code === 0 ? 200 : 500).end();
    else res.end();
    // The readiness probe asks every 5 s; log its requests only when they fail, so that Argo CD's stay readable.
    const probe = String(req.headers['user-agent'] ?? '').startsWith('kube-probe/');
    if (!probe || code !== 0)
      console.log(`${req.method} ${url.pathname}${url.search} -> git http-backend exit ${code}`);
  });
  backend.on('error', (error) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

server.listen(port, () => console.log(`git server for ${root} listening on :${port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
