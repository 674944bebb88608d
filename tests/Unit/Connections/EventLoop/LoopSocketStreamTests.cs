using System.Net;
using System.Net.Sockets;
using RedisCluster.Engine.Connections.EventLoop;
using Xunit;

namespace RedisCluster.Tests.Connections.EventLoop;

/// <summary>
/// A socket stream driven by the event loop, over real loopback sockets: data both ways whatever the sizes, a full
/// send buffer waits for the peer, a drained socket waits for the next edge, and closing, shutting down,
/// cancelling and refusing end what waits with the errors a stream's callers expect.
/// </summary>
public sealed class LoopSocketStreamTests : IDisposable
{
    private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
    private readonly SocketEventLoop _loop;

    public LoopSocketStreamTests()
    {
        Assert.True(Epoll.IsSupported, "epoll is available on the Linux machines the tests run on");
        _loop = SocketEventLoops.Next() ?? SocketEventLoop.Start("test loop");
        _listener.Start();
    }

    public void Dispose() => _listener.Stop();

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>A connected pair: the loop's stream (connected through the loop) and the plain peer it talks to.</summary>
    private async Task<(LoopSocketStream Loop, NetworkStream Peer)> PairAsync()
    {
        Task<Socket> accepted = _listener.AcceptSocketAsync();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        LoopSocketStream loop = await LoopSocketStream.ConnectAsync(_loop, socket, new IPEndPoint(IPAddress.Loopback, Port), CancellationToken.None);
        return (loop, new NetworkStream(await accepted, ownsSocket: true));
    }

    /// <summary>A connected pair the other way round: the loop's stream attached to an accepted socket.</summary>
    private async Task<(LoopSocketStream Loop, NetworkStream Peer)> AcceptedPairAsync()
    {
        Task<Socket> accepted = _listener.AcceptSocketAsync();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        return (LoopSocketStream.Attach(_loop, await accepted), client.GetStream());
    }

    [Fact]
    public async Task EightMegabytesGoEachWayIntactWhileTheOtherSideReadsInSmallPieces()
    {
        var (loop, peer) = await AcceptedPairAsync();
        using (loop)
        using (peer)
        {
            byte[] data = new byte[8 << 20];
            new Random(7).NextBytes(data);

            // Nobody reads until the write has filled both socket buffers: the write must wait for room, not fail.
            Task write = loop.WriteAsync(data, 0, data.Length);
            Assert.False(write.IsCompleted, "8 MB do not fit in loopback's socket buffers");
            Assert.Equal(data, await ReadExactlyAsync(peer, data.Length, 1000));
            await write.WaitAsync(TimeSpan.FromSeconds(30));

            Task back = peer.WriteAsync(data, 0, data.Length);
            Assert.Equal(data, await ReadExactlyAsync(loop, data.Length, 777));
            await back.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task AReadOfADrainedSocketWaitsForTheNextBytesAndAZeroByteReadWaitsWithoutTakingThem()
    {
        var (loop, peer) = await PairAsync();
        using (loop)
        using (peer)
        {
            byte[] buffer = new byte[64];
            peer.Write(new byte[] { 1, 2, 3 });
            Assert.Equal(3, await loop.ReadAsync(buffer, 0, buffer.Length).WaitAsync(TimeSpan.FromSeconds(30)));

            // Drained: both kinds of read wait until the peer sends again.
            Task<int> zero = loop.ReadAsync(Array.Empty<byte>(), 0, 0);
            Assert.False(zero.IsCompleted);
            peer.Write(new byte[] { 4, 5 });
            Assert.Equal(0, await zero.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(2, await loop.ReadAsync(buffer, 0, buffer.Length).WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(new byte[] { 4, 5 }, buffer[..2]);

            Task<int> read = loop.ReadAsync(buffer, 0, buffer.Length);
            Assert.False(read.IsCompleted);
            peer.Write(new byte[] { 6 });
            Assert.Equal(1, await read.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task APeerThatShutsDownEndsTheWaitingReadWithEndOfStream()
    {
        var (loop, peer) = await AcceptedPairAsync();
        using (loop)
        using (peer)
        {
            Task<int> read = loop.ReadAsync(new byte[16], 0, 16);
            Assert.False(read.IsCompleted);
            peer.Socket.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, await read.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task APeerThatSendsItsLastBytesAndClosesAtOnceIsReadToTheEnd()
    {
        // Data and the hang-up in one edge (here: both there before the socket joins the loop, whose first edge then
        // says both): the short read that takes the data must not be taken for "drained", since no edge comes again
        // for the end of the stream.
        Task<Socket> accepted = _listener.AcceptSocketAsync();
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await peer.ConnectAsync(IPAddress.Loopback, Port);
        Socket socket = await accepted;
        peer.Send(new byte[] { 1, 2, 3 });
        peer.Shutdown(SocketShutdown.Send);
        Assert.True(Infrastructure.Poll.Until(() => socket.Available == 3, Infrastructure.Poll.Deadline));
        using LoopSocketStream loop = LoopSocketStream.Attach(_loop, socket);
        byte[] buffer = new byte[64];
        Assert.Equal(3, await loop.ReadAsync(buffer, 0, buffer.Length).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await loop.ReadAsync(buffer, 0, buffer.Length).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task DisposingTheStreamEndsItsWaitingReadAndWriteAsDisposed()
    {
        var (loop, peer) = await PairAsync();
        using (peer)
        {
            Task<int> read = loop.ReadAsync(new byte[16], 0, 16);
            byte[] big = new byte[16 << 20];
            Task write = loop.WriteAsync(big, 0, big.Length);
            Assert.False(read.IsCompleted);
            Assert.False(write.IsCompleted);
            loop.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => read.WaitAsync(TimeSpan.FromSeconds(30)));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => write.WaitAsync(TimeSpan.FromSeconds(30)));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => loop.ReadAsync(new byte[1], 0, 1));
        }
    }

    [Fact]
    public async Task CancellingAWaitingReadCancelsItAndTheStreamReadsOnAfterwards()
    {
        var (loop, peer) = await PairAsync();
        using (loop)
        using (peer)
        {
            using var cancel = new CancellationTokenSource();
            Task<int> read = loop.ReadAsync(new byte[16], 0, 16, cancel.Token);
            Assert.False(read.IsCompleted);
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(TimeSpan.FromSeconds(30)));

            peer.Write(new byte[] { 9 });
            byte[] buffer = new byte[16];
            Assert.Equal(1, await loop.ReadAsync(buffer, 0, buffer.Length).WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(9, buffer[0]);
        }
    }

    [Fact]
    public async Task ConnectingToAPortNobodyListensOnIsRefused()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        int port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(
            () => LoopSocketStream.ConnectAsync(_loop, socket, new IPEndPoint(IPAddress.Loopback, port), CancellationToken.None));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count, int pieceSize)
    {
        byte[] result = new byte[count];
        int filled = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (filled < count)
        {
            int read = await stream.ReadAsync(result, filled, Math.Min(pieceSize, count - filled), deadline.Token);
            Assert.NotEqual(0, read);
            filled += read;
        }

        return result;
    }
}
