/**
 * The `route` label of the HTTP metrics. @fastify/static registers one route per dashboard file, and
 * the build hashes their names (`/assets/index-aoQWZGqS.js`): each dashboard build would add series
 * for ever. Files are one route, `static`; API routes keep their pattern (`/v2/models/:name/infer`).
 */
export function routeLabel(url: string | undefined): string {
  if (url === undefined) return 'unmatched';
  if (url.startsWith('/assets/')) return 'static';
  const last = url.slice(url.lastIndexOf('/') + 1);
  return !url.includes(':') && !url.includes('*') && /\.[a-z0-9]+$/i.test(last) ? 'static' : url;
}
