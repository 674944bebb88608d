// Drives ioredis through a tunnel: 20 rounds of 1,000 concurrent SETs, each value read back and compared, a
// MULTI/EXEC and an EVAL per round, then a pub/sub round trip. `node check.js <port> [cluster]`; exit 1 on errors.
const Redis = require('ioredis');
const [port, mode] = process.argv.slice(2);
(async () => {
  const r = mode === 'cluster' ? new Redis.Cluster([{ host: '127.0.0.1', port: +port }]) : new Redis(+port, '127.0.0.1');
  let errors = 0, ops = 0;
  for (let round = 0; round < 20; round++) {
    const expect = {};
    const sets = [];
    for (let i = 0; i < 1000; i++) { const k = 'io:' + Math.floor(Math.random() * 100000); const v = 'v' + Math.random(); expect[k] = v; sets.push(r.set(k, v)); }
    await Promise.all(sets); ops += sets.length;
    const gets = Object.keys(expect).map(async k => { ops++; if ((await r.get(k)) !== expect[k]) errors++; });
    await Promise.all(gets);
    const res = await r.multi().incr('{t}:a').incr('{t}:b').exec(); ops += 2; if (!res || res.some(x => x[0])) errors++;
    const lua = await r.eval("return redis.call('INCR', KEYS[1])", 1, '{t}:lua'); ops++; if (typeof lua !== 'number') errors++;
  }
  const sub = r.duplicate(); await sub.subscribe('io:ch');
  const got = new Promise(res => sub.on('message', (c, m) => res(m)));
  await r.publish('io:ch', 'hello');
  const m = await Promise.race([got, new Promise(res => setTimeout(() => res('timeout'), 10000))]);
  if (m !== 'hello') errors++;
  console.log(`${port} ${mode || 'standalone'}: ops=${ops} errors=${errors}`);
  sub.disconnect(); r.disconnect(); process.exit(errors ? 1 : 0);
})().catch(e => { console.error(e); process.exit(2); });
