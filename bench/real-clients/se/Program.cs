// Drives StackExchange.Redis through a tunnel: 20 rounds of 1,000 pipelined SETs, each value read back and compared,
// a MULTI/EXEC and an EVAL per round, then a pub/sub round trip. Prints "<endpoint>: ops=<n> errors=<n>"; exit 1 on errors.
using StackExchange.Redis;
string ep = args[0];
int errors = 0; long ops = 0;
var mux = await ConnectionMultiplexer.ConnectAsync(ep + ",abortConnect=false,connectTimeout=10000,syncTimeout=10000");
var db = mux.GetDatabase();
var rnd = new Random(1);
for (int round = 0; round < 20; round++)
{
    var tasks = new List<Task>();
    var expect = new Dictionary<string, string>();
    for (int i = 0; i < 1000; i++)
    {
        string k = "se:" + rnd.Next(100000); string v = "v" + rnd.Next();
        expect[k] = v; tasks.Add(db.StringSetAsync(k, v));
    }
    await Task.WhenAll(tasks); ops += tasks.Count;
    foreach (var kv in expect) { ops++; var got = await db.StringGetAsync(kv.Key); if (got != kv.Value) { errors++; } }
    var tran = db.CreateTransaction(); var a = tran.StringIncrementAsync("{t}:a"); var b = tran.StringIncrementAsync("{t}:b");
    if (!await tran.ExecuteAsync()) errors++; ops += 2;
    var r = await db.ScriptEvaluateAsync("return redis.call('INCR', KEYS[1])", new RedisKey[] { "{t}:lua" }); ops++;
    if (r.IsNull) errors++;
}
var sub = mux.GetSubscriber(); var got2 = new TaskCompletionSource<string>();
await sub.SubscribeAsync(RedisChannel.Literal("se:ch"), (c, m) => got2.TrySetResult(m));
await sub.PublishAsync(RedisChannel.Literal("se:ch"), "hello");
if (await Task.WhenAny(got2.Task, Task.Delay(10000)) != got2.Task || got2.Task.Result != "hello") errors++;
Console.WriteLine($"{ep}: ops={ops} errors={errors}");
return errors == 0 ? 0 : 1;
