using System.Globalization;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.KeyCopy;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.KeyCopy;

/// <summary>
/// The copy engine against real servers: standalone into a cluster (redis-cli --cluster import), a cluster into
/// standalone, existing keys, filters, keys that vanish mid-copy, a move, a copy onto itself and a payload
/// from a newer Redis. The cmdlet's binding, -WhatIf and formatting are tests/Pester/CopyRedisKey.Tests.ps1's.
/// </summary>
public sealed class KeyCopyTests : IClassFixture<KeyCopyFixture>
{
    private readonly KeyCopyFixture _servers;

    public KeyCopyTests(KeyCopyFixture servers)
    {
        _servers = servers;
    }

    [Fact]
    public async Task HundredThousandKeysWithTtlsGoFromAStandaloneServerIntoACluster()
    {
        await _servers.FlushAllAsync();
        const int count = 100_000;
        using RedisClient source = await KeyCopyFixture.OpenAsync(_servers.Source.Port);
        var ttls = new long[count];
        for (int start = 0; start < count; start += 5000)
        {
            var sets = new List<RedisCommand>();
            for (int i = start; i < start + 5000; i++)
            {
                // Every tenth key has no TTL; the others an hour and a bit, each its own.
                ttls[i] = i % 10 == 0 ? -1 : 3_600_000 + i;
                sets.Add(ttls[i] < 0 ? RedisCommand.Create("SET", Key(i), Value(i)) : RedisCommand.Create("SET", Key(i), Value(i), "PX", ttls[i].ToString(CultureInfo.InvariantCulture)));
            }

            AssertNoErrors(await source.ExecuteBatchAsync(sets));
        }

        using RedisClient cluster = await _servers.OpenClusterAsync();
        KeyCopyResult result = await new KeyCopyRun(source, cluster, new KeyCopyOptions()).RunAsync(CancellationToken.None);

        Assert.True(result.Completed);
        Assert.Equal(count, result.Copied);
        Assert.Equal(0, result.Skipped);
        Assert.Equal(0, result.Failed);
        Assert.Null(result.Deleted);
        Assert.True(result.Bytes > count * 10L, "bytes " + result.Bytes);
        Assert.Equal(_servers.Source.Port.ToString(CultureInfo.InvariantCulture), Assert.Single(result.Nodes).Node.Split(':')[1]);
        Assert.Equal(count, await TotalKeysAsync(cluster));
        for (int start = 0; start < count; start += 5000)
        {
            var reads = new List<RedisCommand>();
            for (int i = start; i < start + 5000; i++)
            {
                reads.Add(RedisCommand.Create("GET", Key(i)));
                reads.Add(RedisCommand.Create("PTTL", Key(i)));
            }

            IReadOnlyList<RedisReply> replies = await cluster.ExecuteBatchAsync(reads);
            for (int i = start; i < start + 5000; i++)
            {
                Assert.Equal(Value(i), replies[2 * (i - start)].Value.GetString());
                long pttl = replies[2 * (i - start) + 1].Value.Integer;
                if (ttls[i] < 0)
                {
                    Assert.Equal(-1, pttl);
                }
                else
                {
                    Assert.InRange(pttl, 1, ttls[i]);
                }
            }
        }

        // The source is left as it was: a copy is not a move.
        Assert.Equal(count, (long)_servers.Source.Execute("DBSIZE")!);
    }

    [Fact]
    public async Task EveryTypeGoesFromEachClusterPrimaryIntoAStandaloneServerByteForByte()
    {
        await _servers.FlushAllAsync();
        using RedisClient cluster = await _servers.OpenClusterAsync();
        var keys = new List<string>();
        var writes = new List<RedisCommand>();
        for (int i = 0; i < 3000; i++)
        {
            string key = "mixed:" + i.ToString(CultureInfo.InvariantCulture);
            keys.Add(key);
            writes.Add((i % 6) switch
            {
                0 => RedisCommand.Create("SET", key, "v" + i),
                1 => RedisCommand.Create("HSET", key, "f1", "a", "f2", "b" + i),
                2 => RedisCommand.Create("RPUSH", key, "x", "y", "z" + i),
                3 => RedisCommand.Create("SADD", key, "m1", "m2" + i),
                4 => RedisCommand.Create("ZADD", key, "1", "one", "2", "two" + i),
                _ => RedisCommand.Create("XADD", key, "*", "field", "value" + i),
            });
        }

        AssertNoErrors(await cluster.ExecuteBatchAsync(writes));
        using RedisClient target = await KeyCopyFixture.OpenAsync(_servers.Target.Port);

        KeyCopyResult result = await new KeyCopyRun(cluster, target, new KeyCopyOptions { BatchSize = 128 }).RunAsync(CancellationToken.None);

        Assert.Equal(3000, result.Copied);
        Assert.Equal(0, result.Failed + result.Skipped);
        Assert.Equal(3, result.Nodes.Count);
        Assert.All(result.Nodes, n => Assert.InRange(n.Copied, 1, 2999));
        Assert.Equal(cluster.GetPrimaryEndpoints().Select(e => e.ToString()).OrderBy(e => e), result.Nodes.Select(n => n.Node).OrderBy(n => n));
        Assert.Equal(3000L, (long)_servers.Target.Execute("DBSIZE")!);
        // DUMP payloads are compared, except for sets: a hashtable set's members come out in the order of its buckets.
        Func<string, int, RedisCommand> read = (key, i) => i % 6 == 3 ? RedisCommand.Create("SORT", key, "ALPHA") : RedisCommand.Create("DUMP", key);
        IReadOnlyList<RedisReply> original = await cluster.ExecuteBatchAsync(keys.Select(read).ToList());
        IReadOnlyList<RedisReply> copied = await target.ExecuteBatchAsync(keys.Select(read).ToList());
        for (int i = 0; i < keys.Count; i++)
        {
            Assert.False(original[i].Value.IsError);
            Assert.Equal(Flatten(original[i].Value), Flatten(copied[i].Value));
        }
    }

    [Fact]
    public async Task KeysTheDestinationHasAreSkippedUnlessReplaceIsGiven()
    {
        await _servers.FlushAllAsync();
        for (int i = 0; i < 100; i++)
        {
            _servers.Source.Execute("SET", "k" + i, "new");
        }

        for (int i = 0; i < 30; i++)
        {
            _servers.Target.Execute("SET", "k" + i, "old");
        }

        using RedisClient source = await KeyCopyFixture.OpenAsync(_servers.Source.Port);
        using RedisClient target = await KeyCopyFixture.OpenAsync(_servers.Target.Port);

        KeyCopyResult kept = await new KeyCopyRun(source, target, new KeyCopyOptions()).RunAsync(CancellationToken.None);
        Assert.Equal(70, kept.Copied);
        Assert.Equal(30, kept.Existing);
        Assert.Equal(30, kept.Skipped);
        Assert.Equal(0, kept.Failed);
        Assert.Equal("old", _servers.Target.Execute("GET", "k7"));
        Assert.Equal("new", _servers.Target.Execute("GET", "k77"));

        KeyCopyResult replaced = await new KeyCopyRun(source, target, new KeyCopyOptions { Replace = true }).RunAsync(CancellationToken.None);
        Assert.Equal(100, replaced.Copied);
        Assert.Equal(0, replaced.Skipped);
        Assert.Equal("new", _servers.Target.Execute("GET", "k7"));
    }

    [Fact]
    public async Task PatternAndTypeChooseTheKeysLikeScanMatchAndType()
    {
        await _servers.FlushAllAsync();
        for (int i = 0; i < 50; i++)
        {
            _servers.Source.Execute("SET", "user:" + i, "name");
        }

        for (int i = 0; i < 20; i++)
        {
            _servers.Source.Execute("HSET", "user:h" + i, "f", "v");
        }

        for (int i = 0; i < 30; i++)
        {
            _servers.Source.Execute("HSET", "order:" + i, "f", "v");
        }

        using RedisClient source = await KeyCopyFixture.OpenAsync(_servers.Source.Port);
        using RedisClient cluster = await _servers.OpenClusterAsync();

        KeyCopyResult hashes = await new KeyCopyRun(source, cluster, new KeyCopyOptions { Pattern = "user:*", Type = "hash", BatchSize = 7 }).RunAsync(CancellationToken.None);
        Assert.Equal(20, hashes.Copied);
        Assert.Equal(20, await TotalKeysAsync(cluster));
        Assert.Equal("hash", (await cluster.ExecuteAsync(RedisCommand.Create("TYPE", "user:h3"))).Value.GetString());

        KeyCopyResult orders = await new KeyCopyRun(source, cluster, new KeyCopyOptions { Pattern = "order:*" }).RunAsync(CancellationToken.None);
        Assert.Equal(30, orders.Copied);
        Assert.Equal(50, await TotalKeysAsync(cluster));
    }

    [Fact]
    public async Task AKeyDeletedBetweenScanAndDumpIsCountedSkipped()
    {
        await _servers.FlushAllAsync();
        for (int i = 0; i < 500; i++)
        {
            _servers.Source.Execute("SET", "gone:" + i, "v", "EX", "3600");
        }

        var deleted = new List<string>();
        using var source = new InterceptingClient(await KeyCopyFixture.OpenAsync(_servers.Source.Port))
        {
            // Deletes the first 7 keys of the first SCAN page right after SCAN listed them.
            AfterNodeCall = async (inner, commands, replies) =>
            {
                if (commands[0].Name == "SCAN" && deleted.Count == 0)
                {
                    deleted.AddRange(replies[0].Value.Items[1].Items.Take(7).Select(k => k.GetString()!));
                    await inner.ExecuteBatchAsync(deleted.Select(k => RedisCommand.Create("DEL", k)).ToList());
                }
            },
        };
        using RedisClient target = await KeyCopyFixture.OpenAsync(_servers.Target.Port);

        KeyCopyResult result = await new KeyCopyRun(source, target, new KeyCopyOptions()).RunAsync(CancellationToken.None);

        Assert.Equal(7, deleted.Count);
        Assert.Equal(7, result.Vanished);
        Assert.Equal(7, result.Skipped);
        Assert.Equal(493, result.Copied);
        Assert.Equal(0, result.Failed);
        Assert.Equal(493L, (long)_servers.Target.Execute("DBSIZE")!);
        Assert.All(deleted, k => Assert.Equal(0L, (long)_servers.Target.Execute("EXISTS", k)!));
    }

    [Fact]
    public async Task DeleteMovesTheKeysButKeepsOneThatChangedAfterItsDump()
    {
        await _servers.FlushAllAsync();
        for (int i = 0; i < 300; i++)
        {
            _servers.Source.Execute("SET", "move:" + i, "v" + i);
        }

        string? changed = null;
        using var source = new InterceptingClient(await KeyCopyFixture.OpenAsync(_servers.Source.Port))
        {
            // A write that reaches the source after the first DUMP batch: that key must not be deleted.
            AfterBatch = async (inner, commands, replies) =>
            {
                if (commands[0].Name == "DUMP" && changed == null)
                {
                    changed = commands[0].ArgumentText(1);
                    await inner.ExecuteAsync(RedisCommand.Create("SET", changed, "changed"));
                }

                return replies;
            },
        };
        using RedisClient cluster = await _servers.OpenClusterAsync();
        var run = new KeyCopyRun(source, cluster, new KeyCopyOptions { Delete = true, BatchSize = 50 });

        KeyCopyResult result = await run.RunAsync(CancellationToken.None);

        Assert.Equal(300, result.Copied);
        Assert.Equal(299, result.Deleted);
        Assert.Equal(1, run.FailureCount);
        Assert.True(run.TryTakeFailure(out KeyCopyFailure? failure));
        Assert.Equal(changed, failure!.Key);
        Assert.Contains("changed on the source after it was copied", failure.Message, StringComparison.Ordinal);
        Assert.Equal(1L, (long)_servers.Source.Execute("DBSIZE")!);
        Assert.Equal("changed", _servers.Source.Execute("GET", changed!));
        Assert.Equal(300, await TotalKeysAsync(cluster));
    }

    [Fact]
    public async Task AStoppedCopyReturnsWhatItDidSoFar()
    {
        await _servers.FlushAllAsync();
        for (int i = 0; i < 400; i++)
        {
            _servers.Source.Execute("SET", "stop:" + i, "v");
        }

        using var stop = new CancellationTokenSource();
        using var source = new InterceptingClient(await KeyCopyFixture.OpenAsync(_servers.Source.Port))
        {
            // Ctrl+C as the first batch has been dumped: the copy must end there and say so.
            AfterBatch = (inner, commands, replies) =>
            {
                if (commands[0].Name == "DUMP")
                {
                    stop.Cancel();
                }

                return Task.FromResult(replies);
            },
        };
        using RedisClient target = await KeyCopyFixture.OpenAsync(_servers.Target.Port);

        KeyCopyResult result = await new KeyCopyRun(source, target, new KeyCopyOptions { BatchSize = 50 }).RunAsync(stop.Token);

        Assert.False(result.Completed);
        Assert.InRange(result.Copied, 0, 50);
        Assert.Equal(0, result.Failed);
        Assert.Contains("(stopped early)", result.ToString(), StringComparison.Ordinal);
        Assert.Equal(result.Copied, (long)_servers.Target.Execute("DBSIZE")!);
    }

    [Fact]
    public async Task ACopyOntoTheSameServerIsRefusedBeforeAnythingIsWritten()
    {
        await _servers.FlushAllAsync();
        _servers.Source.Execute("SET", "self", "v");
        using RedisClient viaName = await KeyCopyFixture.OpenAsync(_servers.Source.Port, "localhost");
        using RedisClient viaAddress = await KeyCopyFixture.OpenAsync(_servers.Source.Port);
        var refused = await Assert.ThrowsAsync<KeyCopyException>(() => new KeyCopyRun(viaName, viaAddress, new KeyCopyOptions { Delete = true }).RunAsync(CancellationToken.None));
        Assert.Equal(KeyCopyRefusal.SameServer, refused.Refusal);
        Assert.Contains("same server", refused.Message, StringComparison.Ordinal);
        Assert.Contains("would delete every key", refused.Message, StringComparison.Ordinal);
        Assert.Equal("v", _servers.Source.Execute("GET", "self"));

        using RedisClient clusterA = await _servers.OpenClusterAsync(0);
        using RedisClient clusterB = await _servers.OpenClusterAsync(2);
        refused = await Assert.ThrowsAsync<KeyCopyException>(() => new KeyCopyRun(clusterA, clusterB, new KeyCopyOptions()).RunAsync(CancellationToken.None));
        Assert.Equal(KeyCopyRefusal.SameServer, refused.Refusal);

        // Another database of the same server is another keyspace: that copy is allowed.
        using RedisClient database1 = await KeyCopyFixture.OpenAsync(_servers.Source.Port, database: 1);
        KeyCopyResult result = await new KeyCopyRun(viaAddress, database1, new KeyCopyOptions()).RunAsync(CancellationToken.None);
        Assert.Equal(1, result.Copied);
        Assert.Equal("v", (await database1.ExecuteAsync(RedisCommand.Create("GET", "self"))).Value.GetString());
    }

    [Fact]
    public async Task APayloadFromANewerRedisStopsTheCopyWithAClearError()
    {
        await _servers.FlushAllAsync();
        _servers.Source.Execute("SET", "fresh", "v");
        using RedisClient plain = await KeyCopyFixture.OpenAsync(_servers.Source.Port);
        byte[] payload = (await plain.ExecuteAsync(RedisCommand.Create("DUMP", "fresh"))).Value.GetBytes()!;
        int ownFormat = payload[^10] | (payload[^9] << 8);
        Assert.Equal(10, ownFormat); // Redis 7.0 writes RDB format 10

        // The checksum helper is right: the server takes a payload whose CRC it recomputed, in its own format.
        Assert.Equal(0xe9c6d914c4b8d9caUL, Crc64Jones.Compute("123456789"u8));
        var own = new List<byte[]> { "RESTORE"u8.ToArray(), "check"u8.ToArray(), "0"u8.ToArray(), Crc64Jones.WithRdbVersion(payload, ownFormat) };
        Assert.False((await plain.ExecuteAsync(RedisCommand.Create(own))).Value.IsError);

        using var source = new InterceptingClient(await KeyCopyFixture.OpenAsync(_servers.Source.Port))
        {
            // Makes every DUMP look like a newer Redis' (RDB format 12, as 7.4 writes).
            AfterBatch = (inner, commands, replies) => Task.FromResult<IReadOnlyList<RedisReply>>(replies.Select(r =>
                r.Command.Name == "DUMP" && r.Value.GetBytes() is byte[] bytes
                    ? new RedisReply(r.Command, RespValue.BulkString(Crc64Jones.WithRdbVersion(bytes, 12)), r.Endpoint, r.Elapsed, r.Slot)
                    : r).ToList()),
        };
        using RedisClient target = await KeyCopyFixture.OpenAsync(_servers.Target.Port);

        var stopped = await Assert.ThrowsAsync<KeyCopyException>(() => new KeyCopyRun(source, target, new KeyCopyOptions { Pattern = "fresh" }).RunAsync(CancellationToken.None));

        Assert.Equal(KeyCopyRefusal.IncompatiblePayload, stopped.Refusal);
        Assert.Contains("RDB format 12", stopped.Message, StringComparison.Ordinal);
        Assert.Contains("from a newer Redis into an older one", stopped.Message, StringComparison.Ordinal);
        Assert.Contains("'fresh'", stopped.Message, StringComparison.Ordinal);
        Assert.Equal(0L, (long)_servers.Target.Execute("DBSIZE")!);
    }

    private static string Key(int i) => "import:" + i.ToString("D6", CultureInfo.InvariantCulture);

    private static string Value(int i) => "value-" + i.ToString(CultureInfo.InvariantCulture);

    private static string Flatten(RespValue value)
        => value.IsAggregate ? string.Join("\n", value.Items.Select(item => item.GetString())) : Convert.ToBase64String(value.GetBytes() ?? Array.Empty<byte>());

    private static void AssertNoErrors(IReadOnlyList<RedisReply> replies)
        => Assert.DoesNotContain(replies, r => r.Value.IsError);

    private static async Task<long> TotalKeysAsync(RedisClient client)
    {
        long total = 0;
        foreach (RedisEndpoint node in client.GetPrimaryEndpoints())
        {
            total += (await client.ExecuteOnNodeAsync(node, new[] { RedisCommand.Create("DBSIZE") }))[0].Value.Integer;
        }

        return total;
    }
}
