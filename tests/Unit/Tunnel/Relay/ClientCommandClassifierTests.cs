using System.Text;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Engine.Tunnel.Hosting;
using RedisCluster.Engine.Tunnel.Relay;
using RedisCluster.Tests.ClusterMetadata;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Relay;

/// <summary>What the byte relay decides about a command from its name and first argument.</summary>
public sealed class ClientCommandClassifierTests
{
    private static byte[] W(string word) => Encoding.ASCII.GetBytes(word);

    private static ClientCommandVerdict Classify(ClientCommandClassifier classifier, string name, string sub = "", long count = 1)
        => classifier.Classify(W(name), false, W(sub), count);

    private static ClientCommandClassifier WithDenied(string command)
    {
        var options = new TunnelOptions(new RedisEndpoint("127.0.0.1", 6379), new ConnectionOptions()) { DenyCommands = new List<string> { command } };
        ReplyBuilder r = ReplyBuilder.V2;
        CommandTable table = CommandTable.Parse(r.Arr(
            CommandReplies.Entry(r, "set", -3, new[] { "write" }, 1, 1, 1, new[] { "@write", "@string" }),
            CommandReplies.Entry(r, command.ToLowerInvariant(), 3, new[] { "write" }, 1, 1, 1, new[] { "@write", "@string" })));
        return new ClientCommandClassifier(rewritesAuth: false) { Gate = new TunnelClientGate(TunnelAccessPolicy.Create(options, table)!) };
    }

    [Theory]
    [InlineData("cluster", "slots", "ClusterSlots")]
    [InlineData("CLUSTER", "Shards", "ClusterShards")]
    [InlineData("cluster", "NODES", "ClusterNodes")]
    [InlineData("cluster", "slaves", "ClusterReplicas")]
    [InlineData("cluster", "info", "Other")]
    [InlineData("client", "reply", "Desync")]
    [InlineData("client", "list", "Other")]
    [InlineData("ssubscribe", "c", "Desync")]
    [InlineData("monitor", "", "Desync")]
    [InlineData("get", "reply", "Other")]
    public void RepliesThatMatterAreNamedByTheirCommand(string name, string sub, string kind)
    {
        var classifier = new ClientCommandClassifier(rewritesAuth: false);
        ClientCommandVerdict verdict = Classify(classifier, name, sub, sub.Length == 0 ? 1 : 2);
        Assert.Equal(ClientCommandAction.Relay, verdict.Action);
        Assert.Equal(kind, verdict.Kind.ToString());
    }

    [Fact]
    public void AuthAndHelloAreReadWholeOnlyWhenTheTunnelRewritesThem()
    {
        Assert.Equal(ClientCommandAction.ReadWhole, Classify(new ClientCommandClassifier(rewritesAuth: true), "auth", "x", 2).Action);
        Assert.Equal(ClientCommandAction.ReadWhole, Classify(new ClientCommandClassifier(rewritesAuth: true), "HELLO", "3", 2).Action);
        Assert.Equal(ClientCommandAction.Relay, Classify(new ClientCommandClassifier(rewritesAuth: false), "auth", "x", 2).Action);
    }

    [Fact]
    public void ARefusalInsideMultiMakesItsExecADiscardAndOnlyThatOne()
    {
        ClientCommandClassifier classifier = WithDenied("APPEND");
        Assert.Equal(ClientCommandAction.Relay, Classify(classifier, "EXEC").Action);
        Assert.Equal(ClientCommandAction.Relay, Classify(classifier, "multi").Action);
        ClientCommandVerdict refused = Classify(classifier, "append", "k", 3);
        Assert.Equal(ClientCommandAction.Refuse, refused.Action);
        Assert.Contains("append", refused.Refusal!, StringComparison.Ordinal);
        Assert.Equal(ClientCommandAction.Relay, Classify(classifier, "set", "k", 3).Action);
        ClientCommandVerdict exec = Classify(classifier, "exec");
        Assert.Equal(ClientCommandAction.Discard, exec.Action);
        Assert.Equal(ClientCommandKind.DiscardedExec, exec.Kind);

        Assert.Equal(ClientCommandAction.Relay, Classify(classifier, "MULTI").Action);
        Assert.Equal(ClientCommandAction.Relay, Classify(classifier, "EXEC").Action);
    }

    [Fact]
    public void QuitIsNoticed()
    {
        var classifier = new ClientCommandClassifier(rewritesAuth: false);
        Classify(classifier, "ping");
        Assert.False(classifier.QuitSent);
        Classify(classifier, "quit");
        Assert.True(classifier.QuitSent);
    }

    [Fact]
    public void SubcommandsAreReadForClusterClientAndGatedCommandsOnly()
    {
        var classifier = new ClientCommandClassifier(rewritesAuth: false);
        Assert.True(classifier.NeedsSubcommand(W("cluster")));
        Assert.True(classifier.NeedsSubcommand(W("CLIENT")));
        Assert.False(classifier.NeedsSubcommand(W("get")));
    }
}
