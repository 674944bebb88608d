using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol;

public sealed class RespResp2FitTests
{
    [Theory]
    [InlineData("+OK\r\n")]
    [InlineData("-ERR no\r\n")]
    [InlineData(":12\r\n")]
    [InlineData("$-1\r\n")]
    [InlineData("*2\r\n$3\r\nabc\r\n*-1\r\n")]
    public void Resp2TypesFit(string reply) => Assert.True(RespResp2Fit.Fits(Encoding.ASCII.GetBytes(reply), RespLimits.Default));

    [Theory]
    [InlineData("_\r\n")]
    [InlineData("%1\r\n+a\r\n:1\r\n")]
    [InlineData("*2\r\n:1\r\n,1.5\r\n")]
    [InlineData("*1\r\n~1\r\n#t\r\n")]
    public void Resp3TypesAnywhereDoNot(string reply) => Assert.False(RespResp2Fit.Fits(Encoding.ASCII.GetBytes(reply), RespLimits.Default));

    [Fact]
    public void AnyDepthIsWalked()
    {
        var deep = new StringBuilder();
        for (int i = 0; i < 10000; i++)
        {
            deep.Append("*1\r\n");
        }

        Assert.True(RespResp2Fit.Fits(Encoding.ASCII.GetBytes(deep + "-ERR reached lua stack limit\r\n"), RespLimits.Default));
        Assert.False(RespResp2Fit.Fits(Encoding.ASCII.GetBytes(deep + "_\r\n"), RespLimits.Default));
    }

    [Fact]
    public void AnIncompleteReplyDoesNotFit() => Assert.False(RespResp2Fit.Fits(Encoding.ASCII.GetBytes("*2\r\n:1\r\n"), RespLimits.Default));
}
