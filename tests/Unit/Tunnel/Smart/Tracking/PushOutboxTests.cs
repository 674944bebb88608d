using System.IO.Pipelines;
using System.Text;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Engine.Tunnel.Smart;
using RedisCluster.Engine.Tunnel.Smart.Tracking;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart.Tracking;

/// <summary>The outbox against a real pipe: what the client would read, in order.</summary>
public sealed class PushOutboxTests
{
    private readonly Pipe _pipe = new Pipe();
    private readonly SmartClientWrites _writes = new SmartClientWrites(new TunnelStatistics());

    [Fact]
    public void AnIdleClientGetsMessagesAtOnce()
    {
        var outbox = new PushOutbox(_writes, _ => throw new InvalidOperationException("no overflow expected"));
        outbox.Attach(_pipe.Writer, CancellationToken.None);
        outbox.Add(Invalidate("k"), 3);
        Assert.Equal(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n", ReadUntil(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n".Length));
    }

    [Fact]
    public async Task HeldMessagesFollowTheRepliesWrittenMeanwhile()
    {
        var outbox = new PushOutbox(_writes, _ => throw new InvalidOperationException("no overflow expected"));
        outbox.Attach(_pipe.Writer, CancellationToken.None);
        outbox.Hold();
        outbox.Add(Invalidate("k"), 2);
        await _writes.WriteAsync(_pipe.Writer, Encoding.ASCII.GetBytes("+REPLY\r\n"), CancellationToken.None);
        outbox.Release();
        string expected = "+REPLY\r\n*2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n";
        Assert.Equal(expected, ReadUntil(expected.Length));
    }

    [Fact]
    public void AClientThatNeverReadsIsDisconnectedNotHeldForever()
    {
        string? why = null;
        var outbox = new PushOutbox(_writes, reason => why = reason);
        outbox.Hold();
        var big = RespValue.Array(RespValue.BulkString(new byte[1024 * 1024]));
        for (int i = 0; i < 40 && why == null; i++)
        {
            outbox.Add(big, 3);
        }

        Assert.Contains("did not read its invalidation messages", why);
        Assert.Null(outbox.TakeAll());
    }

    private static RespValue Invalidate(string key)
        => RespValue.Create(RespType.Push, null, items: new[] { RespValue.BulkString("invalidate"), RespValue.Array(RespValue.BulkString(key)) });

    private string ReadUntil(int length)
    {
        var text = new StringBuilder();
        bool whole = Poll.Until(() =>
        {
            if (_pipe.Reader.TryRead(out ReadResult result))
            {
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    text.Append(Encoding.ASCII.GetString(segment.Span));
                }

                _pipe.Reader.AdvanceTo(result.Buffer.End);
            }

            return text.Length >= length;
        }, Poll.Deadline);
        Assert.True(whole, "the outbox wrote " + text.Length + " of " + length + " bytes");
        return text.ToString();
    }
}
