import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Router } from 'express';

/**
 * The browsable API reference at `/api/v1/docs`: Swagger UI (`swagger-ui-dist`, self-contained, no runtime
 * dependencies) rendering the GCC's own contract from `/api/v1/openapi.json`, every file served from this process,
 * so the page works in a browser without internet access. No inline script: the page stays usable under a strict
 * Content-Security-Policy.
 */
export function createDocsRouter(): Router {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('swagger-ui-dist/package.json'));
  const router = express.Router();
  const files: Record<string, { file: string; type: string }> = {
    'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
    'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  };
  router.get('/api/v1/docs', (req, res) => {
    // The page's links are relative to `…/docs`: `…/docs/` (which Express routes here too) is sent there first.
    const path = req.originalUrl.split('?')[0]!;
    if (path.endsWith('/')) {
      res.redirect(308, path.replace(/\/+$/, ''));
      return;
    }
    res.type('html').send(PAGE);
  });
  router.get('/api/v1/docs/init.js', (_req, res) => {
    res.type('text/javascript; charset=utf-8').send(INIT);
  });
  router.get('/api/v1/docs/:file', (req, res, next) => {
    const f = files[req.params.file];
    if (!f) {
      next();
      return;
    }
    res.type(f.type).sendFile(join(dist, f.file), { maxAge: '1d' });
  });
  return router;
}

/** The spec URL relative to the page (`/api/v1/docs` → `/api/v1/openapi.json`), so a mount prefix is kept. */
export const DOCS_SPEC_URL = 'openapi.json';

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>WrkTalk GCC API reference</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
  <noscript>The API reference needs JavaScript. The contract itself: <a href="${DOCS_SPEC_URL}">${DOCS_SPEC_URL}</a> (also as <a href="openapi.yaml">YAML</a>).</noscript>
  <div id="reference" data-spec-url="${DOCS_SPEC_URL}"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
`;

const INIT = `(function () {
  var el = document.getElementById('reference');
  window.ui = SwaggerUIBundle({
    url: new URL(el.getAttribute('data-spec-url'), window.location.href).toString(),
    domNode: el,
    deepLinking: true,
    displayOperationId: true,
    tryItOutEnabled: false,
    // No badge from the public validator: the page makes no request to anywhere but the GCC.
    validatorUrl: null,
  });
})();
`;
