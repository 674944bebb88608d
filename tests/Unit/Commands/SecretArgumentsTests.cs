using RedisCluster.Engine.Commands;
using Xunit;

namespace RedisCluster.Tests.Commands;

/// <summary>The one redaction rule: which argument positions carry a secret, for every command form that has one.</summary>
public sealed class SecretArgumentsTests
{
    [Theory]
    [InlineData(new[] { "AUTH", "s3cret" }, new[] { 1 })]
    [InlineData(new[] { "auth", "alice", "s3cret" }, new[] { 1, 2 })]
    [InlineData(new[] { "AUTH", "a", "b", "s3cret" }, new[] { 1, 2, 3 })]
    [InlineData(new[] { "HELLO", "3", "AUTH", "alice", "s3cret", "SETNAME", "app" }, new[] { 3, 4 })]
    [InlineData(new[] { "HELLO", "3", "SETNAME", "app", "auth", "alice", "s3cret" }, new[] { 5, 6 })]
    [InlineData(new[] { "MIGRATE", "h", "1", "k", "0", "5000", "AUTH", "s3cret" }, new[] { 7 })]
    [InlineData(new[] { "MIGRATE", "h", "1", "", "0", "5000", "COPY", "AUTH2", "bob", "s3cret", "KEYS", "k" }, new[] { 8, 9 })]
    // After KEYS Redis reads AUTH2 as key names; the user still meant a credential.
    [InlineData(new[] { "MIGRATE", "h", "1", "", "0", "5000", "KEYS", "k1", "k2", "AUTH2", "bob", "s3cret" }, new[] { 10, 11 })]
    [InlineData(new[] { "MIGRATE", "h", "1", "", "0", "5000", "KEYS", "k1", "auth", "s3cret" }, new[] { 9 })]
    [InlineData(new[] { "ACL", "SETUSER", "carol", "on", ">s3cret", "~*", "<old", "#a1b2", "!c3d4", "+@all" }, new[] { 4, 6, 7, 8 })]
    [InlineData(new[] { "acl", "setuser", "carol", "resetpass", "nopass" }, new int[0])]
    [InlineData(new[] { "CONFIG", "SET", "requirepass", "s3cret" }, new[] { 3 })]
    [InlineData(new[] { "config", "set", "MasterAuth", "s3cret", "maxmemory", "1gb", "tls-key-file-pass", "s3cret" }, new[] { 3, 7 })]
    // Pairs, not neighbours: a value that contains "pass" does not hide the next parameter's name.
    [InlineData(new[] { "CONFIG", "SET", "maxmemory-policy", "passive", "maxmemory", "1gb" }, new int[0])]
    [InlineData(new[] { "CONFIG", "GET", "requirepass" }, new int[0])]
    [InlineData(new[] { "SENTINEL", "SET", "mymaster", "auth-pass", "s3cret", "quorum", "2" }, new[] { 4 })]
    [InlineData(new[] { "SENTINEL", "CONFIG", "SET", "sentinel-pass", "s3cret" }, new[] { 4 })]
    [InlineData(new[] { "COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5000", "KEYS", "k", "AUTH2", "bob", "s3cret" }, new[] { 11, 12 })]
    [InlineData(new[] { "SET", "AUTH", "s3cret-looking-value" }, new int[0])]
    [InlineData(new[] { "GET", "k" }, new int[0])]
    public void FindsTheSecretPositions(string[] args, int[] secret)
    {
        var command = RedisCommand.Create(args);
        var found = Enumerable.Range(0, args.Length).Where(command.Secrets.IsSecret).ToArray();
        Assert.Equal(secret, found);
        Assert.Equal(secret.Length > 0, command.Secrets.Any);
        Assert.False(command.Secrets.IsSecret(0));
    }

    [Theory]
    [InlineData(new[] { "MIGRATE", "h", "1", "", "0", "5000", "KEYS", "k", "AUTH2", "bob", "s3cret" }, 10)]
    [InlineData(new[] { "ACL", "SETUSER", "carol", ">s3cret" }, 3)]
    public void EveryWayOfShowingAnArgumentMasksIt(string[] args, int secretIndex)
    {
        var command = RedisCommand.Create(args);
        Assert.Equal(SecretArguments.Mask, command.DisplayArgument(secretIndex));
        Assert.DoesNotContain("s3cret", command.ToDisplayString());
        Assert.DoesNotContain("s3cret", command.ToString());
        Assert.DoesNotContain("s3cret", command.ToDisplayString(2));
    }

    [Fact]
    public void ServerMessagesThatQuoteASecretAreScrubbed()
    {
        var command = RedisCommand.Create("ACL", "SETUSER", "carol", "on", ">s3cret");
        Assert.Equal("ERR Error in ACL SETUSER modifier '****': Syntax error", command.Scrub("ERR Error in ACL SETUSER modifier '>s3cret': Syntax error"));
        var plain = RedisCommand.Create("GET", "k");
        Assert.Equal("ERR k", plain.Scrub("ERR k"));
    }
}
