/** `npm run bench`: runs every benchmark, prints the figures and writes bench/results/*.json. */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { benchAuditQuery } from './audit-query.bench';
import { benchBinanceOrder } from './binance-order.bench';
import { benchBridgeRoundTrip } from './bridge-roundtrip.bench';
import { benchNativeRoundTrip } from './native-roundtrip.bench';
import { benchProxyOverhead } from './proxy-overhead.bench';
import { benchVaultUnlock } from './vault-unlock.bench';

const BENCHMARKS = [benchNativeRoundTrip, benchBridgeRoundTrip, benchVaultUnlock, benchProxyOverhead, benchBinanceOrder, benchAuditQuery];

await mkdir('bench/results', { recursive: true });
for (const bench of BENCHMARKS) {
  const result = await bench();
  const record = { ...result, at: new Date().toISOString(), node: process.version, cpus: cpus().length };
  await writeFile(`bench/results/${result.name}.json`, `${JSON.stringify(record, null, 2)}\n`);
  console.log(JSON.stringify(record, null, 2));
}
