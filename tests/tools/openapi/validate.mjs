// validate.mjs OPENAPI_JSON ROUTES_C - checks the document cs-api serves:
// 1. it is valid OpenAPI 3.1 (swagger-parser: the 3.1 JSON schema, then
//    every $ref resolved), else exit 1 with the validator's message;
// 2. every route of the v1_routes table in services/api/routes.c and
//    every operations endpoint is described (an exact route by its path,
//    a prefix route "/v1/x/" by at least one path under it), else exit 1
//    naming the missing routes.
// On success prints one line per documented operation, "METHOD PATH", for
// the caller to request each one from the running server.
import SwaggerParser from '@apidevtools/swagger-parser';
import { readFileSync } from 'node:fs';

const [docFile, routesFile] = process.argv.slice(2);
if (!docFile || !routesFile) {
    console.error('usage: node validate.mjs OPENAPI_JSON ROUTES_C');
    process.exit(64);
}
let api;
try {
    api = await SwaggerParser.validate(docFile);
} catch (e) {
    console.error(`openapi: ${docFile} is not valid OpenAPI: ${e.message}`);
    process.exit(1);
}
if (!/^3\.1\./.test(api.openapi)) {
    console.error(`openapi: version ${api.openapi}, want 3.1.x`);
    process.exit(1);
}
const paths = Object.keys(api.paths);
const src = readFileSync(routesFile, 'utf8');
const table = src.match(/v1_routes\[\]\s*=\s*\{([\s\S]*?)\n\};/);
if (!table) {
    console.error(`openapi: no v1_routes table in ${routesFile}`);
    process.exit(1);
}
const routes = [...table[1].matchAll(/\{\s*"([^"]+)",\s*(true|false)\s*,/g)]
    .map((m) => ({ path: m[1], prefix: m[2] === 'true' }));
if (routes.length === 0) {
    console.error(`openapi: could not read the routes of ${routesFile}`);
    process.exit(1);
}
const ops = ['/healthz', '/readyz', '/metrics', '/openapi.json'];
const missing = [];
for (const r of routes) {
    const ok = r.prefix ? paths.some((p) => p.startsWith(r.path) && p.length > r.path.length)
                        : paths.includes(r.path);
    if (!ok) missing.push(r.prefix ? `${r.path}… (prefix route)` : r.path);
}
for (const p of ops) if (!paths.includes(p)) missing.push(p);
if (missing.length > 0) {
    console.error(`openapi: served routes missing from ${docFile}: ${missing.join(', ')}`);
    process.exit(1);
}
console.error(`openapi: valid OpenAPI ${api.openapi}, ${paths.length} paths; all ${routes.length} routes of the table and ${ops.length} operations endpoints described`);
for (const p of paths)
    for (const m of ['get', 'post', 'put', 'patch', 'delete'])
        if (api.paths[p][m]) console.log(`${m.toUpperCase()} ${p}`);
