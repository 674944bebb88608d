using RedisCluster.Engine;
using RedisCluster.Engine.Client;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Transactions;
using RedisCluster.Tests.Routing;

namespace RedisCluster.Tests.Transactions;

/// <summary>Engine clients on the test servers, and terse transaction and INFO helpers for the tests of this folder.</summary>
internal static class LiveClients
{
    public static RedisClient OpenStandalone(int port)
    {
        var options = new RedisClientOptions(new ConnectionOptions()) { Log = new CapturingLog() };
        return RedisClientFactory.ConnectAsync(new[] { new RedisEndpoint("127.0.0.1", port) }, options).GetAwaiter().GetResult();
    }

    public static RespValue Read(this RedisTransaction tx, params string[] args) => tx.ReadAsync(RedisCommand.Create(args)).GetAwaiter().GetResult();

    public static void Queue(this RedisTransaction tx, params string[] args) => tx.QueueAsync(RedisCommand.Create(args)).GetAwaiter().GetResult();

    public static RedisTransactionOutcome Transact(this RedisClient client, string[] watch, Action<RedisTransaction> body, int retryCount = 0)
        => RedisTransactionRunner.Run(client, watch.Select(k => System.Text.Encoding.UTF8.GetBytes(k)).ToList(), body, null, retryCount, CancellationToken.None);

    /// <summary>Calls of one command on one node so far (INFO commandstats), 0 when it never ran there.</summary>
    public static long Calls(this RedisClient client, RedisEndpoint node, string command)
    {
        string info = client.OnNode(node, "INFO", "commandstats").GetString() ?? string.Empty;
        string prefix = "cmdstat_" + command.ToLowerInvariant() + ":calls=";
        foreach (string line in info.Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                string calls = line.Substring(prefix.Length);
                return long.Parse(calls.Substring(0, calls.IndexOf(',')), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>Calls of a command summed over every primary.</summary>
    public static long CallsOnPrimaries(this RedisClient client, string command) => client.GetPrimaryEndpoints().Sum(p => client.Calls(p, command));
}
