using RedisCluster.Engine.Commands;
using Xunit;

namespace RedisCluster.Tests.Commands;

/// <summary>Commands shown in messages, -Detailed output and logs never show a secret.</summary>
public sealed class RedisCommandDisplayTests
{
    [Theory]
    [InlineData(new[] { "AUTH", "s3cret" }, "AUTH ****")]
    [InlineData(new[] { "AUTH", "alice", "s3cret" }, "AUTH **** ****")]
    [InlineData(new[] { "HELLO", "3", "AUTH", "alice", "s3cret", "SETNAME", "app" }, "HELLO 3 AUTH **** **** SETNAME app")]
    [InlineData(new[] { "MIGRATE", "10.0.0.1", "6379", "", "0", "5000", "AUTH2", "bob", "s3cret", "KEYS", "k" }, "MIGRATE 10.0.0.1 6379 \"\" 0 5000 AUTH2 **** **** KEYS k")]
    [InlineData(new[] { "ACL", "SETUSER", "carol", "on", ">s3cret" }, "ACL SETUSER carol on ****")]
    [InlineData(new[] { "MIGRATE", "10.0.0.1", "6379", "", "0", "5000", "KEYS", "k", "AUTH2", "bob", "s3cret" }, "MIGRATE 10.0.0.1 6379 \"\" 0 5000 KEYS k AUTH2 **** ****")]
    [InlineData(new[] { "CONFIG", "SET", "masterauth", "s3cret" }, "CONFIG SET masterauth ****")]
    [InlineData(new[] { "CONFIG", "SET", "maxmemory", "100mb" }, "CONFIG SET maxmemory 100mb")]
    [InlineData(new[] { "CONFIG", "SET", "requirepass", "s3cret", "maxmemory", "1gb" }, "CONFIG SET requirepass **** maxmemory 1gb")]
    [InlineData(new[] { "SET", "key", "a value" }, "SET key \"a value\"")]
    public void SecretsAreRedacted(string[] args, string expected)
    {
        string shown = RedisCommand.Create(args).ToDisplayString();
        Assert.Equal(expected, shown);
        Assert.DoesNotContain("s3cret", shown);
    }

    [Fact]
    public void LongArgumentsAreShortened()
    {
        string shown = RedisCommand.Create("SET", "k", new string('x', 500)).ToDisplayString(16);
        Assert.Equal("SET k xxxxxxxxxxxxxxxx...(500 bytes)", shown);
    }
}
