import { pino } from 'pino';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Principal } from '../../governance/principal.js';
import { createServer } from '../../server/create-server.js';
import { intOption, parse } from '../args.js';
import type { Command } from '../command.js';
import { openRuntime } from '../runtime-options.js';
import { readJsonFile } from './features.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

export const server: Command = {
  name: 'server',
  summary: 'Serve the MLflow REST API, the Open Inference Protocol and /metrics over HTTP',
  help: `mlops server [--port <n>] [--host <addr>] [--api-keys <keys.json>] [--tls-key <pem> --tls-cert <pem>]
             [--rate-limit <per second>] [--burst <n>] [--cors <origin>]... [--load <name@alias>]...
  --port        default 5000 (MLOPS_PORT)
  --host        default 127.0.0.1 (MLOPS_HOST); binding elsewhere without --api-keys prints a warning
  --api-keys    JSON file { "<key>": { "id": "svc", "roles": ["service"] } } (MLOPS_API_KEYS_FILE)
  --load        serve a registry model over /v2 (repeatable); it follows its alias
  --log-level   pino JSON logs on stdout after the first line: trace|debug|info (default)|warn|error|silent
                (MLOPS_LOG_LEVEL); one line per request and the runtime's warnings, with trace ids
Stops cleanly on SIGINT or SIGTERM.`,
  async run(argv, o) {
    const p = parse(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      'api-keys': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-cert': { type: 'string' },
      'rate-limit': { type: 'string' },
      burst: { type: 'string' },
      cors: { type: 'string', multiple: true },
      load: { type: 'string', multiple: true },
      'log-level': { type: 'string' },
    });
    const v = p.values;
    const port = intOption(v.port ?? process.env.MLOPS_PORT, 'port') ?? 5000;
    const host = v.host ?? process.env.MLOPS_HOST ?? '127.0.0.1';
    const keysFile = v['api-keys'] ?? process.env.MLOPS_API_KEYS_FILE;
    const apiKeys = keysFile !== undefined ? ((await readJsonFile(keysFile, 'api keys file')) as Record<string, Principal>) : undefined;
    if ((v['tls-key'] === undefined) !== (v['tls-cert'] === undefined)) throw new InvalidArgumentError('Invalid TLS options: give both --tls-key and --tls-cert');
    const perSecond = intOption(v['rate-limit'], 'rate-limit');
    const burst = intOption(v.burst, 'burst');
    const level = v['log-level'] ?? process.env.MLOPS_LOG_LEVEL ?? 'info';
    if (!LOG_LEVELS.includes(level)) throw new InvalidArgumentError(`Invalid --log-level ${JSON.stringify(level)}: use one of ${LOG_LEVELS.join(', ')}`);
    const logger = pino({ level, base: { service: 'mlops-server' } });
    const ml = await openRuntime(p, process.env, { logger });
    ml.events.on('warning', (w) => o.err(`warning: ${w.message}`));
    try {
      for (const ref of v.load ?? []) {
        const model = await ml.serving.load(ref);
        o.err(`loaded ${model.name} version ${model.version} on ${model.provider}`);
      }
      const srv = await createServer(ml, {
        port,
        host,
        ...(apiKeys !== undefined ? { auth: { apiKeys } } : {}),
        ...(v['tls-key'] !== undefined && v['tls-cert'] !== undefined ? { tls: { key: v['tls-key'], cert: v['tls-cert'] } } : {}),
        ...(perSecond !== undefined ? { rateLimit: { perSecond, ...(burst !== undefined ? { burst } : {}) } } : {}),
        ...(v.cors !== undefined ? { cors: { origins: v.cors } } : {}),
        logger,
      });
      o.out(o.json ? JSON.stringify({ url: srv.url }) : `mlops server listening on ${srv.url}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      o.err('stopping: finishing requests in flight');
      await srv.close();
    } finally {
      await ml.close();
    }
  },
};
