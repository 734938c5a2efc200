import { importOptional, pickExport } from '../../core/optional-import.js';

/**
 * Two fixes to rabbitmq-stream-js-client (1.x), applied once per process before the first connection.
 * docs/internals.md lists them with the test that guards each.
 *
 * 1. The client sends ExchangeCommandVersions (protocol key 27) on every connection. Brokers before 3.11
 *    (Debian 12 ships 3.10.8) do not know it and close the connection. The client then cannot connect at
 *    all. We skip the exchange for those brokers, as the Java and Go clients do; the client falls back to
 *    version 1 of every command, which 3.10 speaks.
 * 2. A command the client's decoder does not know — the broker's own Close (key 22) among them — is
 *    thrown from the socket's 'data' handler, where nothing can catch it: the embedding process exits.
 *    We drop such frames instead; the broker closes the socket right after, which the client reports
 *    through its connection-closed listeners, and the source turns that into UNAVAILABLE.
 */
let applied: Promise<void> | undefined;

interface ConnectionProto {
  exchangeCommandVersions(this: { peerProperties?: { version?: string } }): Promise<unknown>;
}
interface DecoderProto {
  getFactoryFor(this: unknown, key: number): unknown;
}

export function applyRabbitCompat(): Promise<void> {
  applied ??= (async () => {
    const connection = await importOptional(() => import('rabbitmq-stream-js-client/dist/connection.js'), 'rabbitmq-stream-js-client', 'The RabbitMQ Streams source');
    const decoder = await importOptional(() => import('rabbitmq-stream-js-client/dist/response_decoder.js'), 'rabbitmq-stream-js-client', 'The RabbitMQ Streams source');
    const connProto = pickExport<{ prototype: ConnectionProto }>(connection, 'Connection').prototype;
    const decProto = pickExport<{ prototype: DecoderProto }>(decoder, 'ResponseDecoder').prototype;
    const exchange = connProto.exchangeCommandVersions;
    if (typeof exchange !== 'function' || typeof decProto.getFactoryFor !== 'function') {
      throw new Error('rabbitmq-stream-js-client changed its internals: see docs/internals.md (rabbitmq-stream-js-client)');
    }
    connProto.exchangeCommandVersions = async function (this: { peerProperties?: { version?: string } }) {
      if (brokerBefore(this.peerProperties?.version, 3, 11)) return true;
      return exchange.call(this);
    };
    const getFactoryFor = decProto.getFactoryFor;
    decProto.getFactoryFor = function (this: unknown, key: number) {
      try {
        return getFactoryFor.call(this, key);
      } catch {
        return undefined;
      }
    };
  })();
  return applied;
}

/** True when a broker version string such as `3.10.8` is older than major.minor (unknown: false). */
export function brokerBefore(version: string | undefined, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj < major || (maj === major && min < minor);
}
