using System.Text;
using RedisCluster.Engine.Commands;
using Xunit;

namespace RedisCluster.Tests.Commands;

/// <summary>Command names from their bytes: upper-cased, and shared strings for the names relays see again and again.</summary>
public sealed class CommandNamesTests
{
    [Theory]
    [InlineData("get", "GET")]
    [InlineData("GeT", "GET")]
    [InlineData("client", "CLIENT")]
    [InlineData("zrangebyscore", "ZRANGEBYSCORE")]
    [InlineData("x-y_z|1", "X-Y_Z|1")]
    [InlineData("ünïcode", "ÜNÏCODE")]
    public void NamesAreUpperCased(string sent, string expected)
    {
        Assert.Equal(expected, CommandNames.Of(Encoding.UTF8.GetBytes(sent)));
        Assert.Equal(expected, new RedisCommand(new ReadOnlyMemory<byte>[] { Encoding.UTF8.GetBytes(sent) }).Name);
    }

    [Fact]
    public void ARepeatedNameIsTheSameString()
    {
        string first = CommandNames.Of("hset"u8);
        Assert.Same(first, CommandNames.Of("HSET"u8));
        Assert.Same(first, CommandNames.Of("hSeT"u8));
    }

    [Fact]
    public void LongNamesAreNotCachedButStillRight()
    {
        string name = new string('a', 100);
        Assert.Equal(name.ToUpperInvariant(), CommandNames.Of(Encoding.ASCII.GetBytes(name)));
    }

    [Fact]
    public void ManyDistinctNamesNeverGetAnothersName()
    {
        // More names than the cache has places: entries are replaced, never confused.
        var random = new Random(7);
        for (int i = 0; i < 20000; i++)
        {
            int length = 1 + random.Next(20);
            var bytes = new byte[length];
            for (int b = 0; b < length; b++)
            {
                bytes[b] = (byte)(random.Next(2) == 0 ? 'a' + random.Next(26) : 'A' + random.Next(26));
            }

            Assert.Equal(Encoding.ASCII.GetString(bytes).ToUpperInvariant(), CommandNames.Of(bytes));
        }
    }
}
